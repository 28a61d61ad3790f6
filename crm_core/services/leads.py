"""Leads as reps and managers see them: lists with filters, claiming, one lead's card data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import col

from crm_core.errors import Conflict, Forbidden, NotFound
from crm_core.models import ClaimOffer, ClaimOfferCandidate, FollowUp, Lead, User
from crm_core.models.pipeline import LEAD_STATUS_LABELS, OPEN_LEAD_STATUSES
from crm_core.services import access, offers, users
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
    from crm_core.services import pool

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


# --- giving a lead up ---------------------------------------------------------------------------

# The reasons offered as buttons; any other text is taken as written.
DROP_REASONS = ("空号/打不通", "非目标客户", "客户无需求", "重复线索", "同行/骚扰")
UNDO_REASON = "录入后撤销"
DROPPABLE = ("pending", "new", "assigned", "claimed", "contacted", "qualified")


@dataclass(frozen=True, slots=True)
class DroppedLead:
    lead: Lead
    reason: str
    told: list[str]                     # the managers who were told


async def drop_lead(uow: UnitOfWork, user: User, lead_id: int, reason: str, *,
                    expected_status: str | None = None) -> DroppedLead:
    """放弃: an open lead leaves every list and every SLA clock with its reason; the owner's
    managers are told (a paid-for lead never dies unnoticed). Only who may act on the lead
    may give it up; a concurrent change wins over this one (Conflict, nothing written)."""
    reason = " ".join(reason.split())[:100]
    if not reason:
        raise Conflict("drop without a reason", "放弃线索要写原因，如：/放弃 #L12 空号")
    lead = await uow.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id}", f"没有线索 #L{lead_id}")
    await access.authorize(uow, user, "act", lead, "这条线索不归你管，不能放弃")
    if lead.status not in DROPPABLE:
        label = LEAD_STATUS_LABELS.get(lead.status, lead.status)
        raise Conflict(f"lead {lead_id} is {lead.status}", f"线索 #L{lead_id} 已{label}，不能放弃")
    status = expected_status or lead.status
    before = snapshot(lead)
    res = await uow.session.execute(
        update(Lead).where(col(Lead.id) == lead_id, col(Lead.status) == status)
        .values(status="dropped", in_pool=False, updated_at=uow.now))
    if rowcount(res) != 1:
        raise Conflict(f"lead {lead_id} changed concurrently", "这条线索刚被改过，请重新打开再试")
    await uow.session.refresh(lead)
    await offers.cancel_offers(uow, lead_id)
    uow.event(lead_id, "dropped", {"reason": reason, "status": status},
              customer_id=lead.customer_id, actor_id=user.id)
    uow.audit("lead.drop", "lead", lead_id, before=before,
              after={**(snapshot(lead) or {}), "drop_reason": reason})
    told: list[str] = []
    if reason != UNDO_REASON:
        payload = {"lead_id": lead_id, "company": lead.company, "name": lead.name,
                   "by": user.name, "reason": reason,
                   "status": LEAD_STATUS_LABELS.get(status, status)}
        owner_id = lead.owner_id or user.id or 0
        to_tell = [m for m in await users.manager_chain(uow, owner_id, levels=1)
                   if m.id not in (user.id, None) and m.active]
        if lead.owner_id and lead.owner_id != user.id:      # a manager gave up a rep's lead
            owner = await uow.session.get(User, lead.owner_id)
            to_tell += [owner] if owner is not None and owner.active else []
        for who in to_tell:
            uow.notify("lead.dropped", who.id, payload,
                       dedupe_key=f"lead.dropped:{lead_id}:{who.id}:{uow.now.isoformat()}")
            told.append(who.name)
    return DroppedLead(lead, reason, told)


async def may_drop(uow: UnitOfWork, user: User, lead: Lead) -> bool:
    """Whether the lead's card offers [放弃] to this user."""
    return lead.status in DROPPABLE and await access.allowed(uow, user, "act", lead)


async def undo_new_lead(uow: UnitOfWork, user: User, lead_id: int) -> Lead:
    """撤销 right after creating a lead in chat: the lead is given up as 录入后撤销 while
    nothing was done on it yet (still the rep's, no follow-up); otherwise refused."""
    lead = await uow.session.get(Lead, lead_id)
    if lead is None or lead.owner_id not in (None, user.id):
        raise NotFound(f"lead {lead_id} of {user.login}", f"没有你建的线索 #L{lead_id}")
    if lead.status not in ("pending", "new", "assigned", "claimed"):
        raise Conflict(f"lead {lead_id} is {lead.status}",
                       f"线索 #L{lead_id} 已有进展，不能撤销；无效请发「/放弃 #L{lead_id} 原因」")
    if (await uow.session.execute(select(func.count()).select_from(FollowUp).where(
            col(FollowUp.lead_id) == lead_id))).scalar_one():
        raise Conflict(f"lead {lead_id} has follow-ups",
                       f"线索 #L{lead_id} 已有跟进，不能撤销；无效请发「/放弃 #L{lead_id} 原因」")
    if lead.owner_id is None:          # parked in 待补全 by the rep's own entry
        lead.owner_id = user.id
    return (await drop_lead(uow, user, lead_id, UNDO_REASON)).lead
