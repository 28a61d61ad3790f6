"""Full round trips with the real bot (bot.core.Bot) on the demo database, per platform:
platform message in → user bound through the platform's user API (phone/e-mail) → follow-up
dialog → confirmation card out → button press in → card updated → follow-up row in the DB.
Fake platform servers run in their own thread on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters import dingtalk, feishu, wecom
from adapters.context import AppContext
from tests.adapters import test_dingtalk as dt
from tests.adapters import test_feishu as fs
from tests.adapters import test_wecom as wc
from tests.adapters.fakes import FakePlatform, wait_for
from tests.conftest import NOW, make_settings

SENTENCE = "今天拜访了省人医王主任，聊了新设备，下周四下午带方案再去"
EMAIL = "zhangwei@kangyuan-med.cn"       # the demo rep's e-mail: binds the platform user


def followups(url: str) -> int:
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM followup").fetchone()[0])


def identity(url: str, platform: str) -> list[tuple[str, str]]:
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT u.login, i.platform_user_id FROM user_identity i "
            "JOIN crm_user u ON u.id = i.user_id WHERE i.platform = ?", (platform,)).fetchall()


@pytest.fixture
async def real_ctx(sqlite_demo_url: str) -> AsyncIterator[Any]:
    from bot.core import Bot
    from crm_core.clock import FrozenClock
    from crm_core.db import Database

    made: list[AppContext] = []

    def make(**settings: Any) -> AppContext:
        s = make_settings(sqlite_demo_url, **settings)
        db = Database(sqlite_demo_url)
        clock = FrozenClock(NOW)
        ctx = AppContext(settings=s, db=db, clock=clock, bot=None)
        ctx.bot = Bot(db, clock, s, directories=ctx.directories)
        ctx.closers.append(db.dispose)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        for close in reversed(ctx.closers):
            await close()


async def test_wecom_round_trip(real_ctx: Any, fake: FakePlatform, sqlite_demo_url: str) -> None:
    wc.install_qyapi(fake)
    fake.on("GET", "/cgi-bin/user/get", lambda r: {"errcode": 0, "errmsg": "ok",
                                                   "userid": r.query["userid"], "name": "张伟",
                                                   "email": EMAIL})
    ctx = real_ctx(**wc.settings_for(fake))
    app = web.Application()
    wecom.setup(ctx, app)
    before = followups(sqlite_demo_url)
    ts = str(int(NOW.timestamp()))
    async with TestClient(TestServer(app)) as client:
        text = (f"<xml><ToUserName><![CDATA[{wc.CORP_ID}]]></ToUserName><FromUserName>"
                f"<![CDATA[ZhangWei]]></FromUserName><CreateTime>{ts}</CreateTime><MsgType>"
                f"<![CDATA[text]]></MsgType><Content><![CDATA[{SENTENCE}]]></Content><MsgId>"
                f"<![CDATA[CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw==]]></MsgId><AgentID>1000002</AgentID>"
                f"</xml>")
        assert (await wc.post_plain(client, text, ts=ts)).status == 200
        await wait_for(lambda: any("template_card" in s for s in wc.sends(fake)), within=15)
        card = next(s for s in wc.sends(fake) if "template_card" in s)["template_card"]
        assert card["main_title"]["title"] == "确认跟进记录"
        confirm = next(b for b in card["button_list"] if b["text"] == "确认")
        press = (f"<xml><ToUserName><![CDATA[{wc.CORP_ID}]]></ToUserName><FromUserName>"
                 f"<![CDATA[ZhangWei]]></FromUserName><CreateTime>{ts}</CreateTime><MsgType>"
                 f"<![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>"
                 f"<EventKey><![CDATA[{confirm['key']}]]></EventKey><TaskId><![CDATA["
                 f"{card['task_id']}]]></TaskId><CardType><![CDATA[button_interaction]]>"
                 f"</CardType><ResponseCode><![CDATA[rc-77]]></ResponseCode><AgentID>1000002"
                 f"</AgentID></xml>")
        assert (await wc.post_plain(client, press, ts=ts)).status == 200
        await wait_for(lambda: bool(fake.calls("/cgi-bin/message/update_template_card")),
                       within=15)
        update = fake.calls("/cgi-bin/message/update_template_card")[0].json
        assert update["response_code"] == "rc-77"
        assert update["template_card"]["main_title"]["title"].startswith("✅ 跟进已保存")
    assert followups(sqlite_demo_url) == before + 1
    assert identity(sqlite_demo_url, "wecom") == [("zhangwei", "ZhangWei")]


async def test_feishu_round_trip(real_ctx: Any, fake: FakePlatform, sqlite_demo_url: str) -> None:
    fs.install_open_api(fake)
    fake.on("GET", "/open-apis/contact/v3/users/*",
            {"code": 0, "msg": "success", "data": {"user": {"name": "张伟", "email": EMAIL}}})
    ctx = real_ctx(**fs.settings_for(fake))
    app = web.Application()
    feishu.setup(ctx, app)
    before = followups(sqlite_demo_url)
    ts = int(NOW.timestamp())
    async with TestClient(TestServer(app)) as client:
        event = fs.payload("text_p2p.json")
        event["event"]["message"]["content"] = json.dumps({"text": SENTENCE})
        assert (await fs.post_event(client, event, ts=ts)).status == 200
        await wait_for(lambda: any(s["msg_type"] == "interactive" for s in fs.sent(fake)),
                       within=15)
        card = json.loads(next(s for s in fs.sent(fake)
                               if s["msg_type"] == "interactive")["content"])
        assert card["header"]["title"]["content"] == "确认跟进记录"
        confirm = next(b for b in card["elements"][-1]["actions"]
                       if b["text"]["content"] == "确认")
        click = fs.payload("card_action.json")
        click["event"]["operator"]["open_id"] = "ou_84aad35d084aa403a838cf73ee18467"
        click["event"]["action"]["value"] = confirm["value"]
        click["event"]["context"]["open_chat_id"] = event["event"]["message"]["chat_id"]
        resp = await fs.post_event(client, click, ts=ts)
        answer = await resp.json()
        if "card" in answer:     # answered inside the 3 s window: the card is replaced inline
            assert answer["card"]["data"]["header"]["title"]["content"].startswith("✅ 跟进已保存")
        else:                    # a slow machine: the message is PATCHed afterwards
            await wait_for(lambda: bool(fake.calls("/open-apis/im/v1/messages/om_card_1",
                                                   "PATCH")), within=15)
    assert followups(sqlite_demo_url) == before + 1
    assert identity(sqlite_demo_url, "feishu") == [
        ("zhangwei", "ou_84aad35d084aa403a838cf73ee18467")]


async def test_dingtalk_round_trip(real_ctx: Any, fake: FakePlatform,
                                   sqlite_demo_url: str) -> None:
    dt.install_api(fake)
    fake.on("POST", "/topapi/v2/user/get",
            {"errcode": 0, "errmsg": "ok", "result": {"name": "张伟", "email": EMAIL}})
    gateway = dt.Gateway(fake)
    ctx = real_ctx(dingtalk_client_id="dingrobot", dingtalk_client_secret="dt-secret",
                   dingtalk_api_base=fake.url, dingtalk_oapi_base=fake.url)
    app = web.Application()
    dingtalk.setup(ctx, app)
    before = followups(sqlite_demo_url)
    tasks = [asyncio.create_task(run()) for run in ctx.background]
    try:
        await asyncio.wait_for(app[dingtalk.APP_KEY].connected.wait(), 5)
        msg = dt.bot_message(fake, "text_p2p.json", text={"content": SENTENCE},
                             createAt=int(NOW.timestamp() * 1000))
        gateway.push_bot_message(msg, "m-1")
        await wait_for(lambda: any(p["msgtype"] == "markdown" for p in dt.webhook_posts(fake)),
                       within=15)
        md = next(p for p in dt.webhook_posts(fake) if p["msgtype"] == "markdown")["markdown"]
        assert md["title"] == "确认跟进记录"
        link = md["text"].split("[确认](")[1].split(")")[0]
        tapped = unquote(link.split("content=")[1])
        gateway.push_bot_message(dt.bot_message(fake, "text_p2p.json", msgId="msg-2",
                                                text={"content": tapped}), "m-2")
        await wait_for(lambda: any(p["msgtype"] == "markdown" and
                                   p["markdown"]["title"].startswith("✅ 跟进已保存")
                                   for p in dt.webhook_posts(fake)), within=15)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert followups(sqlite_demo_url) == before + 1
    assert identity(sqlite_demo_url, "dingtalk") == [("zhangwei", "staff001")]


def test_no_network_env() -> None:
    assert "127.0.0.1" in os.environ["NO_PROXY"]
