"""Dialog engine benchmark: the bot in-process on a demo database, one rep at a time.

    .venv/bin/python -m benchmarks.dialog [--rounds 60]
    .venv/bin/python -m benchmarks.dialog --postgres postgresql://postgres@127.0.0.1:5432/test

Per step of a follow-up, the time `Bot.handle` takes (median and p95 after a warm-up), the
SQL statements it runs and, on PostgreSQL, the round trips to the server (each BEGIN,
COMMIT, ROLLBACK, prepare and execute the driver sends, counted in asyncpg): a note → its
card; 「不对，是周三」 → the corrected card; a tap on 确认 → saved; 撤销 → taken back; a second
note while one waits → the question and the card. Adapters and the network are left out
(`benchmarks.chat` measures those).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bot.core import Bot
from bot.messages import ButtonPress, Card, ChatRef, Incoming, Reply
from crm_core.clock import FrozenClock
from crm_core.db import Database, migrate
from crm_core.demo import seed_demo
from crm_core.settings import Settings
from crm_core.uow import Actor, UnitOfWork

NOTES = ("下午见了鼓楼医院王主任，对融合器很感兴趣，下周二送样机过去",
         "刚给省人医李科长打了电话，周四去报价")
STEPS = ("note", "correction", "confirm", "undo", "second note")


ROUND_TRIPS = [0]


def count_round_trips(db: Database) -> None:
    """Count the messages this process sends to PostgreSQL that wait for an answer
    (measurement only): asyncpg writes one buffer per request (a simple query, a prepare,
    a bind-execute-sync), so each write to the socket is one round trip."""
    def wrap(dbapi_conn: Any, _record: Any) -> None:
        transport = dbapi_conn.driver_connection._transport
        write = transport.write

        def counted(data: Any) -> None:
            ROUND_TRIPS[0] += 1
            write(data)

        transport.write = counted

    event.listen(db.engine.sync_engine, "connect", wrap)


async def run(rounds: int, url: str, show: str | None = None
              ) -> dict[str, tuple[list[float], list[int], list[int], list[float]]]:
    migrate(url)
    db = Database(url)
    if db.dialect == "postgresql":
        count_round_trips(db)
    clock = FrozenClock(datetime(2026, 11, 23, 10, 15, tzinfo=ZoneInfo("Asia/Shanghai")))
    async with UnitOfWork(db, clock, Actor.system("demo")) as uow:
        await seed_demo(uow)
    bot = Bot(db, clock, Settings(_env_file=None, database_url=url))
    chat = ChatRef("console", "zhangwei", "zhangwei")
    statements = [0]
    shown: list[str] = []

    def counted(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        statements[0] += 1
        shown.append(" ".join(sql.split())[:300])

    event.listen(db.engine.sync_engine, "before_cursor_execute", counted)
    out: dict[str, tuple[list[float], list[int], list[int], list[float]]] = {
        s: ([], [], [], []) for s in STEPS}

    async def step(name: str, *, text: str = "", press: ButtonPress | None = None
                   ) -> list[Reply]:
        statements[0] = ROUND_TRIPS[0] = 0
        shown.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        replies = await bot.handle(Incoming(uuid.uuid4().hex, chat, clock.now(), text=text,
                                            pressed=press))
        out[name][0].append(time.perf_counter() - t0)
        out[name][3].append(time.process_time() - c0)
        out[name][1].append(statements[0])
        out[name][2].append(ROUND_TRIPS[0])
        if name == show and len(out[name][0]) == rounds:
            print(f"the statements of the last {name!r}:", *shown, sep="\n  ")
        return replies

    def confirm(replies: list[Reply]) -> ButtonPress:
        card = [r for r in replies if isinstance(r, Card) and r.title == "确认跟进记录"][-1]
        b = next(b for b in card.buttons if b.label == "确认")
        return ButtonPress(b.action, dict(b.args))

    try:
        for i in range(rounds):
            await step("note", text=NOTES[i % 2])
            replies = await step("correction", text="不对，是周三")
            await step("confirm", press=confirm(replies))
            await step("undo", text="撤销")
            await bot.handle(Incoming(uuid.uuid4().hex, chat, clock.now(), text=NOTES[0]))
            await step("second note", text=NOTES[1])
            for _ in range(2):
                await bot.handle(Incoming(uuid.uuid4().hex, chat, clock.now(), text="取消"))
    finally:
        await db.dispose()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=60)
    p.add_argument("--show", choices=STEPS, help="print the SQL of this step's last round")
    p.add_argument("--postgres", metavar="ADMIN_URL",
                   help="run on a fresh PostgreSQL database created through this admin URL")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            import psycopg

            name = f"crmbot_bench_dialog_{os.getpid()}"
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
            try:
                results = asyncio.run(run(args.rounds,
                                          args.postgres.rsplit("/", 1)[0] + "/" + name,
                                          args.show))
            finally:
                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            results = asyncio.run(run(args.rounds, f"sqlite:///{Path(tmp) / 'dialog.db'}",
                                      args.show))
    warm = max(args.rounds // 6, 1)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"dialog steps, {args.rounds} rounds (first {warm} left out), {backend}, in-process, "
          f"load average {os.getloadavg()[0]:.1f}")
    for name, (times, counts, trips, cpu) in results.items():
        t = sorted(times[warm:])
        p50, p95 = statistics.median(t) * 1000, t[int(len(t) * 0.95) - 1] * 1000
        line = (f"  {name:<12} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                f"CPU p50 {statistics.median(cpu[warm:]) * 1000:5.1f} ms  "
                f"{statistics.median(counts[warm:]):3.0f} SQL statements")
        if args.postgres:
            line += f"  {statistics.median(trips[warm:]):3.0f} round trips"
        print(line)


if __name__ == "__main__":
    main()
