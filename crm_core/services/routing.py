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
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import select
from sqlmodel import col

from crm_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crm_core.models import Lead, Team, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.policies.routing import (
    DEFAULT_WEIGHTS,
    Decision,
    decide,
    pick_in_team,
)
from crm_core.services import access, offers, scoring
from crm_core.services import routing_state as state
from crm_core.services.assignment import (
    OFFER_MINUTES_DEFAULT,
    RoutingOutcome,
    apply_decision,
    assign_lead,
    user_of,
)
from crm_core.uow import UnitOfWork

log = logging.getLogger(__name__)
MANAGER_ROLES = frozenset({"manager", "director", "admin"})


async def route_new_lead(
    uow: UnitOfWork, lead: Lead, on_insert: Callable[[], None] | None = None,
    customer: state.CustomerFacts | None = None,
) -> RoutingOutcome:
    """Decide and apply the assignment of a freshly created, valid lead (no commit).

    A lead not yet in the database (`lead.id is None`) is inserted once, with its score,
    region, product line and assignment already on it; `on_insert` runs right after the
    INSERT (the intake's "created" event and audit row go before the assignment's).
    `customer`: the lead's customer as the intake's lookup read it."""
    ref = await state.reference(uow)
    vals = ref.settings
    with uow.session.no_autoflush:           # one write of the lead at the end, not three
        await scoring.score_lead(uow, lead, config=dict(vals.get("scoring.config") or {}),
                                 followups=0)
        facts = await state.lead_facts(uow, lead, customer)
        config, teams, reps = await state.load_state(
            uow, facts, weights=vals.get("routing.weights") or dict(DEFAULT_WEIGHTS))
        # One read of the live counts, also when the matched rule's team is full: the state
        # holds every rep and team `decide` can pick (the matched rule's and the fallback's
        # targets, the customer's owner; everything when a target is "any") and `decide`
        # never hands a lead to a person no rule named (last resort: the pool), so reading
        # the whole company again could not change the answer
        decision = decide(facts, config, teams, reps)
    return await apply_decision(uow, lead, decision,
                                offer_minutes=float(vals.get("routing.offer_minutes")
                                                    or OFFER_MINUTES_DEFAULT),
                                on_insert=on_insert)


# --- manager paths ------------------------------------------------------------------------

async def reassign_lead(
    uow: UnitOfWork, lead_id: int, *, to_user_id: int | None = None,
    team_id: int | None = None, by: int | User,
) -> RoutingOutcome:
    """/转派: a manager (or director/admin) moves a lead to a rep or into a team (the team's
    strategy picks). Commits."""
    actor = await user_of(uow, by)
    if actor.role not in MANAGER_ROLES:
        raise Forbidden(f"{actor.login} may not reassign", "只有经理及以上可以转派线索")
    lead = await uow.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id}", f"没有线索 #L{lead_id}")
    await access.authorize(uow, actor, "reassign", lead, "这条线索不归你的团队管，不能转派")
    if (to_user_id is None) == (team_id is None):
        raise InvalidInput("reassign needs one target", "请指定转派给哪位销售或哪个团队")
    await offers.cancel_offers(uow, lead_id)
    if to_user_id is not None:
        target = await user_of(uow, to_user_id)
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
        select(User).where((col(User.login) == t) | (col(User.name) == t))
    )).scalars().first()
    if user is not None:
        return user.id, None
    team = (await uow.session.execute(select(Team).where(col(Team.name) == t))).scalars().first()
    if team is not None:
        return None, team.id
    raise NotFound(f"reassign target {t!r}", f"没有找到同事或团队「{t}」")


async def reassign_choices(uow: UnitOfWork, by: User) -> list[tuple[str, str]]:
    """(label, target) pairs a manager can pick: the reps of their team (all reps for a
    director/admin), then the teams."""
    q = select(User).where(col(User.active).is_(True), col(User.role) == "rep")
    if by.role == "manager" and by.team_id is not None:
        q = q.where(col(User.team_id) == by.team_id)
    reps = (await uow.session.execute(q.order_by(col(User.id)))).scalars().all()
    teams = (await uow.session.execute(select(Team).order_by(col(Team.id)))).scalars().all()
    return [(u.name, u.login) for u in reps] + [(f"团队:{t.name}", t.name) for t in teams]


async def reroute_leads_of(uow: UnitOfWork, user_id: int) -> int:
    """A rep leaves (or is deactivated): route each of their open leads again, without them
    and without customer affinity to them; returns how many leads moved. In `uow`'s
    transaction (the caller commits: with the change that took the rep away)."""
    leaving = await user_of(uow, user_id)
    leads = (await uow.session.execute(
        select(Lead).where(col(Lead.owner_id) == user_id,
                           col(Lead.status).in_(OPEN_LEAD_STATUSES))
        .order_by(col(Lead.score).asc(), col(Lead.id))
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
    return await offers.grab_offer(uow, offer_id, user_id)


async def expire_claim_offers(uow: UnitOfWork) -> int:
    """Scheduler job (see `crm_core.services.offers.expire_claim_offers`). Commits; returns
    the number of offers closed."""
    return await offers.expire_claim_offers(uow)
