"""SLA clocks and escalation; next-action reminders.

- `sync_clocks` starts a clock (one `sla_clock` row per rule + subject) for every lead, task
  and deal that is under a rule, reading only what changed since its watermark (indexed).
- `scan_clocks` reads the clocks whose `next_at` has passed (an indexed range query, in
  batches; `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite), re-evaluates
  each subject — acting on the lead moved or removed the anchor, so the clock restarts or
  stops instead of firing — and fires the due levels once each: an `sla_escalation` row with
  a unique key and an outbox row with the same dedupe key, in the transaction that moves the
  clock's `next_at`.
- `send_task_reminders` pushes next-action reminders at `remind_at` (a lead time before the
  due time) and at the due time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from crm_core.errors import Conflict, NotFound
from crm_core.models import (
    Customer,
    Deal,
    Lead,
    OutboxMessage,
    Stage,
    Task,
    Team,
    User,
)
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.models.sla import Escalation, SlaClock, SlaPolicy
from crm_core.policies import sla as P
from crm_core.policies.calendar import BusinessCalendar
from crm_core.services import access
from crm_core.services.catalog import get_config
from crm_core.sql import rowcount, table
from crm_core.uow import UnitOfWork, _jsonable

log = logging.getLogger(__name__)
CLOCK = table(SlaClock)
ESC = table(Escalation)
OUTBOX = table(OutboxMessage)
LEAD_RULES = (P.FIRST_CONTACT, P.CLAIM)
DEAL_RULES = (P.STAGE_STUCK, P.DORMANT)


# --- outbox, at most once per key ---------------------------------------------------------
def _insert(uow: UnitOfWork, table: sa.Table) -> Any:
    mod = postgresql if uow.db.dialect == "postgresql" else sqlite
    return mod.insert(table)


async def notify_once(uow: UnitOfWork, kind: str, recipient_id: int | None,
                      payload: Mapping[str, Any], dedupe_key: str, *,
                      at: datetime | None = None) -> bool:
    """Queue a push unless one with this dedupe key exists (two instances, a re-run, a
    restart): `INSERT … ON CONFLICT (dedupe_key) DO NOTHING`. True when queued now."""
    stmt = _insert(uow, OUTBOX).values(
        kind=kind, recipient_id=recipient_id, payload=_jsonable(dict(payload)),
        dedupe_key=dedupe_key, status="pending", attempts=0,
        next_attempt_at=at or uow.now, created_at=uow.now,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    res = await uow.session.execute(stmt)
    return bool(rowcount(res))


def in_list(uow: UnitOfWork, col: Any, values: Iterable[Any]) -> Any:
    """`col IN (…)`; on PostgreSQL `col = ANY(:array)`: one bind parameter, so a batch of
    500 ids does not prepare a 500-parameter statement each time."""
    vals = list(values)
    if uow.db.dialect != "postgresql" or not vals:
        return col.in_(vals)
    typ = postgresql.ARRAY(sa.Integer if isinstance(vals[0], int) else sa.String)
    return col == sa.any_(sa.bindparam(None, vals, type_=typ))


async def notify_many(uow: UnitOfWork, items: Sequence[tuple[str, int | None, Mapping[str, Any],
                                                              str]]) -> int:
    """`notify_once` for many (kind, recipient, payload, dedupe_key) at once (executemany).
    Returns how many were new."""
    if not items:
        return 0
    keys = [k for _, _, _, k in items]
    seen: set[str] = set()
    for i in range(0, len(keys), 500):
        seen |= set((await uow.session.execute(sa.select(OUTBOX.c.dedupe_key).where(
            in_list(uow, OUTBOX.c.dedupe_key, keys[i:i + 500])))).scalars())
    rows = [{"kind": kind, "recipient_id": rid, "payload": _jsonable(dict(p)),
             "dedupe_key": key, "status": "pending", "attempts": 0,
             "next_attempt_at": uow.now, "created_at": uow.now}
            for kind, rid, p, key in items if key not in seen]
    if rows:
        await uow.session.execute(_insert(uow, OUTBOX).on_conflict_do_nothing(
            index_elements=["dedupe_key"]), rows)
    return len(rows)


# --- configuration ------------------------------------------------------------------------
config_value = get_config          # the one reader of tenant configuration


@dataclass
class SlaConfig:
    policies: list[P.RulePolicy]
    hours_cfg: Mapping[str, Any]
    tz: str
    _cals: dict[int | None, BusinessCalendar] = field(default_factory=dict)

    def calendar(self, team_id: int | None) -> BusinessCalendar:
        cal = self._cals.get(team_id)
        if cal is None:
            cal = self._cals[team_id] = BusinessCalendar.from_config(
                self.hours_cfg, team_id, default_tz=self.tz)
        return cal

    def policy(self, rule: str, team_id: int | None = None, source: str | None = None,
               grade: str | None = None) -> P.RulePolicy | None:
        return P.pick_policy(self.policies, rule, team_id=team_id, source_channel=source,
                             grade=grade)


async def load_config(uow: UnitOfWork) -> SlaConfig:
    rows = (await uow.session.execute(sa.select(SlaPolicy))).scalars().all()
    pols: list[P.RulePolicy] = []
    for r in rows:
        try:
            pols.append(P.RulePolicy(r.rule, tuple(float(x) for x in r.levels_hours),
                                     business=r.business, team_id=r.team_id,
                                     source_channel=r.source_channel, grade=r.grade,
                                     active=r.active))
        except ValueError as e:
            log.error("SLA policy %s ignored: %s", r.id, e)
    hours = await config_value(uow, "business_hours", {}) or {}
    return SlaConfig(pols, hours, str(uow.clock.tz))


async def first_contact_limit(uow: UnitOfWork, lead_id: int | None) -> tuple[float, bool] | None:
    """The first level of the first-contact SLA that times this lead, as (hours, business
    hours?): what a rep who just got the lead is asked to meet. None: no such lead."""
    lead = await uow.session.get(Lead, lead_id) if lead_id is not None else None
    if lead is None:
        return None
    pol = (await load_config(uow)).policy(P.FIRST_CONTACT, lead.team_id, lead.source_channel,
                                          lead.grade)
    return None if pol is None else (pol.levels_hours[0], pol.business)


# --- anchors: when did the clock of this subject start? (None: no clock) --------------------
def lead_anchor(rule: str, lead: Lead) -> datetime | None:
    if lead.owner_id is None or lead.in_pool or lead.status not in OPEN_LEAD_STATUSES:
        return None
    if rule == P.FIRST_CONTACT:
        return lead.assigned_at if lead.first_contacted_at is None else None
    if rule == P.CLAIM:
        if lead.status in ("new", "assigned") and lead.claimed_at is None \
                and lead.first_contacted_at is None:
            return lead.assigned_at
        return None
    raise ValueError(rule)


def task_anchor(task: Task) -> datetime | None:
    return task.due_at if task.status == "open" else None


def deal_anchor(rule: str, deal: Deal, stage: Stage | None, customer: Customer | None,
                dormant_from: int | None) -> datetime | None:
    if deal.closed_at is not None or stage is None or stage.is_won or stage.is_lost:
        return None
    if rule == P.STAGE_STUCK:
        return deal.stage_entered_at or deal.created_at
    if rule == P.DORMANT:
        if dormant_from is None or stage.sequence < dormant_from:
            return None
        seen = [t for t in (customer.last_activity_at if customer else None,
                            deal.stage_entered_at, deal.created_at) if t is not None]
        return max(seen) if seen else None
    raise ValueError(rule)


@dataclass(frozen=True, slots=True)
class Subject:
    """What a clock watches, resolved for one rule."""

    anchor: datetime | None
    owner_id: int | None
    team_id: int | None
    lead_id: int | None
    deal_id: int | None
    source: str | None
    grade: str | None
    title: str


async def _dormant_from(uow: UnitOfWork) -> int | None:
    name = await config_value(uow, "sla_dormant_from_stage", P.DORMANT_FROM_STAGE)
    seq = (await uow.session.execute(
        sa.select(col(Stage.sequence)).where(col(Stage.name) == name))).first()
    return None if seq is None else int(seq[0])


async def _owner_teams(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, int | None]:
    want = {i for i in ids if i is not None}
    if not want:
        return {}
    rows = await uow.session.execute(sa.select(col(User.id), col(User.team_id)).where(
        in_list(uow, User.id, want)))
    return {int(a): b for a, b in rows.all()}


async def load_subjects(uow: UnitOfWork, rule: str, ids: Sequence[int]) -> dict[int, Subject]:
    """Resolve many subjects of one rule at once (a few queries per batch)."""
    out: dict[int, Subject] = {}
    if not ids:
        return out
    s = uow.session
    if rule in LEAD_RULES:
        for lead in (await s.execute(sa.select(Lead).where(
                in_list(uow, Lead.id, ids)))).scalars():
            assert lead.id is not None
            out[lead.id] = Subject(lead_anchor(rule, lead), lead.owner_id, lead.team_id, lead.id,
                                   None, lead.source_channel, lead.grade,
                                   lead.company or lead.name or f"线索#{lead.id}")
    elif rule == P.NEXT_ACTION:
        tasks = list((await s.execute(sa.select(Task).where(
            in_list(uow, Task.id, ids)))).scalars())
        teams = await _owner_teams(uow, [t.owner_id for t in tasks])
        for t in tasks:
            assert t.id is not None
            out[t.id] = Subject(task_anchor(t), t.owner_id, teams.get(t.owner_id), t.lead_id,
                                t.deal_id, None, None, t.title)
    elif rule in DEAL_RULES:
        dormant_from = await _dormant_from(uow) if rule == P.DORMANT else None
        rows = (await s.execute(
            sa.select(Deal, Stage, Customer)
            .join(Stage, col(Stage.id) == col(Deal.stage_id))
            .outerjoin(Customer, col(Customer.id) == col(Deal.customer_id))
            .where(in_list(uow, Deal.id, ids))
        )).all()
        teams = await _owner_teams(uow, [d.owner_id for d, _, _ in rows])
        for deal, stage, customer in rows:
            assert deal.id is not None
            out[deal.id] = Subject(
                deal_anchor(rule, deal, stage, customer, dormant_from), deal.owner_id,
                teams.get(deal.owner_id) if deal.owner_id else None, deal.lead_id, deal.id,
                None, None, f"{deal.name}（{stage.name}）")
    else:
        raise ValueError(rule)
    return out


# --- starting clocks ------------------------------------------------------------------------
@dataclass
class SyncResult:
    created: int = 0
    watermark: datetime | None = None


async def _start(uow: UnitOfWork, cfg: SlaConfig, rule: str, subject_id: int,
                 subj: Subject) -> bool:
    if subj.anchor is None:
        return False
    pol = cfg.policy(rule, subj.team_id, subj.source, subj.grade)
    if pol is None:
        return False
    nxt = P.next_check(pol, subj.anchor, 0, cfg.calendar(subj.team_id))
    stmt = _insert(uow, CLOCK).values(
        rule=rule, subject_id=subject_id, lead_id=subj.lead_id, deal_id=subj.deal_id,
        owner_id=subj.owner_id, team_id=subj.team_id, started_at=subj.anchor, next_at=nxt,
        level=0, updated_at=uow.now,
    ).on_conflict_do_nothing(index_elements=["rule", "subject_id"])
    res = await uow.session.execute(stmt)
    return bool(rowcount(res))


async def sync_clocks(uow: UnitOfWork, since: datetime | None, *,
                      batch: int = 5000) -> SyncResult:
    """Start clocks for what changed since the watermark (None: everything open).

    Leads by `assigned_at`, tasks by `due_at` (both indexed); deals are few and read whole
    (open ones without a clock). Existing clocks are left alone: the scan re-evaluates them.
    """
    cfg = await load_config(uow)
    now = uow.now
    res = SyncResult(watermark=now)
    s = uow.session
    q = sa.select(col(Lead.id)).where(col(Lead.owner_id).is_not(None),
                                 col(Lead.assigned_at).is_not(None),
                                 col(Lead.assigned_at) <= now,
                                 col(Lead.status).in_(OPEN_LEAD_STATUSES))
    if since is not None:
        q = q.where(col(Lead.assigned_at) > since)
    lead_ids = [int(x) for x in (await s.execute(q)).scalars()]
    for i in range(0, len(lead_ids), batch):
        chunk = lead_ids[i:i + batch]
        for rule in LEAD_RULES:
            for sid, subj in (await load_subjects(uow, rule, chunk)).items():
                res.created += await _start(uow, cfg, rule, sid, subj)
    tq = sa.select(col(Task.id)).where(col(Task.status) == "open",
                                  col(Task.due_at).is_not(None))
    if since is not None:  # a sliding window on the indexed due time: every task passes
        # through it in the day before its due time (the nightly full sync catches the rest)
        tq = tq.where(col(Task.due_at) > since - timedelta(days=1),
                      col(Task.due_at) <= now + timedelta(days=1))
    tq = tq.where(~sa.exists().where(CLOCK.c.rule == P.NEXT_ACTION,
                                     CLOCK.c.subject_id == Task.id))
    task_ids = [int(x) for x in (await s.execute(tq)).scalars()]
    for i in range(0, len(task_ids), batch):
        for sid, subj in (await load_subjects(uow, P.NEXT_ACTION,
                                              task_ids[i:i + batch])).items():
            res.created += await _start(uow, cfg, P.NEXT_ACTION, sid, subj)
    for rule in DEAL_RULES:
        dq = sa.select(col(Deal.id)).where(col(Deal.closed_at).is_(None)).where(
            ~sa.exists().where(CLOCK.c.rule == rule, CLOCK.c.subject_id == Deal.id))
        deal_ids = [int(x) for x in (await s.execute(dq)).scalars()]
        for i in range(0, len(deal_ids), batch):
            for sid, subj in (await load_subjects(uow, rule, deal_ids[i:i + batch])).items():
                res.created += await _start(uow, cfg, rule, sid, subj)
    return res


# --- the scan -------------------------------------------------------------------------------
@dataclass
class ScanResult:
    due: int = 0
    fired: int = 0
    restarted: int = 0
    stopped: int = 0
    skipped: int = 0
    by_level: dict[int, int] = field(default_factory=dict)


async def due_clocks(uow: UnitOfWork, limit: int) -> list[SlaClock]:
    """The clocks whose next level is due: `WHERE next_at <= now ORDER BY next_at` (index)."""
    q = (sa.select(SlaClock).where(col(SlaClock.next_at) <= uow.now)
         .order_by(col(SlaClock.next_at), col(SlaClock.id)).limit(limit))
    if uow.db.dialect == "postgresql":
        q = q.with_for_update(skip_locked=True)
    return list((await uow.session.execute(q)).scalars())


@dataclass(frozen=True, slots=True)
class _Clock:
    id: int
    rule: str
    subject_id: int
    owner_id: int | None
    started_at: datetime
    level: int


async def claim_due_clocks(uow: UnitOfWork, limit: int) -> list[_Clock]:
    """Take a batch of due clocks for this transaction. PostgreSQL: `SELECT … FOR UPDATE SKIP
    LOCKED` (a second instance skips them; the row locks end with the transaction). SQLite:
    a no-op write first takes the database write lock, so a second process waits and then
    sees the new `next_at`. A crash rolls everything back: the clocks are simply due again."""
    cols = (CLOCK.c.id, CLOCK.c.rule, CLOCK.c.subject_id, CLOCK.c.owner_id,
            CLOCK.c.started_at, CLOCK.c.level)
    q = (sa.select(*cols).where(CLOCK.c.next_at <= uow.now)
         .order_by(CLOCK.c.next_at, CLOCK.c.id).limit(limit))
    if uow.db.dialect == "postgresql":
        q = q.with_for_update(skip_locked=True, of=CLOCK)
    else:
        await uow.session.execute(sa.update(CLOCK).where(CLOCK.c.id == -1).values(level=0))
    rows = (await uow.session.execute(q)).all()
    return [_Clock(*r) for r in rows]


async def _people(uow: UnitOfWork, owner_ids: Iterable[int | None]
                  ) -> tuple[dict[int, list[int]], dict[int, str]]:
    """Escalation chains (supervisor, director) and names for many owners: a few queries."""
    owners = {o for o in owner_ids if o is not None}
    names: dict[int, str] = {}
    mgr_of: dict[int, int | None] = {}
    team_of: dict[int, int | None] = {}
    want = set(owners)
    for _ in range(3):                                      # owner → manager → director
        want -= set(mgr_of)
        if not want:
            break
        rows = (await uow.session.execute(sa.select(col(User.id), col(User.name),
                                                    col(User.manager_id),
                                                    col(User.team_id))
                                          .where(in_list(uow, col(User.id), want)))).all()
        for uid, name, mid, tid in rows:
            names[uid], mgr_of[uid], team_of[uid] = name, mid, tid
        want = {m for m in mgr_of.values() if m is not None and m not in mgr_of}
    team_mgr = dict((await uow.session.execute(sa.select(col(Team.id),
                                                         col(Team.manager_id)))).all())
    director = (await uow.session.execute(sa.select(col(User.id)).where(
        col(User.role) == "director", col(User.active).is_(True)).order_by(col(User.id)).limit(1))
                ).scalar()
    chains: dict[int, list[int]] = {}
    for o in owners:
        chain: list[int] = []
        cur = o
        while len(chain) < 2:
            m = mgr_of.get(cur)
            if m is None or m in chain or m == o:
                break
            chain.append(m)
            cur = m
        if not chain:
            tm = team_mgr.get(team_of.get(o))
            if tm is not None and tm != o:
                chain.append(tm)
        if len(chain) < 2 and director is not None and director not in chain and director != o:
            chain.append(int(director))
        chains[o] = chain
    return chains, names


async def scan_clocks(uow: UnitOfWork, *, limit: int = 500) -> ScanResult:
    """Fire every due level once (see the module doc), in a few statements per batch.
    The caller commits."""
    res = ScanResult()
    now = uow.now
    clocks = await claim_due_clocks(uow, limit)
    res.due = len(clocks)
    if not clocks:
        return res
    cfg = await load_config(uow)
    by_rule: dict[str, list[_Clock]] = {}
    for c in clocks:
        by_rule.setdefault(c.rule, []).append(c)
    subjects: dict[tuple[str, int], Subject] = {}
    for rule, group in by_rule.items():
        subjects.update({(rule, sid): s for sid, s in (
            await load_subjects(uow, rule, [c.subject_id for c in group])).items()})
    chains, names = await _people(uow, (s.owner_id for s in subjects.values()))
    updates: list[dict[str, Any]] = []
    resolve: list[int] = []
    escs: list[dict[str, Any]] = []
    alerts: dict[str, tuple[int | None, dict[str, Any]]] = {}
    for clock in clocks:
        subj = subjects.get((clock.rule, clock.subject_id))
        upd = {"b_id": clock.id, "b_started": clock.started_at, "b_owner": clock.owner_id,
               "b_level": clock.level, "b_next": None, "b_stopped": None, "b_reason": None}
        pol = None if subj is None or subj.anchor is None else cfg.policy(
            clock.rule, subj.team_id, subj.source, subj.grade)
        if subj is None or subj.anchor is None or pol is None:
            upd |= {"b_stopped": now, "b_reason": "gone" if subj is None else (
                "done" if subj.anchor is None else "no policy")}
            res.stopped += 1
            resolve.append(clock.id)
            updates.append(upd)
            continue
        cal = cfg.calendar(subj.team_id)
        if subj.anchor != clock.started_at or subj.owner_id != clock.owner_id:
            # acted on (reassigned, task moved, stage changed, new activity): a new run; one
            # that is already late fires on the next scan
            upd |= {"b_started": subj.anchor, "b_owner": subj.owner_id, "b_level": 0,
                    "b_next": P.next_check(pol, subj.anchor, 0, cal)}
            res.restarted += 1
            resolve.append(clock.id)
            updates.append(upd)
            continue
        breaches = P.overdue([(clock.subject_id, subj.anchor)], pol, now, cal,
                             fired={clock.subject_id: clock.level})
        top = max([b.level for b in breaches], default=clock.level)
        nxt = P.next_check(pol, subj.anchor, top, cal)
        upd |= {"b_level": top, "b_next": nxt, "b_reason": None if nxt else "exhausted"}
        updates.append(upd)
        chain = chains.get(subj.owner_id, []) if subj.owner_id is not None else []
        for b in breaches:
            target = P.escalation_target(b.level, subj.owner_id, chain)
            key = P.breach_key(clock.rule, clock.subject_id, subj.anchor, b.level)
            escs.append({"key": key, "clock_id": clock.id, "rule": clock.rule,
                         "subject_id": clock.subject_id, "lead_id": subj.lead_id,
                         "owner_id": subj.owner_id, "recipient_id": target, "level": b.level,
                         "started_at": subj.anchor, "deadline_at": b.deadline, "fired_at": now})
            alerts[key] = (target, {
                "rule": clock.rule, "rule_label": P.RULE_LABELS[clock.rule], "level": b.level,
                "level_label": P.LEVEL_LABELS.get(b.level, ""), "subject_id": clock.subject_id,
                "lead_id": subj.lead_id, "deal_id": subj.deal_id, "title": subj.title,
                "owner_id": subj.owner_id,
                "owner_name": names.get(subj.owner_id, "（无负责人）")
                if subj.owner_id is not None else "（无负责人）",
                "started_at": subj.anchor.isoformat(), "deadline_at": b.deadline.isoformat(),
                "overdue_minutes": int((now - b.deadline).total_seconds() // 60),
            })
    if updates:
        await uow.session.execute(
            sa.update(CLOCK).where(CLOCK.c.id == sa.bindparam("b_id")).values(
                started_at=sa.bindparam("b_started"), owner_id=sa.bindparam("b_owner"),
                level=sa.bindparam("b_level"), next_at=sa.bindparam("b_next"),
                stopped_at=sa.bindparam("b_stopped"), stop_reason=sa.bindparam("b_reason"),
                updated_at=now), updates)
    if resolve:
        await uow.session.execute(sa.update(ESC).where(
            in_list(uow, ESC.c.clock_id, resolve), ESC.c.resolved_at.is_(None),
        ).values(resolved_at=now))
    outbox: list[dict[str, Any]] = []
    if escs:  # executemany (no RETURNING: asyncpg's fast path); the unique key is the guard
        res_ins = await uow.session.execute(
            _insert(uow, ESC).on_conflict_do_nothing(index_elements=["key"]), escs)
        inserted = rowcount(res_ins)
        res.fired = inserted if inserted is not None and inserted >= 0 else len(escs)
        ids = dict((await uow.session.execute(sa.select(ESC.c.key, ESC.c.id).where(
            in_list(uow, ESC.c.key, [e["key"] for e in escs])))).all())   # the number shown
        for e in escs:
            res.by_level[e["level"]] = res.by_level.get(e["level"], 0) + 1
            target, payload = alerts[e["key"]]
            if target is None:
                log.warning("SLA alert %s: nobody to tell", e["key"])
                continue
            payload["escalation"] = e["key"]
            payload["escalation_id"] = ids.get(e["key"])
            outbox.append({"kind": "sla.alert", "recipient_id": target, "payload": payload,
                           "dedupe_key": e["key"], "status": "pending", "attempts": 0,
                           "next_attempt_at": now, "created_at": now})
    if outbox:
        await uow.session.execute(_insert(uow, OUTBOX).on_conflict_do_nothing(
            index_elements=["dedupe_key"]), outbox)
    return res


# --- the supervisor's buttons: [催办] [延期] ([转派] goes to the reassign command) ------------
async def find_escalation(uow: UnitOfWork, ref: int | str) -> Escalation:
    """By id (what a person types) or by key (what the alert card's buttons carry)."""
    text = str(ref).strip().lstrip("#＃")
    if text.isdigit():
        esc = await uow.session.get(Escalation, int(text))
    else:
        esc = (await uow.session.execute(sa.select(Escalation).where(
            col(Escalation.key) == text))).scalars().first()
    if esc is None:
        raise NotFound(f"escalation {ref}", "没有找到这条预警")
    return esc


async def open_escalation_of_lead(uow: UnitOfWork, actor: User, lead_id: int) -> Escalation:
    """The newest unresolved alert about a lead that `actor` received (/催办 #L12)."""
    esc = (await uow.session.execute(sa.select(Escalation).where(
        col(Escalation.lead_id) == lead_id, col(Escalation.resolved_at).is_(None),
        col(Escalation.recipient_id) == actor.id,
    ).order_by(col(Escalation.id).desc()).limit(1))).scalars().first()
    if esc is None:
        raise NotFound(f"open escalation of lead {lead_id}",
                       f"线索 #L{lead_id} 没有发给你的待处理预警。")
    return esc


async def act_on_escalation(uow: UnitOfWork, actor: User, escalation: int | str, action: str,
                            *, hours: float = 24.0) -> Escalation:
    esc = await find_escalation(uow, escalation)
    escalation_id = esc.id
    await access.authorize(uow, actor, "act", esc, "这条预警不归你处理")
    if esc.resolved_at is not None:
        raise Conflict(f"escalation {escalation_id} resolved", "这条预警已经处理过了")
    esc.action, esc.action_by = action, actor.id
    if action == "urge":
        await notify_once(uow, "sla.urge", esc.owner_id, {
            "escalation_id": esc.id, "rule": esc.rule, "rule_label": P.RULE_LABELS[esc.rule],
            "lead_id": esc.lead_id, "subject_id": esc.subject_id, "by": actor.name,
        }, dedupe_key=f"sla.urge:{esc.id}")
    elif action == "extend":
        clock = await uow.session.get(SlaClock, esc.clock_id) if esc.clock_id else None
        if clock is not None and clock.next_at is not None:
            clock.next_at = max(clock.next_at, uow.now) + timedelta(hours=hours)
            clock.updated_at = uow.now
            uow.add(clock)
    else:
        raise Conflict(f"unknown escalation action {action}", "不支持的操作")
    uow.add(esc)
    uow.audit(f"sla.{action}", "sla_escalation", esc.id, after={"hours": hours})
    return esc


# --- next-action reminders --------------------------------------------------------------------
@dataclass
class ReminderResult:
    before: int = 0
    due: int = 0


async def send_task_reminders(uow: UnitOfWork, since: datetime | None) -> ReminderResult:
    """Tasks whose reminder time or due time fell in (since, now]: one push each (dedupe key
    per task and due time, so a re-run or a second instance adds nothing)."""
    now = uow.now
    lo = since or now - timedelta(hours=1)
    lead_minutes = float(await config_value(uow, "reminder_lead_minutes", 30))
    lead = timedelta(minutes=lead_minutes)
    out = ReminderResult()
    s = uow.session
    open_ = col(Task.status) == "open"
    pre = list((await s.execute(sa.select(Task).where(
        open_, col(Task.remind_at) > lo, col(Task.remind_at) <= now,
    ))).scalars())
    pre += list((await s.execute(sa.select(Task).where(
        open_, col(Task.remind_at).is_(None), col(Task.has_time).is_(True),
        col(Task.due_at) > lo + lead, col(Task.due_at) <= now + lead,
    ))).scalars())
    for t in pre:
        if t.due_at is None:
            continue
        if await notify_once(uow, "task.reminder", t.owner_id, _task_payload(t, "before"),
                             dedupe_key=f"task.remind:{t.id}:{int(t.due_at.timestamp())}"):
            out.before += 1
        t.reminded_at = now
        uow.add(t)
    due = (await s.execute(sa.select(Task).where(
        open_, col(Task.has_time).is_(True), col(Task.due_at) > lo,
        col(Task.due_at) <= now))).scalars()
    for t in due:
        assert t.due_at is not None
        if t.remind_at is not None and t.remind_at >= t.due_at:
            continue                      # the reminder already went at the due time
        if await notify_once(uow, "task.reminder", t.owner_id, _task_payload(t, "due"),
                             dedupe_key=f"task.due:{t.id}:{int(t.due_at.timestamp())}"):
            out.due += 1
    return out


def _task_payload(t: Task, when: str) -> dict[str, Any]:
    return {"task_id": t.id, "title": t.title, "due_at": t.due_at, "when": when,
            "lead_id": t.lead_id, "customer_id": t.customer_id, "deal_id": t.deal_id}


# --- read side (digests, /系统) -------------------------------------------------------------
async def open_breaches_by_owner(uow: UnitOfWork, since: datetime) -> dict[int, int]:
    rows = await uow.session.execute(
        sa.select(ESC.c.owner_id, sa.func.count()).where(
            ESC.c.level == 1, ESC.c.fired_at >= since, ESC.c.owner_id.is_not(None))
        .group_by(ESC.c.owner_id))
    return {int(o): int(n) for o, n in rows.all()}
