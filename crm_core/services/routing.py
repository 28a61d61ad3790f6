"""Lead routing: who gets a new lead, and why.

Foundation version: customer affinity only (a lead of a customer that already has an active
owner goes to that owner). The routing issue replaces the body of `route_new_lead` with the
rule table, strategies and claim offers; its signature and `RoutingOutcome` stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crm_core.models import Customer, Lead, LeadEvent, User
from crm_core.uow import UnitOfWork, snapshot


@dataclass(frozen=True, slots=True)
class RoutingOutcome:
    owner_id: int | None = None
    offered_to: tuple[int, ...] = ()          # candidates of an open claim offer
    reason: str | None = None                 # one line, Chinese: "客户「鼓楼医院」的负责人"
    details: dict[str, object] = field(default_factory=dict)


async def route_new_lead(uow: UnitOfWork, lead: Lead) -> RoutingOutcome:
    """Decide and apply the assignment of a freshly created, valid lead."""
    if lead.customer_id is None:
        return RoutingOutcome()
    customer = await uow.session.get(Customer, lead.customer_id)
    if customer is None or customer.owner_id is None:
        return RoutingOutcome()
    owner = await uow.session.get(User, customer.owner_id)
    if owner is None or not owner.active or owner.on_leave(uow.now.date()):
        return RoutingOutcome()
    reason = f"客户「{customer.name}」的负责人"
    await assign_lead(uow, lead, owner, reason)
    return RoutingOutcome(owner_id=owner.id, reason=reason, details={"rule": "affinity"})


async def assign_lead(uow: UnitOfWork, lead: Lead, owner: User, reason: str) -> None:
    """Assign and tell the owner (outbox row in the same transaction)."""
    before = snapshot(lead)
    lead.owner_id = owner.id
    lead.team_id = owner.team_id
    lead.status = "assigned"
    lead.assigned_at = uow.now
    lead.updated_at = uow.now
    lead.assignment_reason = reason
    lead.in_pool = False
    uow.add(lead)
    await uow.flush()
    uow.add(LeadEvent(lead_id=lead.id, kind="assigned", at=uow.now, actor_id=uow.actor.user_id,
                      detail={"owner_id": owner.id, "reason": reason}))
    uow.audit("lead.assign", "lead", lead.id, before=before, after=snapshot(lead))
    uow.notify(
        "lead.assigned", owner.id,
        {"lead_id": lead.id, "company": lead.company, "name": lead.name, "title": lead.title,
         "phone": lead.phone, "product": lead.product_text, "reason": reason,
         "source": lead.source_channel, "score": lead.score, "grade": lead.grade},
        dedupe_key=f"lead.assigned:{lead.id}:{owner.id}:{uow.now.isoformat()}",
    )
