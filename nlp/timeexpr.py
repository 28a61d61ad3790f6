"""A time expression found in a message, with its resolved value (shared by the Chinese
grammar in `nlp.timeparse` and the holiday phrases in `nlp.holidays`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

__all__ = ["TimeExpr"]

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
