"""Leads as reps and managers see them: lists with filters, claiming, one lead's card data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import col

from crm_core.errors import Conflict, Forbidden, NotFound
from crm_core.models import ClaimOffer, ClaimOfferCandidate, Lead, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.services import access
from crm_core.sql import rowcount
from crm_core.uow import UnitOfWork, snapshot

GRADE_ORDER = {"red": 0, "yellow": 1, "green": 2}


@dataclass(frozen=True, slots=True)
class LeadFilter:
    status: str | None = None           # one status, or "open" (default) / "all"
    owner_id: int | None = None
    unassigned: bool = False
    pending: bool = False               # the pending-completion pool
    text: str | None = None
    limit: int = 10
    offset: int = 0


async def list_leads(uow: UnitOfWork, viewer: User, f: LeadFilter) -> list[Lead]:
    """What the viewer may see; red (worst score) first, then oldest activity first."""
    q = (await _leads_query(uow, viewer, f)).order_by(
        col(Lead.score).asc(), col(Lead.last_activity_at).asc(), col(Lead.id).desc())
    rows = (await uow.session.execute(q.offset(f.offset).limit(f.limit))).scalars()
    return [lead for lead in rows if await access.allowed(uow, viewer, "view", lead)]


async def count_leads(uow: UnitOfWork, viewer: User, f: LeadFilter) -> int:
    """How many leads the same filter finds in all (lists show the true total)."""
    q = (await _leads_query(uow, viewer, f)).with_only_columns(func.count())
    return int((await uow.session.execute(q)).scalar_one())


async def _leads_query(uow: UnitOfWork, viewer: User, f: LeadFilter) -> Any:
    q = select(Lead)
    ids = await access.visible_owner_ids(uow, viewer)
    if f.unassigned or f.pending:
        q = q.where(col(Lead.owner_id).is_(None))
        if viewer.role == "rep" and f.pending:
            raise Forbidden("reps cannot list the pending pool", "待补全线索由经理处理")
        if viewer.role == "rep":          # unowned leads a rep may see: the pool, offers
            q = q.where(col(Lead.in_pool).is_(True)
                        | col(Lead.id).in_(access.leads_offered_to(viewer.id)))
        elif ids is not None:             # a manager's: their teams' and those of no team
            teams = (await access.principal(uow, viewer)).team_ids
            q = q.where(col(Lead.team_id).is_(None) | col(Lead.team_id).in_(teams))
    elif ids is not None:
        q = q.where(col(Lead.owner_id).in_(ids))
    if f.owner_id is not None:
        q = q.where(col(Lead.owner_id) == f.owner_id)
    if f.pending:
        q = q.where(col(Lead.status) == "pending")
    elif f.status in (None, "open"):
        q = q.where(col(Lead.status).in_(OPEN_LEAD_STATUSES))
    elif f.status != "all":
        q = q.where(col(Lead.status) == f.status)
    if f.text:
        q = q.where(col(Lead.company).contains(f.text) | col(Lead.name).contains(f.text))
    return q


async def get_lead(uow: UnitOfWork, viewer: User, lead_id: int) -> Lead:
    lead = await uow.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id}", f"没有线索 #L{lead_id}")
    await access.authorize(uow, viewer, "view", lead, "这条线索不在你的名下")
    return lead


async def claim_lead(uow: UnitOfWork, user: User, lead_id: int) -> Lead:
    """认领: an assigned lead of mine, an unowned one, a pool lead (the pool's limits apply)
    or a lead on offer to me (抢单: the first tap wins). Atomic: one winner."""
    from crm_core.services import offers, pool

    lead = await uow.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id}", f"没有线索 #L{lead_id}")
    await access.authorize(uow, user, "claim", lead, "这条线索不在你的名下，不能认领" if
                           lead.owner_id else "这条线索不在公海，也没有推送给你，不能认领")
    if lead.in_pool:
        return await pool.claim_from_pool(uow, lead_id, user.id or 0)
    offer = (await uow.session.execute(select(ClaimOffer).where(
        col(ClaimOffer.lead_id) == lead_id, col(ClaimOffer.status) == "open"))).scalars().first()
    if offer is not None:
        offered = (await uow.session.execute(select(col(ClaimOfferCandidate.id)).where(
            ClaimOfferCandidate.offer_id == offer.id,
            col(ClaimOfferCandidate.user_id) == user.id))).first()
        if offered is None:
            raise Conflict(f"lead {lead_id} is on offer to others",
                           "这条线索正在抢单，只有收到抢单卡片的同事可以领")
        await offers.grab_offer(uow, offer.id or 0, user.id or 0)
        refreshed = await uow.session.get(Lead, lead_id)
        assert refreshed is not None
        return refreshed
    if lead.status == "pending":
        raise Conflict("pending lead", "这条线索信息不全，补全后才能认领")
    if lead.owner_id == user.id and lead.status in ("claimed", "contacted", "qualified"):
        return lead
    if lead.owner_id not in (None, user.id):
        raise Conflict(f"lead {lead_id} belongs to {lead.owner_id}", "这条线索已经有负责人了")
    if lead.status not in ("new", "assigned"):
        raise Conflict(f"lead {lead_id} is {lead.status}", "这条线索当前不能认领")
    before = snapshot(lead)
    res = await uow.session.execute(
        update(Lead).where(
            col(Lead.id) == lead_id, col(Lead.status).in_(("new", "assigned")),
            (col(Lead.owner_id).is_(None)) | (col(Lead.owner_id) == user.id),
        ).values(owner_id=user.id, team_id=user.team_id, status="claimed", claimed_at=uow.now,
                 updated_at=uow.now, in_pool=False,
                 assigned_at=lead.assigned_at or uow.now)
    )
    if rowcount(res) != 1:
        await uow.rollback()
        raise Conflict(f"lead {lead_id} claimed concurrently", "手慢了，这条线索刚被别人认领")
    await uow.session.refresh(lead)
    uow.event(lead_id, "claimed", actor_id=user.id)
    uow.audit("lead.claim", "lead", lead_id, before=before, after=snapshot(lead))
    await uow.commit()
    return lead


async def owner_names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.name for u in (await uow.session.execute(
        select(User).where(col(User.id).in_(ids)))).scalars() if u.id is not None}
