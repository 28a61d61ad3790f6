"""The audit log stays small under a flood of merges, keeps payloads as hashes, chains every
row to the one before it (also with concurrent writers on PostgreSQL), names the first
broken link, and refuses REPLACE / upsert on SQLite."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapters.cli.cmd_audit import main as audit_verify
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import AuditLog
from crm_core.policies.audit import MAX_VALUE_BYTES, audit_delta, canonical_json, digest
from crm_core.services.audit import verify_audit_chain
from crm_core.services.intake import intake_lead
from crm_core.uow import Actor, UnitOfWork

BIG_LEAD = {"company": "审计放大测试医院", "phone": "13811119999",
            "message": "很长的留言" * 400, **{f"extra{i}": "填充" * 1000 for i in range(9)}}


def api(db: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(db, clock, Actor.system("api"))


async def audit_size(db: Database) -> tuple[int, int]:
    cols = ["at", "actor_id", "actor", "action", "entity", "entity_id", "before", "after",
            "prev_hash", "hash"]
    total = " + ".join(f"COALESCE(LENGTH(CAST({c} AS TEXT)), 0)" for c in cols)
    async with db.session() as s:
        n, size = (await s.execute(text(f"SELECT count(*), SUM({total}) FROM audit_log"))).one()
    return int(n), int(size or 0)


async def test_merges_of_one_person_add_at_most_2_kb_of_audit_each(
        db: Database, clock: FrozenClock) -> None:
    async with api(db, clock) as u:
        first = await intake_lead(u, BIG_LEAD)
    _, start = await audit_size(db)
    for _ in range(100):
        async with api(db, clock) as u:
            res = await intake_lead(u, {"phone": "13811119999", "name": "x"})
        assert res.merged_into is not None and res.lead_id == first.lead_id
    _, end = await audit_size(db)
    assert (end - start) / 100 <= 2048
    async with db.session() as s:
        created = (await s.execute(text(
            "SELECT CAST(after AS TEXT) FROM audit_log WHERE action = 'lead.create'"))).scalar_one()
    assert "填充填充" not in created and "sha256" in created     # the payload, as a hash
    assert len(created.encode()) < 8 * MAX_VALUE_BYTES


def test_audit_rows_keep_changed_fields_and_hash_payloads() -> None:
    before = {"id": 7, "status": "new", "owner_id": None, "raw_payload": {"a": "x" * 5000}}
    after = {**before, "status": "assigned", "owner_id": 3}
    assert audit_delta(before, after) == ({"id": 7, "status": "new", "owner_id": None},
                                          {"id": 7, "status": "assigned", "owner_id": 3})
    _, created = audit_delta(None, after)
    assert created is not None and created["raw_payload"] == digest({"a": "x" * 5000})
    # JSONB hands 1e16 back as an integer, and key order is its own: same canonical text
    assert canonical_json({"b": 1e16, "a": [1.0, 0.5]}) == \
        canonical_json({"a": [1, 0.5], "b": 10000000000000000})


async def test_verify_names_the_first_broken_link(db: Database, clock: FrozenClock) -> None:
    for i in range(3):
        async with api(db, clock) as u:
            await intake_lead(u, {"company": f"链条医院{i}", "phone": f"1381111000{i}"})
    async with UnitOfWork(db, clock) as u:
        report = await verify_audit_chain(u)
    assert report.broken is None and report.checked >= 3
    async with db.session() as s:
        ids = list((await s.execute(text("SELECT id FROM audit_log ORDER BY id"))).scalars())
    victim = ids[len(ids) // 2]
    async with db.session() as s:                      # someone with the keys to the database
        if db.dialect == "sqlite":
            await s.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        await s.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE id = :i"),
                        {"i": victim})
        await s.commit()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = await asyncio.to_thread(audit_verify, argparse.Namespace(database_url=db.url))
    assert rc == 1
    assert f"row id {victim}: content does not match its hash" in out.getvalue()
    assert f"审计日志在第 {victim} 行断开" in out.getvalue()


async def test_a_removed_row_breaks_the_chain_at_its_successor(
        db: Database, clock: FrozenClock) -> None:
    for i in range(3):
        async with api(db, clock) as u:
            await intake_lead(u, {"company": f"删除医院{i}", "phone": f"1381112000{i}"})
    async with db.session() as s:
        ids = list((await s.execute(text("SELECT id FROM audit_log ORDER BY id"))).scalars())
        if db.dialect == "sqlite":
            await s.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        await s.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": ids[1]})
        await s.commit()
    async with UnitOfWork(db, clock) as u:
        report = await verify_audit_chain(u)
    assert report.broken is not None and report.broken.row_id == ids[2]
    assert "removed" in report.broken.reason


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_concurrent_writers_keep_one_chain(db: Database, clock: FrozenClock) -> None:
    async def one(i: int) -> None:
        async with api(db, clock) as u:
            await intake_lead(u, {"company": f"并发审计公司{i}", "phone": f"1360000{i:04d}"})

    await asyncio.gather(*(one(i) for i in range(40)))
    async with UnitOfWork(db, clock) as u:
        report = await verify_audit_chain(u)
    assert report.broken is None and report.checked >= 40


async def test_single_and_multi_row_commits_chain_alike(db: Database, clock: FrozenClock
                                                         ) -> None:
    """Concurrent commits of one, two or three audit rows each (non-ASCII, quotes, newlines,
    floats) form one chain that verifies: on PostgreSQL the database links the rows
    (crmbot_audit_chain), on SQLite Python does."""
    async def one(i: int) -> None:
        async with api(db, clock) as u:
            for k in range(1 + i % 3):        # 1, 2 or 3 rows in one commit
                u.audit("test.write", "thing", f"{i}-{k}", before={"名字": "旧值", "n": i},
                        after={"名字": "新值「引号」\n换行", "n": i + 0.5, "ok": k == 0})
            await u.commit()

    await asyncio.gather(*(one(i) for i in range(24)))
    async with UnitOfWork(db, clock) as u:
        report = await verify_audit_chain(u)
    assert report.broken is None and report.checked == 48


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_sqlite_refuses_replace_and_upsert_on_the_log(
        db: Database, clock: FrozenClock) -> None:
    async with api(db, clock) as u:
        await intake_lead(u, {"company": "覆盖测试医院", "phone": "13811113333"})
    async with db.session() as s:
        row_id, actor = (await s.execute(text("SELECT id, actor FROM audit_log LIMIT 1"))).one()
    for stmt in (
        "REPLACE INTO audit_log (id, at, actor, action, entity, entity_id) "
        "VALUES (:i, '2026-01-01 00:00:00', 'x', 'x', 'x', 'x')",
        "INSERT OR REPLACE INTO audit_log (id, at, actor, action, entity, entity_id) "
        "VALUES (:i, '2026-01-01 00:00:00', 'x', 'x', 'x', 'x')",
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) "
        "VALUES (:i, '2026-01-01 00:00:00', 'x', 'x', 'x', 'x') "
        "ON CONFLICT (id) DO UPDATE SET actor = 'x'",
    ):
        async with db.session() as s:
            with pytest.raises(DBAPIError, match="append-only"):
                await s.execute(text(stmt), {"i": row_id})
    async with db.session() as s:
        assert (await s.get(AuditLog, row_id)).actor == actor  # type: ignore[union-attr]


async def first_locks_while_second_waits(first: UnitOfWork,
                                         second: Callable[[], Awaitable[None]]) -> None:
    """`second` commits audit rows and waits for something `first` holds; `first` then
    takes the chain's lock (no deadlock error) and commits, and `second` completes."""
    waiting = asyncio.create_task(second())
    await asyncio.sleep(0.5)
    assert not waiting.done()
    await asyncio.wait_for(first.sql(text("SELECT pg_advisory_xact_lock(4242000001)")), 5)
    first.audit("test.write", "thing", "first", after={"n": 1})
    await first.commit()
    await asyncio.wait_for(waiting, 10)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # the lock is PostgreSQL's
async def test_chain_lock_is_taken_after_the_statements_other_waits(
        db: Database, clock: FrozenClock) -> None:
    """A commit whose queued notice collides with another transaction's uncommitted one waits
    for that transaction before it takes the chain's lock, never while holding it: the other
    transaction can still take the lock and commit (before: PostgreSQL's deadlock error, a
    chat message lost under load)."""
    async with api(db, clock) as first:
        first.notify_once("test.notice", None, {"n": 1}, "same-notice")
        await first.flush()                          # holds the key, uncommitted

        async def second() -> None:
            async with api(db, clock) as u:
                u.notify_once("test.notice", None, {"n": 2}, "same-notice")
                u.audit("test.write", "thing", "2", after={"n": 2})
                await u.commit()

        await first_locks_while_second_waits(first, second)   # second waits for the key
    async with UnitOfWork(db, clock) as u:
        payloads = (await u.sql(text(
            "SELECT CAST(payload AS TEXT) FROM outbox WHERE dedupe_key = 'same-notice'"
        ))).scalars().all()
        report = await verify_audit_chain(u)
    assert len(payloads) == 1 and '"n": 1' in payloads[0]
    assert report.broken is None and report.checked >= 2


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # the lock is PostgreSQL's
async def test_orm_changes_are_written_before_the_chain_lock(
        db: Database, clock: FrozenClock) -> None:
    """A row the unit of work changed through the ORM is written before the audit rows take
    the chain's lock: a transaction holding that row can still take the lock and commit."""
    from crm_core.models import DialogState

    async with api(db, clock) as u:
        u.add(DialogState(key="lock-order", name="test", data={"n": 0},
                          updated_at=clock.now()))
        await u.commit()
    async with api(db, clock) as first:
        await first.sql(text("UPDATE dialog_state SET updated_at = updated_at "
                             "WHERE key = 'lock-order'"))          # holds the row

        async def second() -> None:
            async with api(db, clock) as u:
                row = await u.session.get(DialogState, "lock-order")
                assert row is not None
                row.data = {"n": 2}
                u.audit("test.write", "dialog_state", "lock-order", after={"n": 2})
                await u.commit()

        await first_locks_while_second_waits(first, second)   # second waits for the row
    async with UnitOfWork(db, clock) as u:
        report = await verify_audit_chain(u)
    assert report.broken is None and report.checked >= 2
