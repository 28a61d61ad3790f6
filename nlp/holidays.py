"""Dates tied to public holidays: 元旦后, 春节前, 国庆过后, 节后, 年前 (CONVENTIONS "More spans").

The official calendar, 调休 working days included, comes from `chinese_calendar`; a
tenant's holiday table (`Catalog.holidays`, `Catalog.workdays`, edited by admins) overrides
it and covers the years the library does not know yet. Where neither knows a year, the phrase
is read but not resolved: the expression is marked `unread` and the bot asks for the date.

- X, as a break: the next official break of X that ends after now;
- X后 / X过后 / 过了X / X以后 / X回来: the first working day after X's break;
- X前 / X之前: the last working day before X's break (a deadline);
- 节后 / 过完节 (节前): as X后 (X前) for the next break of any public holiday;
- 年后 / 过完年 / 年前: 春节后 / 春节前.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from nlp.lexicon import DATA_DIR
from nlp.segment import base_word_freq
from nlp.timeexpr import TimeExpr
from nlp.types import HolidayBreak

__all__ = ["HolidayCalendar", "holiday_key", "holiday_times"]

log = logging.getLogger(__name__)

_SEARCH_DAYS = 420          # a break that ends after now starts within this many days
_LOOKBACK_DAYS = 12         # … or started this many days ago (now is inside it)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Spoken word → the holiday key chinese_calendar uses."""
    data = json.loads((DATA_DIR / "holidays.json").read_text(encoding="utf-8"))
    return {w: key for key, words in data.items() if not key.startswith("_") for w in words}


def holiday_key(word: str) -> str | None:
    """'国庆节' → 'National Day'; an admin's table name ('劳动节') maps the same way."""
    return _names().get(word.strip())


class HolidayCalendar:
    """Breaks and working days: the tenant's table first, then `chinese_calendar`."""

    def __init__(self, breaks: Iterable[HolidayBreak] = (),
                 workdays: Iterable[date] = ()) -> None:
        self._off: dict[date, str] = {}
        for b in breaks:
            key = holiday_key(b.name) or b.name
            d = b.start
            while d <= b.end and (d - b.start).days < 60:
                self._off[d] = key
                d += timedelta(days=1)
        self._work = frozenset(workdays)
        self._years = {d.year for d in (*self._off, *self._work)}

    def day(self, d: date) -> tuple[bool, str | None] | None:
        """(is a day off, the holiday it belongs to); None when no calendar knows the year.
        In a year the tenant's table covers, days it does not list follow Monday–Friday."""
        if d in self._work:
            return False, "调休"
        if d in self._off:
            return True, self._off[d]
        known = _library_day(d)
        if known is None and d.year in self._years:
            return d.weekday() >= 5, None
        return known

    def next_break(self, key: str | None, today: date) -> tuple[date, date] | None:
        """The next break of holiday `key` (any holiday when None) that ends on or after
        `today` (None when the calendar does not reach it)."""
        d = today - timedelta(days=_LOOKBACK_DAYS)
        end = today + timedelta(days=_SEARCH_DAYS)
        start: date | None = None
        while d <= end:
            info = self.day(d)
            if info is None:               # no calendar knows this year
                if start is not None and d - timedelta(days=1) >= today:
                    return start, d - timedelta(days=1)
                return None
            off, name = info
            if off and name is not None and (key is None or name == key):
                if start is None:
                    start = d
            elif start is not None:
                last = d - timedelta(days=1)
                if last >= today:
                    return start, last
                start = None
            d += timedelta(days=1)
        return None

    def workday_after(self, d: date) -> date | None:
        """The first working day after `d` (调休 weekend days count)."""
        return self._next_workday(d, 1)

    def workday_before(self, d: date) -> date | None:
        """The last working day before `d` (调休 weekend days count)."""
        return self._next_workday(d, -1)

    def _next_workday(self, d: date, step: int) -> date | None:
        for _ in range(30):
            d += timedelta(days=step)
            info = self.day(d)
            if info is None:
                return None
            if not info[0] and _working(d, info):
                return d
        return None


def _working(d: date, info: tuple[bool, str | None]) -> bool:
    """A weekday, or a weekend day worked in lieu (调休: named by its holiday)."""
    return d.weekday() < 5 or info[1] is not None


@lru_cache(maxsize=4096)
def _library_day(d: date) -> tuple[bool, str | None] | None:
    try:
        off, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return None
    except Exception:                   # a broken data file must not cost the message
        log.exception("chinese_calendar failed for %s", d)
        return None
    if not off and name is not None and d.weekday() >= 5:
        return False, str(name)         # a weekend day worked in lieu
    if off and name is None:
        return True, None               # an ordinary weekend
    return bool(off), (str(name) if name is not None and off else None)


# ------------------------------------------------------------------ phrases
def _phrase_re() -> re.Pattern[str]:
    words = sorted(_names(), key=len, reverse=True)
    named = "|".join(re.escape(w) for w in words if w != "十一")
    return re.compile(
        rf"(?P<pre>过了|过完|等过完|等过了)?"
        rf"(?:(?P<name>{named}|十一(?=后|前|之|以|过|假|长假|回来|期间))"
        rf"|(?P<jie>节)(?:(?=后|前|之|以)|(?<=过完节)|(?<=过了节))"
        rf"|(?P<nian>年)(?:(?=后|前|之后|之前|以后|以前)|(?<=过完年)|(?<=过了年)))"
        rf"(?P<rel>过后|以后|之后|回来以后|回来|后|之前|以前|前|期间|假期)?"
    )


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    return _phrase_re()


_NUM_BEFORE = re.compile(r"[0-9零〇一二两三四五六七八九十几多百去今明后前每]$")


def holiday_times(text: str, today: date, calendar: HolidayCalendar) -> list[TimeExpr]:
    """Holiday phrases in `text`, resolved on `calendar` (unread where it has no data)."""
    out: list[TimeExpr] = []
    for m in _pattern().finditer(text):
        s, e = m.start(), m.end()
        pre, rel = m.group("pre"), m.group("rel") or ""
        if m.group("nian") is not None:
            if not (pre or rel) or _NUM_BEFORE.search(text, 0, m.start("nian")):
                continue                      # 两年前, 去年前 …: no holiday
            key: str | None = "Spring Festival"
        elif m.group("jie") is not None:
            if not (pre or rel) or _glued(text, m.start("jie")):
                continue                      # 环节后, 关节前: no holiday
            key = None
        else:
            key = holiday_key(m.group("name"))
        after = bool(pre) or rel in ("过后", "以后", "之后", "回来以后", "回来", "后")
        before = rel in ("之前", "以前", "前")
        span = text[s:e]
        brk = calendar.next_break(key, today)
        if not (after or before):
            out.append(TimeExpr(s, e, span, None, None, vague=True, kind="unread",
                                unread=True))
            continue
        d = None
        if brk is not None:
            d = calendar.workday_after(brk[1]) if after else calendar.workday_before(brk[0])
        if d is None:
            out.append(TimeExpr(s, e, span, None, None, vague=True, kind="unread",
                                unread=True))
            continue
        out.append(TimeExpr(s, e, span, d, None, past=d < today))
    return out


def _glued(text: str, i: int) -> bool:
    """Is 节 the end of a word here (环节, 关节, 季节, 细节)?"""
    return i > 0 and base_word_freq(text[i - 1: i + 1]) >= 50
