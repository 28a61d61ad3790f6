"""One numbering: every number a card shows carries the prefix of its kind, and the command
for that kind takes exactly that text back.

    线索 #L12   商机 #D3   待办 #T7   预警 #A5   抢单 #O305   草稿 #R2   跟进 #F9   联系人 #C4

Commands accept the number with or without `#` and the prefix (「/认领 L12」「/认领 #12」
「/认领 12」); a number with another kind's prefix gets an answer that names both kinds
(「D3 是商机编号，这里要线索编号，如 #L12」) instead of acting on the wrong record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm_core.errors import InvalidInput

PREFIXES: dict[str, str] = {
    "lead": "L", "deal": "D", "task": "T", "alert": "A", "offer": "O", "draft": "R",
    "followup": "F", "contact": "C",
}
LABELS: dict[str, str] = {
    "lead": "线索", "deal": "商机", "task": "待办", "alert": "预警", "offer": "抢单",
    "draft": "草稿", "followup": "跟进", "contact": "联系人",
}
KIND_OF_PREFIX = {v: k for k, v in PREFIXES.items()}
# a command parameter's name → the kind of number it takes
PARAM_KINDS: dict[str, str] = {
    "lead_id": "lead", "deal_id": "deal", "task_id": "task", "escalation": "alert",
    "alert_id": "alert", "offer_id": "offer", "draft_id": "draft", "followup_id": "followup",
    "contact_id": "contact",
}
REF = re.compile(r"^[#＃]?\s*([A-Za-z]?)\s*(\d{1,12})$")


def ref(kind: str, number: int | str | None) -> str:
    """`ref("lead", 12)` → "#L12"."""
    return f"#{PREFIXES[kind]}{number}"


class RefError(InvalidInput):
    """Not a number of the expected kind; `user_message` says why, in Chinese."""


@dataclass(frozen=True, slots=True)
class Ref:
    kind: str | None        # None: a bare number
    number: int


def parse(text: str) -> Ref | None:
    """「#L12」「L12」「l12」「#12」「12」 → Ref; anything else → None."""
    m = REF.match(text.strip())
    if m is None:
        return None
    letter = m.group(1).upper()
    if letter and letter not in KIND_OF_PREFIX:
        return None
    return Ref(KIND_OF_PREFIX.get(letter) if letter else None, int(m.group(2)))


def number_of(text: str, kind: str, *, accept: tuple[str, ...] = ()) -> int:
    """The number in `text` for a `kind` (or one of `accept`) parameter; RefError else."""
    r = parse(text)
    want = LABELS[kind]
    if r is None:
        raise RefError(f"not a {kind} number: {text!r}",
                       f"「{text.strip()[:20]}」不是{want}编号，如 {ref(kind, 12)}。")
    if r.kind is not None and r.kind != kind and r.kind not in accept:
        raise RefError(f"{r.kind} number given for {kind}",
                       f"{PREFIXES[r.kind]}{r.number} 是{LABELS[r.kind]}编号，"
                       f"这里要{want}编号，如 {ref(kind, r.number)}。")
    return r.number


def maybe(text: str, kind: str) -> int | None:
    """The number if `text` is one of this kind (or bare); None if it is no number at all;
    RefError for another kind's number."""
    if parse(text) is None:
        return None
    return number_of(text, kind)
