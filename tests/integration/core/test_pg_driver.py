"""PostgreSQL without needless round trips (crm_core.infra.pg_driver): a unit of work that only
reads opens no transaction; the first write, locking read or advisory lock opens one, and
from there on everything is one transaction, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from crm_core.clock import SystemClock
from crm_core.db import Database
from crm_core.infra.pg_driver import plain_read
from crm_core.models import ConfigEntry
from crm_core.uow import UnitOfWork

POSTGRES = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)


def test_which_statements_may_run_before_begin() -> None:
    assert plain_read("SELECT id FROM lead WHERE id = $1")
    assert plain_read("  select count(*) from crm_user")
    for sql in ("SELECT id FROM outbox WHERE id = $1 FOR UPDATE SKIP LOCKED",
                "SELECT * FROM sla_clock FOR NO KEY UPDATE",
                "SELECT x FROM t FOR SHARE", "SELECT pg_advisory_xact_lock(1)",
                "SELECT crmbot_audit_head()", "SELECT nextval('lead_id_seq')",
                "UPDATE lead SET status = 'new'", "INSERT INTO t VALUES (1)",
                "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x"):
        assert not plain_read(sql), sql


async def _state(db: Database, pid: int) -> str:
    async with db.engine.connect() as other:
        return str((await other.execute(text(
            "SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})).scalar())


@POSTGRES
async def test_reads_open_no_transaction_and_the_first_write_does(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with UnitOfWork(db, SystemClock()) as uow:
            pid = int((await uow.sql(text("SELECT pg_backend_pid()"))).scalar_one())
            await uow.session.execute(select(ConfigEntry))
            assert await _state(db, pid) == "idle"             # no BEGIN sent yet
            await uow.session.execute(text(
                "INSERT INTO config_entry (key, value) VALUES ('t.a', '1')"))
            assert await _state(db, pid) == "idle in transaction"
            await uow.session.execute(select(ConfigEntry))     # inside it now
            await uow.rollback()
        async with UnitOfWork(db, SystemClock()) as uow:
            assert await uow.session.get(ConfigEntry, "t.a") is None   # all or nothing
            pid = int((await uow.sql(text("SELECT pg_backend_pid()"))).scalar_one())
            await uow.session.execute(select(ConfigEntry).with_for_update())
            assert await _state(db, pid) == "idle in transaction"   # a locking read
    finally:
        await db.dispose()


@POSTGRES
async def test_a_lock_taken_by_a_read_lasts_to_the_commit(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with UnitOfWork(db, SystemClock()) as a, UnitOfWork(db, SystemClock()) as b:
            await a.sql(text("SELECT pg_advisory_xact_lock(77)"))
            held = (await b.sql(text("SELECT pg_try_advisory_xact_lock(77)"))).scalar_one()
            assert held is False
            await a.commit()
            assert (await b.sql(text("SELECT pg_try_advisory_xact_lock(77)"))).scalar_one()
    finally:
        await db.dispose()


@POSTGRES
async def test_reads_skip_begin_also_after_the_inbox_ran_in_autocommit(db_url: str) -> None:
    """The inbox stores a callback in AUTOCOMMIT; the pool then sets the connection back to
    READ COMMITTED explicitly. Reads on that connection must still send no BEGIN (each read
    cost BEGIN … ROLLBACK, three round trips, on every connection the inbox had used)."""
    from datetime import UTC, datetime

    from crm_core.services import inbox

    db = Database(db_url)
    try:
        async with db.engine.connect() as first:          # the one pooled connection
            pid = int((await first.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        assert await inbox.put(db, "wecom", "ev-autocommit", {"text": "hi"},
                               datetime.now(UTC)) is not None
        async with UnitOfWork(db, SystemClock()) as uow:
            got = int((await uow.sql(text("SELECT pg_backend_pid()"))).scalar_one())
            assert got == pid                                # the inbox's connection
            await uow.session.execute(select(ConfigEntry))
            assert await _state(db, pid) == "idle"           # still no BEGIN
            await uow.session.execute(text(
                "INSERT INTO config_entry (key, value) VALUES ('t.b', '1')"))
            assert await _state(db, pid) == "idle in transaction"
            await uow.rollback()
        async with UnitOfWork(db, SystemClock()) as uow:
            assert await uow.session.get(ConfigEntry, "t.b") is None   # all or nothing
    finally:
        await db.dispose()


def _sent(db: Database) -> list[str]:
    """What this process sends PostgreSQL, one entry per request: 'Q <simple query>' (BEGIN,
    COMMIT …) or 'B' (an execute of a prepared statement)."""
    from sqlalchemy import event

    sent: list[str] = []

    def wrap(dbapi_conn: Any, _record: Any) -> None:
        transport = dbapi_conn.driver_connection._transport
        write = transport.write

        def counted(data: Any) -> None:
            raw = bytes(data)
            if raw[:1] == b"Q":
                sent.append("Q " + raw[5:].split(b"\0")[0].decode())
            elif b"B" in raw[:1]:
                sent.append("B")
            write(data)

        transport.write = counted

    event.listen(db.engine.sync_engine, "connect", wrap)
    return sent


async def _rep(db: Database) -> Any:
    from crm_core.models import User

    async with UnitOfWork(db, SystemClock()) as uow:
        rep = User(login="wang", name="王伟")
        uow.add(rep)
        await uow.commit()
    return rep


@POSTGRES
async def test_a_new_note_is_written_in_one_statement_without_begin(db_url: str) -> None:
    """A note's draft, the chat's focus and the audit row: one statement that is its own
    transaction (no BEGIN, no COMMIT); all of it there after the commit, the chain intact."""
    from crm_core.models import Draft
    from crm_core.services import drafts
    from crm_core.services.audit import verify_audit_chain

    db = Database(db_url)
    try:
        rep = await _rep(db)
        async with UnitOfWork(db, SystemClock()) as uow:       # the chat's focus row
            known = await drafts.set_focus(uow, "console:c:wang", rep, None, dialog="")
            await uow.commit()
        sent = _sent(db)
        ids = []
        for n in range(3):
            async with UnitOfWork(db, SystemClock()) as uow:
                row = await drafts.create_draft(uow, rep, "console:c:wang", "followup",
                                                {"n": n}, {}, kept=True, summary=f"第{n}条",
                                                expires_at=None)
                known = await drafts.set_focus(uow, "console:c:wang", rep, row.id,
                                               dialog="followup", known=known)
                await uow.commit()
            assert row.id is not None
            ids.append(row.id)
        assert not any(s.startswith(("Q BEGIN", "Q COMMIT")) for s in sent), sent
        assert len(set(ids)) == 3
        async with UnitOfWork(db, SystemClock()) as uow:
            rows = [await uow.session.get(Draft, i) for i in ids]
            assert [r.data for r in rows if r is not None] == [{"n": 0}, {"n": 1}, {"n": 2}]
            focus = await drafts.get_focus(uow, "console:c:wang")
            assert focus is not None and focus.draft_id == ids[-1]
            report = await verify_audit_chain(uow)
            assert report.broken is None and report.checked >= 3
    finally:
        await db.dispose()


@POSTGRES
async def test_a_failed_one_statement_note_leaves_nothing(db_url: str) -> None:
    """When the one statement fails, none of it is there: no draft, no focus, no audit."""
    from collections import deque

    from sqlalchemy.exc import IntegrityError

    from crm_core.models import AuditLog
    from crm_core.services import drafts

    db = Database(db_url)
    try:
        rep = await _rep(db)
        async with UnitOfWork(db, SystemClock()) as uow:
            first = await drafts.create_draft(uow, rep, "console:c:wang", "followup", {}, {},
                                              kept=True, summary="第一条", expires_at=None)
            known = await drafts.set_focus(uow, "console:c:wang", rep, first.id,
                                           dialog="followup")
            await uow.commit()
        async with UnitOfWork(db, SystemClock()) as uow:
            audits = len((await uow.session.execute(select(AuditLog))).all())
        db.cache["uow.reserved_ids"]["draft"] = deque([first.id or 0])   # a number in use
        async with UnitOfWork(db, SystemClock()) as uow:
            row = await drafts.create_draft(uow, rep, "console:c:wang", "followup", {}, {},
                                            kept=True, summary="第二条", expires_at=None)
            await drafts.set_focus(uow, "console:c:wang", rep, row.id, dialog="followup",
                                   known=known)
            with pytest.raises(IntegrityError):
                await uow.commit()
        async with UnitOfWork(db, SystemClock()) as uow:
            focus = await drafts.get_focus(uow, "console:c:wang")
            assert focus is not None and focus.draft_id == first.id      # as it was
            assert len((await uow.session.execute(select(AuditLog))).all()) == audits
    finally:
        await db.dispose()


@POSTGRES
async def test_a_burst_waits_for_the_pool_instead_of_opening_connections(db_url: str) -> None:
    """Thirty units of work at once share the fixed pool: no connection is opened beyond it
    (a burst used to open, close and open again connections past the pool, each with its
    handshake and its statements prepared anew), and every one of them gets through."""
    import asyncio

    from sqlalchemy import event

    db = Database(db_url)
    opened: list[int] = []
    event.listen(db.engine.sync_engine, "connect", lambda *_: opened.append(1))
    size = db.engine.pool.size()                      # type: ignore[attr-defined]

    async def one(n: int) -> int:
        async with UnitOfWork(db, SystemClock()) as uow:
            return int((await uow.sql(text("SELECT CAST(:n AS integer) FROM pg_sleep(0.02)"),
                                      {"n": n}))
                       .scalar_one())

    try:
        for _ in range(2):
            assert sorted(await asyncio.gather(*(one(n) for n in range(30)))) == \
                list(range(30))
        assert len(opened) <= size
    finally:
        await db.dispose()


@POSTGRES
async def test_a_new_lead_and_a_merge_are_two_round_trips_each(db_url: str) -> None:
    """Intake over HTTP: the lookup (a plain read, before any BEGIN) and the commit's one
    statement, which also claims the new person's phone / e-mail — no BEGIN, no COMMIT, no
    lock held in between; a second inquiry of the person the same (merged)."""
    from crm_core.services.intake import intake_lead

    db = Database(db_url)
    sent = _sent(db)
    try:
        async def post(i: int, again: bool = False) -> Any:
            async with UnitOfWork(db, SystemClock()) as uow:
                return await intake_lead(uow, {"company": f"淮安粮油{i}号仓", "name": "陈经理",
                                               "phone": f"1380000{i:04d}",
                                               "message": "再次咨询" if again else "询价"})
        for i in range(3):                    # warm: prepared statements, the id reserve
            await post(i)
            await post(i, again=True)
        sent.clear()
        created = await post(10)
        assert created.merged_into is None
        assert sent == ["B", "B"], sent
        sent.clear()
        merged = await post(10, again=True)
        assert merged.merged_into is not None and merged.lead_id == created.lead_id
        assert sent == ["B", "B"], sent
    finally:
        await db.dispose()
