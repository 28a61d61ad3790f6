"""From 1 December: remind the admins when next year's holiday calendar is missing."""

from __future__ import annotations

from datetime import datetime

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.services import holiday_calendar
from crm_core.settings import Settings
from scheduler.registry import daily_at, job
from scheduler.util import in_uow


@job("holiday_calendar_check", daily_at(at="09:30"),
     "remind admins in December when next year's holidays are missing")
async def holiday_calendar_check(db: Database, clock: Clock, settings: Settings,
                                 now: datetime) -> str:
    n = await in_uow(db, clock, holiday_calendar.remind_missing_calendar)
    return f"{n} reminders queued"
