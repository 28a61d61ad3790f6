"""Drafts: remind each author once before an unconfirmed note expires; expire old drafts."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.services import drafts
from crm_core.settings import Settings
from scheduler.registry import every, job
from scheduler.util import in_uow


@job("draft_reminders", every(minutes=5),
     "remind authors of unconfirmed notes before they expire; expire old drafts")
async def draft_reminders(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    before = timedelta(hours=settings.draft_remind_hours)
    sent = await in_uow(db, clock, lambda uow: drafts.remind_drafts(uow, now, before))
    idle = timedelta(minutes=settings.dialog_ttl_minutes) * 4
    expired = await in_uow(db, clock, lambda uow: drafts.expire_drafts(uow, now, idle))
    return f"{sent} reminders, {expired} expired"
