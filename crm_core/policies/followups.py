"""Rules for a follow-up: which lead it is about, and logging at someone else's customer.

Pure functions of plain values (no session, no clock).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# per-tenant config `followup.others_customers`: may a rep log at a colleague's customer?
OTHERS_NOTIFY = "notify"        # yes; the owner is told, with the note
OTHERS_DENY = "deny"            # no; only the owner (or their managers) log there
OTHERS_KEY = "followup.others_customers"
UNDO_KEY = "followup.undo_minutes"
# the lead statuses a first follow-up moves on (the 72-hour activation KPI reads them)
LEAD_ADVANCE: dict[str, str] = {"new": "contacted", "assigned": "contacted",
                                "claimed": "contacted"}


@dataclass(frozen=True, slots=True)
class LeadView:
    """An open lead at the customer, as the rule needs it."""

    id: int
    owner_id: int | None
    contact_id: int | None
    name: str | None              # the person the lead names
    title: str | None


@dataclass(frozen=True, slots=True)
class LeadPick:
    lead_id: int | None           # the lead this note is about (None: none, or ask)
    candidates: tuple[int, ...]   # several fit and none is this contact's: ask which


def pick_lead(leads: Sequence[LeadView], rep_id: int, *, contact_id: int | None,
              contact_names: Sequence[str]) -> LeadPick:
    """The lead of that contact, or the one open lead of that customer the rep owns;
    several and none is the contact's → ask; none → no lead is touched.

    Only the rep's own leads count: a note never marks a colleague's lead as contacted."""
    mine = [x for x in leads if x.owner_id == rep_id]
    names = {n for n in contact_names if n}
    by_contact = [x for x in mine if (contact_id is not None and x.contact_id == contact_id)
                  or (x.name and (x.name in names
                                  or f"{x.name[:1]}{x.title or ''}" in names))]
    if len(by_contact) == 1:
        return LeadPick(by_contact[0].id, ())
    pool = by_contact or mine
    if len(pool) == 1:
        return LeadPick(pool[0].id, ())
    return LeadPick(None, tuple(x.id for x in pool))


@dataclass(frozen=True, slots=True)
class OthersDecision:
    allowed: bool
    notify_owner: bool


def others_customer(rule: str | None, owner_id: int | None, rep_id: int,
                    *, rep_manages_owner: bool) -> OthersDecision:
    """Logging at a customer owned by `owner_id`: allowed? tell the owner?"""
    if owner_id is None or owner_id == rep_id:
        return OthersDecision(True, False)
    if rep_manages_owner:                     # a manager logging at the team's customer
        return OthersDecision(True, True)
    if rule == OTHERS_DENY:
        return OthersDecision(False, False)
    return OthersDecision(True, True)
