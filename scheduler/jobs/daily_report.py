"""The daily report: the prompt at `daily_report_time`, the managers' summary two hours on."""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.services import digests
from crm_core.settings import Settings
from scheduler.registry import TriggerFactory, daily_at, job
from scheduler.util import in_uow, is_workday

SUMMARY_AFTER = timedelta(hours=2)


def _summary_trigger(settings: Settings) -> BaseTrigger:
    hh, _, mm = settings.daily_report_time.partition(":")
    t = datetime(2000, 1, 1, int(hh), int(mm or 0)) + SUMMARY_AFTER  # noqa: DTZ001 (a time of day)
    return CronTrigger(hour=t.hour, minute=t.minute, timezone=settings.timezone)


SUMMARY: tuple[TriggerFactory, str] = (_summary_trigger, "daily at daily_report_time + 2h")


@job("daily_report_prompt", daily_at("daily_report_time"),
     "ask each rep for today's report (working days)")
async def prompt(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    if not await is_workday(db, clock, now):
        return "not a working day"
    n = await in_uow(db, clock, lambda uow: digests.queue_daily_report_prompts(uow, now))
    return f"{n} prompts queued"


@job("daily_report_summary", SUMMARY, "send managers the reports and the non-responders")
async def summary(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    if not await is_workday(db, clock, now):
        return "not a working day"
    n = await in_uow(db, clock, lambda uow: digests.queue_daily_report_summaries(uow, now))
    return f"{n} summaries queued"
