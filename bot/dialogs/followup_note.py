"""The typed draft of a follow-up note (shared by the dialog, its reader and its cards)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

TRACKED = ("customer", "contact", "products", "channel", "attitude", "next_action",
           "next_date", "next_time", "obstacle")


@dataclass
class LeadOption:
    id: int
    label: str


@dataclass
class Note:
    """The typed draft of a follow-up."""

    summary: str = ""
    source: str = "chat"
    form: bool = False                      # /跟进: asked step by step
    customer: str | None = None             # as shown on the card
    customer_id: int | None = None
    customer_new: bool = False              # not a customer yet; create it on save
    customer_unconfirmed: bool = False      # … but ask before creating it
    naming_customer: bool = False           # 「都不是，新建客户」: asking the new name
    customer_choices: list[str] = field(default_factory=list)
    owner_name: str | None = None           # a colleague's customer: whose
    blocked: str | None = None              # the tenant does not allow logging there
    contact: str | None = None
    contact_id: int | None = None
    contact_surname: str | None = None      # 王 of 王主任 (a contact not known yet)
    contact_title: str | None = None
    products: list[str] = field(default_factory=list)
    channel: str | None = None
    attitude: str | None = None
    next_action: str | None = None
    next_date: date | None = None
    next_time: time | None = None
    obstacle: str | None = None
    action_words: str | None = None         # the rep's words for a step that is 其他
    obstacle_words: str | None = None       # … and for a blocker that is 其他
    lead_id: int | None = None
    lead_label: str | None = None
    lead_options: list[LeadOption] = field(default_factory=list)
    lead_none: bool = False                 # the rep said: no lead
    lead_for: str | None = None             # customer/contact the lead was chosen for
    required: list[str] = field(default_factory=list)
    edit_of: int | None = None              # correcting saved follow-up #F…
    first: dict[str, Any] = field(default_factory=dict)   # as first understood / saved
    phrases: list[str] = field(default_factory=list)      # the rep's corrections
    added_at_step: bool = False             # more told at the step question once already


def summary_of(n: Note) -> str:
    head = f"改 #F{n.edit_of} " if n.edit_of else ""
    what = n.next_action or (n.summary[:20] if n.summary else "")
    return f"{head}{n.customer or '未定客户'} · {what}".strip(" ·")


def tracked(n: Note) -> dict[str, Any]:
    """The fields a correction is recorded for, as they are now."""
    return {k: getattr(n, k) for k in TRACKED}
