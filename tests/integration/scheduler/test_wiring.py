"""`start_scheduler` inside an event loop: jobs registered, the delivery loop delivers."""

from __future__ import annotations

import asyncio

from bot.addressing import BotPresenter
from bot.messages import Text
from bot.ports import RecordingSender
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork
from scheduler import build, start_scheduler
from tests.integration.scheduler.conftest import People


async def test_start_deliver_stop(sched_db: Database, frozen: FrozenClock,
                                  people: People) -> None:
    settings = Settings(database_url=sched_db.url, outbox_poll_seconds=0.05)
    sched = build(sched_db, frozen, settings)
    names = {j.id for j in sched.get_jobs()}
    assert {"sla_sync", "sla_scan", "task_reminders", "rep_digest", "manager_daily_digest",
            "daily_report_prompt", "daily_report_summary"} <= names
    sender = RecordingSender()
    stop = await start_scheduler(sched_db, frozen, settings, {"wecom": sender}, BotPresenter())
    try:
        async with UnitOfWork(sched_db, frozen) as uow:
            uow.notify("x", people.rep.id, {"text": "你好"}, "hello")
            await uow.commit()
        for _ in range(100):
            if sender.sent:
                break
            await asyncio.sleep(0.05)
    finally:
        await stop()
    assert [r for _, r in sender.sent] == [Text("你好")]
