"""Digests and the daily report: metrics over the database, a few grouped queries each
(never one query per rep), and the outbox rows that carry them.

Definitions (also shown in the cards):
- 72 h activation rate: of the leads created in the cohort window (the period shifted back by
  72 h, so that every lead had its full 72 h), the share first contacted within 72 h of
  creation.
- SLA breaches by rep: level-1 escalations fired in the period, by the owner at the time.
- Stage-compliance rate: stage moves in the period that met the exit conditions
  (`StageHistory.compliant`) ÷ all moves.
- Customer-profile completeness: the share of profile fields filled (kind, grade, industry,
  province, city, address, at least one contact with a decision role) over the rep's
  customers.
- Load per rep: open leads ÷ capacity (`max_open_leads`); balance index = Jain's fairness
  index of those utilisations, (Σu)² / (n·Σu²): 1.0 = perfectly even relative to capacity,
  1/n = everything on one rep.
- Channel ROI, per source channel: leads in the period, cost per lead (config
  `campaign_costs`: {source channel: cost per 30 days}), 7-day conversion (of the leads created in
  the period shifted back 7 days, the share with a deal created within 7 days), median won
  deal size (won deals closed in the last 90 days whose lead came from that channel).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from crm_core.errors import InvalidInput
from crm_core.models import (
    Contact,
    Customer,
    Deal,
    FollowUp,
    Lead,
    Stage,
    StageHistory,
    Task,
    Team,
    User,
)
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.models.sla import DailyReport, Escalation, SlaClock
from crm_core.services.drafts import count_open_drafts
from crm_core.services.sla import config_value, notify_many, notify_once
from crm_core.sql import table
from crm_core.uow import UnitOfWork

DEFAULT_OBSTACLES: tuple[str, ...] = (
    "客户预算未批", "决策人未见到", "竞品价格更低", "等待招标", "技术方案待确认", "无明显障碍",
)
NEAR_SLA = timedelta(hours=4)
ACTIVATION = timedelta(hours=72)
CONVERSION = timedelta(days=7)


def jain_index(values: Sequence[float]) -> float:
    """(Σx)² / (n·Σx²); 1.0 when all equal (or all zero)."""
    xs = [max(0.0, float(v)) for v in values]
    sq = sum(x * x for x in xs)
    if not xs or sq == 0:
        return 1.0
    return sum(xs) ** 2 / (len(xs) * sq)


def _day_start(d: date, tz: Any) -> datetime:
    return datetime.combine(d, time(0), tz)


# --- rep morning digest -------------------------------------------------------------------
@dataclass
class RepDigest:
    user_id: int
    name: str
    day: date
    tasks_today: list[dict[str, Any]] = field(default_factory=list)
    tasks_overdue: int = 0
    sla_breached: list[dict[str, Any]] = field(default_factory=list)
    sla_near: list[dict[str, Any]] = field(default_factory=list)
    closing_this_week: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.tasks_today or self.tasks_overdue or self.sla_breached
                    or self.sla_near or self.closing_this_week)


async def active_reps(uow: UnitOfWork, team_ids: Iterable[int] | None = None) -> list[User]:
    q = sa.select(User).where(col(User.active).is_(True), col(User.role) == "rep")
    if team_ids is not None:
        q = q.where(col(User.team_id).in_(list(team_ids)))
    return list((await uow.session.execute(q.order_by(col(User.id)))).scalars())


async def rep_digests(uow: UnitOfWork, now: datetime,
                      reps: Sequence[User] | None = None) -> list[RepDigest]:
    """Every working morning: today's follow-ups, leads past or near SLA, tasks due, this
    week's expected closings. Four grouped queries for all reps together."""
    tz = uow.clock.tz
    today = now.astimezone(tz).date()
    start, end = _day_start(today, tz), _day_start(today + timedelta(days=1), tz)
    reps = list(reps) if reps is not None else await active_reps(uow)
    out = {u.id: RepDigest(u.id, u.name, today) for u in reps if u.id is not None}
    ids = list(out)
    if not ids:
        return []
    s = uow.session
    tasks = await s.execute(sa.select(col(Task.id), col(Task.owner_id), col(Task.title),
                                      col(Task.due_at)).where(
        col(Task.status) == "open", col(Task.owner_id).in_(ids),
        col(Task.due_at) < end).order_by(col(Task.due_at)))
    for tid, owner, title, due in tasks.all():
        d = out[owner]
        if due < start:
            d.tasks_overdue += 1
        elif len(d.tasks_today) < 8:
            d.tasks_today.append({"task_id": tid, "title": title, "due_at": due.isoformat()})
    clocks = await s.execute(
        sa.select(col(SlaClock.owner_id), col(SlaClock.rule), col(SlaClock.lead_id),
                  col(SlaClock.subject_id),
                  col(SlaClock.level), col(SlaClock.next_at))
        .where(col(SlaClock.owner_id).in_(ids), col(SlaClock.next_at).is_not(None),
               sa.or_(col(SlaClock.level) > 0, col(SlaClock.next_at) <= now + NEAR_SLA))
        .order_by(col(SlaClock.next_at)))
    for owner, rule, lead_id, subject_id, level, next_at in clocks.all():
        d = out[owner]
        item = {"rule": rule, "lead_id": lead_id, "subject_id": subject_id, "level": level,
                "next_at": next_at.isoformat()}
        target = d.sla_breached if level > 0 or next_at <= now else d.sla_near
        if len(target) < 8:
            target.append(item)
    monday = today - timedelta(days=today.weekday())
    deals = await s.execute(
        sa.select(col(Deal.id), col(Deal.owner_id), col(Deal.name), col(Deal.amount),
                  col(Deal.expected_close))
        .join(Stage, col(Stage.id) == col(Deal.stage_id))
        .where(col(Deal.owner_id).in_(ids), col(Deal.closed_at).is_(None),
               col(Stage.is_won).is_(False), col(Stage.is_lost).is_(False),
               col(Deal.expected_close) >= monday,
               col(Deal.expected_close) <= monday + timedelta(days=6)))
    for did, owner, name, amount, close in deals.all():
        out[owner].closing_this_week.append(
            {"deal_id": did, "name": name, "amount": amount, "expected_close": close.isoformat()})
    return list(out.values())


# --- manager digest -----------------------------------------------------------------------
@dataclass
class RepRow:
    user_id: int
    name: str
    open_leads: int = 0
    capacity: int = 0
    breaches: int = 0
    new_leads: int = 0
    activated: int = 0
    moves: int = 0
    compliant_moves: int = 0
    completeness: float | None = None

    @property
    def load(self) -> float:
        return self.open_leads / self.capacity if self.capacity else 0.0


@dataclass
class ChannelRow:
    channel: str
    leads: int = 0
    cost: float | None = None
    cohort: int = 0
    converted: int = 0
    won_amounts: list[float] = field(default_factory=list)

    @property
    def cost_per_lead(self) -> float | None:
        return None if self.cost is None or not self.leads else self.cost / self.leads

    @property
    def conversion(self) -> float | None:
        return None if not self.cohort else self.converted / self.cohort

    @property
    def median_deal(self) -> float | None:
        return statistics.median(self.won_amounts) if self.won_amounts else None


@dataclass
class ManagerDigest:
    manager_id: int
    period: str                              # daily | weekly
    start: datetime
    end: datetime
    reps: list[RepRow]
    channels: list[ChannelRow]

    def _ratio(self, num: int, den: int) -> float | None:
        return None if den == 0 else num / den

    @property
    def activation_rate(self) -> float | None:
        return self._ratio(sum(r.activated for r in self.reps), sum(r.new_leads for r in self.reps))

    @property
    def compliance_rate(self) -> float | None:
        return self._ratio(sum(r.compliant_moves for r in self.reps),
                           sum(r.moves for r in self.reps))

    @property
    def completeness(self) -> float | None:
        vals = [r.completeness for r in self.reps if r.completeness is not None]
        return sum(vals) / len(vals) if vals else None

    @property
    def balance_index(self) -> float:
        return jain_index([r.load for r in self.reps])

    def payload(self) -> dict[str, Any]:
        return {
            "manager_id": self.manager_id, "period": self.period,
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "activation_rate": self.activation_rate, "compliance_rate": self.compliance_rate,
            "completeness": self.completeness, "balance_index": round(self.balance_index, 3),
            "breaches": sum(r.breaches for r in self.reps),
            "reps": [{**asdict(r), "load": round(r.load, 3)} for r in self.reps],
            "channels": [{"channel": c.channel, "leads": c.leads, "cost": c.cost,
                          "cost_per_lead": c.cost_per_lead, "cohort": c.cohort,
                          "conversion": c.conversion, "median_deal": c.median_deal}
                         for c in self.channels],
        }


async def teams_by_manager(uow: UnitOfWork) -> dict[int, list[User]]:
    """manager id → their reps: direct reports (`manager_id`) and reps of teams they lead."""
    reps = await active_reps(uow)
    teams = {t.id: t.manager_id for t in (await uow.session.execute(sa.select(Team))).scalars()}
    out: dict[int, dict[int, User]] = defaultdict(dict)
    for r in reps:
        assert r.id is not None
        for m in {r.manager_id, teams.get(r.team_id) if r.team_id else None}:
            if m is not None and m != r.id:
                out[m][r.id] = r
    return {m: list(v.values()) for m, v in out.items()}


PROFILE_FIELDS = ("kind", "grade", "industry", "province", "city", "address")


async def manager_digests(uow: UnitOfWork, now: datetime, period: str = "daily"
                          ) -> list[ManagerDigest]:
    """One digest per manager, computed from grouped queries over all reps at once."""
    tz = uow.clock.tz
    today = now.astimezone(tz).date()
    days = 7 if period == "weekly" else 1
    end = _day_start(today, tz)
    start = end - timedelta(days=days)
    by_manager = await teams_by_manager(uow)
    all_reps = {r.id: r for reps in by_manager.values() for r in reps}
    ids = [i for i in all_reps if i is not None]
    rows: dict[int, RepRow] = {i: RepRow(i, all_reps[i].name, capacity=all_reps[i].max_open_leads)
                               for i in ids}
    s = uow.session
    if ids:
        for owner, n in (await s.execute(
                sa.select(col(Lead.owner_id), sa.func.count()).where(
                    col(Lead.owner_id).in_(ids),
                    col(Lead.status).in_(OPEN_LEAD_STATUSES))
                .group_by(col(Lead.owner_id)))).all():
            rows[owner].open_leads = int(n)
        for owner, n in (await s.execute(
                sa.select(col(Escalation.owner_id), sa.func.count()).where(
                    col(Escalation.owner_id).in_(ids), col(Escalation.level) == 1,
                    col(Escalation.fired_at) >= start, col(Escalation.fired_at) < end)
                .group_by(col(Escalation.owner_id)))).all():
            rows[owner].breaches = int(n)
        c_start, c_end = start - ACTIVATION, end - ACTIVATION
        for owner, created, first in (await s.execute(
                sa.select(col(Lead.owner_id), col(Lead.created_at),
                          col(Lead.first_contacted_at)).where(
                    col(Lead.owner_id).in_(ids),
                    col(Lead.created_at) >= c_start, col(Lead.created_at) < c_end))).all():
            r = rows[owner]
            r.new_leads += 1
            if first is not None and first - created <= ACTIVATION:
                r.activated += 1
        for owner, compliant, n in (await s.execute(
                sa.select(col(Deal.owner_id), col(StageHistory.compliant), sa.func.count())
                .join(Deal, col(Deal.id) == col(StageHistory.deal_id))
                .where(col(Deal.owner_id).in_(ids),
                       col(StageHistory.moved_at) >= start, col(StageHistory.moved_at) < end)
                .group_by(col(Deal.owner_id), col(StageHistory.compliant)))).all():
            rows[owner].moves += int(n)
            if compliant:
                rows[owner].compliant_moves += int(n)
        await _completeness(uow, rows)
    channels = await _channels(uow, start, end, days)
    out: list[ManagerDigest] = []
    for mid, reps in sorted(by_manager.items()):
        out.append(ManagerDigest(mid, period, start, end,
                                 [rows[r.id] for r in reps if r.id is not None], channels))
    return out


async def _completeness(uow: UnitOfWork, rows: Mapping[int, RepRow]) -> None:
    cols = [getattr(Customer, f) for f in PROFILE_FIELDS]
    has_role = sa.exists().where(col(Contact.customer_id) == col(Customer.id),
                                 col(Contact.decision_role).is_not(None))
    filled = sum((sa.case((c.is_not(None), 1), else_=0) for c in cols),

                 start=sa.case((has_role, 1), else_=0))
    q = (sa.select(col(Customer.owner_id), sa.func.avg(filled), sa.func.count())
         .where(col(Customer.owner_id).in_(list(rows)))
         .group_by(col(Customer.owner_id)))
    for owner, avg, _n in (await uow.session.execute(q)).all():
        rows[owner].completeness = float(avg) / (len(PROFILE_FIELDS) + 1)


async def _channels(uow: UnitOfWork, start: datetime, end: datetime, days: int
                    ) -> list[ChannelRow]:
    s = uow.session
    costs: Mapping[str, float] = (await config_value(uow, "campaign_costs", None)
                                  or await config_value(uow, "channel_costs", {}) or {})
    chans: dict[str, ChannelRow] = {}

    def row(ch: str) -> ChannelRow:
        if ch not in chans:
            chans[ch] = ChannelRow(ch)
        return chans[ch]

    for ch, n in (await s.execute(
            sa.select(col(Lead.source_channel), sa.func.count()).where(
                col(Lead.created_at) >= start, col(Lead.created_at) < end)
            .group_by(Lead.source_channel))).all():
        row(ch).leads = int(n)
    c_start, c_end = start - CONVERSION, end - CONVERSION
    first_deal = (sa.select(col(Deal.lead_id), sa.func.min(col(Deal.created_at)).label("first_at"))
                  .where(col(Deal.lead_id).is_not(None))
                  .group_by(col(Deal.lead_id)).subquery())
    for ch, created, first_at in (await s.execute(
            sa.select(col(Lead.source_channel), col(Lead.created_at), first_deal.c.first_at)
            .outerjoin(first_deal, first_deal.c.lead_id == col(Lead.id))
            .where(col(Lead.created_at) >= c_start, col(Lead.created_at) < c_end))).all():
        r = row(ch)
        r.cohort += 1
        if first_at is not None and first_at - created <= CONVERSION:
            r.converted += 1
    for ch, amount in (await s.execute(
            sa.select(col(Lead.source_channel), col(Deal.amount))
            .join(Lead, col(Lead.id) == col(Deal.lead_id))
            .join(Stage, col(Stage.id) == col(Deal.stage_id))
            .where(col(Stage.is_won).is_(True), col(Deal.closed_at) >= end - timedelta(days=90),
                   col(Deal.closed_at) < end))).all():
        row(ch).won_amounts.append(float(amount or 0))
    for ch, monthly in costs.items():
        row(ch).cost = float(monthly) * days / 30
    return sorted(chans.values(), key=lambda c: -c.leads)


# --- queueing the digests -----------------------------------------------------------------
async def queue_rep_digests(uow: UnitOfWork, now: datetime) -> int:
    items = []
    for d in await rep_digests(uow, now):
        if d.empty:
            continue
        payload = asdict(d)
        payload["day"] = d.day.isoformat()
        items.append(("digest.rep", d.user_id, payload,
                      f"digest.rep:{d.user_id}:{d.day.isoformat()}"))
    return await notify_many(uow, items)


async def queue_manager_digests(uow: UnitOfWork, now: datetime, period: str) -> int:
    n = 0
    for d in await manager_digests(uow, now, period):
        key = f"digest.{period}:{d.manager_id}:{d.end.date().isoformat()}"
        n += await notify_once(uow, "digest.manager", d.manager_id, d.payload(), dedupe_key=key)
    return n


# --- the daily report (日报) --------------------------------------------------------------
async def obstacle_presets(uow: UnitOfWork) -> list[str]:
    raw = await config_value(uow, "presets.obstacles", None)
    return [str(x) for x in raw] if raw else list(DEFAULT_OBSTACLES)


async def drafts_for(uow: UnitOfWork, user_ids: Sequence[int] | None, day: date
                     ) -> dict[int, str]:
    """The day's follow-ups as drafts, one query for everyone: one line per follow-up, with
    its next step."""
    tz = uow.clock.tz
    start, end = _day_start(day, tz), _day_start(day + timedelta(days=1), tz)
    q = (sa.select(col(FollowUp.owner_id), col(FollowUp.summary), col(FollowUp.next_action),
                   col(Customer.name))
         .outerjoin(Customer, col(Customer.id) == col(FollowUp.customer_id))
         .where(col(FollowUp.occurred_at) >= start, col(FollowUp.occurred_at) < end)
         .order_by(col(FollowUp.occurred_at), col(FollowUp.id)))
    if user_ids is not None:
        q = q.where(col(FollowUp.owner_id).in_(list(user_ids)))
    lines: dict[int, list[str]] = defaultdict(list)
    for owner, summary, nxt, cust in (await uow.session.execute(q)).all():
        mine = lines[owner]
        line = f"{len(mine) + 1}. {cust or '客户'}：{summary.strip()[:60]}"
        if nxt:
            line += f"（下一步：{nxt[:30]}）"
        if len(mine) < 20:
            mine.append(line)
    return {o: "\n".join(v) for o, v in lines.items()}


async def draft_for(uow: UnitOfWork, user_id: int, day: date) -> str:
    return (await drafts_for(uow, [user_id], day)).get(user_id, "")


async def queue_daily_report_prompts(uow: UnitOfWork, now: datetime) -> int:
    day = now.astimezone(uow.clock.tz).date()
    presets = await obstacle_presets(uow)
    n = 0
    ins = postgresql.insert if uow.db.dialect == "postgresql" else sqlite.insert
    reps = await active_reps(uow)
    drafts = await drafts_for(uow, None, day)
    waiting = await count_open_drafts(uow, [r.id or 0 for r in reps])
    if not reps:
        return 0
    await uow.session.execute(
        ins(table(DailyReport)).on_conflict_do_nothing(
            index_elements=["user_id", "day"]),
        [{"user_id": r.id, "day": day, "status": "prompted", "draft": drafts.get(r.id or 0, ""),
          "prompted_at": now, "obstacles": []} for r in reps])
    n += await notify_many(uow, [
        ("daily_report.prompt", r.id, {"day": day.isoformat(), "name": r.name,
                                       "draft": drafts.get(r.id or 0, ""), "obstacles": presets,
                                       "open_drafts": waiting.get(r.id or 0, 0)},
         f"daily_report.prompt:{r.id}:{day.isoformat()}") for r in reps])
    return n


async def submit_daily_report(uow: UnitOfWork, user: User, day: date, *,
                              progress: str | None = None, obstacle: str | None = None,
                              use_draft: bool = False) -> DailyReport:
    """Record the rep's answer (text, a preset obstacle, or the draft as is)."""
    assert user.id is not None
    row = (await uow.session.execute(sa.select(DailyReport).where(
        col(DailyReport.user_id) == user.id, col(DailyReport.day) == day))).scalars().first()
    if row is None:
        row = DailyReport(user_id=user.id, day=day, draft=await draft_for(uow, user.id, day),
                          prompted_at=uow.now)
    if progress is not None:
        text = progress.strip()
        if not text:
            raise InvalidInput("empty daily report", "日报内容不能为空")
        row.progress = text[:2000]
    elif use_draft or (obstacle and not row.progress):
        row.progress = row.progress or row.draft or "（今日无跟进记录）"
    if obstacle:
        obstacles = list(row.obstacles or [])
        if obstacle not in obstacles:
            obstacles.append(obstacle[:60])
        row.obstacles = obstacles
    row.status = "answered"
    row.answered_at = uow.now
    uow.add(row)
    uow.audit("daily_report.submit", "daily_report", f"{user.id}:{day.isoformat()}",
              after={"progress": row.progress, "obstacles": row.obstacles})
    return row


async def queue_daily_report_summaries(uow: UnitOfWork, now: datetime) -> int:
    """Each manager: the answers of their reps and who did not answer."""
    day = now.astimezone(uow.clock.tz).date()
    reports = {r.user_id: r for r in (await uow.session.execute(
        sa.select(DailyReport).where(col(DailyReport.day) == day))).scalars()}
    n = 0
    teams = await teams_by_manager(uow)
    waiting = await count_open_drafts(uow, [r.id or 0 for reps in teams.values() for r in reps])
    for mid, reps in teams.items():
        answered, missing = [], []
        for rep in sorted(reps, key=lambda u: u.id or 0):
            r = reports.get(rep.id or 0)
            if r is not None and r.status == "answered":
                answered.append({"name": rep.name, "progress": r.progress or "",
                                 "obstacles": list(r.obstacles or [])})
            else:
                missing.append(rep.name)
        if not answered and not missing:
            continue
        n += await notify_once(uow, "daily_report.summary", mid, {
            "day": day.isoformat(), "answered": answered, "missing": missing,
            "open_drafts": {r.name: waiting[r.id or 0] for r in reps if waiting.get(r.id or 0)},
        }, dedupe_key=f"daily_report.summary:{mid}:{day.isoformat()}")
    return n
