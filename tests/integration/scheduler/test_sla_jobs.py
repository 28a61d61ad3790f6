"""SLA clocks through the real jobs on SQLite, with time travel."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.addressing import BotPresenter
from bot.messages import Card
from bot.ports import RecordingSender
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Customer, Deal, Lead, OutboxMessage, Stage, Task, User
from crm_core.models.sla import Escalation, SlaClock
from crm_core.policies import sla as P
from crm_core.policies.calendar import BusinessCalendar
from crm_core.services.routing import assign_lead
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork
from scheduler.delivery import Deliverer, DeliveryConfig
from scheduler.runner import job_runs, run_job
from tests.integration.scheduler.conftest import People, at

SETTINGS = Settings(database_url="sqlite:///unused.db")
CAL = BusinessCalendar()
GOLDEN = P.DEFAULT_POLICIES[0]


async def new_lead(db: Database, clock: FrozenClock, owner: User, company: str = "鼓楼医院") -> int:
    async with UnitOfWork(db, clock) as uow:
        lead = Lead(company=company, name="刘主任", status="new", created_at=uow.now)
        uow.add(lead)
        await uow.flush()
        await assign_lead(uow, lead, owner, "测试")
        await uow.commit()
        assert lead.id is not None
        return lead.id


async def run(name: str, db: Database, clock: FrozenClock, now: datetime) -> str:
    clock.set(now)
    return str(await run_job(name, db, clock, SETTINGS, now))


async def alerts(db: Database, rule: str | None = "first_contact") -> list[OutboxMessage]:
    """The SLA alerts queued so far (of one rule; None: all)."""
    async with db.sessions() as s:
        rows = list((await s.execute(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "sla.alert").order_by(OutboxMessage.id))).scalars())
    return [r for r in rows if rule is None or r.payload["rule"] == rule]


async def test_golden_hours_over_a_holiday_escalate_once_per_level(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    lead_id = await new_lead(sched_db, frozen, people.rep)        # Fri 2026-04-03 17:00
    await run("sla_sync", sched_db, frozen, at(2026, 4, 3, 17, 1))
    async with sched_db.sessions() as s:
        clock = (await s.execute(sa.select(SlaClock).where(
            SlaClock.rule == "first_contact"))).scalar_one()
    assert clock.next_at == at(2026, 4, 7, 12)                     # Tuesday noon, not Saturday
    for day in (4, 5, 6):                                         # 清明: Sat, Sun, Mon
        await run("sla_scan", sched_db, frozen, at(2026, 4, day, 12))
    await run("sla_scan", sched_db, frozen, at(2026, 4, 7, 11, 59))
    assert await alerts(sched_db) == []
    await run("sla_scan", sched_db, frozen, at(2026, 4, 7, 12))
    await run("sla_scan", sched_db, frozen, at(2026, 4, 7, 12))   # a re-run adds nothing
    first = await alerts(sched_db)
    assert [(a.recipient_id, a.payload["level"]) for a in first] == [(people.rep.id, 1)]

    # the process restarts: a new engine on the same file re-sends and re-fires nothing
    restarted = Database(sched_db.url)
    try:
        await run("sla_scan", restarted, frozen, at(2026, 4, 7, 12, 5))
        assert len(await alerts(restarted)) == 1
        l2 = P.deadline(GOLDEN, at(2026, 4, 3, 17), 2, CAL)
        l3 = P.deadline(GOLDEN, at(2026, 4, 3, 17), 3, CAL)
        await run("sla_scan", restarted, frozen, l2)
        await run("sla_scan", restarted, frozen, l2 + timedelta(minutes=1))
        await run("sla_scan", restarted, frozen, l3)
        await run("sla_scan", restarted, frozen, l3 + timedelta(days=30))
    finally:
        await restarted.dispose()
    got = await alerts(sched_db)
    assert [(a.recipient_id, a.payload["level"]) for a in got] == [
        (people.rep.id, 1), (people.manager.id, 2), (people.director.id, 3)]
    assert all(a.payload["lead_id"] == lead_id for a in got)
    async with sched_db.sessions() as s:
        escs = (await s.execute(sa.select(Escalation))).scalars().all()
    assert sorted((e.rule, e.level) for e in escs) == [
        ("claim", 1), ("claim", 2), ("claim", 3),
        ("first_contact", 1), ("first_contact", 2), ("first_contact", 3)]

    sender = RecordingSender()
    frozen.set(l3 + timedelta(days=30))
    await Deliverer(sched_db, frozen, {"wecom": sender}, presenter=BotPresenter(),
                    config=DeliveryConfig(rates={"wecom": (1000.0, 1000)})).drain()
    cards = [r for ref, r in sender.sent if isinstance(r, Card) and "首次联系" in r.title]
    assert len(cards) == 3
    assert [b.label for b in cards[1].buttons] == ["催办", "转派", "延期"]
    assert {ref.user_id for ref, r in sender.sent if r in cards} == {
        "zhangwei", "manager", "director"}
    runs = {r.name: r for r in await job_runs(sched_db)}
    assert runs["sla_scan"].last_status == "ok"
    assert runs["sla_scan"].runs >= 9


async def test_acting_on_the_lead_stops_the_clock(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    lead_id = await new_lead(sched_db, frozen, people.rep)
    await run("sla_sync", sched_db, frozen, at(2026, 4, 3, 17, 1))
    await run("sla_scan", sched_db, frozen, at(2026, 4, 7, 12))
    assert len(await alerts(sched_db)) == 1
    async with sched_db.sessions() as s:                           # the rep calls the customer
        lead = await s.get(Lead, lead_id)
        assert lead is not None
        lead.first_contacted_at = lead.last_activity_at = at(2026, 4, 7, 12, 30)
        lead.status = "contacted"
        s.add(lead)
        await s.commit()
    await run("sla_scan", sched_db, frozen, at(2026, 4, 20, 12))
    assert len(await alerts(sched_db)) == 1                        # no level 2, no level 3
    async with sched_db.sessions() as s:
        clocks = (await s.execute(sa.select(SlaClock).where(SlaClock.lead_id == lead_id))).scalars()
        fc = next(c for c in clocks if c.rule == "first_contact")
        esc = (await s.execute(sa.select(Escalation).where(
            Escalation.rule == "first_contact"))).scalar_one()
    assert fc.next_at is None
    assert fc.stop_reason == "done"
    assert esc.resolved_at == at(2026, 4, 20, 12)


async def test_reassignment_restarts_the_clock_for_the_new_owner(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    lead_id = await new_lead(sched_db, frozen, people.rep)
    await run("sla_sync", sched_db, frozen, at(2026, 4, 3, 17, 1))
    frozen.set(at(2026, 4, 7, 9))
    async with UnitOfWork(sched_db, frozen) as uow:               # 转派 on Tuesday 09:00
        lead = await uow.session.get(Lead, lead_id)
        assert lead is not None
        await assign_lead(uow, lead, people.rep2, "转派")
        await uow.commit()
    await run("sla_scan", sched_db, frozen, at(2026, 4, 7, 12))   # old deadline: restart only
    assert await alerts(sched_db) == []
    await run("sla_scan", sched_db, frozen, at(2026, 4, 7, 14, 30))
    got = await alerts(sched_db)
    assert [(a.recipient_id, a.payload["level"]) for a in got] == [(people.rep2.id, 1)]


async def test_downtime_fires_missed_levels_once_each(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await new_lead(sched_db, frozen, people.rep)
    await run("sla_sync", sched_db, frozen, at(2026, 4, 3, 17, 1))
    await run("sla_scan", sched_db, frozen, at(2026, 5, 20, 9))
    await run("sla_scan", sched_db, frozen, at(2026, 5, 20, 9, 1))
    levels = sorted(a.payload["level"] for a in await alerts(sched_db)
                    if a.payload["rule"] == "first_contact")
    assert levels == [1, 2, 3]


async def test_task_reminders_before_and_at_due_time_once(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    async with sched_db.sessions() as s:
        s.add(Task(owner_id=people.rep.id, title="给刘主任打电话", due_at=at(2026, 4, 8, 10),
                   has_time=True, remind_at=at(2026, 4, 8, 9, 30), created_at=at(2026, 4, 7)))
        await s.commit()
    for now in (at(2026, 4, 8, 9), at(2026, 4, 8, 9, 31), at(2026, 4, 8, 9, 32),
                at(2026, 4, 8, 10, 1), at(2026, 4, 8, 10, 2)):
        await run("task_reminders", sched_db, frozen, now)
    async with sched_db.sessions() as s:
        rows = (await s.execute(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "task.reminder"))).scalars().all()
    assert sorted(r.payload["when"] for r in rows) == ["before", "due"]
    # the task is overdue now: its next-action clock escalates to the owner
    await run("sla_sync", sched_db, frozen, at(2026, 4, 8, 10, 5))
    await run("sla_scan", sched_db, frozen, at(2026, 4, 8, 11))
    got = await alerts(sched_db, None)
    assert [(a.payload["rule"], a.recipient_id) for a in got] == [("next_action", people.rep.id)]


async def test_deal_stuck_and_dormant(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    async with sched_db.sessions() as s:
        early = Stage(name="初步接洽", sequence=10)
        demo = Stage(name="方案演示", sequence=30)
        cust = Customer(name="鼓楼医院", last_activity_at=at(2026, 2, 1))
        s.add_all([early, demo, cust])
        await s.flush()
        assert cust.id is not None
        assert demo.id is not None
        assert early.id is not None
        s.add(Deal(name="脊柱耗材", customer_id=cust.id, owner_id=people.rep.id,
                   stage_id=demo.id, stage_entered_at=at(2026, 2, 10), created_at=at(2026, 1, 5)))
        s.add(Deal(name="早期", customer_id=cust.id, owner_id=people.rep.id,
                   stage_id=early.id, stage_entered_at=at(2026, 3, 20), created_at=at(2026, 3, 1)))
        await s.commit()
    await run("sla_sync", sched_db, frozen, at(2026, 3, 25, 9))
    await run("sla_scan", sched_db, frozen, at(2026, 3, 25, 9))
    got = sorted((a.payload["rule"], a.payload["level"]) for a in await alerts(sched_db, None))
    # 方案演示 since 10 Feb: stuck 43 days → L1 and L2; dormant since 10 Feb (43 d) → L1, L2
    assert got == [("dormant", 1), ("dormant", 2), ("stage_stuck", 1), ("stage_stuck", 2)]
