"""Periods people name when they ask for a report or an export: 本月, 上周, 近30天, 2026年3月,
2026-01-01~2026-03-31 … → (first day, last day, label). Pure: `today` is a parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date                   # inclusive
    label: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends before it starts")


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text in _CN_DIGITS:
        return _CN_DIGITS[text]
    m = re.fullmatch(r"([一二三四五六七八九])?十([一二三四五六七八九])?", text)
    if m:
        tens = _CN_DIGITS[m.group(1)] if m.group(1) else 1
        return tens * 10 + (_CN_DIGITS[m.group(2)] if m.group(2) else 0)
    return None


def _month(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def _quarter(year: int, q: int) -> tuple[date, date]:
    first, _ = _month(year, 3 * q - 2)
    _, last = _month(year, 3 * q)
    return first, last


_RANGE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s*(?:~|～|至|到|—|--)\s*"
                    r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})$")
_DAY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_YEAR_MONTH = re.compile(r"^(\d{4})(?:[-/.]|年)(\d{1,2})月?$")
_MONTH = re.compile(r"^(\d{1,2}|[一二三四五六七八九十]{1,3})月(?:份)?$")
_YEAR = re.compile(r"^(\d{4})年?$")
_RECENT = re.compile(r"^(?:近|最近|过去)(\d+|[一二三四五六七八九十两]{1,3})(天|日|周|个月|月)$")
_ALIASES = {"today": "今天", "yesterday": "昨天", "this-week": "本周", "last-week": "上周",
            "this-month": "本月", "last-month": "上月", "this-quarter": "本季度",
            "last-quarter": "上季度", "this-year": "今年", "last-year": "去年"}


def parse_period(text: str, today: date) -> Period | None:
    """The period a word names, or None when it names none."""
    t = _ALIASES.get(text.strip().lower(), text.strip())
    named = _named(t, today)
    if named is not None:
        return named
    m = _RANGE.match(t)
    if m:
        a, b = (_day(x) for x in m.groups())
        if a is None or b is None or b < a:
            return None
        return Period(a, b, f"{a.isoformat()}~{b.isoformat()}")
    day = _day(t)
    if day is not None:
        return Period(day, day, day.isoformat())
    m = _YEAR_MONTH.match(t)
    if m and 1 <= int(m.group(2)) <= 12:
        first, last = _month(int(m.group(1)), int(m.group(2)))
        return Period(first, last, f"{first.year}年{first.month}月")
    m = _MONTH.match(t)
    if m:
        month = _number(m.group(1))
        if month is None or not 1 <= month <= 12:
            return None
        year = today.year if month <= today.month else today.year - 1
        first, last = _month(year, month)
        return Period(first, last, f"{year}年{month}月")
    m = _YEAR.match(t)
    if m and 1990 <= int(m.group(1)) <= 2200:
        y = int(m.group(1))
        return Period(date(y, 1, 1), date(y, 12, 31), f"{y}年")
    m = _RECENT.match(t)
    if m:
        n = _number(m.group(1))
        if not n or n > 3660:
            return None
        days = {"天": n, "日": n, "周": 7 * n}.get(m.group(2), 30 * n)
        return Period(today - timedelta(days=days - 1), today, t)
    return None


def _day(text: str) -> date | None:
    m = _DAY.match(text.strip())
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _named(t: str, today: date) -> Period | None:
    monday = today - timedelta(days=today.weekday())
    q = (today.month - 1) // 3 + 1
    table: dict[str, tuple[date, date]] = {
        "今天": (today, today), "今日": (today, today),
        "昨天": (today - timedelta(days=1), today - timedelta(days=1)),
        "本周": (monday, monday + timedelta(days=6)), "这周": (monday, monday + timedelta(days=6)),
        "上周": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "本月": _month(today.year, today.month), "这个月": _month(today.year, today.month),
        "上月": _month(today.year - (today.month == 1), (today.month - 2) % 12 + 1),
        "本季度": _quarter(today.year, q), "本季": _quarter(today.year, q),
        "上季度": _quarter(today.year - (q == 1), (q - 2) % 4 + 1),
        "今年": (date(today.year, 1, 1), date(today.year, 12, 31)),
        "去年": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    table["上个月"] = table["上月"]
    table["本年"] = table["今年"]
    if t in table:
        first, last = table[t]
        return Period(first, last, t)
    return None
