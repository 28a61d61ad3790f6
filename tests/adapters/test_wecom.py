"""WeCom adapter: official crypto vectors, payloads → Incoming, callbacks end to end against a
fake qyapi on 127.0.0.1, bad input, bounded retries."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from wechatpy.crypto import _get_signature
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from adapters import wecom
from adapters.http_client import ApiError
from adapters.wecom.inbound import BadXml, parse_xml, to_incoming
from adapters.wecom.outbound import (
    WeComApi,
    WeComSender,
    check_interval,
    render,
    render_template_card,
    split_bytes,
)
from bot.messages import Button, ButtonPress, Card, ChatRef, Image, Text
from tests.adapters.fakes import SEARCH_CARD, FakeBot, FakePlatform, make_ctx, wait_for
from tests.adapters.strict import StrictWeCom

PAYLOADS = Path(__file__).parent / "payloads" / "wecom"
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CORP_ID = "ww1436e0e65a779aee"

VECTOR_B_BODY = (
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA["
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGz"
    "BhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3J"
    "WcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQH"
    "E7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuP"
    "DGOCI8jmnKiypE+]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
)


def at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def encrypt_callback(plain: str, ts: str = "1476422779", nonce: str = "1597212914",
                     token: str = TOKEN) -> tuple[dict[str, str], str]:
    enc = PrpCrypto(WeChatCrypto(token, AES_KEY, CORP_ID).key).encrypt(plain, CORP_ID).decode()
    sig = _get_signature(token, ts, nonce, enc)
    body = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{enc}]]>"
            f"</Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>")
    return {"msg_signature": sig, "timestamp": ts, "nonce": nonce}, body


def install_qyapi(fake: FakePlatform, clock: Any = None) -> StrictWeCom:
    """The strict qyapi (tests/adapters/strict.py) plus media, menu and user."""
    strict = StrictWeCom(fake, **({"clock": clock} if clock else {})).install()
    fake.on("GET", "/cgi-bin/media/get",
            web.Response(body=b"#!AMR\n" + b"\x00" * 200, content_type="audio/amr"))
    fake.on("POST", "/cgi-bin/media/upload",
            {"errcode": 0, "errmsg": "ok", "type": "image", "media_id": "m-img-1",
             "created_at": "1"})
    fake.on("POST", "/cgi-bin/menu/create", {"errcode": 0, "errmsg": "ok"})
    fake.on("GET", "/cgi-bin/user/get",
            {"errcode": 0, "errmsg": "ok", "userid": "zhangsan", "name": "张三",
             "mobile": "13800000000", "email": "zs@example.com"})
    return strict


def settings_for(fake: FakePlatform) -> dict[str, Any]:
    return {"wecom_corp_id": CORP_ID, "wecom_agent_id": "1000002", "wecom_secret": "s3cret",
            "wecom_token": TOKEN, "wecom_aes_key": AES_KEY,
            "wecom_api_base": f"{fake.url}/cgi-bin/"}


@pytest.fixture
async def env(fake: FakePlatform) -> AsyncIterator[tuple[TestClient[Any, Any], Any, FakeBot]]:
    install_qyapi(fake)
    bot = FakeBot()
    ctx = make_ctx(bot, now=at(1476422779), **settings_for(fake))
    app = web.Application()
    wecom.setup(ctx, app)
    async with TestClient(TestServer(app)) as client:
        yield client, ctx, bot
        for close in reversed(ctx.closers):
            await close()


def sends(fake: FakePlatform) -> list[dict[str, Any]]:
    return [r.json for r in fake.calls("/cgi-bin/message/send")]


# --------------------------------------------------------------------------- vectors

def test_official_vector_c_signature() -> None:
    encrypt = ("P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXv"
               "naqQ==")
    sig = _get_signature("QDG6eK", "1409659589", "263014780", encrypt)
    assert sig == "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"


async def test_official_vector_a_url_verification(env: Any) -> None:
    client, ctx, _ = env
    ctx.clock.set(at(1476416373))
    echostr = ("fsi1xnbH4yQh0%2BPJxcOdhhK6TDXkjMyhEPA7xB2TGz6b%2Bg7xyAbEkRxN%2F3cNXW9qdqjnoVzE"
               "tpbhnFyq6SVHyA%3D%3D")
    resp = await client.get(
        "/wecom/callback?msg_signature=012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
        f"&timestamp=1476416373&nonce=47744683&echostr={echostr}")
    assert resp.status == 200
    assert await resp.read() == b"1288432023552776189"     # plaintext only: no quotes, no newline


async def test_official_vector_b_message_callback(env: Any, fake: FakePlatform) -> None:
    client, _, bot = env
    resp = await client.post(
        "/wecom/callback?msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
        "&timestamp=1476422779&nonce=1597212914", data=VECTOR_B_BODY.encode())
    assert resp.status == 200
    assert await resp.read() == b""
    await wait_for(lambda: len(sends(fake)) == 1)
    incoming = bot.handled[0]
    assert incoming.text == "你好"
    assert incoming.event_id == "1456453720"
    assert incoming.chat == ChatRef("wecom", "ChenJiaShun", "ChenJiaShun")
    assert incoming.sent_at == at(1476422779)
    sent = sends(fake)[0]
    assert sent["touser"] == "ChenJiaShun"
    assert sent["agentid"] == 1000002
    assert sent["text"]["content"] == "收到：你好"
    assert fake.calls("/cgi-bin/message/send")[0].query["access_token"] == "tok-1"


async def test_vector_b_replayed_later_is_rejected(env: Any) -> None:
    client, ctx, bot = env
    ctx.clock.set(at(1476422779 + 301))
    resp = await client.post(
        "/wecom/callback?msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
        "&timestamp=1476422779&nonce=1597212914", data=VECTOR_B_BODY.encode())
    assert resp.status == 403
    assert bot.handled == []


# --------------------------------------------------------------------------- payloads

@pytest.mark.parametrize(("name", "check"), [
    ("text.xml", lambda i: i.text == "你好" and i.event_id == "1456453720"),
    ("text_string_msgid.xml",
     lambda i: i.event_id == "CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw==" and i.text.startswith("跟进")),
    ("voice.xml", lambda i: i.voice is not None and i.voice.format == "amr"),
    ("menu_click.xml", lambda i: i.menu_key == "my_leads" and i.event_id.startswith("zhangsan:")),
    ("enter_agent.xml", lambda i: i.entered),
    ("template_card_event.xml",
     lambda i: i.pressed == ButtonPress("lead.claim", {"lead_id": "42"})),
    ("template_card_event_options.xml",
     lambda i: i.pressed == ButtonPress("key111", {"QuestionKey1": "OptionId1,OptionId2"})),
    ("template_card_event_one_option.xml",
     lambda i: i.pressed == ButtonPress("stage.pick", {"deal_id": "7", "stage": "won"})),
])
def test_payload_to_incoming(name: str, check: Any) -> None:
    msg = parse_xml((PAYLOADS / name).read_bytes())
    incoming = to_incoming(msg, UTC)
    assert incoming is not None
    assert check(incoming)


def test_unreadable_button_key_becomes_an_expired_press() -> None:
    xml = (PAYLOADS / "template_card_event.xml").read_text().replace(
        "lead.claim?lead_id=42", "~0123456789abcdef")
    incoming = to_incoming(parse_xml(xml), UTC)
    assert incoming is not None
    assert incoming.pressed == ButtonPress("card.expired", {})


def test_unknown_type_is_not_an_incoming() -> None:
    assert to_incoming(parse_xml((PAYLOADS / "image.xml").read_bytes()), UTC) is None


@pytest.mark.parametrize("doc", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>',
    b'<!DOCTYPE xml SYSTEM "http://127.0.0.1/x.dtd"><xml><Encrypt>x</Encrypt></xml>',
    b"<xml><Encrypt>x</Encrypt>",
    b"not xml at all",
])
def test_parse_xml_refuses_dtd_entities_and_garbage(doc: bytes) -> None:
    with pytest.raises(BadXml):
        parse_xml(doc)


# --------------------------------------------------------------------------- rendering

def test_render_card_as_template_card() -> None:
    [part] = render(SEARCH_CARD)
    tpl = part["template_card"]
    assert part["msgtype"] == "template_card"
    assert tpl["card_type"] == "button_interaction"
    assert tpl["main_title"] == {"title": "新线索：张三"}
    assert tpl["horizontal_content_list"][0] == {"keyname": "电话", "value": "138****0000"}
    assert [b["key"] for b in tpl["button_list"]] == ["lead.claim?lead_id=42",
                                                      "lead.assign?lead_id=42"]
    assert tpl["button_list"][0]["style"] == 1
    assert all(c.isalnum() or c in "_-@" for c in tpl["task_id"])


def test_long_button_key_gets_a_short_token() -> None:
    from adapters.platforms import decode_press
    card = Card("x", buttons=(Button("长", "dialog.answer", {"text": "很" * 600}),))
    key = render_template_card(card)["button_list"][0]["key"]
    assert len(key.encode()) <= 1024
    assert key.startswith("~")
    assert decode_press(key) == ButtonPress("dialog.answer", {"text": "很" * 600})


def test_card_without_buttons_is_markdown_and_long_text_is_split() -> None:
    [part] = render(Card("日报", fields=(("新增", "3"),), body="好"))
    assert part["msgtype"] == "markdown"
    assert "**日报**" in part["markdown"]["content"]
    parts = render(Text("第一行内容\n" * 1000))
    assert len(parts) > 1
    assert all(len(p["text"]["content"].encode()) <= 2048 for p in parts)
    assert "".join(p["text"]["content"] for p in parts).replace("\n", "") == "第一行内容" * 1000
    assert all(len(c.encode()) <= 2048 for c in split_bytes("字" * 5000))


# --------------------------------------------------------------------------- round trips

async def post_plain(client: TestClient[Any, Any], plain: str, ts: str = "1476422779",
                     token: str = TOKEN) -> Any:
    query, body = encrypt_callback(plain, ts=ts, token=token)
    return await client.post("/wecom/callback", params=query, data=body.encode())


async def test_card_out_press_in_card_updated(env: Any, fake: FakePlatform) -> None:
    client, _, bot = env
    text = (PAYLOADS / "text_string_msgid.xml").read_text()
    text = text.replace("跟进 鼓楼医院 明天回访", "卡片")
    assert (await post_plain(client, text)).status == 200
    await wait_for(lambda: len(sends(fake)) == 1)
    card = sends(fake)[0]["template_card"]
    key = card["button_list"][0]["key"]
    press = (PAYLOADS / "template_card_event.xml").read_text().replace(
        "lead.claim?lead_id=42", key)
    assert (await post_plain(client, press)).status == 200
    await wait_for(lambda: len(fake.calls("/cgi-bin/message/update_template_card")) == 1
                   and len(sends(fake)) == 3)
    update = fake.calls("/cgi-bin/message/update_template_card")[0].json
    assert update["response_code"] == "rc-001"
    assert update["userids"] == ["zhangsan"]
    # the replacement has no buttons: the clicked card's buttons turn into a grey label and
    # the new card follows as a message
    assert update["button"] == {"replace_name": "已认领：线索 …"}
    assert "已认领：线索 42" in sends(fake)[1]["markdown"]["content"]
    assert bot.handled[-1].pressed == ButtonPress("lead.claim", {"lead_id": "42"})
    assert sends(fake)[-1]["text"]["content"].startswith("好的")


async def test_voice_is_downloaded_and_intermediate_reply_sent(env: Any,
                                                               fake: FakePlatform) -> None:
    client, _, bot = env
    assert (await post_plain(client, (PAYLOADS / "voice.xml").read_text())).status == 200
    await wait_for(lambda: len(sends(fake)) == 2)
    assert fake.calls("/cgi-bin/media/get")[0].query["media_id"] == "media_voice_1"
    voice = bot.handled[0].voice
    assert voice is not None
    assert voice.format == "amr"
    assert voice.audio.startswith(b"#!AMR")
    assert [s["text"]["content"] for s in sends(fake)] == ["正在识别…", "收到语音 206 字节 amr"]


async def test_duplicate_delivery_processed_once(env: Any, fake: FakePlatform) -> None:
    client, _, bot = env
    plain = (PAYLOADS / "text_string_msgid.xml").read_text()
    for _ in range(3):                                   # WeCom retries after 5 s, 3 times
        assert (await post_plain(client, plain)).status == 200
    await wait_for(lambda: len(sends(fake)) >= 1)
    await client.app[wecom.APP_KEY].dispatcher.drain()
    assert len(bot.handled) == 1
    assert len(sends(fake)) == 1


async def test_menu_and_enter_agent(env: Any, fake: FakePlatform) -> None:
    client, _, _ = env
    await post_plain(client, (PAYLOADS / "menu_click.xml").read_text())
    await post_plain(client, (PAYLOADS / "enter_agent.xml").read_text())
    await wait_for(lambda: len(sends(fake)) == 2)
    assert sorted(s["text"]["content"] for s in sends(fake)) == ["欢迎使用 CRM 助手",
                                                                  "菜单 my_leads"]


async def test_unknown_message_type_gets_a_polite_reply(env: Any, fake: FakePlatform,
                                                        caplog: Any) -> None:
    client, _, bot = env
    assert (await post_plain(client, (PAYLOADS / "image.xml").read_text())).status == 200
    await wait_for(lambda: len(sends(fake)) == 1)
    assert "暂不支持" in sends(fake)[0]["text"]["content"]
    assert bot.handled == []
    assert "unsupported message type 'image'" in caplog.text


# --------------------------------------------------------------------------- bad input

async def test_bad_signature_is_403_and_nothing_processed(env: Any) -> None:
    client, _, bot = env
    resp = await post_plain(client, (PAYLOADS / "text.xml").read_text(), token="wrong-token")
    assert resp.status == 403
    query, body = encrypt_callback((PAYLOADS / "text.xml").read_text())
    query["msg_signature"] = "0" * 40
    assert (await client.post("/wecom/callback", params=query, data=body.encode())).status == 403
    assert bot.handled == []


async def test_wrong_corp_id_is_refused(env: Any) -> None:
    client, _, bot = env
    enc = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, CORP_ID).key).encrypt("<xml/>", "wwOTHER").decode()
    sig = _get_signature(TOKEN, "1476422779", "n", enc)
    resp = await client.post("/wecom/callback",
                             params={"msg_signature": sig, "timestamp": "1476422779",
                                     "nonce": "n"},
                             data=f"<xml><Encrypt><![CDATA[{enc}]]></Encrypt></xml>".encode())
    assert resp.status == 403
    assert bot.handled == []


async def test_stale_timestamp_is_rejected(env: Any) -> None:
    client, _, bot = env
    resp = await post_plain(client, (PAYLOADS / "text.xml").read_text(), ts="1476422000")
    assert resp.status == 403
    assert bot.handled == []


@pytest.mark.parametrize("body", [
    b"<xml><Encrypt>",
    b'<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>',
    b"<xml><NoEncrypt>1</NoEncrypt></xml>",
])
async def test_malformed_or_dtd_xml_is_400(env: Any, body: bytes) -> None:
    client, _, bot = env
    resp = await client.post("/wecom/callback",
                             params={"msg_signature": "x", "timestamp": "1476422779",
                                     "nonce": "n"}, data=body)
    assert resp.status == 400
    assert bot.handled == []


async def test_body_over_1mb_is_413(env: Any) -> None:
    client, _, _ = env
    resp = await client.post("/wecom/callback",
                             params={"msg_signature": "x", "timestamp": "1476422779",
                                     "nonce": "n"}, data=b"<xml>" + b"a" * (1024 * 1024 + 10))
    assert resp.status == 413


# --------------------------------------------------------------------------- active API

async def test_sender_image_and_group(env: Any, fake: FakePlatform) -> None:
    _, ctx, _ = env
    sender = ctx.senders["wecom"]
    await sender.send(ChatRef("wecom", "zhangsan", "zhangsan"), Image(b"\x89PNG" + b"0" * 50,
                                                                      caption="本周漏斗"))
    upload = fake.calls("/cgi-bin/media/upload")[0]
    assert upload.query["type"] == "image"
    assert upload.form["media"][0] == "chart.png"
    assert sends(fake)[0] == {"touser": "zhangsan", "agentid": 1000002, "msgtype": "image",
                              "image": {"media_id": "m-img-1"}}
    assert sends(fake)[1]["text"]["content"] == "本周漏斗"
    await sender.send(ChatRef("wecom", "chat1", None, is_group=True), SEARCH_CARD)
    group = fake.calls("/cgi-bin/appchat/send")[0].json
    assert group["chatid"] == "chat1"
    assert group["msgtype"] == "markdown"


async def test_outbox_pushes_ask_wecom_to_drop_a_resend(env: Any, fake: FakePlatform) -> None:
    _, ctx, _ = env
    await ctx.senders["wecom"].send(ChatRef("wecom", "u", "u"), Text("直接回复"))
    await ctx.senders["wecom"].send(ChatRef("wecom", "u", "u"), Text("提醒"),
                                    delivery_key="sla:first_contact:7:L1")
    direct, pushed = sends(fake)
    assert "enable_duplicate_check" not in direct
    assert pushed["enable_duplicate_check"] == 1
    # 2–4 h (WeCom allows 4 h at most), from the key: a re-send repeats it
    assert 7200 < pushed["duplicate_check_interval"] <= 14400
    assert pushed["duplicate_check_interval"] == check_interval("sla:first_contact:7:L1")


async def test_a_resent_card_is_byte_identical(env: Any, fake: FakePlatform) -> None:
    """Issue 20.1: a card pushed again under the same delivery key (a crash between send and
    mark) is the same request, task_id included, so WeCom's duplicate check drops it; another
    key makes another task_id."""
    _, ctx, _ = env
    to = ChatRef("wecom", "u", "u")
    for key in ("lead.assigned:42", "lead.assigned:42", "lead.assigned:43"):
        await ctx.senders["wecom"].send(to, SEARCH_CARD, delivery_key=key)
    first, again, other = fake.calls("/cgi-bin/message/send")
    assert first.body == again.body
    assert first.json["template_card"]["task_id"] != other.json["template_card"]["task_id"]
    assert re.fullmatch(r"[0-9A-Za-z_\-@]{1,128}", first.json["template_card"]["task_id"])


async def test_expired_token_is_refreshed_once(env: Any, fake: FakePlatform) -> None:
    _, ctx, _ = env
    fake.script("POST", "/cgi-bin/message/send",
                {"errcode": 42001, "errmsg": "access_token expired"})
    await ctx.senders["wecom"].send(ChatRef("wecom", "u", "u"), Text("hi"))
    assert len(fake.calls("/cgi-bin/gettoken")) == 2
    assert len(sends(fake)) == 2


async def test_token_errors_that_keep_coming_are_bounded(env: Any, fake: FakePlatform) -> None:
    _, ctx, _ = env
    fake.on("POST", "/cgi-bin/message/send", {"errcode": 40014, "errmsg": "invalid token"})
    with pytest.raises(ApiError) as err:
        await ctx.senders["wecom"].send(ChatRef("wecom", "u", "u"), Text("hi"))
    assert err.value.retryable
    assert len(sends(fake)) == 2                        # the original + one after refresh
    assert len(fake.calls("/cgi-bin/gettoken")) == 2


async def test_rate_limited_is_retried_with_backoff_then_send_error(env: Any,
                                                                    fake: FakePlatform) -> None:
    _, ctx, _ = env
    fake.on("POST", "/cgi-bin/message/send", {"errcode": 45009, "errmsg": "api freq out"})
    with pytest.raises(ApiError) as err:
        await ctx.senders["wecom"].send(ChatRef("wecom", "u", "u"), Text("hi"))
    assert err.value.retryable
    assert err.value.code == 45009
    assert len(sends(fake)) == 3


async def test_permanent_error_is_not_retried(env: Any, fake: FakePlatform) -> None:
    _, ctx, _ = env
    fake.on("POST", "/cgi-bin/message/send", {"errcode": 60020, "errmsg": "not allow ip"})
    with pytest.raises(ApiError) as err:
        await ctx.senders["wecom"].send(ChatRef("wecom", "u", "u"), Text("hi"))
    assert not err.value.retryable
    assert len(sends(fake)) == 1


async def test_http_500_and_timeouts_are_retried(env: Any, fake: FakePlatform) -> None:
    _, ctx, _ = env
    fake.script("POST", "/cgi-bin/message/send", (502, "bad gateway"), (503, "busy"))
    assert await ctx.senders["wecom"].send(ChatRef("wecom", "u", "u"), Text("hi"))
    assert len(sends(fake)) == 3


async def test_send_failure_inside_dispatch_does_not_crash(env: Any, fake: FakePlatform,
                                                            caplog: Any) -> None:
    client, _, bot = env
    fake.on("POST", "/cgi-bin/message/send", {"errcode": 60020, "errmsg": "not allow ip"})
    assert (await post_plain(client, (PAYLOADS / "text.xml").read_text())).status == 200
    await wait_for(lambda: "sending to wecom:ChenJiaShun" in caplog.text)
    assert len(bot.handled) == 1


async def test_directory_lookup(env: Any) -> None:
    _, ctx, _ = env
    entry = await ctx.directories["wecom"].lookup("zhangsan")
    assert entry.phone == "13800000000"
    assert entry.email == "zs@example.com"


def test_secrets_not_in_settings_repr() -> None:
    ctx = make_ctx(wecom_secret="s3cret-value", wecom_aes_key=AES_KEY)
    assert "s3cret-value" not in repr(ctx.settings)


def test_cli_wecom_menu(fake: FakePlatform, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.cli import main
    from crm_core.settings import get_settings

    install_qyapi(fake)
    for key, value in settings_for(fake).items():
        monkeypatch.setenv(f"CRMBOT_{key.upper()}", value)
    get_settings.cache_clear()
    try:
        assert main(["wecom", "menu"]) == 0
    finally:
        get_settings.cache_clear()
    call = fake.calls("/cgi-bin/menu/create")[0]
    assert call.query == {"agentid": "1000002", "access_token": "tok-1"}
    assert call.json["button"][0] == {"type": "click", "name": "记跟进", "key": "跟进"}
    assert "menu created" in capsys.readouterr().out
    assert main(["wecom", "menu", "--dry-run"]) == 0


async def test_overloaded_server_still_answers_200(env: Any) -> None:
    """WeCom does not retry a 503: a busy dispatcher takes the message all the same (with a
    database it waits in the inbox: tests/adapters/test_inbox.py)."""
    client, _, bot = env
    dispatcher = client.app[wecom.APP_KEY].dispatcher
    dispatcher._max_pending = 0
    resp = await post_plain(client, (PAYLOADS / "text.xml").read_text())
    assert resp.status == 200
    await dispatcher.drain()
    assert len(bot.handled) == 1


async def test_url_verification_refuses_bad_signature_and_stale_time(env: Any) -> None:
    client, ctx, _ = env
    enc = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, CORP_ID).key).encrypt("42", CORP_ID).decode()
    good = {"msg_signature": _get_signature(TOKEN, "1476422779", "n", enc),
            "timestamp": "1476422779", "nonce": "n", "echostr": enc}
    assert await (await client.get("/wecom/callback", params=good)).read() == b"42"
    bad = {**good, "msg_signature": "f" * 40}
    assert (await client.get("/wecom/callback", params=bad)).status == 403
    ctx.clock.set(at(1476422779 + 3600))
    assert (await client.get("/wecom/callback", params=good)).status == 403
    assert (await client.get("/wecom/callback", params={"echostr": enc})).status == 400


async def test_voice_download_error_still_reaches_the_bot(env: Any, fake: FakePlatform) -> None:
    client, _, bot = env
    fake.on("GET", "/cgi-bin/media/get", {"errcode": 40007, "errmsg": "invalid media_id"})
    assert (await post_plain(client, (PAYLOADS / "voice.xml").read_text())).status == 200
    await wait_for(lambda: len(bot.handled) == 1)
    await client.app[wecom.APP_KEY].dispatcher.drain()
    voice = bot.handled[0].voice
    assert voice is not None
    assert voice.audio is None                         # the bot answers "could not hear"
    assert len(fake.calls("/cgi-bin/media/get")) == 1  # 40007 is permanent: not retried


def test_cli_wecom_check(fake: FakePlatform, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.cli import main
    from crm_core.settings import get_settings

    install_qyapi(fake)
    fake.on("GET", "/cgi-bin/agent/get", {"errcode": 0, "errmsg": "ok", "name": "CRM 助手"})
    for key, value in settings_for(fake).items():
        monkeypatch.setenv(f"CRMBOT_{key.upper()}", value)
    get_settings.cache_clear()
    try:
        assert main(["wecom", "check"]) == 0
        assert "agent 1000002: CRM 助手" in capsys.readouterr().out
        fake.on("GET", "/cgi-bin/agent/get",
                {"errcode": 60020, "errmsg": "not allow to access from your ip"})
        assert main(["wecom", "check"]) == 1
        assert "企业可信IP" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("field", ["invaliduser", "unlicenseduser"])
async def test_unlicensed_or_invalid_recipient_is_a_failure(env: Any, fake: FakePlatform,
                                                            field: str) -> None:
    """发送应用消息 answers errcode 0 with the recipients it could not reach: a failure,
    not a delivery."""
    _, ctx, _ = env
    fake.on("POST", "/cgi-bin/message/send",
            {"errcode": 0, "errmsg": "ok", field: "zhangsan", "msgid": "m1"})
    with pytest.raises(ApiError) as err:
        await ctx.senders["wecom"].send(ChatRef("wecom", "zhangsan", "zhangsan"), Text("hi"))
    assert field in str(err.value) and not err.value.retryable


async def test_message_sends_skip_the_corp_api_bucket(fake: FakePlatform) -> None:
    """WeCom counts message/send and appchat/send against a per-member cap, not against the
    corp's per-API limit (research 1.5), so an exhausted API bucket must not hold a reply."""
    install_qyapi(fake)
    api = WeComApi(f"{fake.url}/cgi-bin/", CORP_ID, "s3cret", "1000002", rate=0.001)
    sender = WeComSender(api)
    try:
        await api.tokens.get()                    # gettoken uses the bucket's only token
        for n in range(5):
            await asyncio.wait_for(sender.send(ChatRef("wecom", "u", "u"), Text(f"第{n}条")),
                                   timeout=10)
        await asyncio.wait_for(
            sender.send(ChatRef("wecom", "c1", "c1", is_group=True), Text("群消息")), timeout=10)
        assert len(sends(fake)) == 5
        assert len(fake.calls("/cgi-bin/appchat/send")) == 1
        with pytest.raises(TimeoutError):            # a counted call still waits its turn
            await asyncio.wait_for(api.get_user("zhangsan"), timeout=0.3)
    finally:
        await api.close()
