"""Files users send (a spreadsheet to import): Feishu `file` and DingTalk `file` messages
become an `Incoming` with an `Attachment` whose download runs only when the bot asks for it,
through the platforms' real download APIs on the fake servers. WeCom's app callbacks carry
no file messages (wechatpy's enterprise parser has none either): they stay unsupported."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

from aiohttp import web

from adapters.dingtalk.inbound import BotMessageHandler
from adapters.dingtalk.outbound import DingTalkApi, DingTalkSender
from adapters.dispatch import Dispatcher
from adapters.feishu.inbound import FeishuEvents
from adapters.feishu.outbound import FeishuApi, FeishuSender
from bot.messages import Incoming, Reply, Text
from tests.adapters.fakes import FakePlatform, Recorded, make_ctx, wait_for

XLSX = b"PK\x03\x04" + b"\x00" * 700


class FileBot:
    """Downloads a file only when told to (as the real bot does for an admin)."""

    def __init__(self, want: bool = True) -> None:
        self.want = want
        self.got: list[Incoming] = []
        self.sent: list[Reply] = []

    async def first_time(self, platform: str, event_id: str) -> bool:
        return True

    async def handle(self, incoming: Incoming,
                     respond: Callable[[Reply], Awaitable[None]] | None = None) -> list[Reply]:
        self.got.append(incoming)
        assert incoming.file is not None and incoming.file.data is None
        if not self.want:
            return [Text("不处理")]
        assert incoming.file.fetch is not None
        data = await incoming.file.fetch()
        return [Text(f"{incoming.file.name} {len(data)}")]


def feishu_file_event() -> dict[str, Any]:
    return {"schema": "2.0",
            "header": {"event_id": "ev-file-1", "event_type": "im.message.receive_v1",
                       "create_time": "1608725989000", "token": "vtok", "app_id": "cli_test"},
            "event": {"sender": {"sender_id": {"open_id": "ou_admin"}, "sender_type": "user"},
                      "message": {"message_id": "om_file_1", "create_time": "1609073151345",
                                  "chat_id": "oc_p2p_1", "chat_type": "p2p",
                                  "message_type": "file",
                                  "content": '{"file_key":"file_v3_k1","file_name":"客户.xlsx"}'}}}


async def test_feishu_file_is_fetched_only_when_wanted(fake: FakePlatform) -> None:
    fake.on("POST", "/open-apis/auth/v3/tenant_access_token/internal",
            {"code": 0, "tenant_access_token": "t-1", "expire": 7200})
    fake.on("POST", "/open-apis/im/v1/messages", {"code": 0, "data": {"message_id": "om_r"}})
    fake.on("GET", "/open-apis/im/v1/messages/om_file_1/resources/file_v3_k1",
            web.Response(body=XLSX, content_type="application/octet-stream"))
    for want in (False, True):
        bot = FileBot(want)
        ctx = make_ctx(bot)
        api = FeishuApi(fake.url, "cli_test", "secret")
        sender = FeishuSender(api)
        events = FeishuEvents(Dispatcher(ctx, "feishu", sender), sender, ctx.clock)
        await events.handle_event(feishu_file_event())
        await events.dispatcher.drain()
        await api.close()
        assert bot.got[0].file is not None and bot.got[0].file.name == "客户.xlsx"
    downloads = fake.calls("/open-apis/im/v1/messages/om_file_1/resources/file_v3_k1")
    assert len(downloads) == 1 and downloads[0].query == {"type": "file"}
    assert "客户.xlsx 704" in fake.calls("/open-apis/im/v1/messages", "POST")[-1].json["content"]


async def test_dingtalk_file_is_fetched_through_the_download_code(fake: FakePlatform) -> None:
    fake.on("POST", "/v1.0/oauth2/accessToken", {"accessToken": "dt-1", "expireIn": 7200})

    def download(rec: Recorded) -> dict[str, Any]:
        assert rec.json == {"downloadCode": "dl-file-1", "robotCode": "dingrobot"}
        return {"downloadUrl": f"{fake.url}/files/abc"}

    fake.on("POST", "/v1.0/robot/messageFiles/download", download)
    fake.on("GET", "/files/abc", XLSX)
    fake.on("POST", "/robot/send", {"errcode": 0})
    bot = FileBot()
    ctx = make_ctx(bot)
    api = DingTalkApi(fake.url, fake.url, "dingrobot", "secret")
    sender = DingTalkSender(api, robot_code="dingrobot")
    handler = BotMessageHandler(Dispatcher(ctx, "dingtalk", sender), sender, ctx.clock)
    handler.accept({"conversationId": "cidP2P1==", "msgId": "msgFile-1", "senderNick": "林晓",
                    "senderStaffId": "staff001", "conversationType": "1",
                    "senderId": "$:LWCP_v1:$lx", "robotCode": "dingrobot",
                    "sessionWebhook": f"{fake.url}/robot/send",
                    "sessionWebhookExpiredTime": 4102444800000, "createAt": 1690362101894,
                    "msgtype": "file",
                    "content": {"downloadCode": "dl-file-1", "fileName": "联系人.xlsx"}})
    await wait_for(lambda: bool(fake.calls("/robot/send")))
    await handler.dispatcher.drain()
    await api.close()
    assert bot.got[0].file is not None and bot.got[0].file.name == "联系人.xlsx"
    assert fake.calls("/robot/send")[0].json["text"]["content"] == "联系人.xlsx 704"


def test_payload_shapes() -> None:
    from adapters.feishu.inbound import message_to_incoming

    inc, kind = message_to_incoming(feishu_file_event(), UTC)
    assert kind == "file" and inc is not None and inc.file is not None
    assert inc.file.name == "客户.xlsx" and inc.text == ""
