"""The public pool (公海): idle leads go back, reps claim from it.

- `reclaim_idle_leads(uow) -> int` (scheduler job, commits): warns each owner ONCE a day
  ("3 条线索明天回收至公海…", one outbox row per owner per day, recorded per lead as a
  `pool_warned` LeadEvent) and returns to the pool the leads that are due *and* were warned
  at least `warn_before_hours` earlier — so nobody loses a lead without a day's notice. The
  lead keeps its history (events, follow-ups); `previous_owner_id` and `pooled_at` are set.
- `claim_from_pool(uow, lead_id, user_id)` (commits): daily claim limit, holding cap,
  cooling-off for the previous owner; atomic (`UPDATE … WHERE in_pool`) so two reps tapping
  the same lead cannot both get it.
- `list_pool(uow, …)`: red first, then the lowest score, then the longest in the pool.
Settings: ConfigEntry "pool.settings" (see `crm_core.policies.pool.PoolSettings`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlmodel import col

from crm_core.errors import Conflict, NotFound
from crm_core.models import Lead, LeadEvent, OutboxMessage, PoolClaim, Team, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.policies import pool as policy
from crm_core.services import scoring
from crm_core.services.routing_state import config_value
from crm_core.sql import rowcount
from crm_core.uow import UnitOfWork, day_bounds, snapshot

HELD_STATUSES: tuple[str, ...] = ("assigned", "claimed", "contacted", "qualified")


async def pool_settings(uow: UnitOfWork) -> policy.PoolSettings:
    return policy.PoolSettings.from_json(await config_value(uow, "pool.settings", {}))


async def reclaim_idle_leads(uow: UnitOfWork) -> int:
    """Warn owners a day ahead, return due leads to the pool. Commits; returns how many
    leads went back to the pool."""
    s = await pool_settings(uow)
    teams = {t.id: t for t in (await uow.session.execute(select(Team))).scalars()}
    limits = [s.idle_days, *s.idle_days_by_grade.values(), *s.idle_days_by_team.values(),
              *(float(t.settings.get("pool_idle_days")) for t in teams.values()
                if (t.settings or {}).get("pool_idle_days") is not None)]
    horizon = uow.now - timedelta(days=min(limits)) + timedelta(hours=s.warn_before_hours)
    last = func.coalesce(Lead.last_activity_at, Lead.claimed_at, Lead.assigned_at)
    rows = (await uow.session.execute(
        select(Lead).where(col(Lead.owner_id).is_not(None), col(Lead.in_pool).is_(False),
                           col(Lead.status).in_(HELD_STATUSES), last < horizon)
        .order_by(col(Lead.id))
    )).scalars().all()
    if not rows:
        await uow.commit()
        return 0
    warned = await _last_warnings(uow, [r.id for r in rows if r.id is not None])
    to_warn: dict[int, list[tuple[Lead, Any]]] = defaultdict(list)
    reclaimed = 0
    for lead in rows:
        assert lead.id is not None
        assert lead.owner_id is not None
        team = teams.get(lead.team_id)
        info = policy.IdleLead(
            lead.id, lead.owner_id, lead.team_id, lead.grade, lead.assigned_at,
            lead.claimed_at, lead.last_activity_at,
            team_idle_days=(float(team.settings["pool_idle_days"]) if team is not None and
                            (team.settings or {}).get("pool_idle_days") is not None else None))
        state = policy.classify(info, uow.now, s)
        if state == "ok":
            continue
        since = policy.idle_since(info)
        w = warned.get(lead.id)
        valid_warning = w is not None and since is not None and w >= since
        if state == "reclaim" and valid_warning and w is not None and \
                uow.now - w >= timedelta(hours=s.warn_before_hours):
            await _reclaim(uow, lead, policy.idle_limit(info, s))
            reclaimed += 1
        elif not valid_warning:
            to_warn[lead.owner_id].append((lead, policy.reclaim_at(info, s)))
    await _send_warnings(uow, to_warn, s)
    await uow.commit()
    return reclaimed


async def _last_warnings(uow: UnitOfWork, ids: list[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for lead_id, at in (await uow.session.execute(
            select(col(LeadEvent.lead_id), func.max(col(LeadEvent.at)))
            .where(col(LeadEvent.kind) == "pool_warned", col(LeadEvent.lead_id).in_(chunk))
            .group_by(col(LeadEvent.lead_id))
        )).all():
            out[int(lead_id or 0)] = at
    return out


async def _send_warnings(uow: UnitOfWork, to_warn: dict[int, list[tuple[Lead, Any]]],
                         s: policy.PoolSettings) -> None:
    today = uow.now.astimezone(uow.clock.tz).date()
    for owner_id, items in to_warn.items():
        key = f"pool.warning:{owner_id}:{today.isoformat()}"
        exists = (await uow.session.execute(
            select(col(OutboxMessage.id)).where(col(OutboxMessage.dedupe_key) == key)
        )).first()
        if exists is not None:
            continue                  # one message per owner per day; the rest tomorrow
        earliest = min(at for _, at in items)
        reclaim_at = max(earliest, uow.now + timedelta(hours=s.warn_before_hours))
        uow.notify("pool.warning", owner_id, {
            "count": len(items), "reclaim_at": reclaim_at,
            "leads": [{"lead_id": lead.id, "company": lead.company, "name": lead.name,
                       "grade": lead.grade} for lead, _ in items[:10]],
        }, dedupe_key=key)
        for lead, at in items:
            uow.event(lead.id, "pool_warned",
                      {"owner_id": owner_id, "reclaim_at": at.isoformat()})


async def _reclaim(uow: UnitOfWork, lead: Lead, days: float) -> None:
    put_in_pool(uow, lead, f"{days:g} 天未跟进, 回收至公海")


def put_in_pool(uow: UnitOfWork, lead: Lead, reason: str, *, event: str = "pooled",
                action: str = "lead.reclaim") -> None:
    """The lead leaves its owner for the public pool (new, claimable by reps), with why."""
    before = snapshot(lead)
    lead.previous_owner_id = lead.owner_id
    lead.owner_id = None
    lead.in_pool = True
    lead.pooled_at = uow.now
    lead.status = "new"
    lead.assignment_reason = reason
    lead.updated_at = uow.now
    uow.add(lead)
    uow.event(lead.id, event, {"previous_owner_id": lead.previous_owner_id,
                               "reason": lead.assignment_reason},
              customer_id=lead.customer_id)
    uow.audit(action, "lead", lead.id, before=before, after=snapshot(lead))


async def claim_from_pool(uow: UnitOfWork, lead_id: int, user_id: int) -> Lead:
    """A rep takes a lead from the pool. Raises Conflict with the reason when not allowed.
    Commits."""
    user = await uow.session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(f"user {user_id}", "没有这个用户")
    lead = await uow.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id}", f"没有线索 #L{lead_id}")
    if not lead.in_pool:
        raise Conflict(f"lead {lead_id} not in pool", "这条线索不在公海里(可能已被认领)")
    s = await pool_settings(uow)
    claims_today = await _claims_today(uow, user_id)
    holding = int((await uow.session.execute(
        select(func.count()).select_from(Lead).where(
            col(Lead.owner_id) == user_id, col(Lead.status).in_(OPEN_LEAD_STATUSES))
    )).scalar() or 0)
    why = policy.can_claim(user_id=user_id, previous_owner_id=lead.previous_owner_id,
                           pooled_at=lead.pooled_at, claims_today=claims_today,
                           holding=holding, max_open_leads=user.max_open_leads, now=uow.now,
                           s=s)
    if why:
        raise Conflict(f"pool claim refused for {user.login}: {why}", why)
    before = snapshot(lead)
    res = await uow.session.execute(
        update(Lead).where(col(Lead.id) == lead_id, col(Lead.in_pool).is_(True))
        .values(in_pool=False, owner_id=user_id).execution_options(synchronize_session=False)
    )
    if rowcount(res) != 1:
        await uow.rollback()
        raise Conflict(f"lead {lead_id} claimed meanwhile", "手慢了, 这条线索刚被别人认领")
    await uow.session.refresh(lead)
    lead.team_id = user.team_id
    lead.status = "claimed"
    lead.claimed_at = uow.now
    lead.assigned_at = uow.now
    lead.updated_at = uow.now
    lead.assignment_reason = "从公海认领"
    await scoring.score_lead(uow, lead)
    uow.add(lead)
    uow.add(PoolClaim(lead_id=lead_id, user_id=user_id, at=uow.now,
                      previous_owner_id=lead.previous_owner_id))
    uow.event(lead_id, "claimed_from_pool", {"previous_owner_id": lead.previous_owner_id},
              actor_id=user_id)
    uow.audit("lead.pool_claim", "lead", lead_id, before=before, after=snapshot(lead))
    await uow.commit()
    return lead


async def list_pool(
    uow: UnitOfWork, *, province: str | None = None, product_line: str | None = None,
    text: str | None = None, limit: int = 20, offset: int = 0,
) -> list[Lead]:
    """Leads in the pool: red first, then the lowest score, then the longest waiting."""
    q = _pool_query(province, product_line, text)
    grade_rank = case((col(Lead.grade) == "red", 0), (col(Lead.grade) == "yellow", 1), else_=2)
    q = q.order_by(grade_rank, col(Lead.score).asc(), col(Lead.pooled_at).asc(), col(Lead.id))
    return list((await uow.session.execute(q.offset(offset).limit(limit))).scalars())


async def count_pool(uow: UnitOfWork, *, text: str | None = None) -> int:
    """How many leads the pool holds for this search (lists show the true total)."""
    q = _pool_query(None, None, text).with_only_columns(func.count())
    return int((await uow.session.execute(q)).scalar_one())


def _pool_query(province: str | None, product_line: str | None, text: str | None) -> Any:
    q = select(Lead).where(col(Lead.in_pool).is_(True),
                           col(Lead.status).in_(OPEN_LEAD_STATUSES))
    if province:
        q = q.where(col(Lead.province).contains(province))
    if product_line:
        q = q.where(col(Lead.product_line) == product_line)
    if text:
        q = q.where(col(Lead.company).contains(text) | col(Lead.product_text).contains(text)
                    | col(Lead.product_line).contains(text) | col(Lead.city).contains(text)
                    | col(Lead.province).contains(text))
    return q


async def _claims_today(uow: UnitOfWork, user_id: int) -> int:
    start, end = day_bounds(uow.now.astimezone(uow.clock.tz).date(), uow.clock)
    return int((await uow.session.execute(
        select(func.count()).select_from(PoolClaim).where(
            col(PoolClaim.user_id) == user_id, col(PoolClaim.at) >= start, col(PoolClaim.at) < end)
    )).scalar() or 0)


async def pool_status_of(uow: UnitOfWork, user_id: int) -> dict[str, Any]:
    """What a rep may still do today: claims left, holding."""
    s = await pool_settings(uow)
    claims_today = await _claims_today(uow, user_id)
    return {"claims_today": claims_today, "daily_limit": s.daily_claim_limit,
            "claims_left": max(0, s.daily_claim_limit - claims_today)}
