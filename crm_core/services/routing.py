"""Lead routing: who gets a lead, and why — one service for every path.

- `route_new_lead` (intake): score, then `policies.routing.decide` (affinity → rule table →
  fallback) and apply: assign, open a claim offer (抢单) or put the lead in the pool. Does not
  commit (the intake transaction does).
- `reassign_lead` (/转派 by a manager) and `reroute_leads_of` (a rep leaves) reuse the same
  decision code. They commit.
- `grab_offer`: the first tap wins — `UPDATE claim_offer … WHERE status='open'`, rowcount 1
  is the winner, whatever the concurrency. Commits.
- `expire_claim_offers` (scheduler job): offers open past their time are locked to the
  best-ranked rep still able to take them. Commits; returns how many offers it closed.

Rule configuration lives in `crm_core.services.routing_rules`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from crm_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crm_core.models import ClaimOffer, ClaimOfferCandidate, Lead, LeadEvent, Team, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.policies.routing import (
    DEFAULT_WEIGHTS,
    Decision,
    RoutingConfig,
    Rule,
    decide,
    pick_in_team,
)
from crm_core.services import routing_state as state
from crm_core.services import scoring
from crm_core.services.users import admins
from crm_core.uow import UnitOfWork, snapshot

log = logging.getLogger(__name__)
OFFER_MINUTES_DEFAULT = 30
MANAGER_ROLES = frozenset({"manager", "director", "admin"})
CONFIG_KEYS = ("scoring.config", "routing.weights", "routing.offer_minutes")


@dataclass(frozen=True, slots=True)
class RoutingOutcome:
    owner_id: int | None = None
    offered_to: tuple[int, ...] = ()          # candidates of an open claim offer
    reason: str | None = None                 # one line: "按规则「江苏·脊柱类」分配; 负载最低"
    details: dict[str, object] = field(default_factory=dict)


async def route_new_lead(uow: UnitOfWork, lead: Lead) -> RoutingOutcome:
    """Decide and apply the assignment of a freshly created, valid lead (no commit)."""
    vals = await state.config_values(uow, CONFIG_KEYS)
    with uow.session.no_autoflush:           # one UPDATE of the lead at the end, not three
        await scoring.score_lead(uow, lead, config=dict(vals.get("scoring.config") or {}),
                                 followups=0)
        facts = await state.lead_facts(uow, lead)
        config, teams, reps = await state.load_state(
            uow, facts, weights=vals.get("routing.weights") or dict(DEFAULT_WEIGHTS))
        decision = decide(facts, config, teams, reps)
        if config.rules and decision.details.get("rule") is None:
            # the rule targets could not take it: decide again looking at the whole company
            _, teams, reps = await state.load_state(uow, None, config)
            decision = decide(facts, config, teams, reps)
    return await apply_decision(uow, lead, decision,
                                offer_minutes=float(vals.get("routing.offer_minutes")
                                                    or OFFER_MINUTES_DEFAULT))


async def apply_decision(uow: UnitOfWork, lead: Lead, d: Decision,
                         offer_minutes: float | None = None) -> RoutingOutcome:
    details: dict[str, object] = {"kind": d.kind, **d.details}
    if d.admin_notice:
        await _tell_admins(uow, lead, d)
    if d.kind == "assign" and d.owner_id is not None:
        owner = await uow.session.get(User, d.owner_id)
        assert owner is not None
        await assign_lead(uow, lead, owner, d.reason, team_id=d.team_id, details=d.details)
        return RoutingOutcome(owner_id=owner.id, reason=d.reason, details=details)
    if d.kind == "offer":
        offer = await _open_offer(uow, lead, d, offer_minutes)
        details["offer_id"] = offer.id
        return RoutingOutcome(offered_to=d.candidates, reason=d.reason, details=details)
    await _to_pool(uow, lead, d.reason)
    return RoutingOutcome(reason=d.reason, details=details)


async def assign_lead(
    uow: UnitOfWork, lead: Lead, owner: User, reason: str, *, team_id: int | None = None,
    details: dict[str, Any] | None = None, event: str = "assigned",
) -> None:
    """Assign and tell the owner (outbox row in the same transaction)."""
    before = snapshot(lead)
    previous = lead.owner_id
    lead.owner_id = owner.id
    lead.team_id = team_id or owner.team_id
    lead.status = "assigned"
    lead.assigned_at = uow.now
    lead.updated_at = uow.now
    lead.assignment_reason = reason
    lead.in_pool = False
    uow.add(lead)
    if lead.id is None:
        await uow.flush()
    uow.add(LeadEvent(lead_id=lead.id, kind=event, at=uow.now, actor_id=uow.actor.user_id,
                      detail={"owner_id": owner.id, "previous_owner_id": previous,
                              "reason": reason, **(details or {})}))
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


async def _open_offer(uow: UnitOfWork, lead: Lead, d: Decision,
                      minutes: float | None = None) -> ClaimOffer:
    if minutes is None:
        minutes = float(await state.config_value(uow, "routing.offer_minutes",
                                                 OFFER_MINUTES_DEFAULT))
    offer = ClaimOffer(lead_id=lead.id or 0, team_id=d.team_id, rule_id=d.rule_id,
                       reason=d.reason, details=_json(d.details), created_at=uow.now,
                       expires_at=uow.now + timedelta(minutes=minutes))
    uow.add(offer)
    await uow.flush()
    scores: dict[str, Any] = dict(d.details.get("scores") or {})   # type: ignore[call-overload]
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
    uow.add(LeadEvent(lead_id=lead.id, kind="offered", at=uow.now, actor_id=uow.actor.user_id,
                      detail={"offer_id": offer.id, "candidates": list(d.candidates),
                              "reason": d.reason}))
    uow.audit("lead.offer", "lead", lead.id, after={"offer_id": offer.id,
                                                   "candidates": list(d.candidates)})
    return offer


async def _to_pool(uow: UnitOfWork, lead: Lead, reason: str) -> None:
    before = snapshot(lead)
    if lead.owner_id is not None:
        lead.previous_owner_id = lead.owner_id
    lead.owner_id = None
    lead.in_pool = True
    lead.pooled_at = uow.now
    lead.status = "new"
    lead.assignment_reason = reason
    lead.updated_at = uow.now
    uow.add(lead)
    await uow.flush()
    uow.add(LeadEvent(lead_id=lead.id, kind="pooled", at=uow.now, actor_id=uow.actor.user_id,
                      detail={"reason": reason}))
    uow.audit("lead.pool", "lead", lead.id, before=before, after=snapshot(lead))


async def _tell_admins(uow: UnitOfWork, lead: Lead, d: Decision) -> None:
    for a in await admins(uow):
        uow.notify("routing.fallback", a.id,
                   {"lead_id": lead.id, "company": lead.company, "problem": d.admin_notice,
                    "outcome": d.reason, "kind": d.kind},
                   dedupe_key=f"routing.fallback:{lead.id}:{a.id}:{uow.now.isoformat()}")


def _json(d: dict[str, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in d.items()}


# --- manager paths ------------------------------------------------------------------------

async def _user(uow: UnitOfWork, user: int | User) -> User:
    u = user if isinstance(user, User) else await uow.session.get(User, user)
    if u is None:
        raise NotFound(f"user {user}", "没有这个用户")
    return u


async def reassign_lead(
    uow: UnitOfWork, lead_id: int, *, to_user_id: int | None = None,
    team_id: int | None = None, by: int | User,
) -> RoutingOutcome:
    """/转派: a manager (or director/admin) moves a lead to a rep or into a team (the team's
    strategy picks). Commits."""
    actor = await _user(uow, by)
    if actor.role not in MANAGER_ROLES:
        raise Forbidden(f"{actor.login} may not reassign", "只有经理及以上可以转派线索")
    lead = await uow.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id}", f"没有编号为 {lead_id} 的线索")
    if (to_user_id is None) == (team_id is None):
        raise InvalidInput("reassign needs one target", "请指定转派给哪位销售或哪个团队")
    await _cancel_offers(uow, lead_id)
    if to_user_id is not None:
        target = await _user(uow, to_user_id)
        if not target.active:
            raise Conflict(f"user {target.login} inactive", f"{target.name}已停用, 不能接收线索")
        if target.on_leave(uow.now.astimezone(uow.clock.tz).date()):
            raise Conflict(f"user {target.login} on leave", f"{target.name}正在休假")
        reason = f"由{actor.name}转派给{target.name}"
        await assign_lead(uow, lead, target, reason, event="reassigned",
                          details={"by": actor.id})
        await uow.commit()
        return RoutingOutcome(owner_id=target.id, reason=reason, details={"kind": "assign"})
    team = await uow.session.get(Team, team_id)
    if team is None:
        raise NotFound(f"team {team_id}", "没有这个团队")
    outcome = await _route_in_team(uow, lead, team, f"由{actor.name}转派至{team.name}",
                                   exclude=lead.owner_id)
    await uow.commit()
    return outcome


async def _route_in_team(uow: UnitOfWork, lead: Lead, team: Team, why: str,
                         exclude: int | None = None) -> RoutingOutcome:
    config, teams, reps = await state.load_state(uow)
    if exclude is not None:
        reps.pop(exclude, None)
    facts = await state.lead_facts(uow, lead)
    assert team.id is not None
    picked = pick_in_team(teams[team.id], reps, facts, config.weights)
    if picked is None:
        raise Conflict(f"team {team.name} full", f"团队「{team.name}」当前没有可接线索的销售")
    kind, ranked, tail, details = picked
    d = Decision(kind, owner_id=ranked[0] if kind == "assign" else None,
                 candidates=ranked if kind == "offer" else (), team_id=team.id,
                 reason=f"{why}; {tail}", details=details)
    return await apply_decision(uow, lead, d)


async def resolve_reassign_target(uow: UnitOfWork, text: str) -> tuple[int | None, int | None]:
    """"李娜" / "lina" / "江苏组" → (user_id, None) or (None, team_id)."""
    t = text.strip().lstrip("@")
    user = (await uow.session.execute(
        select(User).where((User.login == t) | (User.name == t))  # type: ignore[arg-type]
    )).scalars().first()
    if user is not None:
        return user.id, None
    team = (await uow.session.execute(select(Team).where(Team.name == t))).scalars().first()  # type: ignore[arg-type]
    if team is not None:
        return None, team.id
    raise NotFound(f"reassign target {t!r}", f"没有找到同事或团队「{t}」")


async def reassign_choices(uow: UnitOfWork, by: User) -> list[tuple[str, str]]:
    """(label, target) pairs a manager can pick: the reps of their team (all reps for a
    director/admin), then the teams."""
    q = select(User).where(User.active.is_(True), User.role == "rep")  # type: ignore[arg-type,attr-defined]
    if by.role == "manager" and by.team_id is not None:
        q = q.where(User.team_id == by.team_id)  # type: ignore[arg-type]
    reps = (await uow.session.execute(q.order_by(User.id))).scalars().all()  # type: ignore[arg-type]
    teams = (await uow.session.execute(select(Team).order_by(Team.id))).scalars().all()  # type: ignore[arg-type]
    return [(u.name, u.login) for u in reps] + [(f"团队:{t.name}", t.name) for t in teams]


async def reroute_leads_of(uow: UnitOfWork, user_id: int) -> int:
    """A rep leaves (or is deactivated): route each of their open leads again, without them
    and without customer affinity to them. Commits; returns how many leads moved."""
    leaving = await _user(uow, user_id)
    leads = (await uow.session.execute(
        select(Lead).where(Lead.owner_id == user_id,  # type: ignore[arg-type]
                           Lead.status.in_(OPEN_LEAD_STATUSES))  # type: ignore[attr-defined]
        .order_by(Lead.score.asc(), Lead.id)  # type: ignore[arg-type,attr-defined]
    )).scalars().all()
    moved = 0
    for lead in leads:
        config, teams, reps = await state.load_state(uow)
        reps.pop(user_id, None)
        facts = await state.lead_facts(uow, lead)
        if facts.affinity_owner_id == user_id:
            facts = replace(facts, affinity_owner_id=None)
        d = decide(facts, config, teams, reps)
        d = Decision(d.kind, d.owner_id, d.candidates, d.team_id, d.rule_id,
                     f"{leaving.name}离岗, 重新分配: {d.reason}", d.details, d.admin_notice)
        await apply_decision(uow, lead, d)
        moved += 1
    await uow.commit()
    return moved


# --- claim offers -------------------------------------------------------------------------

async def grab_offer(uow: UnitOfWork, offer_id: int, user_id: int) -> RoutingOutcome:
    """抢单: exactly one winner. Raises Conflict for the others, Forbidden for non-candidates.
    Commits."""
    cand = (await uow.session.execute(
        select(ClaimOfferCandidate).where(ClaimOfferCandidate.offer_id == offer_id,  # type: ignore[arg-type]
                                          ClaimOfferCandidate.user_id == user_id)  # type: ignore[arg-type]
    )).scalars().first()
    if cand is None:
        if await uow.session.get(ClaimOffer, offer_id) is None:
            raise NotFound(f"offer {offer_id}", "这个抢单不存在")
        raise Forbidden(f"user {user_id} not a candidate of offer {offer_id}",
                        "这一单没有派给你")
    res = await uow.session.execute(
        update(ClaimOffer).where(ClaimOffer.id == offer_id, ClaimOffer.status == "open")  # type: ignore[arg-type]
        .values(status="claimed", winner_id=user_id, closed_at=uow.now)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        await uow.session.rollback()
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


async def _cancel_offers(uow: UnitOfWork, lead_id: int) -> None:
    await uow.session.execute(
        update(ClaimOffer).where(ClaimOffer.lead_id == lead_id, ClaimOffer.status == "open")  # type: ignore[arg-type]
        .values(status="cancelled", closed_at=uow.now)
        .execution_options(synchronize_session=False)
    )


async def expire_claim_offers(uow: UnitOfWork) -> int:
    """Scheduler job: lock offers open past `routing.offer_minutes` (30) to the best-ranked
    candidate still able to take the lead (else route it again). Commits; returns the number
    of offers closed."""
    due = (await uow.session.execute(
        select(ClaimOffer.id).where(ClaimOffer.status == "open",  # type: ignore[call-overload]
                                    ClaimOffer.expires_at <= uow.now)  # type: ignore[operator]
        .order_by(ClaimOffer.expires_at)  # type: ignore[arg-type]
    )).scalars().all()
    closed = 0
    for offer_id in due:
        res = await uow.session.execute(
            update(ClaimOffer).where(ClaimOffer.id == offer_id, ClaimOffer.status == "open")  # type: ignore[arg-type]
            .values(status="expired", closed_at=uow.now)
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
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
        select(ClaimOfferCandidate).where(ClaimOfferCandidate.offer_id == offer_id)  # type: ignore[arg-type]
        .order_by(ClaimOfferCandidate.rank)  # type: ignore[arg-type]
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
