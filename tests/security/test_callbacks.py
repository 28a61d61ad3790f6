"""Platform callbacks verify before they parse (issue 12 item 2): a hostile body — unsigned,
oversized, 250 000 sibling elements, deep nesting, a DTD — is answered 4xx and nothing is
stored; the bounded XML reader stops at its element and depth limits. The time the answers
take is measured by `benchmarks/abuse.py --only callbacks`, not here."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from wechatpy.crypto import _get_signature
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from adapters.app import build_context, build_web_app
from adapters.feishu.inbound import encrypt_for_tests, signature
from adapters.xml_bounded import BadXml, parse_xml
from crm_core.models import AuditLog, Lead
from crm_core.models.system import ProcessedEvent
from tests.conftest import NOW, make_settings

pytestmark = pytest.mark.e2e

TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CORP_ID = "ww1436e0e65a779aee"
FEISHU_KEY = "kx8Hq2bVt0Zr"
TS = str(int(NOW.timestamp()))
CTX: Any = None
PLATFORMS = {"wecom_corp_id": CORP_ID, "wecom_agent_id": "1000002", "wecom_secret": "s",
             "wecom_token": TOKEN, "wecom_aes_key": AES_KEY,
             "wecom_api_base": "http://127.0.0.1:9/cgi-bin/",
             "feishu_app_id": "cli_x", "feishu_app_secret": "s",
             "feishu_encrypt_key": FEISHU_KEY, "feishu_verification_token": "vtok",
             "feishu_api_base": "http://127.0.0.1:9"}


@pytest.fixture
async def client(sqlite_demo_url: str) -> AsyncIterator[TestClient[Any, Any]]:
    global CTX
    ctx = build_context(make_settings(sqlite_demo_url, **PLATFORMS), voice=False,
                        do_migrate=False)
    app = build_web_app(ctx, scheduler=False)
    c: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
    await c.start_server()
    CTX = ctx
    yield c
    await c.close()


async def stored(client: TestClient[Any, Any]) -> tuple[int, ...]:
    ctx = CTX
    out = []
    async with ctx.db.session() as s:
        for model in (Lead, AuditLog, ProcessedEvent):
            out.append((await s.execute(select(func.count()).select_from(model))).scalar_one())
    return tuple(out)


def wecom_signed(plain: str) -> tuple[str, bytes]:
    enc = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, CORP_ID).key).encrypt(plain, CORP_ID).decode()
    sig = _get_signature(TOKEN, TS, "n1", enc)
    body = f"<xml><ToUserName>{CORP_ID}</ToUserName><Encrypt>{enc}</Encrypt></xml>"
    return f"msg_signature={sig}&timestamp={TS}&nonce=n1", body.encode()


SIBLINGS_1MB = b"<xml>" + b"<a/>" * 250_000 + b"</xml>"
SIBLINGS_60KB = b"<xml>" + b"<a/>" * 15_000 + b"</xml>"
DEEP = b"<xml>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</xml>"
DTD = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml>&b;</xml>'


@pytest.mark.parametrize(("name", "query", "body", "status"), [
    ("unsigned 1 MB of 250k siblings", f"msg_signature=0&timestamp={TS}&nonce=0",
     SIBLINGS_1MB, 413),
    ("unsigned 60 KB of 15k siblings", f"msg_signature=0&timestamp={TS}&nonce=0",
     SIBLINGS_60KB, 400),
    ("deep nesting", f"msg_signature=0&timestamp={TS}&nonce=0", DEEP, 400),
    ("entity declarations", f"msg_signature=0&timestamp={TS}&nonce=0", DTD, 400),
    ("stale timestamp, 1 MB", "msg_signature=0&timestamp=0&nonce=0", SIBLINGS_1MB, 403),
    ("no signature", f"timestamp={TS}&nonce=0", b"<xml/>", 400),
    ("bad signature", f"msg_signature=0&timestamp={TS}&nonce=0",
     b"<xml><Encrypt>QUJD</Encrypt></xml>", 403),
])
async def test_hostile_wecom_callbacks_get_4xx_and_store_nothing(
        client: TestClient[Any, Any], name: str, query: str, body: bytes,
        status: int) -> None:
    before = await stored(client)
    resp = await client.post(f"/wecom/callback?{query}", data=body,
                             headers={"Content-Type": "text/xml"})
    assert resp.status == status, name
    assert await stored(client) == before


async def test_signed_wecom_message_past_the_limits_is_refused(
        client: TestClient[Any, Any]) -> None:
    """A body signed with the right key (an insider, a leaked token) is still bounded."""
    query, body = wecom_signed("<xml>" + "<MsgType>text</MsgType>" * 2000 + "</xml>")
    before = await stored(client)
    resp = await client.post(f"/wecom/callback?{query}", data=body)
    assert resp.status == 400
    assert await stored(client) == before


def feishu_sealed(plain: dict[str, Any], *, sign: bool = True, ts: str = TS
                  ) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps({"encrypt": encrypt_for_tests(FEISHU_KEY, json.dumps(plain),
                                                   os.urandom(16))}).encode()
    headers = {"Content-Type": "application/json"}
    if sign:
        headers |= {"X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": "n",
                    "X-Lark-Signature": signature(ts, "n", FEISHU_KEY, raw)}
    return raw, headers


MESSAGE = {"schema": "2.0", "header": {"event_id": "e1", "event_type": "im.message.receive_v1",
                                       "token": "vtok", "create_time": "1"},
           "event": {"sender": {"sender_id": {"open_id": "ou_1"}},
                     "message": {"message_id": "om_1", "chat_type": "p2p", "chat_id": "oc_1",
                                 "message_type": "text", "content": "{\"text\": \"hi\"}"}}}


@pytest.mark.parametrize(("name", "make", "status"), [
    ("unsigned event", lambda: feishu_sealed(MESSAGE, sign=False), 401),
    ("stale signed event", lambda: feishu_sealed(MESSAGE, ts="1"), 401),
    ("1 MB unsigned", lambda: (b'{"encrypt": "' + b"A" * 1_000_000 + b'"}',
                               {"Content-Type": "application/json"}), 401),
    ("deep JSON, bad signature", lambda: (b"[" * 100_000 + b"]" * 100_000, {
        "X-Lark-Request-Timestamp": TS, "X-Lark-Signature": "0" * 64}), 401),
    ("deep JSON, unsigned, small", lambda: (b"[" * 2000 + b"]" * 2000, {}), 400),
    ("over 1 MB", lambda: (b" " * (1024 * 1024 + 1), {}), 413),
])
async def test_hostile_feishu_events_get_4xx_and_store_nothing(
        client: TestClient[Any, Any], name: str, make: Any, status: int) -> None:
    body, headers = make()
    before = await stored(client)
    resp = await client.post("/feishu/events", data=body, headers=headers)
    assert resp.status == status, name
    assert await stored(client) == before


def test_bounded_reader_stops_at_its_limits() -> None:
    with pytest.raises(BadXml, match="more than 16 elements"):
        parse_xml(SIBLINGS_1MB, max_elements=16)
    with pytest.raises(BadXml, match="deeper than 8"):
        parse_xml(DEEP)
    with pytest.raises(BadXml, match="DTD"):
        parse_xml(DTD)
    doc = parse_xml(b"<xml><A>1</A><B><C>x</C><C>y</C><C>z</C></B><D/></xml>")
    assert doc == {"A": "1", "B": {"C": ["x", "y", "z"]}, "D": ""}
