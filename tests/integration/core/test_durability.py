"""Work done for a stored chat message commits without waiting for the disk
(crm_core.infra.durability); everything else waits as before. Measured by what PostgreSQL
counts itself: the WAL flushes (`pg_stat_wal.wal_sync`) that commits cause."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import psycopg
import pytest
from sqlalchemy import text

from crm_core.clock import SystemClock
from crm_core.db import Database
from crm_core.infra import durability
from crm_core.models import ConfigEntry
from crm_core.services.audit import verify_audit_chain
from crm_core.uow import UnitOfWork

POSTGRES = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
N = 30


def _wal_syncs(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT 1")          # this backend's figures reach the view
        row = conn.execute("SELECT wal_sync FROM pg_stat_wal").fetchone()
    assert row is not None
    return int(row[0])


async def _flushes(db: Database, url: str, work: Callable[[int], Awaitable[None]]) -> int:
    """WAL flushes during N units of work (the pooled connection's own figures are pushed
    to the view before reading it)."""
    before = _wal_syncs(url)
    for i in range(N):
        await work(i)
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT pg_stat_force_next_flush()"))
        await conn.commit()
        await conn.execute(text("SELECT 1"))
        await conn.commit()
    return _wal_syncs(url) - before


def _note(db: Database, prefix: str, *, with_flush: bool) -> Callable[[int], Awaitable[None]]:
    async def work(i: int) -> None:
        async with UnitOfWork(db, SystemClock()) as uow:
            if with_flush:             # an ORM row first: BEGIN … COMMIT
                uow.add(ConfigEntry(key=f"{prefix}.{i}", value="1"))
                await uow.flush()
            uow.audit("set", "config", f"{prefix}.{i}", after={"value": "1"})
            await uow.commit()         # the appended rows: one statement (atomic alone)
    return work


@POSTGRES
@pytest.mark.parametrize("with_flush", [False, True], ids=["atomic", "transaction"])
async def test_replayable_commits_do_not_wait_for_the_disk(db_url: str,
                                                           with_flush: bool) -> None:
    db = Database(db_url)
    try:
        durable = await _flushes(db, db_url, _note(db, "d", with_flush=with_flush))
        with durability.replayable():
            lagging = await _flushes(db, db_url, _note(db, "r", with_flush=with_flush))
        assert durable >= N                      # each commit flushed the WAL
        assert lagging <= N // 3                 # only the WAL writer's own flushes
        # nothing is less visible or less chained for it
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT count(*) FROM audit_log WHERE entity_id LIKE 'r.%'"))).scalar()
            assert rows == N
            if with_flush:
                assert (await conn.execute(text(
                    "SELECT count(*) FROM config_entry WHERE key LIKE 'r.%'"))).scalar() == N
        async with UnitOfWork(db, SystemClock()) as uow:
            report = await verify_audit_chain(uow)
        assert report.broken is None and report.checked >= 2 * N
    finally:
        await db.dispose()


@POSTGRES
async def test_the_setting_ends_with_its_transaction(db_url: str) -> None:
    """A pooled connection that committed lagging work is durable again for the next."""
    db = Database(db_url)
    try:
        with durability.replayable():
            await _note(db, "x", with_flush=True)(0)
        async with UnitOfWork(db, SystemClock()) as uow:
            setting = (await uow.sql(text("SHOW synchronous_commit"))).scalar()
        assert setting == "on"
        assert not durability.commit_may_lag()
    finally:
        await db.dispose()


def test_replayable_is_scoped_to_its_block() -> None:
    assert not durability.commit_may_lag()
    with durability.replayable():
        assert durability.commit_may_lag()
    assert not durability.commit_may_lag()
