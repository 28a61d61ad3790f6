"""The admins' weekly accuracy digest (Mondays): how often reps corrected each field the bot
read from their notes last week (issue 13)."""

from __future__ import annotations

from datetime import datetime

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.services import accuracy
from crm_core.settings import Settings
from scheduler.registry import daily_at, job
from scheduler.util import in_uow


@job("admin_weekly_accuracy", daily_at("digest_time", day_of_week="mon"),
     "admin weekly accuracy digest (Mondays)")
async def admin_weekly_accuracy(db: Database, clock: Clock, settings: Settings,
                                now: datetime) -> str:
    n = await in_uow(db, clock, lambda uow: accuracy.queue_accuracy_digests(uow, now))
    return f"{n} accuracy digests queued"
