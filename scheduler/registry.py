"""The job registry: name → async function(db, clock, settings, now) + trigger.

Each module of `scheduler.jobs` registers its job(s) with `@job(...)`; importing the
`scheduler` package loads them all (`scheduler/jobs/__init__.py`), so the registry itself
imports no job. A job is thin and
idempotent: it opens units of work, calls crm_core services, and keeps its state in the
database (dedupe keys, clocks, watermarks), so a re-run, a misfire or a second instance adds
nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.settings import Settings

JobFunc = Callable[[Database, Clock, Settings, datetime], Awaitable[Any]]
TriggerFactory = Callable[[Settings], BaseTrigger]


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    func: JobFunc
    trigger: TriggerFactory
    schedule: str                   # human-readable, for `crmbot jobs list`
    help: str


_JOBS: dict[str, Job] = {}
_loaded = False


def every(*, seconds: int = 0, minutes: int = 0) -> tuple[TriggerFactory, str]:
    def make(settings: Settings) -> BaseTrigger:
        return IntervalTrigger(seconds=seconds, minutes=minutes, timezone=settings.timezone)

    return make, f"every {minutes}m{seconds}s" if minutes else f"every {seconds}s"


def daily_at(setting: str | None = None, *, at: str = "00:00",
             day_of_week: str = "*") -> tuple[TriggerFactory, str]:
    """Cron at a local time, from a `Settings` field name ("18:00") or a fixed time."""

    def make(settings: Settings) -> BaseTrigger:
        hh, _, mm = str(getattr(settings, setting) if setting else at).partition(":")
        return CronTrigger(hour=int(hh), minute=int(mm or 0), day_of_week=day_of_week,
                           timezone=settings.timezone)

    label = f"{setting or at}" + ("" if day_of_week == "*" else f" ({day_of_week})")
    return make, f"daily at {label}"


def job(name: str, schedule: tuple[TriggerFactory, str], help: str = ""
        ) -> Callable[[JobFunc], JobFunc]:
    def deco(fn: JobFunc) -> JobFunc:
        if name in _JOBS and _JOBS[name].func is not fn:
            raise ValueError(f"duplicate job {name}")
        _JOBS[name] = Job(name, fn, schedule[0], schedule[1],
                          help or (fn.__doc__ or "").strip().splitlines()[0])
        return fn

    return deco


def register(name: str, fn: JobFunc, schedule: tuple[TriggerFactory, str], help: str) -> None:
    _JOBS[name] = Job(name, fn, schedule[0], schedule[1], help)


def all_jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda j: j.name)


def get_job(name: str) -> Job | None:
    return _JOBS.get(name)
