"""Words a rep taught the bot by correcting it: an overlay on the tenant's catalog.

When a rep corrects a field on a card, the words the rep used for it are remembered
(`learnable_phrase` finds them): for that rep at once (a `Learned` overlay on each of the
rep's messages), tenant-wide once an admin approves or several reps taught the same
(then they are catalog aliases and preset cue words, no overlay). The overlay is small
(a rep's few phrases) and compiled once per value (`LearnedIndex`), so a rep's messages cost
what any message costs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nlp.names import P_EXACT, NameTable
from nlp.resolve import CatalogIndex

__all__ = ["KINDS", "Learned", "LearnedIndex"]

KINDS = ("customer", "contact", "product", "next_action", "obstacle")


@dataclass(frozen=True, slots=True)
class Learned:
    """A rep's learned words: (phrase, what it names) per kind."""

    customers: tuple[tuple[str, str], ...] = ()      # ('鼓楼', '南京市鼓楼医院')
    contacts: tuple[tuple[str, str], ...] = ()       # ('老周', '周建华')
    products: tuple[tuple[str, str], ...] = ()       # ('大钳子', '液压钳')
    next_actions: tuple[tuple[str, str], ...] = ()   # ('跑流程', '推进合同')
    obstacles: tuple[tuple[str, str], ...] = ()      # ('钱没批', '预算冻结')

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str]]) -> Learned:
        """(kind, phrase, target) rows → a `Learned` (unknown kinds and blanks dropped)."""
        out: dict[str, list[tuple[str, str]]] = {k: [] for k in KINDS}
        for kind, phrase, target in rows:
            phrase, target = (phrase or "").strip(), (target or "").strip()
            if kind in out and len(phrase) >= 2 and target and (phrase, target) not in out[kind]:
                out[kind].append((phrase, target))
        return cls(tuple(out["customer"]), tuple(out["contact"]), tuple(out["product"]),
                   tuple(out["next_action"]), tuple(out["obstacle"]))

    def __bool__(self) -> bool:
        return bool(self.customers or self.contacts or self.products or self.next_actions
                    or self.obstacles)


class LearnedIndex:
    """A `Learned` overlay compiled against one catalog (phrases naming nothing it knows
    are dropped: a removed customer never comes back through an old lesson)."""

    def __init__(self, learned: Learned, index: CatalogIndex) -> None:
        cat = index.catalog
        customers = {c.name for c in cat.customers}
        products = {p.name for p in cat.products}
        contacts = {k.name for k in cat.contacts}
        self.customers = NameTable()
        for phrase, target in learned.customers:
            if target in customers:
                self.customers.add(phrase, target, P_EXACT)
        self.products = NameTable(counted=True)
        for phrase, target in learned.products:
            if target in products:
                self.products.add(phrase, target, P_EXACT)
        self.customers.finish()
        self.products.finish()
        self.contacts: dict[str, str] = {p: t for p, t in learned.contacts if t in contacts}
        self.actions = index.actions.with_learned(
            _by_target(learned.next_actions, cat.next_actions))
        self.obstacles = index.obstacles.with_learned(
            _by_target(learned.obstacles, cat.obstacles))
        self._contact_re = re.compile("|".join(
            re.escape(p) for p in sorted(self.contacts, key=len, reverse=True))) \
            if self.contacts else None

    def contact_strings(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, canonical contact) where a learned contact phrase is written."""
        if self._contact_re is None:
            return []
        return [(m.start(), m.end(), self.contacts[m.group(0)])
                for m in self._contact_re.finditer(text)]


def _by_target(pairs: tuple[tuple[str, str], ...],
               presets: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for phrase, target in pairs:
        if target in presets:
            out.setdefault(target, []).append(phrase)
    return out

