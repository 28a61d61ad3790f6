"""Drafts under concurrency, on SQLite and PostgreSQL: two taps of 确认 at once (or a tap
and a typed 「确认」, or two processes) save a note exactly once; a step racing a save loses
cleanly; the reminder job run twice at once reminds once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core import Bot
from bot.messages import ButtonPress, Card, Incoming
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Draft, FollowUp, OutboxMessage
from crm_core.services import drafts
from crm_core.uow import UnitOfWork
from tests.conftest import ChatHarness, make_settings, text_of

NOTE = "下午见了鼓楼医院王主任，对融合器很感兴趣，下周二送样机过去"


def _confirm(chat: ChatHarness) -> ButtonPress:
    c = next(r for r in chat.last if isinstance(r, Card) and r.title == "确认跟进记录")
    b = next(b for b in c.buttons if b.label == "确认")
    return ButtonPress(b.action, dict(b.args))


async def _count(db: Database, model: type, *where: object) -> int:
    async with db.session() as s:
        q = select(func.count()).select_from(model)
        for w in where:
            q = q.where(w)  # type: ignore[arg-type]
        return int((await s.execute(q)).scalar_one())


async def test_two_taps_at_once_save_once(chat: ChatHarness) -> None:
    await chat.say(NOTE)
    press = _confirm(chat)
    before = await _count(chat.bot.db, FollowUp)
    results = await asyncio.gather(*(chat.bot.handle(Incoming(
        uuid.uuid4().hex, chat._chat(None), chat.clock.now(), pressed=press))
        for _ in range(4)), chat.bot.handle(Incoming(
            uuid.uuid4().hex, chat._chat(None), chat.clock.now(), text="确认")))
    saved = [r for r in results if "✅ 跟进已保存" in text_of(r)]
    assert len(saved) == 1, [text_of(r) for r in results]
    assert await _count(chat.bot.db, FollowUp) == before + 1
    for r in results:
        if r is not saved[0]:
            assert "已经保存过了" in text_of(r) or "变化" in text_of(r) \
                or "当前没有" in text_of(r) or "没太明白" in text_of(r), text_of(r)


async def test_two_processes_save_once(demo_db_url: str, clock: FrozenClock,
                                       chat: ChatHarness) -> None:
    await chat.say(NOTE)
    press = _confirm(chat)
    other = Database(demo_db_url)                         # a second process's engine
    try:
        bot2 = Bot(other, clock, make_settings(demo_db_url))
        a, b = await asyncio.gather(
            chat.bot.handle(Incoming("p1", chat._chat(None), clock.now(), pressed=press)),
            bot2.handle(Incoming("p2", chat._chat(None), clock.now(), pressed=press)))
    finally:
        await other.dispose()
    assert sum("✅ 跟进已保存" in text_of(r) for r in (a, b)) == 1, (text_of(a), text_of(b))
    assert await _count(chat.bot.db, FollowUp, FollowUp.source == "chat") == 1


async def test_a_step_racing_a_save_loses_cleanly(chat: ChatHarness) -> None:
    await chat.say(NOTE)
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        row = (await uow.session.execute(select(Draft))).scalars().one()
    stale = Draft(**{k: getattr(row, k) for k in Draft.model_fields})
    await chat.say("确认")
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        try:
            await drafts.save_step(uow, stale, data={}, step={})
            raise AssertionError("a stale step was written")
        except drafts.StaleDraft:
            await uow.rollback()
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        row = (await uow.session.execute(select(Draft))).scalars().one()
    assert row.status == "saved" and row.data != {}


async def test_reminders_run_twice_at_once_remind_once(chat: ChatHarness) -> None:
    await chat.say(NOTE)
    at = chat.clock.now() + timedelta(hours=chat.bot.settings.draft_ttl_hours - 1)

    async def remind() -> int:
        async with UnitOfWork(chat.bot.db, chat.clock) as uow:
            n = await drafts.remind_drafts(uow, at, timedelta(hours=3))
            await uow.commit()
            return n

    assert sorted(await asyncio.gather(remind(), remind())) == [0, 1]
    assert await _count(chat.bot.db, OutboxMessage,
                        OutboxMessage.kind == "draft.reminder") == 1



@pytest.mark.parametrize("demo_db_url", ["postgres"], indirect=True)
async def test_a_chats_first_state_written_by_two_processes_at_once(
        demo_db_url: str, clock: FrozenClock) -> None:
    """The first messages of one chat handled at the same moment by two server processes
    (PostgreSQL): both find no state and write one; the second waits for the first and
    writes over it instead of failing on the key."""
    from crm_core.models import DialogState, User
    from crm_core.uow import Actor

    dbs = [Database(demo_db_url), Database(demo_db_url)]
    try:
        async with UnitOfWork(dbs[0], clock) as uow:
            user = (await uow.session.execute(select(User).where(User.role == "rep"))
                    ).scalars().first()
        assert user is not None
        first, second = (UnitOfWork(db, clock, Actor(user.id, user.login)) for db in dbs)
        async with first, second:
            await drafts.set_focus(first, "wecom:race", user, None, extra={"n": 0})
            await first.flush()                     # written, not committed

            async def other() -> None:
                await drafts.set_focus(second, "wecom:race", user, None, extra={"n": 1})
                await second.flush()

            racing = asyncio.create_task(other())   # finds no state, waits on the key
            await asyncio.sleep(0.3)
            assert not racing.done()
            await first.commit()
            await racing
            await second.commit()
        async with UnitOfWork(dbs[0], clock) as uow:
            row = await uow.session.get(DialogState, "wecom:race")
            assert row is not None and row.data["n"] == 1
    finally:
        for db in dbs:
            await db.dispose()
