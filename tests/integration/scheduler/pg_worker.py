"""A delivering process for the two-process tests: `python -m tests.integration.scheduler.
pg_worker URL OUT [sla]`. Delivers until nothing is due, writing each send to OUT."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import sqlalchemy.dialects.postgresql  # noqa: F401

from bot.addressing import BotPresenter
from bot.messages import ChatRef, Reply
from crm_core.clock import SystemClock
from crm_core.db import Database
from crm_core.settings import Settings
from scheduler.delivery import Deliverer, DeliveryConfig
from scheduler.ratelimit import RecipientBudget
from scheduler.runner import run_job


class FileSender:
    def __init__(self, path: Path) -> None:
        self.f = path.open("a", encoding="utf-8")

    async def send(self, to: ChatRef, reply: Reply, *,
                   delivery_key: str | None = None) -> str | None:
        await asyncio.sleep(0.001)
        self.f.write(f"{delivery_key}\n")
        self.f.flush()
        return None


async def main(url: str, out: str, mode: str) -> None:
    db = Database(url)
    clock = SystemClock()
    try:
        if mode == "sla":
            for _ in range(5):
                await run_job("sla_scan", db, clock, Settings(database_url=url))
            return
        # one recipient takes all 600+ messages: no per-member windows here (they are
        # tested in test_delivery.py), this is about two processes
        d = Deliverer(db, clock, {"wecom": FileSender(Path(out))}, presenter=BotPresenter(),
                      config=DeliveryConfig(batch_size=20, rates={"wecom": (5000.0, 100)}),
                      budget=RecipientBudget({}))
        idle = 0
        while idle < 3:
            stats = await d.run_once()
            idle = idle + 1 if not stats.claimed else 0
            if not stats.claimed:
                await asyncio.sleep(0.05)
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "deliver"))
