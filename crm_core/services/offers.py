"""Claim offers (抢单): a lead offered to the best few reps of a weighted team.

- opening an offer (its ranked candidates, one 抢单 card each) is part of applying a routing
  decision: `crm_core.services.assignment.open_offer`.
- `grab_offer`: the first tap wins — `UPDATE claim_offer … WHERE status='open'`; only the
  transaction that sees rowcount 1 assigns the lead. Commits.
- `expire_claim_offers` (scheduler job, via `crm_core.services.routing`): offers open past
  `routing.offer_minutes` (30) are locked to the best-ranked candidate still active, else the
  lead is routed again. Commits; returns the number of offers closed.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import col

from crm_core.errors import Conflict, Forbidden, NotFound
from crm_core.models import ClaimOffer, ClaimOfferCandidate, Lead, User
from crm_core.policies.routing import Decision, RoutingConfig, Rule, decide
from crm_core.services import routing_state as state
from crm_core.services.assignment import (
    RoutingOutcome,
    apply_decision,
    assign_lead,
)
from crm_core.sql import rowcount
from crm_core.uow import UnitOfWork


async def open_offer_of_lead(uow: UnitOfWork, lead_id: int, user_id: int) -> int:
    """The open 抢单 offer of a lead that was pushed to this user (/抢单 #L12)."""
    offer_id = (await uow.session.execute(
        select(col(ClaimOffer.id)).join(
            ClaimOfferCandidate, col(ClaimOfferCandidate.offer_id) == col(ClaimOffer.id))
        .where(col(ClaimOffer.lead_id) == lead_id, col(ClaimOffer.status) == "open",
               col(ClaimOfferCandidate.user_id) == user_id)
        .order_by(col(ClaimOffer.id).desc()).limit(1))).scalar()
    if offer_id is None:
        raise NotFound(f"open offer of lead {lead_id} for {user_id}",
                       f"线索 #L{lead_id} 没有推送给你的抢单。")
    return int(offer_id)


async def grab_offer(uow: UnitOfWork, offer_id: int, user_id: int) -> RoutingOutcome:
    """抢单: exactly one winner. Raises Conflict for the others, Forbidden for non-candidates.
    Commits."""
    cand = (await uow.session.execute(
        select(ClaimOfferCandidate).where(col(ClaimOfferCandidate.offer_id) == offer_id,
                                          col(ClaimOfferCandidate.user_id) == user_id)
    )).scalars().first()
    if cand is None:
        if await uow.session.get(ClaimOffer, offer_id) is None:
            raise NotFound(f"offer {offer_id}",
                           f"没有抢单 #O{offer_id}。按线索抢单请发「/抢单 #L线索编号」。")
        raise Forbidden(f"user {user_id} not a candidate of offer {offer_id}",
                        "这一单没有派给你")
    res = await uow.session.execute(
        update(ClaimOffer).where(col(ClaimOffer.id) == offer_id, col(ClaimOffer.status) == "open")
        .values(status="claimed", winner_id=user_id, closed_at=uow.now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(res) != 1:
        await uow.rollback()
        offer = await uow.session.get(ClaimOffer, offer_id)
        winner = await uow.session.get(User, offer.winner_id) if offer and offer.winner_id \
            else None
        msg = f"手慢了, 这一单已被{winner.name}抢走" if winner else "这一单已结束"
        raise Conflict(f"offer {offer_id} not open", msg)
    offer = await uow.session.get(ClaimOffer, offer_id)
    assert offer is not None
    await uow.session.refresh(offer)
    lead = await uow.session.get(Lead, offer.lead_id)
    user = await uow.session.get(User, user_id)
    assert lead is not None
    assert user is not None
    if lead.owner_id not in (None, user_id):      # taken meanwhile by another path (/认领)
        offer.status, offer.winner_id = "cancelled", None
        uow.add(offer)
        await uow.commit()
        raise Conflict(f"lead {lead.id} already owned", "手慢了, 这条线索已经有负责人了")
    reason = f"{offer.reason or '抢单'}; {user.name}抢单成功"
    await assign_lead(uow, lead, user, reason, team_id=offer.team_id, event="assigned",
                      details={"offer_id": offer_id})
    lead.status = "claimed"
    lead.claimed_at = uow.now
    uow.add(lead)
    await uow.commit()
    return RoutingOutcome(owner_id=user_id, reason=reason,
                          details={"kind": "grab", "offer_id": offer_id, "lead_id": lead.id})


async def cancel_offers(uow: UnitOfWork, lead_id: int) -> None:
    await uow.session.execute(
        update(ClaimOffer).where(col(ClaimOffer.lead_id) == lead_id,
                                 col(ClaimOffer.status) == "open")
        .values(status="cancelled", closed_at=uow.now)
        .execution_options(synchronize_session=False)
    )


async def expire_claim_offers(uow: UnitOfWork) -> int:
    """Scheduler job: lock offers open past `routing.offer_minutes` (30) to the best-ranked
    candidate still able to take the lead (else route it again). Commits; returns the number
    of offers closed."""
    due = (await uow.session.execute(
        select(col(ClaimOffer.id)).where(col(ClaimOffer.status) == "open",
                                    col(ClaimOffer.expires_at) <= uow.now)
        .order_by(col(ClaimOffer.expires_at))
    )).scalars().all()
    closed = 0
    for offer_id in due:
        res = await uow.session.execute(
            update(ClaimOffer).where(col(ClaimOffer.id) == offer_id,
                                     col(ClaimOffer.status) == "open")
            .values(status="expired", closed_at=uow.now)
            .execution_options(synchronize_session=False)
        )
        if rowcount(res) != 1:
            continue          # grabbed meanwhile
        closed += 1
        await _lock_offer(uow, offer_id)
    await uow.commit()
    return closed


async def _lock_offer(uow: UnitOfWork, offer_id: int) -> None:
    offer = await uow.session.get(ClaimOffer, offer_id)
    assert offer is not None
    await uow.session.refresh(offer)
    lead = await uow.session.get(Lead, offer.lead_id)
    if lead is None or lead.owner_id is not None or lead.status not in ("new", "assigned"):
        return
    cands = (await uow.session.execute(
        select(ClaimOfferCandidate).where(col(ClaimOfferCandidate.offer_id) == offer_id)
        .order_by(col(ClaimOfferCandidate.rank))
    )).scalars().all()
    day = uow.now.astimezone(uow.clock.tz).date()
    for c in cands:
        user = await uow.session.get(User, c.user_id)
        if user is not None and user.active and not user.on_leave(day):
            offer.winner_id = user.id
            uow.add(offer)
            reason = f"{offer.reason or ''}; 超时无人抢单, 锁定给排名第一的{user.name}"
            await assign_lead(uow, lead, user, reason.lstrip("; "), team_id=offer.team_id,
                              details={"offer_id": offer_id, "locked": True})
            return
    config, teams, reps = await state.load_state(uow)
    facts = await state.lead_facts(uow, lead)
    no_offer = RoutingConfig(tuple(r for r in config.rules if r.is_fallback) or
                             (Rule(None, "兜底", target_kind="pool", is_fallback=True),),
                             config.weights)
    d = decide(facts, no_offer, teams, reps)
    if d.kind == "offer":
        d = Decision("assign", owner_id=d.candidates[0], team_id=d.team_id, rule_id=d.rule_id,
                     reason=d.reason, details=d.details)
    await apply_decision(uow, lead, d)
