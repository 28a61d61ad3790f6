"""Applying a routing decision to a lead: assign it, open a claim offer (抢单) or put it in
the pool, with the lead's event, audit row and notices in the caller's transaction.

The lower half of routing, shared by `crm_core.services.routing` (deciding) and
`crm_core.services.offers` (grabbing and expiring offers); it imports neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import make_transient_to_detached

from crm_core.errors import NotFound
from crm_core.models import ClaimOffer, ClaimOfferCandidate, Lead, User
from crm_core.policies.routing import Decision
from crm_core.services import routing_notices
from crm_core.services import routing_state as state
from crm_core.uow import UnitOfWork, snapshot

OFFER_MINUTES_DEFAULT = 30


@dataclass(frozen=True, slots=True)
class RoutingOutcome:
    owner_id: int | None = None
    offered_to: tuple[int, ...] = ()          # candidates of an open claim offer
    reason: str | None = None                 # one line: "按规则「江苏·脊柱类」分配; 负载最低"
    details: dict[str, object] = field(default_factory=dict)


async def apply_decision(uow: UnitOfWork, lead: Lead, d: Decision,
                         offer_minutes: float | None = None,
                         on_insert: Callable[[], None] | None = None) -> RoutingOutcome:
    details: dict[str, object] = {"kind": d.kind, **d.details}
    before = snapshot(lead)
    owner: User | None = None
    previous = lead.owner_id
    if d.kind == "assign" and d.owner_id is not None:
        owner = (await state.reference(uow)).users_by_id.get(d.owner_id) \
            or await user_of(uow, d.owner_id)
        _stamp_assign(uow, lead, owner, d.reason, d.team_id)
    elif d.kind == "offer":
        lead.team_id, lead.assignment_reason, lead.updated_at = d.team_id, d.reason, uow.now
    else:
        _stamp_pool(uow, lead, d.reason)
    if lead.id is None and d.kind != "offer" and uow.db.dialect == "postgresql":
        # PostgreSQL: the id from this process's reserve of the sequence; the row is written
        # with the commit's other rows (one statement) and the object joins the session as
        # that row (an offer's rows refer to the lead through the ORM: those insert it at once)
        lead.id = await uow.reserved_id(Lead)
        uow.append(Lead, **{k: v for k, v in lead.model_dump().items() if v is not None})
        # (the commit's statement will be the write: counted as one when it runs)
        state.count_reserved_assignment(uow, owner.id if owner else None, lead.team_id)
        if lead in uow.session:              # added, not yet flushed (scoring adds it)
            uow.session.expunge(lead)
        make_transient_to_detached(lead)
        uow.session.add(lead)
        if before is not None:
            before["id"] = lead.id
        if on_insert is not None:
            on_insert()
    else:
        uow.add(lead)
    if lead.id is None:
        writes_before = uow.db.lead_writes
        await uow.flush()
        if before is not None:
            before["id"] = lead.id
        if on_insert is not None:
            on_insert()
        state.count_new_assignment(uow, owner.id if owner else None, lead.team_id,
                                   writes_before)
    if d.admin_notice:
        await _tell_admins(uow, lead, d)
    if owner is not None:
        _record_assign(uow, lead, owner, d.reason, before, previous, d.details, "assigned")
        return RoutingOutcome(owner_id=owner.id, reason=d.reason, details=details)
    if d.kind == "offer":
        offer = await open_offer(uow, lead, d, offer_minutes)
        details["offer_id"] = offer.id
        return RoutingOutcome(offered_to=d.candidates, reason=d.reason, details=details)
    _record_pool(uow, lead, d.reason, before)
    return RoutingOutcome(reason=d.reason, details=details)


async def assign_lead(
    uow: UnitOfWork, lead: Lead, owner: User, reason: str, *, team_id: int | None = None,
    details: dict[str, Any] | None = None, event: str = "assigned",
) -> None:
    """Assign and tell the owner (outbox row in the same transaction)."""
    before = snapshot(lead)
    previous = lead.owner_id
    _stamp_assign(uow, lead, owner, reason, team_id)
    uow.add(lead)
    if lead.id is None:
        await uow.flush()
    _record_assign(uow, lead, owner, reason, before, previous, details, event)


def _stamp_assign(uow: UnitOfWork, lead: Lead, owner: User, reason: str,
                  team_id: int | None) -> None:
    lead.owner_id = owner.id
    lead.team_id = team_id or owner.team_id
    lead.status = "assigned"
    lead.assigned_at = uow.now
    lead.updated_at = uow.now
    lead.assignment_reason = reason
    lead.in_pool = False


def _record_assign(uow: UnitOfWork, lead: Lead, owner: User, reason: str,
                   before: dict[str, Any] | None, previous: int | None,
                   details: dict[str, Any] | None, event: str) -> None:
    uow.event(lead.id, event, {"owner_id": owner.id, "previous_owner_id": previous,
                               "reason": reason, **(details or {})})
    uow.audit(f"lead.{'assign' if event == 'assigned' else event}", "lead", lead.id,
              before=before, after=snapshot(lead))
    # one notice per assignment: a lead can go to the same owner twice in one instant
    uow.notify("lead.assigned", owner.id, lead_payload(lead, reason),
               dedupe_key=f"lead.assigned:{lead.id}:{owner.id}:{uuid.uuid4().hex}")


def lead_payload(lead: Lead, reason: str | None) -> dict[str, Any]:
    return {"lead_id": lead.id, "company": lead.company, "name": lead.name,
            "title": lead.title, "phone": lead.phone, "product": lead.product_text,
            "product_line": lead.product_line, "reason": reason, "source": lead.source_channel,
            "score": lead.score, "grade": lead.grade, "score_reasons": list(lead.score_reasons),
            "region": "".join(dict.fromkeys(p for p in (lead.province, lead.city,
                                                        lead.district) if p))}


def _stamp_pool(uow: UnitOfWork, lead: Lead, reason: str) -> None:
    if lead.owner_id is not None:
        lead.previous_owner_id = lead.owner_id
    lead.owner_id = None
    lead.in_pool = True
    lead.pooled_at = uow.now
    lead.status = "new"
    lead.assignment_reason = reason
    lead.updated_at = uow.now


def _record_pool(uow: UnitOfWork, lead: Lead, reason: str,
                 before: dict[str, Any] | None) -> None:
    uow.event(lead.id, "pooled", {"reason": reason})
    uow.audit("lead.pool", "lead", lead.id, before=before, after=snapshot(lead))


async def _tell_admins(uow: UnitOfWork, lead: Lead, d: Decision) -> None:
    """Managers and admins hear of routing problems once per batch (routing_notices)."""
    routing_notices.record_problem(uow, lead.id, d.admin_notice or "", d.reason, d.kind)


def json_keys(d: dict[str, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in d.items()}


async def open_offer(uow: UnitOfWork, lead: Lead, d: Decision,
                      minutes: float | None = None) -> ClaimOffer:
    if minutes is None:
        minutes = float(await state.config_value(uow, "routing.offer_minutes",
                                                 OFFER_MINUTES_DEFAULT))
    offer = ClaimOffer(lead_id=lead.id or 0, team_id=d.team_id, rule_id=d.rule_id,
                       reason=d.reason, details=json_keys(d.details), created_at=uow.now,
                       expires_at=uow.now + timedelta(minutes=minutes))
    uow.add(offer)
    await uow.flush()
    scores: dict[str, Any] = dict(d.details.get("scores") or {})
    for rank, uid in enumerate(d.candidates, start=1):
        total = float((scores.get(str(uid)) or {}).get("total", 0.0))
        uow.add(ClaimOfferCandidate(offer_id=offer.id or 0, user_id=uid, rank=rank,
                                    rep_score=total))
        uow.notify("lead.offer", uid,
                   {**lead_payload(lead, d.reason), "offer_id": offer.id, "rank": rank,
                    "candidates": len(d.candidates), "expires_at": offer.expires_at},
                   dedupe_key=f"lead.offer:{offer.id}:{uid}")
    lead.team_id = d.team_id
    lead.assignment_reason = d.reason
    lead.updated_at = uow.now
    uow.add(lead)
    uow.event(lead.id, "offered", {"offer_id": offer.id, "candidates": list(d.candidates),
                                   "reason": d.reason})
    uow.audit("lead.offer", "lead", lead.id, after={"offer_id": offer.id,
                                                   "candidates": list(d.candidates)})
    return offer


async def user_of(uow: UnitOfWork, user: int | User) -> User:
    u = user if isinstance(user, User) else await uow.session.get(User, user)
    if u is None:
        raise NotFound(f"user {user}", "没有这个用户")
    return u
