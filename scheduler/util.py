"""Small helpers shared by the jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.policies.calendar import BusinessCalendar
from crm_core.services.catalog import calendar_config
from crm_core.uow import UnitOfWork

# watermarks look back this far: a transaction that committed late is still seen
OVERLAP = timedelta(minutes=10)


async def in_uow(db: Database, clock: Clock, fn: Callable[[UnitOfWork], Awaitable[Any]]) -> Any:
    """Run `fn(uow)` in one unit of work and commit (unless `fn` committed already)."""
    async with UnitOfWork(db, clock) as uow:
        result = await fn(uow)
        if not uow.committed:
            await uow.commit()
        return result


async def is_workday(db: Database, clock: Clock, now: datetime) -> bool:
    async def check(uow: UnitOfWork) -> bool:
        cfg = await calendar_config(uow)
        cal = BusinessCalendar.from_config(cfg, default_tz=str(clock.tz))
        return cal.is_workday(now.astimezone(cal.tz).date())

    return bool(await in_uow(db, clock, check))
