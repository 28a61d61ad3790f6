"""What running a note's later reading stages during its first statement saves, measured in
one process, the two ways alternating note by note (so that a machine that drifts moves
both alike).

    .venv/bin/python -m benchmarks.overlap [--notes 800]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

"overlapped" is the bot as it is (`bot.core.meanwhile`: the statement is sent, then the
later stages run, then its answer is taken); "in turn" awaits the statement first and reads
the rest after it, as the bot did before. `Bot.handle` of a typed note, the demo company on
a fresh PostgreSQL database, one rep, the caches warm (the first 40 notes left out); each
note is cancelled before the next.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import bot.core
from benchmarks import machine
from benchmarks.databases import fresh_database
from bot.core import Bot
from bot.messages import ChatRef, Incoming
from crm_core.clock import FrozenClock
from crm_core.db import Database, migrate
from crm_core.demo import seed_demo
from crm_core.settings import Settings
from crm_core.uow import Actor, UnitOfWork

T = TypeVar("T")
NOTES = ("下午见了鼓楼医院王主任，对融合器很感兴趣，下周二送样机过去",
         "刚给省人医李科长打了电话，周四去报价")
WARM = 40
OVERLAPPED = bot.core.meanwhile


async def in_turn(statement: Awaitable[T], work: Callable[[], object]) -> T:
    """The order before the overlap: the answer first, then the rest of the reading."""
    answer = await statement
    work()
    return answer


async def run(url: str, notes: int) -> dict[str, list[float]]:
    migrate(url)
    db = Database(url)
    clock = FrozenClock(datetime(2026, 11, 23, 10, 15, tzinfo=ZoneInfo("Asia/Shanghai")))
    async with UnitOfWork(db, clock, Actor.system("demo")) as uow:
        await seed_demo(uow)
    the_bot = Bot(db, clock, Settings(_env_file=None, database_url=url))
    chat = ChatRef("console", "zhangwei", "zhangwei")
    out: dict[str, list[float]] = {"overlapped": [], "in turn": []}
    try:
        for i in range(notes):
            way = "overlapped" if i % 2 == 0 else "in turn"
            bot.core.meanwhile = OVERLAPPED if way == "overlapped" else in_turn
            t0 = time.perf_counter()
            await the_bot.handle(Incoming(uuid.uuid4().hex, chat, clock.now(),
                                          text=NOTES[(i // 2) % 2]))
            if i >= WARM:
                out[way].append((time.perf_counter() - t0) * 1000)
            for _ in range(2):          # the draft and the question about it
                await the_bot.handle(Incoming(uuid.uuid4().hex, chat, clock.now(), text="取消"))
    finally:
        bot.core.meanwhile = OVERLAPPED
        await db.dispose()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--notes", type=int, default=800)
    p.add_argument("--postgres", metavar="ADMIN_URL",
                   default="postgresql://postgres@127.0.0.1:5432/test")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, cleanup = fresh_database(args.postgres, Path(tmp), "overlap")
        try:
            results = asyncio.run(run(url, args.notes))
        finally:
            cleanup()
    print(f"typed notes, PostgreSQL, in-process, {machine.describe()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    p50 = {k: statistics.median(v) for k, v in results.items()}
    for way, times in results.items():
        print(f"  {way:<10} p50 {p50[way]:.3f} ms  mean {statistics.mean(times):.3f} ms  "
              f"({len(times)} notes)")
    print(f"  overlapped saves {p50['in turn'] - p50['overlapped']:.3f} ms p50 a note")


if __name__ == "__main__":
    main()
