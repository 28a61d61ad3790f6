"""Running one job once, recording its last run (`job_run`) and its watermark."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from crm_core.clock import Clock, FrozenClock
from crm_core.db import Database
from crm_core.models.sla import JobRun
from crm_core.settings import Settings
from scheduler.registry import get_job

log = logging.getLogger(__name__)


async def _upsert(db: Database, name: str, **values: Any) -> None:
    async with db.sessions() as s:
        row = await s.get(JobRun, name)
        if row is None:
            row = JobRun(name=name)
        for k, v in values.items():
            setattr(row, k, v)
        s.add(row)
        try:
            await s.commit()
        except IntegrityError:  # another instance inserted it first: update instead
            await s.rollback()
            await s.execute(sa.update(JobRun).where(col(JobRun.name) == name).values(**values))
            await s.commit()


async def get_watermark(db: Database, name: str) -> datetime | None:
    async with db.sessions() as s:
        row = await s.get(JobRun, name)
        return row.watermark if row else None


async def set_watermark(db: Database, name: str, at: datetime) -> None:
    await _upsert(db, name, watermark=at)


async def run_job(name: str, db: Database, clock: Clock, settings: Settings,
                  now: datetime | None = None) -> Any:
    """Run job `name` once as of `now` (default: the clock's now); raises on failure."""
    job = get_job(name)
    if job is None:
        raise KeyError(name)
    at = now or clock.now()
    frozen = FrozenClock(at, str(clock.tz))
    started = time.perf_counter()
    async with db.sessions() as s:
        row = await s.get(JobRun, name)
        runs = (row.runs if row else 0) + 1
    await _upsert(db, name, last_started_at=at, runs=runs)
    try:
        result = await job.func(db, frozen, settings, at)
    except Exception as e:
        log.exception("job %s failed", name)
        await _upsert(db, name, last_finished_at=clock.now(), last_status="error",
                      last_error=f"{type(e).__name__}: {e}"[:500])
        raise
    took = time.perf_counter() - started
    await _upsert(db, name, last_finished_at=clock.now(), last_status="ok", last_error=None,
                  last_result=f"{result} ({took:.2f}s)"[:500])
    log.info("job %s: %s (%.2fs)", name, result, took)
    return result


async def job_runs(db: Database) -> list[JobRun]:
    async with db.sessions() as s:
        return list((await s.execute(sa.select(JobRun).order_by(JobRun.name))).scalars())
