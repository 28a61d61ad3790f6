"""Cards that fit each platform's size limit, and nothing lost when they do not.

A platform refuses a card past its size (Feishu: 30 KB of card JSON, error 230025) or cuts
what is too long (WeCom template cards: a 300-character subtitle, 30-character field
values). `fit` shrinks a card under a measured limit — the body first, then the fields
from the last — and returns what it took out as follow-up text: the card says
"（内容较长，全文见下条）" and the full text follows in plain messages (which each sender
splits under its own text limit). Buttons always stay on the card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.messages import Card

MORE = "…（内容较长，全文见下条）"
FULL = "【全文】"


def card_text(card: Card) -> str:
    """The whole card as plain text (title, fields, body): what the follow-up carries."""
    lines = [card.title, *(f"{k}：{v}" for k, v in card.fields)]
    if card.body:
        lines += ["", card.body]
    return "\n".join(lines)


def fit(card: Card, size: Callable[[Card], int], limit: int) -> tuple[Card, list[str]]:
    """(a card of `size` ≤ `limit`, follow-up texts). Nothing to follow when it fits."""
    if size(card) <= limit:
        return card, []
    full = FULL + card_text(card)
    # the body, cut as long as it fits (binary search on its length)
    lo, hi = 0, len(card.body)
    best: Card | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        trial = replace(card, body=card.body[:mid] + MORE)
        if size(trial) <= limit:
            best, lo = trial, mid + 1
        else:
            hi = mid - 1
    if best is not None:
        return best, [full]
    # no body fits: keep the most fields that fit (binary search), then shorten the title
    lo, hi, kept = 0, len(card.fields) - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        if size(replace(card, fields=card.fields[:mid], body=MORE)) <= limit:
            kept, lo = mid, mid + 1
        else:
            hi = mid - 1
    if kept >= 0:
        return replace(card, fields=card.fields[:kept], body=MORE), [full]
    return replace(card, title=card.title[:20], fields=(), body=MORE), [full]
