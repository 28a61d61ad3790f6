"""Digests and the daily report on SQLite."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from bot.messages import Card, Image
from bot.render import render_notification
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import (
    ConfigEntry,
    Customer,
    Deal,
    FollowUp,
    Lead,
    OutboxMessage,
    Stage,
    StageHistory,
    Task,
)
from crm_core.models.sla import DailyReport, Escalation
from crm_core.services import digests
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork
from scheduler.runner import run_job
from tests.integration.scheduler.conftest import People, at

SETTINGS = Settings(database_url="sqlite:///unused.db")


def test_jain_index() -> None:
    assert digests.jain_index([0.5, 0.5, 0.5]) == 1.0
    assert abs(digests.jain_index([1.0, 0.0, 0.0, 0.0]) - 0.25) < 1e-9
    assert digests.jain_index([]) == 1.0


async def seed(db: Database, p: People) -> None:
    async with db.sessions() as s:
        won = Stage(name="赢单", sequence=90, is_won=True)
        demo = Stage(name="方案演示", sequence=30)
        cust = Customer(name="鼓楼医院", kind="hospital", province="江苏", city="南京",
                        owner_id=p.rep.id)
        s.add_all([won, demo, cust, ConfigEntry(key="channel_costs", value={"百度": 3000})])
        await s.flush()
        # activation cohort for the digest of Tue 7 Apr: leads created 1–4 Apr (shifted 72 h)
        for i in range(4):
            s.add(Lead(company=f"客户{i}", owner_id=p.rep.id, status="contacted",
                       source_channel="百度", created_at=at(2026, 4, 3, 10),
                       first_contacted_at=at(2026, 4, 3, 11) if i < 3 else None))
        lead = Lead(company="成交", owner_id=p.rep2.id, status="converted", source_channel="百度",
                    created_at=at(2026, 3, 30, 10))
        s.add(lead)
        await s.flush()
        deal = Deal(name="脊柱耗材", customer_id=cust.id, lead_id=lead.id, owner_id=p.rep2.id,
                    stage_id=won.id, amount=200000, created_at=at(2026, 4, 1),
                    closed_at=at(2026, 4, 6, 10), expected_close=date(2026, 4, 9))
        s.add(deal)
        await s.flush()
        s.add_all([
            StageHistory(deal_id=deal.id, to_stage_id=demo.id, moved_at=at(2026, 4, 6, 9)),
            StageHistory(deal_id=deal.id, from_stage_id=demo.id, to_stage_id=won.id,
                         moved_at=at(2026, 4, 6, 10), compliant=False),
            Escalation(key="x1", rule="first_contact", subject_id=1, owner_id=p.rep.id, level=1,
                       started_at=at(2026, 4, 6, 9), deadline_at=at(2026, 4, 6, 13),
                       fired_at=at(2026, 4, 6, 13)),
            Task(owner_id=p.rep.id, title="回访刘主任", due_at=at(2026, 4, 7, 15),
                 has_time=True),
            Task(owner_id=p.rep.id, title="发报价", due_at=at(2026, 4, 6, 15)),
            FollowUp(owner_id=p.rep.id, customer_id=cust.id, summary="拜访骨科刘主任，演示样品",
                     next_action="周五送报价", occurred_at=at(2026, 4, 7, 11),
                     created_at=at(2026, 4, 7, 11)),
        ])
        await s.commit()


async def test_manager_digest_metrics_and_chart(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await seed(sched_db, people)
    frozen.set(at(2026, 4, 7, 8, 30))
    async with UnitOfWork(sched_db, frozen) as uow:
        (d,) = await digests.manager_digests(uow, frozen.now(), "daily")
    assert d.manager_id == people.manager.id
    rows = {r.name: r for r in d.reps}
    assert rows["张伟"].breaches == 1
    assert d.compliance_rate == 0.5
    assert rows["张伟"].open_leads == 4
    assert 0 < d.balance_index < 1
    assert rows["张伟"].completeness is not None
    assert abs(rows["张伟"].completeness - 3 / 7) < 1e-9
    (ch,) = [c for c in d.channels if c.channel == "百度"]
    assert ch.median_deal == 200000
    assert ch.cost == 100.0
    weekly = (await _in(sched_db, frozen, "weekly"))[0]
    assert weekly.activation_rate == 0.6           # 3 of 5 contacted within 72 h
    replies = render_notification("digest.manager", weekly.payload())
    assert isinstance(replies[0], Card)
    assert isinstance(replies[1], Image)
    assert replies[1].png.startswith(b"\x89PNG")


async def _in(db: Database, clock: FrozenClock, period: str) -> list[digests.ManagerDigest]:
    async with UnitOfWork(db, clock) as uow:
        return await digests.manager_digests(uow, clock.now(), period)


async def test_digest_jobs_queue_once_and_skip_holidays(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await seed(sched_db, people)
    for _ in range(2):
        await run_job("rep_digest", sched_db, frozen, SETTINGS, at(2026, 4, 7, 8, 30))
        await run_job("manager_daily_digest", sched_db, frozen, SETTINGS, at(2026, 4, 7, 8, 30))
    assert await run_job("rep_digest", sched_db, frozen, SETTINGS,
                         at(2026, 4, 6, 8, 30)) == "not a working day"      # 清明
    async with sched_db.sessions() as s:
        rows = (await s.execute(sa.select(OutboxMessage).where(
            OutboxMessage.kind.like("digest.%")))).scalars().all()  # type: ignore[attr-defined]
    kinds = sorted((r.kind, r.recipient_id) for r in rows)
    # 李娜 has nothing today (her only deal is won): no empty digest for her
    assert kinds == [("digest.manager", people.manager.id), ("digest.rep", people.rep.id)]
    rep = next(r for r in rows if r.recipient_id == people.rep.id)
    assert [t["title"] for t in rep.payload["tasks_today"]] == ["回访刘主任"]
    assert rep.payload["tasks_overdue"] == 1
    card = render_notification("digest.rep", rep.payload)[0]
    assert isinstance(card, Card)


async def test_daily_report_prompt_answer_summary(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await seed(sched_db, people)
    await run_job("daily_report_prompt", sched_db, frozen, SETTINGS, at(2026, 4, 7, 18))
    await run_job("daily_report_prompt", sched_db, frozen, SETTINGS, at(2026, 4, 7, 18, 1))
    async with sched_db.sessions() as s:
        prompts = (await s.execute(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "daily_report.prompt"))).scalars().all()
    assert len(prompts) == 2
    mine = next(p for p in prompts if p.recipient_id == people.rep.id)
    assert "拜访骨科刘主任" in mine.payload["draft"]
    card = render_notification("daily_report.prompt", mine.payload)[0]
    assert isinstance(card, Card)
    assert card.buttons[0].action == "daily_report.submit"
    assert "招标延迟" in [b.label for b in card.buttons]     # the list follow-ups use

    frozen.set(at(2026, 4, 7, 18, 20))
    async with UnitOfWork(sched_db, frozen) as uow:
        await digests.submit_daily_report(uow, people.rep, date(2026, 4, 7),
                                          obstacle="招标延迟")
        await uow.commit()
    await run_job("daily_report_summary", sched_db, frozen, SETTINGS, at(2026, 4, 7, 20))
    async with sched_db.sessions() as s:
        (summary,) = (await s.execute(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "daily_report.summary"))).scalars().all()
        report = (await s.execute(sa.select(DailyReport).where(
            DailyReport.user_id == people.rep.id))).scalar_one()
    assert summary.recipient_id == people.manager.id
    assert summary.payload["missing"] == ["李娜"]
    assert summary.payload["answered"][0]["obstacles"] == ["招标延迟"]
    assert summary.payload["ranking"] == [["招标延迟", 1]]
    assert report.progress is not None
    assert "拜访骨科刘主任" in report.progress
    text = render_notification("daily_report.summary", summary.payload)[0]
    assert isinstance(text, Card)
    assert ("未提交", "李娜") in text.fields
    assert frozen.now() - timedelta(hours=1) < report.answered_at  # type: ignore[operator]


async def test_obstacles_one_list_exclusive_none_and_the_manager_told_on_submit(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    day = date(2026, 4, 7)
    frozen.set(at(2026, 4, 7, 18, 20))
    async with UnitOfWork(sched_db, frozen) as uow:
        from crm_core.services.catalog import DEFAULT_OBSTACLES

        assert await digests.obstacle_presets(uow) == list(DEFAULT_OBSTACLES)
        await digests.submit_daily_report(uow, people.rep, day, obstacle="预算冻结")
        row = await digests.submit_daily_report(uow, people.rep, day,
                                                obstacle=digests.NO_OBSTACLE)
        assert row.obstacles == [digests.NO_OBSTACLE]        # never "预算冻结、无明显障碍"
        row = await digests.submit_daily_report(uow, people.rep, day, obstacle="招标延迟")
        assert row.obstacles == ["招标延迟"]
        assert await digests.tell_manager_obstacles(uow, people.rep, day)
        await digests.submit_daily_report(uow, people.rep2, day, obstacle="招标延迟")
        await digests.submit_daily_report(uow, people.rep2, day, obstacle="预算冻结")
        assert await digests.tell_manager_obstacles(uow, people.rep2, day)
        assert not await digests.tell_manager_obstacles(uow, people.rep2, day)   # once
        await uow.commit()
    async with sched_db.sessions() as s:
        cards = (await s.execute(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "daily_report.team_obstacles")
            .order_by(OutboxMessage.id))).scalars().all()
    assert [c.recipient_id for c in cards] == [people.manager.id] * 2
    assert cards[-1].payload["ranking"] == [["招标延迟", 2], ["预算冻结", 1]]
    assert cards[-1].payload["submitted"] == 2
