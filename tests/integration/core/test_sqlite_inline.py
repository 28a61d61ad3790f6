"""SQLite without a thread hop per call (crm_core.infra.sqlite_inline) and the appended rows of the
unit of work: same rows as Core would write, same transaction, fair to the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from crm_core.clock import FrozenClock
from crm_core.db import Database, migrate
from crm_core.infra import sqlite_inline
from crm_core.infra.sqlite_inline import InlineConnection
from crm_core.models import AuditLog, LeadEvent, OutboxMessage
from crm_core.uow import UnitOfWork
from tests.conftest import NOW


@pytest.fixture
async def sdb(tmp_path: Path) -> Database:
    url = f"sqlite:///{tmp_path / 'inline.db'}"
    migrate(url)
    db = Database(url)
    yield db  # type: ignore[misc]
    await db.dispose()


async def test_the_connection_is_inline_and_checkpoints_in_the_background(
        sdb: Database, tmp_path: Path) -> None:
    clock = FrozenClock(NOW)
    async with UnitOfWork(sdb, clock) as uow:
        raw = await (await uow.session.connection()).get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)
        assert (await uow.sql(text("PRAGMA wal_autocheckpoint"))).scalar() == 10_000
        for i in range(3000):
            uow.audit("bulk", "x", i, after={"pad": "补" * 200})
        await uow.commit()
    main = tmp_path / "inline.db"
    before = main.stat().st_size
    for _ in range(40):                     # the checkpoint thread runs every 0.5 s
        await asyncio.sleep(0.1)
        if main.stat().st_size > before + 1_000_000:
            break
    assert main.stat().st_size > before + 1_000_000, "WAL was never copied back"


async def _ticks_during(sdb: Database, statements: int) -> int:
    """How often a busy-looping task got the loop while one session ran statements."""
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = ticks
    async with sdb.session() as s:
        for _ in range(statements):
            await s.execute(text("SELECT count(*) FROM audit_log"))
    stop.set()
    await task
    return ticks - start


async def test_long_runs_of_statements_let_the_loop_breathe(
        sdb: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pacing rule, independent of the machine's speed: with a pacing interval of zero
    every statement yields once; with an interval longer than the run, the loop waits until
    the end. (How often it yields at the real 5 ms is a matter of speed: benchmarks/chat.py.)"""
    monkeypatch.setattr(sqlite_inline, "YIELD_AFTER_S", 0.0)
    assert await _ticks_during(sdb, 50) >= 50
    monkeypatch.setattr(sqlite_inline, "YIELD_AFTER_S", 3600.0)
    assert await _ticks_during(sdb, 50) <= 5


async def test_appended_rows_equal_what_core_writes(sdb: Database) -> None:
    clock = FrozenClock(NOW)
    payload = {"text": "王主任：周二送样机", "at": NOW, "n": 3}
    async with UnitOfWork(sdb, clock) as uow:
        uow.audit("lead.create", "lead", 7, before=None,
                  after={"name": "张医生", "at": NOW.isoformat()})
        uow.notify("lead.assigned", None, payload, dedupe_key="fast")
        uow.event(None, "created", {"channel": "web"}, customer_id=None)
        await uow.commit()
    async with UnitOfWork(sdb, clock) as uow:      # the same rows through Core
        conn = await uow.session.connection()
        await conn.execute(insert(AuditLog.__table__), [{  # type: ignore[attr-defined]
            "at": NOW, "actor_id": None, "actor": "system", "action": "lead.create",
            "entity": "lead", "entity_id": "7", "before": None,
            "after": {"name": "张医生", "at": NOW.isoformat()}}])
        await conn.execute(insert(OutboxMessage.__table__), [{  # type: ignore[attr-defined]
            "kind": "lead.assigned", "recipient_id": None,
            "payload": {**payload, "at": NOW.isoformat()}, "dedupe_key": "core",
            "next_attempt_at": NOW, "created_at": NOW, "platform": None, "chat_id": None}])
        await conn.execute(insert(LeadEvent.__table__), [{  # type: ignore[attr-defined]
            "lead_id": None, "customer_id": None, "contact_id": None, "kind": "created",
            "at": NOW, "actor_id": None, "detail": {"channel": "web"}}])
        await uow.commit()
    async with sdb.session() as s:
        for table, skip in (("audit_log", {"id", "prev_hash", "hash"}),
                            ("outbox", {"id", "dedupe_key"}),
                            ("lead_event", {"id"})):
            rows = (await s.execute(text(f"SELECT * FROM {table} ORDER BY id"))).mappings().all()
            assert len(rows) == 2, table
            fast, core = ({k: v for k, v in r.items() if k not in skip} for r in rows)
            assert fast == core, table
        outbox = (await s.execute(select(OutboxMessage))).scalars().all()
        assert [o.status for o in outbox] == ["pending", "pending"]      # column default
        assert outbox[0].payload["text"] == "王主任：周二送样机"


async def test_appended_rows_vanish_with_a_rollback_and_collide_at_commit(
        sdb: Database) -> None:
    clock = FrozenClock(NOW)
    async with UnitOfWork(sdb, clock) as uow:
        uow.notify("x", None, {}, dedupe_key="once")
        await uow.commit()
    async with UnitOfWork(sdb, clock) as uow:       # left without commit: nothing written
        uow.notify("x", None, {}, dedupe_key="never")
        uow.audit("x", "y", 1)
    async with UnitOfWork(sdb, clock) as uow:
        uow.notify("x", None, {}, dedupe_key="gone")
        await uow.rollback()                         # dropped by the rollback
        await uow.commit()
    async with UnitOfWork(sdb, clock) as uow:
        uow.notify("x", None, {}, dedupe_key="ok")
        uow.notify("x", None, {}, dedupe_key="once")   # duplicate: the whole commit fails
        with pytest.raises(IntegrityError):
            await uow.commit()
    con = sqlite3.connect(sdb.url.removeprefix("sqlite:///"))
    keys = [r[0] for r in con.execute("SELECT dedupe_key FROM outbox ORDER BY id")]
    audits = con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    con.close()
    assert keys == ["once"]
    assert audits == 0
