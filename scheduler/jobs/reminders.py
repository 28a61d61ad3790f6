"""Next-action reminders: a lead time before the due time, and at the due time."""

from __future__ import annotations

from datetime import datetime

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.services import sla
from crm_core.settings import Settings
from scheduler.registry import every, job
from scheduler.runner import get_watermark, set_watermark
from scheduler.util import OVERLAP, in_uow


@job("task_reminders", every(minutes=1), "remind reps of next actions (before and at due time)")
async def task_reminders(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    last = await get_watermark(db, "task_reminders")
    res = await in_uow(db, clock, lambda uow: sla.send_task_reminders(
        uow, last - OVERLAP if last else None))
    await set_watermark(db, "task_reminders", now)
    return f"{res.before} reminders, {res.due} due notices"
