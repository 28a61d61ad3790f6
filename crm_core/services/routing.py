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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select

from crm_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crm_core.models import Lead, Team, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.policies.routing import (
    DEFAULT_WEIGHTS,
    Decision,
    decide,
    pick_in_team,
)
from crm_core.services import access, scoring
from crm_core.services import routing_state as state
from crm_core.uow import UnitOfWork, snapshot

log = logging.getLogger(__name__)
OFFER_MINUTES_DEFAULT = 30
MANAGER_ROLES = frozenset({"manager", "director", "admin"})


@dataclass(frozen=True, slots=True)
class RoutingOutcome:
    owner_id: int | None = None
    offered_to: tuple[int, ...] = ()          # candidates of an open claim offer
    reason: str | None = None                 # one line: "按规则「江苏·脊柱类」分配; 负载最低"
    details: dict[str, object] = field(default_factory=dict)


async def route_new_lead(
    uow: UnitOfWork, lead: Lead, on_insert: Callable[[], None] | None = None,
) -> RoutingOutcome:
    """Decide and apply the assignment of a freshly created, valid lead (no commit).

    A lead not yet in the database (`lead.id is None`) is inserted once, with its score,
    region, product line and assignment already on it; `on_insert` runs right after the
    INSERT (the intake's "created" event and audit row go before the assignment's)."""
    ref = await state.reference(uow)
    vals = ref.settings
    with uow.session.no_autoflush:           # one write of the lead at the end, not three
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
                                                    or OFFER_MINUTES_DEFAULT),
                                on_insert=on_insert)


async def apply_decision(uow: UnitOfWork, lead: Lead, d: Decision,
                         offer_minutes: float | None = None,
                         on_insert: Callable[[], None] | None = None) -> RoutingOutcome:
    details: dict[str, object] = {"kind": d.kind, **d.details}
    before = snapshot(lead)
    owner: User | None = None
    previous = lead.owner_id
    if d.kind == "assign" and d.owner_id is not None:
        owner = (await state.reference(uow)).users_by_id.get(d.owner_id) \
            or await _user(uow, d.owner_id)
        _stamp_assign(uow, lead, owner, d.reason, d.team_id)
    elif d.kind == "offer":
        lead.team_id, lead.assignment_reason, lead.updated_at = d.team_id, d.reason, uow.now
    else:
        _stamp_pool(uow, lead, d.reason)
    uow.add(lead)
    if lead.id is None:
        writes_before = uow.db.lead_writes
        await uow.flush()
        if before is not None:
            before["id"] = lead.id
        if on_insert is not None:
            on_insert()
        if owner is not None and owner.id is not None:
            state.count_new_assignment(uow, owner.id, lead.team_id, writes_before)
    if d.admin_notice:
        await _tell_admins(uow, lead, d)
    if owner is not None:
        _record_assign(uow, lead, owner, d.reason, before, previous, d.details, "assigned")
        return RoutingOutcome(owner_id=owner.id, reason=d.reason, details=details)
    if d.kind == "offer":
        from crm_core.services import offers

        offer = await offers.open_offer(uow, lead, d, offer_minutes)
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
    for a in (await state.reference(uow)).users:
        if a.role != "admin" or not a.active:
            continue
        uow.notify("routing.fallback", a.id,
                   {"lead_id": lead.id, "company": lead.company, "problem": d.admin_notice,
                    "outcome": d.reason, "kind": d.kind},
                   dedupe_key=f"routing.fallback:{lead.id}:{a.id}:{uow.now.isoformat()}")


def json_keys(d: dict[str, Any]) -> dict[str, Any]:
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
        raise NotFound(f"lead {lead_id}", f"没有线索 #L{lead_id}")
    await access.authorize(uow, actor, "reassign", lead, "这条线索不归你的团队管，不能转派")
    if (to_user_id is None) == (team_id is None):
        raise InvalidInput("reassign needs one target", "请指定转派给哪位销售或哪个团队")
    from crm_core.services import offers

    await offers.cancel_offers(uow, lead_id)
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
    and without customer affinity to them; returns how many leads moved. In `uow`'s
    transaction (the caller commits: with the change that took the rep away)."""
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
        if d.kind != "assign":        # on offer or to the pool: nobody holds it meanwhile
            lead.previous_owner_id, lead.owner_id = user_id, None
            if lead.status in ("assigned", "claimed"):
                lead.status = "new"
        await apply_decision(uow, lead, d)
        moved += 1
    return moved


# --- claim offers (crm_core.services.offers) -----------------------------------------------

async def grab_offer(uow: UnitOfWork, offer_id: int, user_id: int) -> RoutingOutcome:
    """抢单: exactly one winner (see `crm_core.services.offers.grab_offer`). Commits."""
    from crm_core.services import offers

    return await offers.grab_offer(uow, offer_id, user_id)


async def expire_claim_offers(uow: UnitOfWork) -> int:
    """Scheduler job (see `crm_core.services.offers.expire_claim_offers`). Commits; returns
    the number of offers closed."""
    from crm_core.services import offers

    return await offers.expire_claim_offers(uow)
