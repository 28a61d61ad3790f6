"""Who may see or act on a lead, deal, task, alert or customer: one pure function.

`decide(actor, action, record)` is the only place that answers it; every service that shows
or changes such a record asks it (through `crm_core.services.access`), commands and buttons
never decide it themselves. Scopes:

- own: the record's owner may view it and act on it (but a rep never reassigns);
- team / managed teams: a manager or director may do anything to records owned by the
  people below them (their manager chain) or belonging to the teams those people manage,
  and to unowned records of those teams or of no team yet (the pending pool);
- all: an admin;
- besides: an alert's addressee may act on it; any rep may view and claim a lead in the
  public pool or offered to them (抢单); an unowned customer is a shared account.

Everything else is denied, with the reason in English for the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal["view", "act", "claim", "reassign"]
Kind = Literal["lead", "deal", "task", "alert", "customer"]
ACTIONS: frozenset[str] = frozenset({"view", "act", "claim", "reassign"})
MANAGING_ROLES = frozenset({"manager", "director"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The actor, with the scope their position gives them."""

    user_id: int
    role: str                                   # rep | manager | director | admin
    team_ids: frozenset[int] = frozenset()      # teams whose records they manage
    member_ids: frozenset[int] = frozenset()    # people whose records they manage (and self)


@dataclass(frozen=True, slots=True)
class Record:
    """What the decision needs to know about one record."""

    kind: Kind
    owner_id: int | None
    team_id: int | None = None                  # a lead's team; else its owner's team
    in_pool: bool = False                       # a lead in the public pool
    offered_to: frozenset[int] = frozenset()    # candidates of the lead's open claim offer
    recipient_id: int | None = None             # who an alert was addressed to


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _allow(reason: str) -> Decision:
    return Decision(True, reason)


def _deny(reason: str) -> Decision:
    return Decision(False, reason)


def decide(actor: Principal, action: str, record: Record) -> Decision:
    if action not in ACTIONS:
        return _deny(f"unknown action {action!r}")
    if actor.role == "admin":
        return _allow("admin")
    if action == "reassign" and actor.role not in MANAGING_ROLES:
        return _deny("only managers, directors and admins reassign")
    if record.owner_id is not None and record.owner_id == actor.user_id:
        return _allow("own record")
    if record.kind == "alert" and record.recipient_id == actor.user_id \
            and action in ("view", "act"):
        return _allow("the alert was addressed to them")
    if record.kind == "lead" and record.owner_id is None and record.in_pool \
            and action in ("view", "claim"):
        return _allow("lead in the public pool")
    if actor.role in MANAGING_ROLES:
        if record.owner_id is not None:
            if record.owner_id in actor.member_ids or record.team_id in actor.team_ids:
                return _allow("record of a managed person or team")
            return _deny("record of a person outside their teams")
        if record.team_id is None or record.team_id in actor.team_ids:
            return _allow("unowned record of a managed team or of no team")
        return _deny("unowned record of another team")
    if record.owner_id is None:
        if record.kind == "customer" and action in ("view", "act"):
            return _allow("shared customer (no owner)")
        if record.kind == "lead" and action in ("view", "claim") \
                and actor.user_id in record.offered_to:
            return _allow("lead offered to them")
        return _deny("unowned record outside the pool")
    return _deny("record of another person")
