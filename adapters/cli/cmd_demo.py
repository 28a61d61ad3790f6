"""`crmbot demo`: seed the demo company into an empty database."""

from __future__ import annotations

import argparse
from datetime import datetime

from adapters.cli._common import run, settings
from crm_core.clock import make_clock
from crm_core.db import Database, migrate
from crm_core.demo import is_empty, seed_demo
from crm_core.uow import Actor, UnitOfWork


async def ensure_demo(url: str, now_setting: datetime | None, tz: str) -> dict[str, int] | None:
    """Seed when the database has no users; None when it already had data."""
    db = Database(url)
    clock = make_clock(now_setting, tz)
    try:
        async with UnitOfWork(db, clock, Actor.system("demo")) as uow:
            if not await is_empty(uow):
                return None
            return await seed_demo(uow)
    finally:
        await db.dispose()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="seed demo data (a medical-device distributor) if empty")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    s = settings()
    migrate(s.database_url)
    counts = run(lambda: ensure_demo(s.database_url, s.now, s.timezone))
    if counts is None:
        print("数据库里已有数据，未重复生成演示数据。")
    else:
        print("已生成演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return 0
