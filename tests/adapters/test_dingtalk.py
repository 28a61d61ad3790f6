"""DingTalk adapter: the dingtalk-stream framing against a fake gateway + websocket on
127.0.0.1 (own thread), replies through the session webhook or the robot OpenAPI, markdown
cards with dtmd links, audio with downloadCode + recognition, reconnect, clean shutdown."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import web

from adapters import dingtalk
from adapters.dingtalk.inbound import to_incoming
from adapters.dingtalk.outbound import render_markdown
from adapters.http_client import ApiError
from bot.messages import ButtonPress, ChatRef, Text
from tests.adapters.fakes import SEARCH_CARD, FakeBot, FakePlatform, make_ctx, wait_for
from tests.adapters.strict import StrictDingTalk

PAYLOADS = Path(__file__).parent / "payloads" / "dingtalk"


class Gateway:
    """The Stream gateway: connections/open + the websocket, both on the fake server."""

    def __init__(self, fake: FakePlatform) -> None:
        self.fake = fake
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: list[dict[str, Any]] = []
        self.opened: list[dict[str, Any]] = []
        fake.on("POST", "/v1.0/gateway/connections/open", self._open)
        fake.ws_handlers["/connect"] = self._ws

    def _open(self, rec: Any) -> dict[str, Any]:
        self.opened.append(rec.json)
        return {"endpoint": f"ws://127.0.0.1:{self.fake.port}/connect",
                "ticket": f"ticket+{len(self.opened)}"}

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        async for msg in ws:
            self.acks.append(json.loads(msg.data))
        return ws

    def push(self, frame: dict[str, Any]) -> None:
        assert self.fake.loop is not None
        deadline = time.monotonic() + 5
        while not self.sockets and time.monotonic() < deadline:   # server side still preparing
            time.sleep(0.005)
        asyncio.run_coroutine_threadsafe(self.sockets[-1].send_str(json.dumps(frame)),
                                         self.fake.loop).result(5)

    def push_bot_message(self, data: dict[str, Any], message_id: str) -> None:
        self.push({"specVersion": "1.0", "type": "CALLBACK",
                   "headers": {"topic": "/v1.0/im/bot/messages/get", "messageId": message_id,
                               "contentType": "application/json", "time": "1690362102000"},
                   "data": json.dumps(data, ensure_ascii=False)})


def bot_message(fake: FakePlatform, name: str, **changes: Any) -> dict[str, Any]:
    data = json.loads((PAYLOADS / name).read_text())
    data["sessionWebhook"] = f"{fake.url}/robot/sendBySession?session=s1"
    data.update(changes)
    return data


def install_api(fake: FakePlatform) -> StrictDingTalk:
    """The strict robot API (tests/adapters/strict.py) plus the rest of what we call."""
    strict = StrictDingTalk(fake).install()
    fake.on("POST", "/robot/sendBySession", {"errcode": 0, "errmsg": "ok"})
    fake.on("POST", "/v1.0/robot/messageFiles/download",
            lambda r: {"downloadUrl": f"{fake.url}/files/audio-1"})
    fake.on("GET", "/files/audio-1", b"\x02#!AMR\n" + b"\x00" * 120)
    fake.on("POST", "/topapi/v2/user/get",
            {"errcode": 0, "errmsg": "ok", "result": {"name": "张三", "mobile": "13800000000",
                                                     "email": "zs@example.com"}})
    return strict


@pytest.fixture
async def env(fake: FakePlatform) -> AsyncIterator[tuple[Gateway, Any, FakeBot]]:
    install_api(fake)
    gateway = Gateway(fake)
    bot = FakeBot()
    ctx = make_ctx(bot, dingtalk_client_id="dingrobot", dingtalk_client_secret="dt-secret",
                   dingtalk_api_base=fake.url, dingtalk_oapi_base=fake.url)
    app = web.Application()
    dingtalk.setup(ctx, app)
    stream = app[dingtalk.APP_KEY]
    stream.reconnect_delay = 0.05
    tasks = [asyncio.create_task(run()) for run in ctx.background]
    await asyncio.wait_for(stream.connected.wait(), 5)
    yield gateway, ctx, bot
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for close in reversed(ctx.closers):
        await close()


def webhook_posts(fake: FakePlatform) -> list[dict[str, Any]]:
    return [r.json for r in fake.calls("/robot/sendBySession")]


# --------------------------------------------------------------------------- payloads

def test_payloads_to_incoming() -> None:
    group, _ = to_incoming(json.loads((PAYLOADS / "text_group.json").read_text()), UTC)
    assert group is not None
    assert group.text == "测试数据"                       # the space left by the @ is gone
    assert group.chat == ChatRef("dingtalk", "cidAsXSBLnA==", "166500000000698", is_group=True)
    assert group.event_id == "msgLICYe1Ywaxq2rDqbUg=="
    audio, _ = to_incoming(json.loads((PAYLOADS / "audio_p2p.json").read_text()), UTC)
    assert audio is not None
    assert audio.voice is not None
    assert audio.voice.recognition == "跟进鼓楼医院明天回访"
    assert audio.voice.duration_s == 4.0
    rich, _ = to_incoming(json.loads((PAYLOADS / "richtext_p2p.json").read_text()), UTC)
    assert rich is not None
    assert rich.text == "跟进 鼓楼医院 下周二送样机"
    picture, kind = to_incoming(json.loads((PAYLOADS / "picture_p2p.json").read_text()), UTC)
    assert picture is None
    assert kind == "picture"


def test_card_renders_markdown_with_dtmd_links() -> None:
    title, text = render_markdown(SEARCH_CARD)
    assert title == "新线索：张三"
    assert "**电话**：138＊＊＊＊0000" in text     # user text is inert (adapters/markup.py)
    link = text.split("1. [认领](")[1].split(")")[0]
    assert link.startswith("dtmd://dingtalkclient/sendMessage?content=")
    assert unquote(link.split("content=")[1]) == "认领 #lead.claim?lead_id=42"


# --------------------------------------------------------------------------- stream

async def test_open_connection_body_and_ping(env: Any) -> None:
    gateway, _, _ = env
    body = gateway.opened[0]
    assert body["clientId"] == "dingrobot"
    assert body["clientSecret"] == "dt-secret"
    assert body["subscriptions"] == [{"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"}]
    gateway.push({"specVersion": "1.0", "type": "SYSTEM",
                  "headers": {"topic": "ping", "messageId": "p1",
                              "contentType": "application/json"},
                  "data": json.dumps({"opaque": "op-1"})})
    await wait_for(lambda: len(gateway.acks) == 1)
    assert gateway.acks[0]["headers"]["messageId"] == "p1"
    assert json.loads(gateway.acks[0]["data"]) == {"opaque": "op-1"}


async def test_group_text_acked_and_replied_through_session_webhook(env: Any,
                                                                    fake: FakePlatform) -> None:
    gateway, _, bot = env
    gateway.push_bot_message(bot_message(fake, "text_group.json"), "m-1")
    await wait_for(lambda: len(webhook_posts(fake)) == 1)
    ack = next(a for a in gateway.acks if a["headers"]["messageId"] == "m-1")
    assert ack["code"] == 200
    assert webhook_posts(fake)[0] == {"msgtype": "text", "text": {"content": "收到：测试数据"}}
    assert fake.calls("/robot/sendBySession")[0].query == {"session": "s1"}
    assert bot.handled[0].chat.is_group


async def test_card_link_and_number_become_button_presses(env: Any, fake: FakePlatform) -> None:
    gateway, _, bot = env
    gateway.push_bot_message(bot_message(fake, "text_p2p.json"), "m-1")
    await wait_for(lambda: len(webhook_posts(fake)) == 1)
    md = webhook_posts(fake)[0]
    assert md["msgtype"] == "markdown"
    link = md["markdown"]["text"].split("2. [转派](")[1].split(")")[0]
    tapped = unquote(link.split("content=")[1])            # what DingTalk makes the user send
    gateway.push_bot_message(bot_message(fake, "text_p2p.json", msgId="msg-2",
                                         text={"content": tapped}), "m-2")
    await wait_for(lambda: len(bot.handled) == 2)
    assert bot.handled[1].pressed == ButtonPress("lead.assign", {"lead_id": "42"})
    gateway.push_bot_message(bot_message(fake, "text_p2p.json", msgId="msg-3"), "m-3")
    await wait_for(lambda: len(bot.handled) == 3)
    gateway.push_bot_message(bot_message(fake, "text_p2p.json", msgId="msg-4",
                                         text={"content": "1"}), "m-4")
    await wait_for(lambda: len(bot.handled) == 4)
    assert bot.handled[3].pressed == ButtonPress("lead.claim", {"lead_id": "42"})


async def test_audio_downloaded_with_recognition(env: Any, fake: FakePlatform) -> None:
    gateway, _, bot = env
    gateway.push_bot_message(bot_message(fake, "audio_p2p.json"), "m-a")
    await wait_for(lambda: len(webhook_posts(fake)) == 2)
    dl = fake.calls("/v1.0/robot/messageFiles/download")[0]
    assert dl.json == {"downloadCode": "dl-code-1", "robotCode": "dingrobot"}
    assert dl.headers["x-acs-dingtalk-access-token"] == "dt-token"
    voice = bot.handled[0].voice
    assert voice is not None
    assert voice.audio is not None
    assert voice.audio.startswith(b"\x02#!AMR")
    assert voice.recognition == "跟进鼓楼医院明天回访"
    assert webhook_posts(fake)[0]["text"]["content"] == "正在识别…"


async def test_unsupported_type_gets_polite_reply(env: Any, fake: FakePlatform,
                                                  caplog: Any) -> None:
    gateway, _, bot = env
    gateway.push_bot_message(bot_message(fake, "picture_p2p.json"), "m-p")
    await wait_for(lambda: len(webhook_posts(fake)) == 1)
    assert "暂不支持" in webhook_posts(fake)[0]["text"]["content"]
    assert bot.handled == []
    assert "unsupported message type 'picture'" in caplog.text


async def test_duplicate_message_handled_once(env: Any, fake: FakePlatform) -> None:
    gateway, _, bot = env
    for i in range(3):
        gateway.push_bot_message(bot_message(fake, "text_group.json"), f"dup-{i}")
    await wait_for(lambda: len(gateway.acks) == 3)
    await wait_for(lambda: len(webhook_posts(fake)) == 1)
    await asyncio.sleep(0.1)
    assert len(bot.handled) == 1


async def test_disconnect_reconnects_with_a_new_ticket(env: Any) -> None:
    gateway, _ctx, _ = env
    gateway.push({"specVersion": "1.0", "type": "SYSTEM",
                  "headers": {"topic": "disconnect", "messageId": "d1",
                              "contentType": "application/json"},
                  "data": json.dumps({"reason": "server restart"})})
    await wait_for(lambda: len(gateway.opened) == 2 and len(gateway.sockets) == 2)


async def test_clean_shutdown_on_first_cancel(fake: FakePlatform) -> None:
    install_api(fake)
    Gateway(fake)
    ctx = make_ctx(FakeBot(), dingtalk_client_id="dingrobot", dingtalk_client_secret="x",
                   dingtalk_api_base=fake.url, dingtalk_oapi_base=fake.url)
    app = web.Application()
    dingtalk.setup(ctx, app)
    task = asyncio.create_task(ctx.background[0]())
    await asyncio.wait_for(app[dingtalk.APP_KEY].connected.wait(), 5)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2)
    assert task in done
    for close in reversed(ctx.closers):
        await close()


# --------------------------------------------------------------------------- active API

async def test_active_sends_use_openapi(env: Any, fake: FakePlatform) -> None:
    _, ctx, _ = env
    sender = ctx.senders["dingtalk"]
    await sender.send(ChatRef("dingtalk", "staff009", "staff009"), Text("提醒：回访鼓楼医院"))
    call = fake.calls("/v1.0/robot/oToMessages/batchSend")[0]
    assert call.headers["x-acs-dingtalk-access-token"] == "dt-token"
    assert call.json["userIds"] == ["staff009"]
    assert call.json["msgKey"] == "sampleText"
    assert json.loads(call.json["msgParam"]) == {"content": "提醒：回访鼓楼医院"}
    await sender.send(ChatRef("dingtalk", "cidGroup==", None, is_group=True), SEARCH_CARD)
    group = fake.calls("/v1.0/robot/groupMessages/send")[0].json
    assert group["openConversationId"] == "cidGroup=="
    assert group["msgKey"] == "sampleMarkdown"
    entry = await ctx.directories["dingtalk"].lookup("staff001")
    assert entry.phone == "13800000000"


async def test_openapi_errors_bounded(env: Any, fake: FakePlatform) -> None:
    _, ctx, _ = env
    fake.on("POST", "/v1.0/robot/oToMessages/batchSend",
            (429, {"code": "Throttling.Api", "message": "too fast"}))
    with pytest.raises(ApiError) as err:
        await ctx.senders["dingtalk"].send(ChatRef("dingtalk", "s", "s"), Text("x"))
    assert err.value.retryable
    assert len(fake.calls("/v1.0/robot/oToMessages/batchSend")) == 3
    fake.on("POST", "/v1.0/robot/oToMessages/batchSend",
            (401, {"code": "InvalidAuthentication", "message": "token invalid"}))
    with pytest.raises(ApiError):
        await ctx.senders["dingtalk"].send(ChatRef("dingtalk", "s", "s"), Text("x"))
    assert len(fake.calls("/v1.0/oauth2/accessToken")) == 2
