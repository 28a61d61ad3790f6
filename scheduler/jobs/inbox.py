"""The inbox: forget platform callbacks handled days ago (their retries end within hours)."""

from __future__ import annotations

from datetime import datetime

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.services import inbox
from crm_core.settings import Settings
from scheduler.registry import daily_at, job


@job("inbox_prune", daily_at(at="03:40"),
     "forget stored platform callbacks handled more than 3 days ago")
async def inbox_prune(db: Database, _clock: Clock, _settings: Settings, now: datetime) -> str:
    return f"{await inbox.prune(db, now)} removed"
