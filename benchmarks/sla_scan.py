"""SLA scan over 1 000 000 open leads (SQLite and PostgreSQL).

    .venv/bin/python benchmarks/sla_scan.py                      # SQLite, 1 000 000 leads
    .venv/bin/python benchmarks/sla_scan.py --backend postgres   # crmbot_bench_sla on :5432
    .venv/bin/python benchmarks/sla_scan.py --leads 100000 --due 500

Seeds N open, assigned, never-contacted leads with their `sla_clock` rows (server-side
generation: a recursive CTE / generate_series), of which `--due` are past their deadlines.
Measures:
- the due query alone (`WHERE next_at <= now ORDER BY next_at LIMIT 500`, index range scan),
- the `sla_scan` job firing every due level once (3 levels × due leads → escalations and
  one alert card per recipient — issue 15), and
- the steady-state `sla_scan` (nothing due: what runs every minute).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql

from crm_core.clock import FrozenClock
from crm_core.db import Database, migrate
from crm_core.models import OutboxMessage, User
from crm_core.models.sla import Escalation
from crm_core.services import sla
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork
from scheduler.runner import run_job

PG_ADMIN = os.environ.get("CRMBOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _fmt(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def pg_fresh(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


async def seed_people(db: Database, reps: int) -> tuple[int, int]:
    async with db.sessions() as s:
        director = User(login="director", name="总监", role="director")
        s.add(director)
        await s.flush()
        managers = [User(login=f"m{i}", name=f"经理{i}", role="manager", manager_id=director.id)
                    for i in range(max(1, reps // 10))]
        s.add_all(managers)
        await s.flush()
        rows = [User(login=f"r{i}", name=f"销售{i}", role="rep",
                     manager_id=managers[i % len(managers)].id) for i in range(reps)]
        s.add_all(rows)
        await s.commit()
        ids = sorted(r.id for r in rows if r.id is not None)
        return ids[0], len(ids)


async def seed_leads(db: Database, n: int, due: int, now: datetime, rep0: int, reps: int) -> None:
    old = now - timedelta(days=10)
    recent = now - timedelta(minutes=30)
    params = {"n": n, "due": due, "rep0": rep0, "reps": reps}
    async with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            params |= {"old": _fmt(old), "recent": _fmt(recent),
                       "past_next": _fmt(old + timedelta(days=1))}
            seq = ("WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq "
                   "WHERE x < :n) ")
            await conn.execute(sa.text(
                seq + "INSERT INTO lead (id, status, source_channel, raw_payload, invalid_reasons,"
                " score, score_reasons, in_pool, owner_id, company, assigned_at, created_at)"
                " SELECT x, 'assigned', 'web', '{}', '[]', 50, '[]', 0, :rep0 + (x % :reps),"
                " 'c' || x, CASE WHEN x <= :due THEN :old ELSE :recent END,"
                " CASE WHEN x <= :due THEN :old ELSE :recent END FROM seq"), params)
            await conn.execute(sa.text(
                seq + "INSERT INTO sla_clock (rule, subject_id, lead_id, owner_id, started_at,"
                " next_at, level, updated_at)"
                " SELECT 'first_contact', x, x, :rep0 + (x % :reps),"
                " CASE WHEN x <= :due THEN :old ELSE :recent END,"
                " CASE WHEN x <= :due THEN :past_next ELSE"
                "  strftime('%Y-%m-%d %H:%M:%S', :recent, '+' || (60 + x % 600) || ' minutes')"
                "  || '.000000' END, 0, :recent FROM seq"), params)
        else:
            params |= {"old": old, "recent": recent, "past_next": old + timedelta(days=1)}
            o, r, p = ("CAST(:old AS timestamptz)", "CAST(:recent AS timestamptz)",
                       "CAST(:past_next AS timestamptz)")
            anchor = f"CASE WHEN x <= :due THEN {o} ELSE {r} END"
            await conn.execute(sa.text(
                "INSERT INTO lead (id, status, source_channel, raw_payload, invalid_reasons,"
                " score, score_reasons, in_pool, owner_id, company, assigned_at, created_at)"
                " SELECT x, 'assigned', 'web', '{}'::jsonb, '[]'::jsonb, 50, '[]'::jsonb, false,"
                f" :rep0 + (x % :reps), 'c' || x, {anchor}, {anchor}"
                " FROM generate_series(1, :n) x"), params)
            await conn.execute(sa.text("SELECT setval('lead_id_seq', :n)"), {"n": n})
            await conn.execute(sa.text(
                "INSERT INTO sla_clock (rule, subject_id, lead_id, owner_id, started_at,"
                " next_at, level, updated_at)"
                f" SELECT 'first_contact', x, x, :rep0 + (x % :reps), {anchor},"
                f" CASE WHEN x <= :due THEN {p}"
                f"  ELSE {r} + make_interval(mins => 60 + x % 600) END, 0, {r}"
                " FROM generate_series(1, :n) x"), params)
            await conn.execute(sa.text("ANALYZE lead"))
            await conn.execute(sa.text("ANALYZE sla_clock"))


async def explain(db: Database, now: datetime) -> str:
    async with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            rows = await conn.execute(sa.text(
                "EXPLAIN QUERY PLAN SELECT * FROM sla_clock WHERE next_at <= :now "
                "ORDER BY next_at, id LIMIT 500"), {"now": _fmt(now)})
            return " | ".join(str(r[-1]) for r in rows)
        rows = await conn.execute(sa.text(
            "EXPLAIN SELECT * FROM sla_clock WHERE next_at <= :now ORDER BY next_at, id "
            "LIMIT 500 FOR UPDATE SKIP LOCKED"), {"now": now})
        return " | ".join(str(r[0]).strip() for r in rows)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--due", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=500)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    if a.backend == "sqlite":
        url = f"sqlite:///{tmp / 'sla_bench.db'}"
    else:
        url = pg_fresh("crmbot_bench_sla")
    migrate(url)
    db = Database(url)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    clock = FrozenClock(now)
    settings = Settings(database_url=url)
    try:
        t0 = time.perf_counter()
        rep0, reps = await seed_people(db, a.reps)
        await seed_leads(db, a.leads, a.due, now, rep0, reps)
        print(f"[{a.backend}] seeded {a.leads:,} open leads + clocks ({a.due} due) in "
              f"{time.perf_counter() - t0:.1f}s")
        print(f"[{a.backend}] plan: {await explain(db, now)}")
        best = float("inf")
        for _ in range(5):
            async with UnitOfWork(db, clock) as uow:
                t = time.perf_counter()
                got = await sla.due_clocks(uow, 500)
                best = min(best, time.perf_counter() - t)
        print(f"[{a.backend}] due query (LIMIT 500 of {a.leads:,}): {len(got)} rows in "
              f"{best * 1000:.1f} ms (best of 5)")
        t, cpu = time.perf_counter(), time.process_time()
        res = await run_job("sla_scan", db, clock, settings, now)
        took, cpu = time.perf_counter() - t, time.process_time() - cpu
        print(f"[{a.backend}] sla_scan with {a.due} breached leads: {res} in {took:.2f} s "
              f"(this process's CPU: {cpu:.2f} s; load average {os.getloadavg()[0]:.1f})")
        async with db.sessions() as ss:      # issue 15: one card per recipient and scan
            per = (await ss.execute(sa.select(OutboxMessage.recipient_id, sa.func.count())
                                    .where(OutboxMessage.kind.in_(("sla.alert",  # type: ignore[attr-defined]
                                                                   "sla.digest")))
                                    .group_by(OutboxMessage.recipient_id))).all()
            n_esc = (await ss.execute(sa.select(sa.func.count()).select_from(
                Escalation))).scalar_one()
        most = max((int(n) for _, n in per), default=0)
        print(f"[{a.backend}] alert cards: {sum(int(n) for _, n in per)} for {len(per)} "
              f"recipients ({n_esc:,} escalations), at most {most} per recipient: "
              f"{'OK' if most <= 1 else 'MORE THAN ONE'}")
        t = time.perf_counter()
        res = await run_job("sla_scan", db, clock, settings, now + timedelta(seconds=60))
        steady = time.perf_counter() - t
        print(f"[{a.backend}] steady-state sla_scan over {a.leads:,} open leads: {res} in "
              f"{steady * 1000:.1f} ms")
        verdict = "OK" if took <= 1.0 and steady <= 1.0 else "OVER 1 s"
        print(f"[{a.backend}] target ≤ 1 s: {verdict}")
    finally:
        await db.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
