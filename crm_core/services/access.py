"""Authorization in the services: the facts `crm_core.policies.authz.decide` needs, read
from the database, and one call per service to ask it.

- `authorize(uow, user, action, row)` raises Forbidden (a short Chinese answer) unless the
  policy allows `action` on the lead, deal, task, alert (SLA escalation) or customer `row`;
- `allowed(...)` is the same question as a bool, for filtering lists;
- `visible_owner_ids(uow, user)` is the owner filter lists put in their SQL: the people whose
  records the user manages (None: everyone), the same scope the policy uses.

The actor's scope comes from the cached reference (users and teams, versioned), so a check
costs no query beyond the row itself.
"""

from __future__ import annotations

import logging

from sqlalchemy import Select, select

from crm_core.errors import Forbidden
from crm_core.models import ClaimOffer, ClaimOfferCandidate, Customer, Deal, Lead, Task, User
from crm_core.models.sla import Escalation
from crm_core.policies.authz import Decision, Kind, Principal, Record, decide
from crm_core.services import routing_state
from crm_core.sql import table
from crm_core.uow import UnitOfWork

log = logging.getLogger(__name__)
MANAGER_ROLES = frozenset({"manager", "director", "admin"})
Row = Lead | Deal | Task | Escalation | Customer
KIND_LABELS = {"lead": "线索", "deal": "商机", "task": "待办", "alert": "预警",
               "customer": "客户"}
_MEMO = "access.principal"


async def principal(uow: UnitOfWork, user: User) -> Principal:
    """The user with their scope: for a manager or director, everyone below them in the
    manager chain, the teams those people (and they) manage, and those teams' members."""
    assert user.id is not None
    memo: dict[int, Principal] = uow.memo.setdefault(_MEMO, {})
    found = memo.get(user.id)
    if found is not None and found.role == user.role:
        return found
    if user.role not in ("manager", "director"):
        p = Principal(user.id, user.role, frozenset(), frozenset({user.id}))
    else:
        ref = await routing_state.reference(uow)
        children: dict[int, list[int]] = {}
        for u in ref.users:
            if u.manager_id is not None and u.id is not None:
                children.setdefault(u.manager_id, []).append(u.id)
        below = {user.id}
        stack = [user.id]
        while stack:
            for c in children.get(stack.pop(), ()):
                if c not in below:
                    below.add(c)
                    stack.append(c)
        teams = {t.id for t in ref.teams if t.id is not None and t.manager_id in below}
        if user.team_id is not None:
            teams.add(user.team_id)
        members = below | {u.id for u in ref.users if u.id is not None and u.team_id in teams}
        p = Principal(user.id, user.role, frozenset(teams), frozenset(members))
    memo[user.id] = p
    return p


async def _team_of(uow: UnitOfWork, owner_id: int | None) -> int | None:
    if owner_id is None:
        return None
    owner = (await routing_state.reference(uow)).users_by_id.get(owner_id)
    return owner.team_id if owner is not None else None


async def record_of(uow: UnitOfWork, row: Row) -> Record:
    """The policy's view of a row."""
    if isinstance(row, Lead):
        team = row.team_id if row.team_id is not None else await _team_of(uow, row.owner_id)
        return Record("lead", row.owner_id, team, in_pool=bool(row.in_pool))
    if isinstance(row, Escalation):
        team = await _team_of(uow, row.owner_id)
        if row.owner_id is None and row.lead_id is not None:
            lead = await uow.session.get(Lead, row.lead_id)
            team = lead.team_id if lead is not None else None
        return Record("alert", row.owner_id, team, recipient_id=row.recipient_id)
    kinds: dict[type, Kind] = {Deal: "deal", Task: "task", Customer: "customer"}
    return Record(kinds[type(row)], row.owner_id, await _team_of(uow, row.owner_id))


_OFFERS = table(ClaimOffer)
_CANDIDATES = table(ClaimOfferCandidate)
_OPEN_OFFERS = _CANDIDATES.join(_OFFERS, _OFFERS.c.id == _CANDIDATES.c.offer_id)


async def _offered_to(uow: UnitOfWork, lead_id: int) -> frozenset[int]:
    rows = (await uow.session.execute(
        select(_CANDIDATES.c.user_id).select_from(_OPEN_OFFERS)
        .where(_OFFERS.c.lead_id == lead_id, _OFFERS.c.status == "open"))).scalars()
    return frozenset(int(u) for u in rows)


def leads_offered_to(user_id: int | None) -> Select[tuple[int]]:
    """The ids of leads on an open claim offer to this user (a subquery for lists)."""
    return select(_OFFERS.c.lead_id).select_from(_OPEN_OFFERS).where(
        _OFFERS.c.status == "open", _CANDIDATES.c.user_id == user_id)


async def decision(uow: UnitOfWork, user: User, action: str, row: Row) -> Decision:
    actor = await principal(uow, user)
    record = await record_of(uow, row)
    verdict = decide(actor, action, record)
    if not verdict and isinstance(row, Lead) and row.id is not None \
            and record.owner_id is None and not record.in_pool:
        # the one fact only an unowned lead needs: whom it is offered to
        verdict = decide(actor, action, Record(
            record.kind, None, record.team_id, offered_to=await _offered_to(uow, row.id)))
    return verdict


async def allowed(uow: UnitOfWork, user: User, action: str, row: Row) -> bool:
    return bool(await decision(uow, user, action, row))


async def authorize(uow: UnitOfWork, user: User, action: str, row: Row,
                    message: str | None = None) -> None:
    """Forbidden (with `message`, or a short default) unless the policy allows it."""
    verdict = await decision(uow, user, action, row)
    if verdict:
        return
    record = await record_of(uow, row)
    label = KIND_LABELS[record.kind]
    log.info("denied: user %s (%s) %s %s %s: %s", user.id, user.role, action, record.kind,
             getattr(row, "id", None), verdict.reason)
    raise Forbidden(f"user {user.id} may not {action} {record.kind} {getattr(row, 'id', None)}"
                    f": {verdict.reason}", message or f"这条{label}不在你的权限范围内")


async def visible_owner_ids(uow: UnitOfWork, user: User) -> set[int] | None:
    """Owner ids whose records the user may see in lists; None means everything."""
    if user.role == "admin":
        return None
    return set((await principal(uow, user)).member_ids)


def require_role(user: User, roles: frozenset[str], what: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"{user.login} ({user.role}) may not {what}", "你没有这个操作的权限")
