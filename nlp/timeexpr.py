"""A time expression found in a message, with its resolved value (shared by the Chinese
grammar in `nlp.timeparse` and the holiday phrases in `nlp.holidays`)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, time, timedelta

__all__ = ["TimeExpr", "add_months", "monday", "safe_date"]

_Date = date   # the field 'date' below shadows the type inside the class body


@dataclass(frozen=True, slots=True)
class TimeExpr:
    start: int
    end: int
    text: str
    date: date | None = None
    time: time | None = None
    part: str | None = None         # 上午 / 下午 …, when said
    vague: bool = False
    past: bool = False
    weak: bool = False              # 今天 with no clock time: weakest next-step candidate
    postponed: bool = False         # 推迟到 X: a delay, not a next step
    rolled: bool = False            # X号 / M月D号 rolled forward (past markers veto it)
    unrolled: _Date | None = None   # the date before rolling (this month / this year)
    kind: str = "date"              # date | clock | part | vague | unread | attached
    foreign: bool = False           # read by dateparser (English / numeric formats)
    unread: bool = False            # a time was said that no calendar resolves (ask for it)


def add_months(d: date, n: int) -> date:
    """`d` moved by `n` calendar months (the day clipped to the month's last)."""
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def monday(d: date) -> date:
    """The Monday of `d`'s week (weeks start on Monday)."""
    return d - timedelta(days=d.weekday())
