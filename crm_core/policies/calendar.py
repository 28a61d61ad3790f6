"""Business time: working hours per tenant, Chinese public holidays and adjusted working days
(调休) from the `chinese_calendar` package — never `weekday()` alone.

Pure: a `BusinessCalendar` is a plain value built from configuration; every function takes the
instants it needs. The configuration (`ConfigEntry` key ``business_hours``) looks like::

    {"tz": "Asia/Shanghai",
     "hours": [["09:00", "12:00"], ["13:30", "18:00"]],
     "extra_holidays": ["2027-01-01"], "extra_workdays": ["2027-02-06"],
     "teams": {"3": {"hours": [["08:30", "17:30"]]}}}

Years that `chinese_calendar` does not know yet fall back to Monday–Friday plus the
configured extra holidays / working days (and a warning in the log, once per year).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

DEFAULT_HOURS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)),
                                                (time(13, 30), time(18, 0)))
_MAX_DAYS = 3660          # a deadline more than ten years of closed days away is a config error
_warned_years: set[int] = set()


@lru_cache(maxsize=8192)
def cn_is_workday(day: date) -> bool:
    """Chinese official working day: holidays off, 调休 weekend days on."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("chinese_calendar has no data for %s: using Monday-Friday "
                        "(add extra_holidays / extra_workdays to business_hours)", day.year)
        return day.weekday() < 5


def _parse_time(v: str | time) -> time:
    if isinstance(v, time):
        return v
    hh, _, mm = str(v).partition(":")
    return time(int(hh), int(mm or 0))


def _parse_hours(raw: Iterable[Iterable[str | time]] | None) -> tuple[tuple[time, time], ...]:
    if not raw:
        return DEFAULT_HOURS
    out: list[tuple[time, time]] = []
    for pair in raw:
        a, b = (_parse_time(x) for x in pair)
        if not a < b:
            raise ValueError(f"working window {a}–{b} is empty")
        out.append((a, b))
    out.sort()
    for (_, end), (start, _) in itertools.pairwise(out):
        if start < end:
            raise ValueError("working windows overlap")
    return tuple(out)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    hours: tuple[tuple[time, time], ...] = DEFAULT_HOURS
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None, team_id: int | None = None,
                    default_tz: str = "Asia/Shanghai") -> BusinessCalendar:
        cfg = dict(cfg or {})
        if team_id is not None:
            team_cfg = (cfg.get("teams") or {}).get(str(team_id))
            if team_cfg:
                cfg = {**cfg, **team_cfg}
        return cls(
            tz=ZoneInfo(cfg.get("tz") or default_tz),
            hours=_parse_hours(cfg.get("hours")),
            extra_holidays=frozenset(date.fromisoformat(d) for d in cfg.get("extra_holidays", ())),
            extra_workdays=frozenset(date.fromisoformat(d) for d in cfg.get("extra_workdays", ())),
        )

    # --- days -------------------------------------------------------------------------
    def is_workday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        return cn_is_workday(day)

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working windows of one local day, as aware instants (empty on a day off)."""
        if not self.is_workday(day):
            return []
        return [(datetime.combine(day, a, self.tz), datetime.combine(day, b, self.tz))
                for a, b in self.hours]

    def next_workday(self, day: date) -> date:
        d = day + timedelta(days=1)
        for _ in range(_MAX_DAYS):
            if self.is_workday(d):
                return d
            d += timedelta(days=1)
        raise ValueError("no working day within ten years")

    # --- instants ---------------------------------------------------------------------
    def is_open(self, at: datetime) -> bool:
        _aware(at)
        local = at.astimezone(self.tz)
        return any(a <= local < b for a, b in self.windows(local.date()))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when `duration` of working time has elapsed after `start`."""
        _aware(start)
        if duration < timedelta(0):
            raise ValueError("negative duration")
        local = start.astimezone(self.tz)
        remaining = duration
        day = local.date()
        for _ in range(_MAX_DAYS):
            for a, b in self.windows(day):
                if b <= local:
                    continue
                begin = max(a, local)
                room = b - begin
                if remaining <= room:
                    if remaining == timedelta(0):
                        return begin
                    return begin + remaining
                remaining -= room
            day += timedelta(days=1)
        raise ValueError("deadline more than ten years away: check the working hours")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants (zero when end <= start)."""
        _aware(start)
        _aware(end)
        if end <= start:
            return timedelta(0)
        s, e = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta(0)
        day = s.date()
        while day <= e.date():
            for a, b in self.windows(day):
                lo, hi = max(a, s), min(b, e)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def at_local(self, day: date, t: time) -> datetime:
        return datetime.combine(day, t, self.tz)


def _aware(dt: datetime) -> None:
    if dt.tzinfo is None:
        raise ValueError("naive datetime refused: every instant must be timezone-aware")
