"""Fitting buttons and lists to a phone screen and to the platform's button limit.

A menu longer than the platform allows shows the first page and [更多]; each further page
keeps [更多] until the last. A list shows its true total and [下一页] while more remain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.messages import Button

MORE = "更多"
NEXT_PAGE = "下一页"


def page_of(items: Sequence[Button], limit: int, page: int,
            more: Callable[[int], Button]) -> tuple[Button, ...]:
    """Page `page` (0-based) of `items` within `limit` buttons, [更多] → `more(next page)`
    where more remain. The last page shows what is left; asking past it starts over."""
    if len(items) <= limit:
        return tuple(items)
    per = max(limit - 1, 1)
    pages = (len(items) + per - 1) // per
    page = page % pages
    chunk = list(items[page * per:(page + 1) * per])
    if page + 1 < pages:
        chunk.append(more(page + 1))
    elif len(chunk) < limit:
        chunk.append(more(0))             # back to the first page
    return tuple(chunk)


@dataclass(frozen=True, slots=True)
class Window:
    """One page of a list: which rows, and how to say where we are."""

    offset: int
    limit: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total

    @property
    def next_offset(self) -> int:
        return self.offset + self.limit

    def heading(self, title: str) -> str:
        """「线索（共 33 条）」, 「线索（共 33 条 · 11–20）」 on later pages."""
        if self.total <= self.limit and self.offset == 0:
            return f"{title}（{self.total}）"
        last = min(self.offset + self.limit, self.total)
        return f"{title}（共 {self.total} 条 · {self.offset + 1}–{last}）"


def window(page: str | int | None, total: int, limit: int) -> Window:
    """The window for a page number as a button or a user sends it (1-based; bad → 1)."""
    try:
        n = max(int(str(page or 1).strip().lstrip("#")), 1)
    except ValueError:
        n = 1
    offset = min((n - 1) * limit, max(total - 1, 0) // limit * limit)
    return Window(offset, limit, total)
