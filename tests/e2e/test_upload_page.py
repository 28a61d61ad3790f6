"""/导入's upload link (for WeCom, which sends apps no files): an admin's one-time link, a
browser upload through `crmbot serve`'s page, the preview pushed into their chat, and
everything a stranger could do with the page refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from adapters import upload
from adapters.context import AppContext
from bot.core import Bot
from bot.messages import Card
from bot.render import render_notification
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Customer, OutboxMessage
from tests.conftest import ChatHarness, make_settings, text_of
from tests.integration.io.helpers import xlsx

FILE = xlsx([["客户名称", "别名"], ["华东精密机械有限公司", "华东精机"]])


@pytest.fixture
async def env(demo_db: Database, demo_db_url: str, clock: FrozenClock
              ) -> AsyncIterator[tuple[TestClient[Any, Any], ChatHarness]]:
    settings = make_settings(demo_db_url, public_url="https://crm.example.com/")
    bot = Bot(demo_db, clock, settings)
    ctx = AppContext(settings=settings, db=demo_db, clock=clock, bot=bot)
    app = web.Application()
    upload.setup(ctx, app)
    async with TestClient(TestServer(app)) as client:
        yield client, ChatHarness(bot, clock, user="linxiao")


async def link(chat: ChatHarness) -> str:
    card = (await chat.say("/导入"))[0]
    assert isinstance(card, Card)
    found = re.search(r"https://crm\.example\.com(/upload/[A-Za-z0-9_-]+)", card.body)
    assert found, card.body
    return found.group(1)


def form(data: bytes, name: str = "客户.xlsx") -> aiohttp.FormData:
    f = aiohttp.FormData(quote_fields=False)
    f.add_field("file", data, filename=name)
    return f


async def test_upload_then_preview_in_chat_then_import(env: Any, demo_db: Database) -> None:
    client, chat = env
    path = await link(chat)
    page = await client.get(path)
    assert page.status == 200 and "<form" in await page.text()
    assert page.headers["Referrer-Policy"] == "no-referrer"
    done = await client.post(path, data=form(FILE))
    assert done.status == 200 and "已收到" in await done.text()
    async with demo_db.session() as s:
        pushed = (await s.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "import.preview"))).scalar_one()
    (card,) = render_notification(pushed.kind, pushed.payload)
    assert isinstance(card, Card) and dict(card.fields)["新建"] == "1"
    chat.last = [card]
    assert "新建 1" in text_of(await chat.press("确认导入"))
    async with demo_db.session() as s:
        assert (await s.execute(select(Customer).where(
            Customer.name == "华东精密机械有限公司"))).scalar_one().aliases == ["华东精机"]
    again = await client.post(path, data=form(FILE))                # the link is used up
    assert again.status == 404 and "已用过" in await again.text()


async def test_what_the_page_refuses(env: Any, clock: FrozenClock) -> None:
    client, chat = env
    assert (await client.get("/upload/short")).status == 404
    bad = await client.post("/upload/" + "x" * 32, data=form(FILE))
    assert bad.status == 404 and "链接无效" in await bad.text()
    path = await link(chat)
    junk = await client.post(path, data=form(b"\x89PNG\r\n\x1a\n" + bytes(200), "a.xlsx"))
    assert junk.status == 400 and "不是表格文件" in await junk.text()
    empty = await client.post(path, data=aiohttp.FormData({"other": "x"}))
    assert empty.status == 400
    clock.advance(timedelta(minutes=31))
    late = await client.post(path, data=form(FILE))
    assert late.status == 400 and "过期" in await late.text()


async def test_reps_get_no_link(env: Any) -> None:
    _, chat = env
    assert "权限" in text_of(await chat.say("/导入", user="zhangwei"))
