"""Unit of work: one transaction holding the change, its audit rows and its outbox rows."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from types import TracebackType
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from crm_core.clock import Clock
from crm_core.db import APPEND_INFO, MEMO_INFO, ON_COMMIT_INFO, Database
from crm_core.infra import cache_versions, durability, inserts
from crm_core.infra.pg_driver import ATOMIC
from crm_core.infra.sqlite_inline import InlineConnection
from crm_core.models import AuditLog, LeadEvent, OutboxMessage
from crm_core.policies import audit as audit_policy
from crm_core.sql import table as table_of

log = logging.getLogger(__name__)
# the audit chain's writers, one at a time on PostgreSQL: the function (migration pg_1)
# takes pg_advisory_xact_lock(4242000001) and then reads the newest hash, in one round trip
_AUDIT_FIELDS = ("at", "actor_id", "actor", "action", "entity", "entity_id", "before", "after")
# a statement reading the cache versions along with its own rows (UNION ALL: what, id, info)
CACHE_VERSIONS_UNION = cache_versions.VERSIONS_UNION
_AUDIT_HEAD = text("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
# keys of the appended rows other than a model's plain rows (UnitOfWork.notify_once,
# UnitOfWork.update_later, UnitOfWork.upsert_later)
_ONCE, _UPDATE, _UPSERT = "once", "update", "upsert"
# UnitOfWork.reserved_id: ids taken from a table's sequence ahead, per process
_RESERVES = "uow.reserved_ids"
_RESERVE_BLOCK = 16
_TAKE_IDS = text(ATOMIC + "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :n)")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: a user, or the system / api / import."""

    user_id: int | None
    label: str

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(None, label)


class _Snapshot(dict[str, Any]):
    """A row's JSON-ready copy (`snapshot`): `UnitOfWork.audit` takes it as it is instead
    of walking it again (a routed lead's three snapshots were walked twice each)."""

    __slots__ = ()


def snapshot(row: SQLModel | None) -> dict[str, Any] | None:
    """JSON-ready copy of a row for the audit log (keys may be set afterwards: JSON-ready
    values only)."""
    if row is None:
        return None
    return _Snapshot({k: _jsonable(v) for k, v in row.model_dump().items()})


def _ready(v: dict[str, Any] | None) -> Any:
    return v if type(v) is _Snapshot else _jsonable(v)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _jsonable(v: Any) -> Any:
    if type(v) in _SCALARS:           # exact types: a StrEnum member still goes below
        return v
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set):
        return [_jsonable(x) for x in v]
    return v


class UnitOfWork:
    """`async with UnitOfWork(db, clock, actor) as uow:` … `await uow.commit()`.

    Leaving the block without commit rolls everything back: no partial writes.
    """

    def __init__(self, db: Database, clock: Clock, actor: Actor | None = None, *,
                 shared: dict[str, Any] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.actor = actor or Actor.system()
        self.now = clock.now()
        self._session: AsyncSession | None = None
        self.committed = False
        # reads shared by the units of work of one request (one chat message): the cache
        # versions, read once per message instead of once per transaction
        self.shared = shared

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self.db.sessions()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            if not self.committed:
                # Keep what was read usable after the block (a rollback would expire it);
                # close() below rolls the transaction back: no partial writes.
                self._session.expunge_all()
        finally:
            await self._session.close()
            self._session = None

    @property
    def memo(self) -> dict[str, Any]:
        """Reads reused within this transaction (the reference snapshot of
        `crm_core.services.routing_state`): one version check per transaction, not per use.
        Emptied at commit and rollback, and by a flush that writes a reference table."""
        return self.session.info.setdefault(MEMO_INFO, {})

    async def commit(self) -> None:
        # the ORM's pending changes first: the appended rows go last, with the audit chain's
        # lock (PostgreSQL), and a lock's holder must not wait for another transaction's row
        # (an UPDATE flushed after the audit rows did: a deadlock under load)
        await self.session.flush()
        await self._write_appended(final=True)
        await self.session.commit()
        self.committed = True
        if self.shared is not None:      # this commit may have moved a cache's version
            cache_versions.forget(self.shared)

    async def rollback(self) -> None:
        """Undo everything of this transaction, the queued appended rows included."""
        self.session.info.pop(APPEND_INFO, None)
        self.session.info.pop(ON_COMMIT_INFO, None)
        await self.session.rollback()

    async def flush(self) -> None:
        await self.session.flush()
        await self._write_appended(final=False)

    def add(self, row: SQLModel) -> None:
        self.session.add(row)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` right after this transaction commits (never after a rollback):
        for in-process caches that carry a committed change forward."""
        self.session.info.setdefault(ON_COMMIT_INFO, []).append(callback)

    async def sql(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        """Run a Core statement (prepared `text()`, a read that runs for every request) on
        this transaction's connection: no ORM bookkeeping and no autoflush, so use it for
        reads that do not depend on rows added but not yet flushed."""
        conn = await self.session.connection()
        return await conn.execute(statement, params or {})

    async def cache_version(self, cache: str) -> int:
        """The committed version of an in-process cache (`crm_core.infra.cache_versions`)."""
        return await cache_versions.version(self, cache)

    def note_cache_versions(self, versions: dict[str, int]) -> None:
        """The cache versions, read along with another statement (`CACHE_VERSIONS_UNION`)."""
        cache_versions.note(self, versions)

    async def changed_cache_sources(self, cache: str) -> bool:
        """Whether this transaction wrote a table `cache` is read from (then it reads
        afresh and keeps what it read out of the shared cache)."""
        return await cache_versions.touched(self, cache)

    async def executemany_now(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """SQLite: one driver-level executemany (`?` placeholders) on this transaction's
        connection, without SQLAlchemy building a statement."""
        conn = await self.session.connection()
        driver = (await conn.get_raw_connection()).driver_connection
        if isinstance(driver, InlineConnection):
            driver.executemany_now(sql, rows)
        else:
            await conn.exec_driver_sql(sql, rows)

    def append(self, model: type[SQLModel], **values: Any) -> None:
        """Queue an append-only row (audit, outbox, lead event) that nothing reads back in
        this transaction: written at the next `flush()` or `commit()`, one multi-row INSERT
        per table instead of one ORM insert with RETURNING per row. Same transaction, so
        same all-or-nothing; a rollback drops them."""
        pending: dict[type[SQLModel], list[dict[str, Any]]] = \
            self.session.info.setdefault(APPEND_INFO, {})
        pending.setdefault(model, []).append(values)

    async def _write_appended(self, *, final: bool) -> None:
        """Write the queued rows. Audit rows wait for the commit (`final`) and go last: they
        are chained to the log's newest row (`_chain_audit`), so nothing may come between
        reading that row and the commit."""
        pending = self.session.info.pop(APPEND_INFO, None)
        if not pending:
            return
        audit_rows = pending.pop(AuditLog, None)
        if audit_rows and not final:
            self.session.info[APPEND_INFO] = {AuditLog: audit_rows}
            audit_rows = None
        once = [(key[1], key[2], pending.pop(key)) for key in list(pending)
                if isinstance(key, tuple) and key[0] == _ONCE]
        updates = [(key[1], row) for key in list(pending)
                   if isinstance(key, tuple) and key[0] == _UPDATE for row in pending.pop(key)]
        upserts = [(key[1], key[2], list(pending.pop(key).values())) for key in list(pending)
                   if isinstance(key, tuple) and key[0] == _UPSERT]
        conn = await self.session.connection()
        driver = (await conn.get_raw_connection()).driver_connection
        inline = driver if isinstance(driver, InlineConnection) else None
        if conn.dialect.name == "postgresql":
            # one round trip: the updates, every table's rows, then the audit rows, linked
            # to the chain by the database under the chain's lock (held from there to the
            # commit)
            await inserts.write_together(conn, list(pending.items()), (audit_rows, [
                audit_policy.chain_body(audit_policy.AuditRecord(
                    *(row[c] for c in _AUDIT_FIELDS))) for row in audit_rows])
                if audit_rows else None, once=once, updates=updates, upserts=upserts,
                last=final, lag=final and durability.commit_may_lag())
            return
        for model, column, rows in upserts:
            await conn.execute(_sqlite_on_conflict(model, column, tuple(rows[0])), rows)
        for model, values in updates:
            table = table_of(model)
            await conn.execute(update(table).where(table.c.id == values["id"]).values(
                {k: v for k, v in values.items() if k != "id"}))
        for model, column, rows in once:
            await conn.execute(_sqlite_on_conflict(model, column, None), rows)
        if audit_rows:
            pending[AuditLog] = audit_rows       # dicts keep order: written last
        for model, rows in pending.items():
            if model is AuditLog:                # after the others: the chain's lock (on
                # PostgreSQL) is then held only from here to the commit, waiting for nothing
                await self._chain_audit(conn, inline, rows)
            await inserts.write_rows(conn, inline, model, rows)

    async def _chain_audit(self, conn: Any, inline: InlineConnection | None,
                           rows: list[dict[str, Any]]) -> None:
        """Link each audit row to the one before it (crm_core.policies.audit). SQLite has
        one writer, and a stale read there fails the write instead of forking the chain. (On
        PostgreSQL `crmbot_audit_head()`, read with the other appended rows, takes a
        transaction-scoped advisory lock that orders the writers from reading the newest
        hash to the commit.)"""
        if inline is not None:
            head = inline.fetchone_now(str(_AUDIT_HEAD))
            prev = (head[0] if head else None) or audit_policy.GENESIS
        else:
            prev = (await conn.execute(_AUDIT_HEAD)).scalar() or audit_policy.GENESIS
        self._link_audit(prev, rows)

    @staticmethod
    def _link_audit(prev: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row["prev_hash"] = prev
            row["hash"] = prev = audit_policy.chain_hash(prev, audit_policy.AuditRecord(
                row["at"], row["actor_id"], row["actor"], row["action"], row["entity"],
                row["entity_id"], row["before"], row["after"]))

    def audit(
        self, action: str, entity: str, entity_id: Any, *,
        before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
    ) -> None:
        """Queue an audit row: the fields that changed between `before` and `after` (whole
        `after` for a creation), payloads and big values as hashes; written and chained at
        the commit."""
        b, a = audit_policy.audit_delta(_ready(before), _ready(after))
        self.append(AuditLog, at=self.now, actor_id=self.actor.user_id, actor=self.actor.label,
                    action=action, entity=entity, entity_id=str(entity_id), before=b, after=a)

    def event(self, lead_id: int | None, kind: str, detail: dict[str, Any] | None = None, *,
              customer_id: int | None = None, contact_id: int | None = None,
              actor_id: int | None = None) -> None:
        """A lead's history entry (LeadEvent), appended in this transaction; by the unit of
        work's actor unless `actor_id` names another."""
        self.append(LeadEvent, lead_id=lead_id, customer_id=customer_id, contact_id=contact_id,
                    kind=kind, at=self.now,
                    actor_id=actor_id if actor_id is not None else self.actor.user_id,
                    detail=_jsonable(detail or {}))

    def notify_once(self, kind: str, recipient_id: int | None, payload: dict[str, Any],
                    dedupe_key: str) -> None:
        """`notify`, unless a message with this dedupe key is queued already (another
        transaction, another instance): written with this transaction's appended rows,
        `ON CONFLICT (dedupe_key) DO NOTHING` (as `crm_core.services.sla.notify_once`, in
        the commit's round trip instead of one of its own)."""
        pending: dict[Any, list[dict[str, Any]]] = \
            self.session.info.setdefault(APPEND_INFO, {})
        pending.setdefault((_ONCE, OutboxMessage, "dedupe_key"), []).append({
            "kind": kind, "recipient_id": recipient_id, "payload": _jsonable(payload),
            "dedupe_key": dedupe_key, "status": "pending", "attempts": 0,
            "next_attempt_at": self.now, "created_at": self.now})

    def appending(self, model: type[SQLModel]) -> bool:
        """Whether rows of `model` wait to be written at the next flush or commit."""
        return bool(self.session.info.get(APPEND_INFO, {}).get(model))

    async def reserved_id(self, model: type[SQLModel]) -> int:
        """PostgreSQL: an id for a new row of `model` before it is written (then `append`
        it with that id): from this process's reserve of the table's sequence, taken in
        blocks of `_RESERVE_BLOCK` — ids stay unique, but not gapless (a block's unused ids
        are lost when the process stops) nor in order across processes."""
        reserves: dict[str, deque[int]] = self.db.cache.setdefault(_RESERVES, {})
        name = table_of(model).name
        reserve = reserves.setdefault(name, deque())
        if not reserve:
            # a transaction of its own when none is open (a sequence is not rolled back)
            reserve.extend(int(i) for i in (await self.sql(_TAKE_IDS, {
                "table": name, "n": _RESERVE_BLOCK})).scalars())
        return reserve.popleft()

    def update_later(self, model: type[SQLModel], id_: int, **values: Any) -> None:
        """`UPDATE model SET values WHERE id = id_` of a row this transaction has not loaded
        (nothing to load: one round trip less), written with the appended rows at the next
        `flush()` or `commit()`. The caller makes sure the ORM does not hold that row."""
        pending: dict[Any, list[dict[str, Any]]] = \
            self.session.info.setdefault(APPEND_INFO, {})
        pending.setdefault((_UPDATE, model), []).append({"id": id_, **values})

    def upsert_later(self, model: type[SQLModel], column: str, **values: Any) -> None:
        """`INSERT … ON CONFLICT (column) DO UPDATE` of one whole row (every column given),
        written with the appended rows at the next `flush()` or `commit()` (on PostgreSQL in
        their one statement: no round trip of its own). A second upsert of the same row
        before then replaces the first (one statement cannot write a row twice). The caller
        makes sure the ORM does not hold that row."""
        missing = {c.key for c in table_of(model).columns} - set(values)
        assert not missing, f"upsert_later({model.__name__}): no value for {sorted(missing)}"
        pending: dict[Any, Any] = self.session.info.setdefault(APPEND_INFO, {})
        pending.setdefault((_UPSERT, model, column), {})[values[column]] = values

    def notify(
        self, kind: str, recipient_id: int | None, payload: dict[str, Any], dedupe_key: str, *,
        at: datetime | None = None, platform: str | None = None, chat_id: str | None = None,
    ) -> None:
        """Queue a message to push later, in this transaction (the outbox pattern)."""
        self.append(OutboxMessage, kind=kind, recipient_id=recipient_id,
                    payload=_jsonable(payload), dedupe_key=dedupe_key,
                    next_attempt_at=at or self.now, created_at=self.now, platform=platform,
                    chat_id=chat_id)


_ON_CONFLICT: dict[tuple[type[SQLModel], str, tuple[str, ...] | None], Any] = {}


def _sqlite_on_conflict(model: type[SQLModel], column: str, keys: tuple[str, ...] | None
                        ) -> Any:
    """SQLite: the INSERT … ON CONFLICT (column) of `notify_once` (`keys` None: DO NOTHING)
    and of `upsert_later` (DO UPDATE of the other `keys`), built once per shape."""
    stmt = _ON_CONFLICT.get((model, column, keys))
    if stmt is None:
        ins = sqlite_insert(table_of(model))
        stmt = _ON_CONFLICT[(model, column, keys)] = (
            ins.on_conflict_do_nothing(index_elements=[column]) if keys is None else
            ins.on_conflict_do_update(index_elements=[column], set_={
                k: ins.excluded[k] for k in keys if k != column}))
    return stmt


def day_bounds(day: date, clock: Clock) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=clock.tz)
    return start, start + timedelta(days=1)
