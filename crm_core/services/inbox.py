"""The inbox: platform callbacks stored before they are acknowledged (issue 20.5).

An adapter verifies and decrypts a callback, `put`s the platform message here (one row per
(platform, event id): the platform's retries are the same row) and only then answers 200;
a busy process never refuses one. Rows are then `claim`ed with a lease — the one just
stored by its own process at once, the rest (a crash, a restart, another process's lapsed
lease) by a periodic sweep — handled, and `finish`ed. Claims are one UPDATE; on PostgreSQL
its sub-select skips rows other processes hold (`FOR UPDATE SKIP LOCKED`); finishing is
fenced on the worker's lease. So a stored message is handled at least once and, while the
handler runs inside its lease, by one process at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.db import Database
from crm_core.models import InboxEvent
from crm_core.sql import rowcount, table

T = table(InboxEvent)
MAX_ATTEMPTS = 5
_PUT_COLUMNS = ("platform", "event_id", "payload", "received_at", "status", "attempts",
                "locked_by", "locked_until")
_PUT = {mod.dialect.name: mod.insert(T).values({c: sa.bindparam(c) for c in _PUT_COLUMNS})
        .on_conflict_do_nothing(index_elements=["platform", "event_id"]).returning(T.c.id)
        for mod in (postgresql, sqlite)}
_DONE = (sa.update(T).where(T.c.id == sa.bindparam("row_id"),
                            T.c.locked_by == sa.bindparam("worker"), T.c.status == "working")
         .values(status="done", done_at=sa.bindparam("done_at"), last_error=None,
                 locked_by=None, locked_until=None))


@dataclass(frozen=True)
class Claimed:
    id: int
    platform: str
    event_id: str
    payload: dict[str, Any]
    attempts: int


async def put(db: Database, platform: str, event_id: str, payload: dict[str, Any],
              now: datetime, *, claim_for: str | None = None,
              lease: timedelta | None = None) -> int | None:
    """Store one callback; its row id, or None when (platform, event_id) is stored already
    (a retry of the platform). Committed when it returns. With `claim_for`, the row is
    stored already claimed by that worker for `lease` (what `claim` would do next, without
    a second transaction per message)."""
    values: dict[str, Any] = {
        "platform": platform, "event_id": str(event_id)[:255], "payload": payload,
        "received_at": now, "status": "pending", "attempts": 0, "locked_by": None,
        "locked_until": None}
    if claim_for is not None:
        values.update(status="working", attempts=1, locked_by=claim_for,
                      locked_until=now + (lease or timedelta(minutes=5)))
    # one statement built once per dialect, on a plain connection: a callback's own
    # transaction needs no ORM session
    async with _one_statement(db) as conn:
        row = (await conn.execute(_PUT[db.dialect], values)).first()
    return int(row[0]) if row is not None else None


@asynccontextmanager
async def _one_statement(db: Database) -> AsyncIterator[AsyncConnection]:
    """A connection for one statement that is a transaction by itself, committed when the
    block ends: on PostgreSQL in autocommit (a single statement is atomic there: no BEGIN
    and COMMIT round trips), on SQLite a plain transaction."""
    if db.dialect == "postgresql":
        async with db.engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")
    else:
        async with db.engine.begin() as conn:
            yield conn


async def claim(db: Database, worker: str, now: datetime, *, lease: timedelta,
                ids: list[int] | None = None, platform: str | None = None,
                limit: int = 50) -> list[Claimed]:
    """Take rows for `worker`: the given `ids`, or any due rows of `platform` (pending, or
    working with a lapsed lease), oldest first."""
    due = sa.or_(T.c.status == "pending",
                 sa.and_(T.c.status == "working", T.c.locked_until < now))
    sub = sa.select(T.c.id).where(due)
    if ids is not None:
        sub = sub.where(T.c.id.in_(ids))
    if platform is not None:
        sub = sub.where(T.c.platform == platform)
    sub = sub.order_by(T.c.id).limit(limit)
    if db.dialect == "postgresql":
        sub = sub.with_for_update(skip_locked=True)
    stmt = (sa.update(T).where(T.c.id.in_(sub.scalar_subquery()))
            .values(status="working", locked_by=worker, locked_until=now + lease,
                    attempts=T.c.attempts + 1)
            .returning(T.c.id, T.c.platform, T.c.event_id, T.c.payload, T.c.attempts))
    async with db.sessions() as s:
        rows = (await s.execute(stmt)).all()
        await s.commit()
    return sorted((Claimed(r.id, r.platform, r.event_id, dict(r.payload or {}), r.attempts)
                   for r in rows), key=lambda c: c.id)


async def finish(db: Database, row_id: int, worker: str, now: datetime, *,
                 error: str | None = None, attempts: int = 1) -> bool:
    """Mark a claimed row done, or — on `error` — pending again (dead after MAX_ATTEMPTS).
    False when the worker had lost its lease (another took the row)."""
    if error is None:
        params: dict[str, Any] = {"row_id": row_id, "worker": worker, "done_at": now}
        stmt: Any = _DONE
    else:
        params = {}
        stmt = (sa.update(T).where(T.c.id == row_id, T.c.locked_by == worker,
                                   T.c.status == "working")
                .values(locked_by=None, locked_until=None, last_error=error[:500],
                        status="dead" if attempts >= MAX_ATTEMPTS else "pending"))
    async with _one_statement(db) as conn:
        res = await conn.execute(stmt, params)
    return bool(rowcount(res))


async def prune(db: Database, now: datetime, older_than: timedelta = timedelta(days=3)) -> int:
    """Forget handled rows after `older_than` (platform retries end within hours)."""
    stmt = sa.delete(T).where(T.c.status == "done", T.c.received_at < now - older_than)
    async with db.sessions() as s:
        res = await s.execute(stmt)
        await s.commit()
    return rowcount(res)


async def counts(db: Database) -> dict[str, int]:
    """Rows per status (for /系统 and tests)."""
    stmt = sa.select(T.c.status, sa.func.count()).group_by(T.c.status)
    async with db.sessions() as s:
        return {str(k): int(v) for k, v in (await s.execute(stmt)).all()}
