"""A typed note is read before the message's first statement, with the catalog and learned
words this process keeps, so that the statement also reads the customers it names
(bot.core.Bot._read_ahead): used only while those are still the committed ones."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from bot.core import Bot
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Customer
from crm_core.uow import UnitOfWork
from nlp.pipeline import Started
from nlp.types import Extraction
from tests.conftest import ChatHarness, make_settings, text_of

NOTE = "下午见了{}王主任，对融合器很感兴趣，下周二送样机过去"


async def test_the_note_s_customers_come_with_its_first_statement(
        demo_db: Database, demo_db_url: str, clock: FrozenClock) -> None:
    chat = ChatHarness(Bot(demo_db, clock, make_settings(demo_db_url)), clock)
    await chat.say(NOTE.format("鼓楼医院"))                # the caches are warm after it
    await chat.say("取消")
    ran: list[str] = []
    event.listen(demo_db.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _k, sql, *_: ran.append(sql))
    card = text_of(await chat.say(NOTE.format("鼓楼医院")))
    assert "客户：南京市鼓楼医院" in card and "王建国" in card
    reads = [i for i, sql in enumerate(ran) if "customer.name IN" in sql]
    assert reads == [0]                  # once, in the first statement, with the focus


async def test_a_catalog_changed_by_another_process_is_read_afresh(
        demo_db: Database, demo_db_url: str, clock: FrozenClock) -> None:
    chat = ChatHarness(Bot(demo_db, clock, make_settings(demo_db_url)), clock)
    await chat.say(NOTE.format("鼓楼医院"))
    await chat.say("取消")
    other = Database(demo_db_url)        # another process gives the customer a new alias
    try:
        async with UnitOfWork(other, clock) as uow:
            gulou = (await uow.session.execute(
                select(Customer).where(Customer.name == "南京市鼓楼医院"))).scalar_one()
            gulou.aliases = [*gulou.aliases, "鼓医"]
            uow.add(gulou)
            await uow.commit()
    finally:
        await other.dispose()
    card = text_of(await chat.say(NOTE.format("鼓医")))
    assert "客户：南京市鼓楼医院" in card and "王建国" in card


async def test_on_postgresql_the_rest_of_the_note_is_read_while_its_statement_is_out(
        demo_db: Database, demo_db_url: str, clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first statement looks up the customers the note names; the later stages of the
    reading (times, classify, intent) do not need its answer: on PostgreSQL they run while
    it is on its way; SQLite answers at once, so there they run after it."""
    chat = ChatHarness(Bot(demo_db, clock, make_settings(demo_db_url)), clock)
    await chat.say(NOTE.format("鼓楼医院"))
    await chat.say("取消")
    seen: list[str] = []
    finish = Started.finish

    def spied(self: Started) -> Extraction:
        seen.append("later stages")
        return finish(self)

    monkeypatch.setattr(Started, "finish", spied)
    engine = demo_db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", lambda *_: seen.append("sent"))
    event.listen(engine, "after_cursor_execute", lambda *_: seen.append("answered"))
    card = text_of(await chat.say(NOTE.format("鼓楼医院")))
    assert "客户：南京市鼓楼医院" in card and "王建国" in card
    assert "下一步：送样试用" in card and "时间：12月1日(周二)" in card
    assert seen.count("later stages") == 1
    if demo_db.dialect == "postgresql":
        assert seen[:3] == ["sent", "later stages", "answered"]
    else:
        assert seen[:3] == ["sent", "answered", "later stages"]
