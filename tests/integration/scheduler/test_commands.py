"""The scheduler's chat commands, called through the registry with a minimal bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.commands import act_on_alert, show_system_status, write_daily_report
from bot.context import Context
from bot.messages import Card, ChatRef, Incoming
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.errors import Forbidden
from crm_core.models import User
from crm_core.models.sla import Escalation
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork
from tests.integration.scheduler.conftest import People, at


def ctx_for(db: Database, clock: FrozenClock, user: User) -> Context:
    bot = SimpleNamespace(db=db, clock=clock, settings=Settings(_env_file=None),  # type: ignore[call-arg]
                          dialog_ttl=timedelta(minutes=30), catalog=None)
    inc = Incoming(event_id="e1", chat=ChatRef("wecom", user.login, user.login),
                   sent_at=datetime.now(UTC))
    return Context(bot=bot, user=user, incoming=inc)  # type: ignore[arg-type]


async def test_system_status_and_daily_report(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    async with UnitOfWork(sched_db, frozen) as uow:
        uow.notify("x", people.rep.id, {"text": "hi"}, "k1")
        await uow.commit()
    card = await show_system_status.show_system_status(ctx_for(sched_db, frozen, people.admin))
    assert isinstance(card, Card)
    assert ("待发", "1") in card.fields
    assert not any(k == "待处理消息" for k, _ in card.fields)     # the inbox is empty
    from crm_core.services import inbox

    await inbox.put(sched_db, "wecom", "m1", {}, frozen.now())
    card = await show_system_status.show_system_status(ctx_for(sched_db, frozen, people.admin))
    assert isinstance(card, Card)
    assert ("待处理消息", "1 条") in card.fields

    frozen.set(at(2026, 4, 7, 18, 5))
    ctx = ctx_for(sched_db, frozen, people.rep)
    [prompt] = await write_daily_report.write_daily_report(ctx)  # no follow-ups today: write one
    assert "今天的进展" in str(prompt)
    done = await write_daily_report.record_obstacle(ctx, "2026-04-07", "等待招标")
    assert isinstance(done, Card)
    assert ("障碍", "等待招标") in done.fields
    done = await write_daily_report.write_daily_report(ctx, "拜访了两家医院")
    assert isinstance(done, Card)
    assert done.body == "拜访了两家医院"


async def test_supervisor_urge_and_extend(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    async with sched_db.sessions() as s:
        esc = Escalation(key="k", rule="first_contact", subject_id=1, lead_id=None,
                         owner_id=people.rep.id, recipient_id=people.manager.id, level=2,
                         started_at=at(2026, 4, 3), deadline_at=at(2026, 4, 7),
                         fired_at=at(2026, 4, 7))
        s.add(esc)
        await s.commit()
        assert esc.id is not None
    reply = await act_on_alert.urge_alert(ctx_for(sched_db, frozen, people.manager), esc.id)
    assert "已催办" in str(reply)
    with pytest.raises(Forbidden):
        await act_on_alert.urge_alert(ctx_for(sched_db, frozen, people.rep2), esc.id)
