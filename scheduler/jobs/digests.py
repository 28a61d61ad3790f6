"""Morning digests: reps every working day; managers daily and weekly (Monday)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.services import digests, kpi
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork
from scheduler.registry import daily_at, job
from scheduler.util import in_uow, is_workday

Queue = Callable[[UnitOfWork], Awaitable[int]]


async def _queued(db: Database, clock: Clock, queue: Queue, what: str) -> str:
    return f"{await in_uow(db, clock, queue)} {what} queued"


async def _on_workdays(db: Database, clock: Clock, now: datetime, queue: Queue,
                       what: str) -> str:
    if not await is_workday(db, clock, now):
        return "not a working day"
    return await _queued(db, clock, queue, what)


@job("rep_digest", daily_at("digest_time"), "rep morning digest (working days)")
async def rep_digest(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    return await _on_workdays(db, clock, now, lambda uow: digests.queue_rep_digests(uow, now),
                              "rep digests")


@job("manager_daily_digest", daily_at("digest_time"), "manager daily digest (working days)")
async def manager_daily(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    return await _on_workdays(
        db, clock, now, lambda uow: digests.queue_manager_digests(uow, now, "daily"),
        "manager digests")


@job("manager_weekly_digest", daily_at("digest_time", day_of_week="mon"),
     "manager weekly digest (Mondays)")
async def manager_weekly(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    return await _queued(db, clock,
                         lambda uow: digests.queue_manager_digests(uow, now, "weekly"),
                         "weekly digests")


@job("leader_daily_digest", daily_at("digest_time"),
     "director and admins: the KPI board of the last day (working days)")
async def leader_daily(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    return await _on_workdays(db, clock, now,
                              lambda uow: kpi.queue_leader_digests(uow, now, "daily"),
                              "KPI digests")


@job("leader_weekly_digest", daily_at("digest_time", day_of_week="mon"),
     "director and admins: the KPI board of the last week (Mondays)")
async def leader_weekly(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    return await _queued(db, clock, lambda uow: kpi.queue_leader_digests(uow, now, "weekly"),
                         "KPI digests")
