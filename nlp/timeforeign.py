"""English and numeric dates the Chinese grammar does not cover ("Dec 3", "3 December 2026
2pm", "next Tuesday", "12/03/2026", "tomorrow 9am"): a regex finds candidate spans first (a
cheap gate runs before it), so dateparser — slow to import, milliseconds per call — runs
only on messages that hold such a date and never reads ordinary Chinese text ("三家",
"200套" stay numbers). Each span is parsed with `RELATIVE_BASE=now` (timezone-aware) and
`PREFER_DATES_FROM='future'`; then the conventions apply (no year → this year unless past;
"next Tuesday" = 下周二, "this Friday" = 这周五, bare "Friday" = 周五, "next week" = 下周,
"next month" = 下个月; a clock time only when one is said).
"""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from nlp.timeexpr import TimeExpr, add_months, monday, safe_date

__all__ = ["foreign_past", "foreign_times"]


_EN_MONTH = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
             r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_EN_WDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_WDAY_FULL = "|".join(_EN_WDAYS)
_EN_WDAY_ABBR = r"mon|tues?|wed|thu(?:rs?)?|fri|sat|sun"
_EN_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![0-9])"
_EN_YEAR = r"(?:,?\s*(?P<{}>(?:19|20)\d\d)(?![0-9]))"
_EN_CLOCK = (r"(?:(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?\s*[ap]\.?\s?m(?![A-Za-z])\.?"
             r"|(?:[01]?\d|2[0-3]):[0-5]\d(?![0-9])|noon|midnight)")
_EN_CLOCK_12 = (r"(?:(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?\s*[ap]\.?\s?m(?![A-Za-z])\.?"
                r"|noon|midnight)")
_FOREIGN_RE = re.compile(
    r"(?<![A-Za-z0-9])"
    rf"(?P<en_lead>{_EN_CLOCK}\s*(?:on\s+)?)?"
    r"(?:"
    rf"(?P<en_md>(?:(?:{_EN_WDAY_FULL}|{_EN_WDAY_ABBR})\.?,?\s+)?(?:{_EN_MONTH})\.?\s*{_EN_DAY}"
    rf"{_EN_YEAR.format('en_y1')}?)"
    rf"|(?P<en_dm>{_EN_DAY}\s*(?:of\s+)?(?:{_EN_MONTH})(?![A-Za-z])\.?{_EN_YEAR.format('en_y2')}?)"
    r"|(?P<en_num>(?<![0-9/.\-])\d{1,2}[/.\-]\d{1,2}[/.\-](?P<en_ny>(?:19|20)\d\d)(?![0-9]))"
    rf"|(?P<en_wd>(?:(?P<en_q>next|this|coming|on)\s+)?(?P<en_wdf>{_EN_WDAY_FULL})"
    rf"|(?P<en_q2>next|this|coming|on)\s+(?P<en_wda>{_EN_WDAY_ABBR})(?![A-Za-z])\.?)"
    r"|(?P<en_rel>(?:the\s+)?day\s+after\s+tomorrow|tomorrow|tmr|tonight|today"
    r"|next\s+week|next\s+month|in\s+\d{1,3}\s+(?:days?|weeks?)|\d{1,3}\s+(?:days?|weeks?)\s+later)"
    rf"|(?P<en_clock>{_EN_CLOCK_12})"     # 14:30 alone is the Chinese grammar's
    r")"
    rf"(?P<en_at>\s*,?\s*(?:at\s+|@\s*|from\s+)?{_EN_CLOCK})?"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# cheap gate: a Latin word, am/pm or a d/m/yyyy shape, before the full pattern runs
_FOREIGN_HINT = re.compile(r"[A-Za-z]{3}|\d\s*[ap]\.?\s?m|\d[/.\-]\d{1,2}[/.\-]\d")
_EN_CLOCK_SAID = re.compile(rf"(?i)(?<![A-Za-z0-9]){_EN_CLOCK}")
_EN_PAST_RE = re.compile(
    r"(?i)(?<![A-Za-z])(?:met|visited|called|phoned|had|was|were|did|went|sent|signed|talked|spoke|"
    r"last|ago|already|yesterday)(?![A-Za-z])"
)
_SENTENCE_RE = re.compile(r"[，,。；;！!？?\n\r]+")

_DP_LOCK = threading.Lock()
_DP: Any = None


def _dateparser() -> Any:
    """dateparser, imported on first use (it takes ~0.1-0.3 s and most messages never need it)."""
    global _DP
    if _DP is None:
        with _DP_LOCK:
            if _DP is None:
                import dateparser

                _DP = dateparser
    return _DP


def _utc_offset(now: datetime) -> str:
    off = now.utcoffset() or timedelta(0)
    mins = int(off.total_seconds() // 60)
    sign = "+" if mins >= 0 else "-"
    return f"{sign}{abs(mins) // 60:02d}:{abs(mins) % 60:02d}"


def _dateparse(span: str, now: datetime) -> datetime | None:
    """One candidate span through dateparser, resolved against the timezone-aware `now`."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone(timedelta(hours=8)))
    settings = {
        "RELATIVE_BASE": now,
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": _utc_offset(now),
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    try:
        dt = _dateparser().parse(span, languages=["en"], settings=settings)
    except Exception:   # a library error must not cost the message
        return None
    if not isinstance(dt, datetime):
        return None
    return dt.astimezone(now.tzinfo) if dt.tzinfo is not None else dt


def foreign_times(text: str, now: datetime,
                   taken: list[tuple[int, int]]) -> list[TimeExpr]:
    """English and numeric date/time spans that the Chinese grammar left alone."""
    if not _FOREIGN_HINT.search(text):
        return []
    out: list[TimeExpr] = []
    today = now.date()
    for m in _FOREIGN_RE.finditer(text):
        s, e = m.start(), m.end()
        if any(s < b and a < e for a, b in taken):
            continue
        span = m.group(0)
        dt = _dateparse(span, now)
        if dt is None:
            continue
        clock_said = bool(_EN_CLOCK_SAID.search(span))
        tm = dt.time().replace(tzinfo=None, second=0, microsecond=0) if clock_said else None
        if m.group("en_clock") is not None:        # a clock time alone: merged like 下午三点
            if tm is not None:
                out.append(TimeExpr(s, e, span, None, tm, kind="clock", foreign=True))
            continue
        d = dt.date()
        past = False
        rolled = False
        unrolled: date | None = None
        weak = False
        part: str | None = None
        if m.group("en_md") is not None or m.group("en_dm") is not None:
            if m.group("en_y1") is None and m.group("en_y2") is None:   # no year: M月D号 rule
                this_year = safe_date(today.year, d.month, d.day)
                if this_year is not None and this_year < today:
                    d, rolled, unrolled = date(today.year + 1, d.month, d.day), True, this_year
                elif this_year is not None:
                    d = this_year
            past = d < today
        elif m.group("en_num") is not None:
            past = d < today
        elif m.group("en_wd") is not None:
            wd = _EN_WEEKDAY.get((m.group("en_wdf") or m.group("en_wda") or "").lower()[:3])
            q = (m.group("en_q") or m.group("en_q2") or "").lower()
            if wd is None:
                continue
            if q == "next":                           # = 下周X
                d = monday(today) + timedelta(days=7 + wd)
            elif q == "this":                         # = 这周X
                d = monday(today) + timedelta(days=wd)
                past = d < today
            else:                                     # bare / on / coming = 周X
                d = today + timedelta(days=(wd - today.weekday()) % 7 or 7)
                rolled, unrolled = True, d - timedelta(days=7)
        else:
            word = re.sub(r"\s+", " ", m.group("en_rel").lower())
            if word == "next week":                   # = 下周: Monday of the next week
                d = monday(today) + timedelta(days=7)
            elif word == "next month":                # = 下个月: the 1st
                d = add_months(today.replace(day=1), 1)
            elif word == "today":
                weak = tm is None
            elif word == "tonight":
                part = "晚上"
                if tm is not None and tm.hour < 12:
                    tm = time(tm.hour + 12, tm.minute)
        out.append(TimeExpr(s, e, span, d, tm, part=part, past=past, weak=weak,
                            rolled=rolled, unrolled=unrolled, foreign=True))
    return out


_EN_WEEKDAY = {w[:3]: i for i, w in enumerate(_EN_WDAYS)}


def foreign_past(text: str, start: int, end: int) -> bool:
    """Does the English sentence around [start, end) tell of the past ('met', 'last')?"""
    return bool(_EN_PAST_RE.search(_sentence(text, start, end)))


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around a span (punctuation only: English words are not clauses)."""
    a = 0
    for m in _SENTENCE_RE.finditer(text, 0, start):
        a = m.end()
    m2 = _SENTENCE_RE.search(text, end)
    return text[a: m2.start() if m2 else len(text)]


