"""Digests for 500 reps (SQLite or PostgreSQL).

    .venv/bin/python benchmarks/digests.py [--backend postgres] [--reps 500]

Seeds 500 reps under 50 managers with 100 000 leads, 25 000 tasks, 10 000 customers and
deals, 20 000 stage moves, 30 000 follow-ups and 5 000 escalations, then times the jobs as the
scheduler runs them: rep morning digests, manager daily and weekly digests, the 18:00 daily
report prompts (with drafts from today's follow-ups) and the managers' summaries; then the
rendering of every manager card with its chart (done at delivery time).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.render import render_notification
from crm_core.clock import FrozenClock
from crm_core.db import Database, migrate
from crm_core.models import (
    Customer,
    Deal,
    FollowUp,
    Lead,
    OutboxMessage,
    Stage,
    StageHistory,
    Task,
    Team,
    User,
)
from crm_core.models.sla import Escalation
from crm_core.settings import Settings
from scheduler.runner import run_job

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=UTC) - timedelta(hours=8)   # Tue 08:30 Shanghai
STAGES = ("初步接洽", "需求确认", "方案演示", "合同谈判", "赢单", "输单")
CHANNELS = ("百度", "展会", "官网", "转介绍", "抖音", "学术会议")


def pg_fresh(name: str) -> str:
    import os

    import psycopg

    admin = os.environ.get("CRMBOT_BENCH_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/test")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return admin.rsplit("/", 1)[0] + f"/{name}"


def T(model: Any) -> sa.Table:
    return model.__table__  # type: ignore[no-any-return]


async def seed(db: Database, reps: int, rng: random.Random) -> None:
    async with db.engine.begin() as c:
        await c.execute(sa.insert(T(User)), [{"id": 1, "login": "dir", "name": "总监",
                                              "role": "director", "active": True,
                                              "max_open_leads": 60, "max_daily_leads": 15}])
        n_mgr = max(1, reps // 10)
        await c.execute(sa.insert(T(User)), [
            {"id": 2 + i, "login": f"m{i}", "name": f"经理{i}", "role": "manager",
             "manager_id": 1, "active": True, "max_open_leads": 60, "max_daily_leads": 15}
            for i in range(n_mgr)])
        await c.execute(sa.insert(T(Team)), [
            {"id": 1 + i, "name": f"组{i}", "manager_id": 2 + i, "strategy": "round_robin",
             "product_lines": [], "settings": {}} for i in range(n_mgr)])
        rep0 = 2 + n_mgr
        await c.execute(sa.insert(T(User)), [
            {"id": rep0 + i, "login": f"r{i}", "name": f"销售{i}", "role": "rep",
             "manager_id": 2 + i % n_mgr, "team_id": 1 + i % n_mgr, "active": True,
             "max_open_leads": rng.choice((40, 60, 80)), "max_daily_leads": 15}
            for i in range(reps)])
        rep_ids = [rep0 + i for i in range(reps)]
        await c.execute(sa.insert(T(Stage)), [
            {"id": i + 1, "name": n, "sequence": 10 * (i + 1), "is_won": n == "赢单",
             "is_lost": n == "输单", "allowed_next": [], "requirements": {}, "active": True}
            for i, n in enumerate(STAGES)])

        def ts(days: float) -> datetime:
            return NOW - timedelta(days=days)

        await c.execute(sa.insert(T(Customer)), [
            {"id": i + 1, "name": f"客户{i}", "kind": "hospital", "owner_id": rng.choice(rep_ids),
             "province": "江苏" if i % 2 else None, "city": "南京" if i % 3 else None,
             "grade": "三甲" if i % 5 == 0 else None, "aliases": [],
             "last_activity_at": ts(rng.uniform(0, 60))} for i in range(10_000)])
        leads = []
        for i in range(100_000):
            created = ts(rng.uniform(0, 30))
            contacted = created + timedelta(hours=rng.uniform(1, 120)) if i % 4 else None
            leads.append({"id": i + 1, "status": rng.choice(("assigned", "contacted", "qualified",
                                                             "converted", "dropped")),
                          "owner_id": rng.choice(rep_ids), "source_channel": rng.choice(CHANNELS),
                          "raw_payload": {}, "invalid_reasons": [], "score": 50,
                          "score_reasons": [], "in_pool": False, "created_at": created,
                          "assigned_at": created, "first_contacted_at": contacted,
                          "company": f"公司{i}"})
        await c.execute(sa.insert(T(Lead)), leads)
        await c.execute(sa.insert(T(Deal)), [
            {"id": i + 1, "name": f"商机{i}", "customer_id": rng.randint(1, 10_000),
             "lead_id": rng.randint(1, 100_000), "owner_id": rng.choice(rep_ids),
             "stage_id": rng.randint(1, 6), "amount": rng.uniform(1e4, 1e6), "products": [],
             "fields": {}, "created_at": ts(rng.uniform(0, 60)),
             "closed_at": ts(rng.uniform(0, 30)) if i % 3 == 0 else None,
             "expected_close": (NOW + timedelta(days=rng.randint(-3, 10))).date()}
            for i in range(10_000)])
        await c.execute(sa.insert(T(StageHistory)), [
            {"deal_id": rng.randint(1, 10_000), "to_stage_id": rng.randint(1, 6),
             "moved_at": ts(rng.uniform(0, 8)), "compliant": rng.random() < 0.8,
             "override": False} for _ in range(20_000)])
        await c.execute(sa.insert(T(Task)), [
            {"owner_id": rng.choice(rep_ids), "title": f"回访{i}", "kind": "next_action",
             "due_at": NOW + timedelta(hours=rng.uniform(-48, 48)), "has_time": True,
             "status": "open"} for i in range(25_000)])
        await c.execute(sa.insert(T(FollowUp)), [
            {"owner_id": rng.choice(rep_ids), "customer_id": rng.randint(1, 10_000),
             "summary": f"拜访客户，沟通方案{i}", "next_action": "发报价", "products": [],
             "source": "chat", "occurred_at": NOW + timedelta(hours=rng.uniform(0, 9)),
             "created_at": NOW} for i in range(30_000)])
        await c.execute(sa.insert(T(Escalation)), [
            {"key": f"k{i}", "rule": "first_contact", "subject_id": i,
             "owner_id": rng.choice(rep_ids),
             "level": rng.randint(1, 3), "started_at": ts(3), "deadline_at": ts(2),
             "fired_at": ts(rng.uniform(0, 7))} for i in range(5_000)])


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--reps", type=int, default=500)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    if a.backend == "sqlite":
        url = f"sqlite:///{tmp / 'digests.db'}"
    else:
        url = pg_fresh("crmbot_bench_digests")
    migrate(url)
    db = Database(url)
    settings = Settings(database_url=url)
    clock = FrozenClock(NOW)
    try:
        t = time.perf_counter()
        await seed(db, a.reps, random.Random(7))
        print(f"[{a.backend}] seeded {a.reps} reps, 100k leads, 25k tasks, 10k deals, 20k moves,"
              f" 30k follow-ups in {time.perf_counter() - t:.1f}s")
        total = 0.0
        evening = NOW + timedelta(hours=9, minutes=30)              # 18:00 Shanghai
        for name, at in (("rep_digest", NOW), ("manager_daily_digest", NOW),
                         ("manager_weekly_digest", NOW), ("daily_report_prompt", evening),
                         ("daily_report_summary", evening + timedelta(hours=2))):
            t = time.perf_counter()
            res = await run_job(name, db, clock, settings, at)
            took = time.perf_counter() - t
            total += took
            print(f"[{a.backend}] {name:<22} {took:6.2f} s  {res}")
        print(f"[{a.backend}] all digest jobs for {a.reps} reps: {total:.2f} s "
              f"(target ≤ 10 s: {'OK' if total <= 10 else 'OVER'})")
        async with db.sessions() as s:
            rows = (await s.execute(sa.select(OutboxMessage.payload).where(
                OutboxMessage.kind == "digest.manager"))).scalars().all()
        t = time.perf_counter()
        for p in rows:
            render_notification("digest.manager", p)
        took = time.perf_counter() - t
        print(f"[{a.backend}] rendered {len(rows)} manager cards with charts (PNG) in "
              f"{took:.2f} s ({took / max(1, len(rows)) * 1000:.0f} ms each, at delivery)")
    finally:
        await db.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
