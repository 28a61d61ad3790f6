"""The tenant's holiday table: breaks (放假) and adjusted working days (调休) that override the
`chinese_calendar` package — one source of truth for the SLA business calendar and for
reading dates in notes ("节后", "元旦后"). Pure.

Stored as ConfigEntry ``holidays``::

    {"breaks": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}, …],
     "workdays": ["2027-02-06", …]}

Refused with the reason (the old table kept): a date that is not one, a break that ends
before it starts or lasts more than a month, two breaks that overlap, a working day inside a
break, a name missing or longer than 12 characters.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import chinese_calendar

KEY = "holidays"
MAX_BREAK_DAYS = 31


@dataclass(frozen=True, slots=True)
class Break:
    name: str
    start: date
    end: date

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True, slots=True)
class HolidayTable:
    breaks: tuple[Break, ...] = ()
    workdays: tuple[date, ...] = ()

    def off_days(self) -> list[date]:
        return [d for b in self.breaks for d in b.days()]

    def years(self) -> set[int]:
        return {b.start.year for b in self.breaks} | {b.end.year for b in self.breaks} | \
            {d.year for d in self.workdays}

    def to_json(self) -> dict[str, Any]:
        return {"breaks": [{"name": b.name, "start": b.start.isoformat(),
                            "end": b.end.isoformat()} for b in self.breaks],
                "workdays": [d.isoformat() for d in self.workdays]}

    def calendar_config(self) -> dict[str, list[str]]:
        """What `BusinessCalendar.from_config` reads."""
        return {"extra_holidays": [d.isoformat() for d in self.off_days()],
                "extra_workdays": [d.isoformat() for d in self.workdays]}


def _day(v: Any, errors: list[str]) -> date | None:
    try:
        return date.fromisoformat(str(v).strip())
    except ValueError:
        errors.append(f"「{v}」不是日期，要写成 2027-01-01")
        return None


def parse_table(raw: Mapping[str, Any] | None) -> tuple[HolidayTable, list[str]]:
    """(the table, problems in Chinese); a table with problems must not be stored."""
    errors: list[str] = []
    raw = raw or {}
    breaks: list[Break] = []
    for item in raw.get("breaks") or ():
        name = str((item or {}).get("name") or "").strip()
        start, end = _day(item.get("start"), errors), _day(item.get("end") or item.get("start"),
                                                           errors)
        if not name or len(name) > 12:
            errors.append("每个假期要有名称（1~12 个字）")
        if start is None or end is None:
            continue
        if end < start:
            errors.append(f"「{name}」结束 {end} 早于开始 {start}")
            continue
        if (end - start).days >= MAX_BREAK_DAYS:
            errors.append(f"「{name}」超过 {MAX_BREAK_DAYS} 天，请检查日期")
            continue
        breaks.append(Break(name, start, end))
    breaks.sort(key=lambda b: b.start)
    for a, b in itertools.pairwise(breaks):
        if b.start <= a.end:
            errors.append(f"「{a.name}」({a.start}~{a.end}) 和「{b.name}」"
                          f"({b.start}~{b.end}) 日期重叠")
    workdays: list[date] = []
    for v in raw.get("workdays") or ():
        d = _day(v, errors)
        if d is None:
            continue
        inside = next((b for b in breaks if b.start <= d <= b.end), None)
        if inside is not None:
            errors.append(f"调休上班日 {d} 在「{inside.name}」假期里")
        elif d not in workdays:
            workdays.append(d)
    return HolidayTable(tuple(breaks), tuple(sorted(workdays))), errors


def library_knows(year: int) -> bool:
    """Whether `chinese_calendar` has the official calendar of `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def year_missing(year: int, table: HolidayTable) -> bool:
    """Neither the library nor the tenant's table covers `year`."""
    return not library_knows(year) and year not in table.years()


def words(table: HolidayTable, years: Iterable[int] | None = None) -> list[str]:
    """The table in short lines for /管理."""
    keep = set(years) if years is not None else None
    lines = [f"• {b.name}：{b.start:%Y-%m-%d}~{b.end:%m-%d}" for b in table.breaks
             if keep is None or b.start.year in keep]
    work = [f"{d:%Y-%m-%d}" for d in table.workdays if keep is None or d.year in keep]
    if work:
        lines.append("调休上班：" + "、".join(work))
    return lines
