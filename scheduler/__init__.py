"""Scheduled jobs and the outbox delivery loop, started inside `crmbot serve`.

    stop = await start_scheduler(db, clock, settings, senders, BotPresenter())
    ...
    await stop()

`build()` returns the `AsyncIOScheduler` with every registered job (scheduler/jobs/*), each
with `max_instances=1`, `coalesce=True` and a misfire grace time; the delivery loop is a plain
asyncio task next to it. All state lives in the database, so two instances may run side by
side (see docs/delivery.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

import scheduler.jobs  # noqa: F401  (every job registers itself on import)
from bot.ports import Presenter, Sender
from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.settings import Settings
from scheduler.delivery import Deliverer, DeliveryConfig
from scheduler.ratelimit import parse_rates
from scheduler.registry import all_jobs
from scheduler.runner import run_job

log = logging.getLogger(__name__)
Stopper = Callable[[], Awaitable[None]]


def build(db: Database, clock: Clock, settings: Settings) -> AsyncIOScheduler:
    sched = AsyncIOScheduler(timezone=settings.timezone, job_defaults={
        "max_instances": 1, "coalesce": True, "misfire_grace_time": 300,
    })

    def runner(name: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            with contextlib.suppress(Exception):   # logged and recorded in job_run
                await run_job(name, db, clock, settings)

        return run

    for j in all_jobs():
        sched.add_job(runner(j.name), trigger=j.trigger(settings), id=j.name, name=j.name,
                      replace_existing=True)
    return sched


def delivery_config(settings: Settings) -> DeliveryConfig:
    """From the settings; per-platform rates from `CRMBOT_OUTBOX_RATES`
    ("wecom=20/20,feishu=40": messages per second / burst)."""
    rates: Any = settings.outbox_rates
    return DeliveryConfig(max_attempts=settings.outbox_max_attempts,
                          rates=parse_rates(rates) if isinstance(rates, str) else dict(rates))


async def start_scheduler(db: Database, clock: Clock, settings: Settings,
                          senders: Mapping[str, Sender], presenter: Presenter) -> Stopper:
    """Start the jobs and the delivery loop; returns the coroutine function that stops them."""
    sched = build(db, clock, settings)
    sched.start()
    deliverer = Deliverer(db, clock, senders, presenter=presenter,
                          config=delivery_config(settings))
    task = asyncio.create_task(deliverer.run_forever(settings.outbox_poll_seconds),
                               name="outbox-delivery")
    log.info("scheduler started: %d jobs, delivery via %s", len(sched.get_jobs()),
             ", ".join(sorted(senders)) or "no senders")

    async def stop() -> None:
        sched.shutdown(wait=False)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        log.info("scheduler stopped")

    return stop


__all__ = ["Stopper", "build", "start_scheduler"]
