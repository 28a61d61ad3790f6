"""Where PostgreSQL's autovacuum is off, `crmbot serve` vacuums and analyses the tables that
are due (crm_core.infra.pg_maintenance), one instance at a time."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest

from crm_core.db import Database
from crm_core.infra import pg_maintenance

POSTGRES = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)



def _stats(url: str, table: str) -> tuple[int, int, object]:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT n_ins_since_vacuum, n_mod_since_analyze, last_vacuum"
            " FROM pg_stat_user_tables WHERE relname = %s", (table,)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), row[2]


def _insert(url: str, n: int, autovacuum: bool, prefix: str = "t.m", total: int = 0) -> None:
    """`n` rows into config_entry; waits until the statistics count `total` (default n)."""
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f"ALTER TABLE config_entry SET (autovacuum_enabled = {autovacuum})")
        cur.executemany("INSERT INTO config_entry (key, value) VALUES (%s, '1')",
                        [(f"{prefix}{i}",) for i in range(n)])
    deadline = time.monotonic() + 10      # the writer's statistics reach the views on exit
    while _stats(url, "config_entry")[0] < (total or n) and time.monotonic() < deadline:
        time.sleep(0.1)


@POSTGRES
async def test_a_table_with_autovacuum_off_is_vacuumed_when_due_and_not_again(
        db_url: str) -> None:
    await asyncio.to_thread(_insert, db_url, 150, False)      # below 200 + 10 %: not due
    db = Database(db_url)
    try:
        assert "config_entry" not in await pg_maintenance.maintain(db)
        assert _stats(db_url, "config_entry")[2] is None
        await asyncio.to_thread(_insert, db_url, 300, False, "t.n", 450)
        done = await pg_maintenance.maintain(db)
        assert "vacuum (analyze) config_entry (450 changed" in done
        inserted, modified, vacuumed = _stats(db_url, "config_entry")
        assert (inserted, modified) == (0, 0) and vacuumed is not None
        assert "config_entry" not in await pg_maintenance.maintain(db)
    finally:
        await db.dispose()


@POSTGRES
async def test_the_server_setting_decides_for_tables_that_do_not_turn_it_off(
        db_url: str) -> None:
    """A table's `autovacuum_enabled = true` does not turn on a server's autovacuum that is
    off: there we maintain it; where the server's is on, PostgreSQL does and we leave it."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        server_on = conn.execute("SHOW autovacuum").fetchone() == ("on",)
    await asyncio.to_thread(_insert, db_url, 500, True)
    db = Database(db_url)
    try:
        done = await pg_maintenance.maintain(db)
        if server_on:
            assert done == "autovacuum is on: PostgreSQL maintains the tables"
        else:
            assert "vacuum (analyze) config_entry (500 changed" in done
        assert (_stats(db_url, "config_entry")[2] is None) == server_on
    finally:
        await db.dispose()


@POSTGRES
async def test_one_instance_maintains_at_a_time(db_url: str) -> None:
    await asyncio.to_thread(_insert, db_url, 500, False)
    db = Database(db_url)
    try:
        with psycopg.connect(db_url, autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s)", (pg_maintenance.LOCK_KEY,))
            assert await pg_maintenance.maintain(db) == \
                "another instance is maintaining the tables"
            assert _stats(db_url, "config_entry")[2] is None
            other.execute("SELECT pg_advisory_unlock(%s)", (pg_maintenance.LOCK_KEY,))
        assert "vacuum (analyze) config_entry" in await pg_maintenance.maintain(db)
    finally:
        await db.dispose()


async def test_sqlite_has_nothing_to_do(sqlite_demo_url: str) -> None:
    db = Database(sqlite_demo_url)
    try:
        assert await pg_maintenance.maintain(db) == "not PostgreSQL: nothing to do"
    finally:
        await db.dispose()


@POSTGRES
async def test_serve_keeps_the_tables_without_the_scheduler(db_url: str) -> None:
    """A process that only takes web forms (`CRMBOT_SCHEDULER_ENABLED=false`) writes the
    most rows: the upkeep runs in every `crmbot serve`, scheduler or not."""
    from aiohttp.test_utils import TestClient, TestServer

    from adapters.app import build_context, build_web_app
    from tests.conftest import make_settings

    await asyncio.to_thread(_insert, db_url, 500, False)
    settings = make_settings(db_url, db_maintenance_seconds=0.1)
    ctx = build_context(settings, voice=False, do_migrate=False)
    app = build_web_app(ctx, scheduler=False)
    async with TestClient(TestServer(app, host="127.0.0.1")):
        for _ in range(100):                # up to 10 s
            if _stats(db_url, "config_entry")[2] is not None:
                break
            await asyncio.sleep(0.1)
    assert _stats(db_url, "config_entry")[2] is not None


async def test_serve_on_sqlite_starts_no_upkeep(sqlite_demo_url: str) -> None:
    from adapters.app import build_context, build_web_app
    from tests.conftest import make_settings

    ctx = build_context(make_settings(sqlite_demo_url), voice=False, do_migrate=False)
    before = len(ctx.background)
    build_web_app(ctx, scheduler=False)
    assert len(ctx.background) == before
    await ctx.db.dispose()
