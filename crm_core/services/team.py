"""Manager views: per-rep load (open leads, overdue tasks, SLA breaches, pipeline by stage)
and the pipeline funnel. Read-only; managers see their team, directors theirs, admins all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from crm_core.models import Deal, Lead, Stage, Task, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.services.access import MANAGER_ROLES, require_role, visible_owner_ids

__all__ = ["RepRow", "StageBucket", "pipeline_by_stage", "team_overview", "team_reps",
           "visible_owner_ids"]
from crm_core.uow import UnitOfWork


@dataclass
class RepRow:
    user_id: int
    name: str
    on_leave: bool
    open_leads: int = 0
    overdue_tasks: int = 0
    sla_breaches: int = 0
    pipeline: dict[str, int] = field(default_factory=dict)     # open stage → deals
    pipeline_amount: float = 0.0


@dataclass
class StageBucket:
    name: str
    sequence: int
    is_won: bool
    is_lost: bool
    deals: int = 0
    amount: float = 0.0


async def _owner_filter(uow: UnitOfWork, viewer: User, rep_ids: Iterable[int] | None
                        ) -> set[int] | None:
    visible = await visible_owner_ids(uow, viewer)
    if rep_ids is None:
        return visible
    wanted = set(rep_ids)
    return wanted if visible is None else wanted & visible


async def team_reps(uow: UnitOfWork, viewer: User) -> list[User]:
    require_role(viewer, MANAGER_ROLES, "view the team")
    visible = await visible_owner_ids(uow, viewer)
    q = select(User).where(col(User.role) == "rep", col(User.active).is_(True))
    if visible is not None:
        q = q.where(col(User.id).in_(visible))
    return list((await uow.session.execute(q.order_by(col(User.team_id), col(User.id)))).scalars())


async def team_overview(uow: UnitOfWork, viewer: User, *, since: datetime | None = None
                        ) -> list[RepRow]:
    """One row per visible active rep. SLA breaches: level-1 escalations since `since`
    (default: the last 7 days), when the scheduler's tables are there."""
    reps = await team_reps(uow, viewer)
    ids = [u.id for u in reps if u.id is not None]
    rows = {u.id: RepRow(u.id or 0, u.name, u.on_leave(uow.now.date())) for u in reps}
    if not ids:
        return []
    s = uow.session
    for owner, n in (await s.execute(
            select(col(Lead.owner_id), func.count()).where(
                col(Lead.owner_id).in_(ids), col(Lead.status).in_(OPEN_LEAD_STATUSES),
                col(Lead.in_pool).is_(False))
            .group_by(col(Lead.owner_id)))).all():
        rows[owner].open_leads = int(n)
    for owner, n in (await s.execute(
            select(col(Task.owner_id), func.count()).where(
                col(Task.owner_id).in_(ids), col(Task.status) == "open",
                col(Task.due_at) < uow.now)
            .group_by(col(Task.owner_id)))).all():
        rows[owner].overdue_tasks = int(n)
    for owner, stage, n, amount in (await s.execute(
            select(col(Deal.owner_id), col(Stage.name), func.count(), func.sum(col(Deal.amount)))
            .join(Stage, col(Stage.id) == col(Deal.stage_id))
            .where(col(Deal.owner_id).in_(ids), col(Stage.is_won).is_(False),
                   col(Stage.is_lost).is_(False))
            .group_by(col(Deal.owner_id), col(Stage.name)))).all():
        rows[owner].pipeline[stage] = int(n)
        rows[owner].pipeline_amount += float(amount or 0)
    try:
        from crm_core.services.sla import open_breaches_by_owner

        breaches = await open_breaches_by_owner(uow, since or uow.now - timedelta(days=7))
    except ImportError:  # the scheduler's tables are optional for this view
        breaches = {}
    for owner, n in breaches.items():
        if owner in rows:
            rows[owner].sla_breaches = n
    order = {str(n): int(q) for n, q in (await s.execute(select(col(Stage.name),
                                                                col(Stage.sequence)))).all()}
    for r in rows.values():
        r.pipeline = dict(sorted(r.pipeline.items(), key=lambda kv: order.get(kv[0], 0)))
    return [rows[i] for i in ids]


async def pipeline_by_stage(uow: UnitOfWork, viewer: User,
                            rep_ids: Iterable[int] | None = None) -> list[StageBucket]:
    """Deals and amount per stage (all stages, in order) for what the viewer may see."""
    owners = await _owner_filter(uow, viewer, rep_ids)
    s = uow.session
    stages = list((await s.execute(select(Stage).where(col(Stage.active).is_(True))
                                   .order_by(col(Stage.sequence)))).scalars())
    buckets = {st.id: StageBucket(st.name, st.sequence, st.is_won, st.is_lost) for st in stages}
    q = select(col(Deal.stage_id), func.count(),
               func.sum(col(Deal.amount))).group_by(col(Deal.stage_id))
    if owners is not None:
        q = q.where(col(Deal.owner_id).in_(list(owners)))
    for sid, n, amount in (await s.execute(q)).all():
        if sid in buckets:
            buckets[sid].deals = int(n)
            buckets[sid].amount = float(amount or 0)
    return list(buckets.values())
