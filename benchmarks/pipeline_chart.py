"""/漏斗 chart benchmark: aggregate 10 000 deals on SQLite and render the PNG.

    .venv/bin/python benchmarks/pipeline_chart.py [--deals 10000] [--runs 20]

Measures, on a migrated SQLite file holding `--deals` deals over 6 stages and 12 reps:
the query (`pipeline_by_stage` as an admin), the render (`pipeline_chart`), and both together
(what `/漏斗` does), as median and p95 after one warm-up call; the first call (font loading)
is reported separately. Target: ≤ 300 ms for 10 000 deals.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.render.charts import Bar, pipeline_chart  # noqa: E402
from crm_core.clock import FrozenClock  # noqa: E402
from crm_core.db import Database, migrate  # noqa: E402
from crm_core.models import Customer, Deal, Stage, User  # noqa: E402
from crm_core.services.team import pipeline_by_stage  # noqa: E402
from crm_core.uow import UnitOfWork  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
STAGES = [("初步接触", 10, False, False), ("需求确认", 20, False, False),
          ("方案演示", 30, False, False), ("合同谈判", 40, False, False),
          ("赢单", 50, True, False), ("输单", 60, False, True)]


async def seed(db: Database, n: int) -> User:
    rng = random.Random(7)
    clock = FrozenClock(NOW)
    async with UnitOfWork(db, clock) as uow:
        admin = User(login="admin", name="管理员", role="admin")
        uow.add(admin)
        reps = [User(login=f"rep{i}", name=f"销售{i}") for i in range(12)]
        for r in reps:
            uow.add(r)
        stages = [Stage(name=a, sequence=b, is_won=c, is_lost=d) for a, b, c, d in STAGES]
        for s in stages:
            uow.add(s)
        await uow.flush()
        customers = [Customer(name=f"客户{i}", owner_id=rng.choice(reps).id) for i in range(500)]
        for c in customers:
            uow.add(c)
        await uow.flush()
        rows = [{"name": f"商机{i}", "customer_id": rng.choice(customers).id,
                 "owner_id": rng.choice(reps).id, "stage_id": rng.choice(stages).id,
                 "amount": float(rng.randint(1, 200) * 5000), "products": [], "fields": {},
                 "created_at": NOW - timedelta(days=rng.randint(1, 300))} for i in range(n)]
        conn = await uow.session.connection()
        await conn.execute(Deal.__table__.insert(), rows)  # type: ignore[attr-defined]
        await uow.commit()
    return admin


async def main(deals: int, runs: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        db = Database(url)
        admin = await seed(db, deals)
        clock = FrozenClock(NOW)

        async def once() -> tuple[float, float, int]:
            t0 = time.perf_counter()
            async with UnitOfWork(db, clock) as uow:
                buckets = await pipeline_by_stage(uow, admin)
            t1 = time.perf_counter()
            bars = [Bar(b.name, b.deals, b.amount,
                        "won" if b.is_won else "lost" if b.is_lost else "open") for b in buckets]
            png = pipeline_chart(bars)
            t2 = time.perf_counter()
            assert sum(b.deals for b in buckets) == deals
            return (t1 - t0) * 1000, (t2 - t1) * 1000, len(png)

        q0, r0, size = await once()
        samples = [await once() for _ in range(runs)]
        await db.dispose()
    q = [s[0] for s in samples]
    r = [s[1] for s in samples]
    tot = sorted(a + b for a, b, _ in samples)
    p95 = tot[max(0, round(0.95 * len(tot)) - 1)]
    print(f"deals={deals} runs={runs} png={size} bytes")
    print(f"first call (font load): query {q0:.1f} ms + render {r0:.1f} ms")
    print(f"query  median {statistics.median(q):.1f} ms")
    print(f"render median {statistics.median(r):.1f} ms")
    print(f"total  median {statistics.median(tot):.1f} ms, p95 {p95:.1f} ms (target ≤ 300 ms)")
    return 0 if p95 <= 300 else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    sys.exit(asyncio.run(main(a.deals, a.runs)))
