"""Engines, migrations and the unit of work.

`CRMBOT_DATABASE_URL` takes plain `sqlite:///path` or `postgresql://…` URLs; the async
driver (aiosqlite / asyncpg) and the sync one for alembic (sqlite3 / psycopg) are picked here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from crm_core.infra.cache_versions import CACHE_SOURCE_TABLES, TOUCHED_TABLES

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _split(url: str) -> tuple[str, str]:
    """(async_url, sync_url) for a user-facing URL."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        return (str(u.set(drivername="sqlite+aiosqlite")), str(u.set(drivername="sqlite")))
    if backend in ("postgresql", "postgres"):
        return (
            u.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False),
            u.set(drivername="postgresql+psycopg").render_as_string(hide_password=False),
        )
    raise ValueError(f"unsupported database URL backend: {backend}")


def sync_url(url: str) -> str:
    return _split(url)[1]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_dir(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _json_dumps(value: Any) -> str:
    """Readable JSON in the database (and aliases searchable with LIKE on SQLite)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def migrate(url: str) -> None:
    """Bring the schema to the newest revision (`alembic upgrade heads`)."""
    if not log.isEnabledFor(logging.DEBUG):    # before the import: it logs its plugins
        logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic import command
    from alembic.config import Config

    _ensure_sqlite_dir(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["sqlalchemy_url"] = sync_url(url)
    command.upgrade(cfg, "heads")


class Database:
    """Owns the async engine; hands out sessions and units of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self._checkpointer: Any = None
        _ensure_sqlite_dir(url)
        async_url, _ = _split(url)
        # hide_parameters: SQL errors and echo never print the values (phones, names…)
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": _json_dumps,
                                  "hide_parameters": True}
        if is_sqlite(url):
            # One connection: SQLite allows one writer, and concurrent transactions of one
            # process would otherwise meet in SQLite's sleeping busy handler (p99 of seconds).
            # Waiting for the pool is an asyncio wait, in order. Other processes on the same
            # file still meet the busy timeout.
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
            # statements run on the loop's thread: no thread hop per call, and the WAL is
            # checkpointed by a background thread (see crm_core.infra.sqlite_inline)
            from crm_core.infra.sqlite_inline import inline_creator

            path = make_url(url).database or ":memory:"
            kwargs["async_creator"] = inline_creator(
                path, timeout=30,
                on_connect=None if path == ":memory:" else self._start_checkpointer)
        else:
            # No pre-ping: it cost three round trips (BEGIN, ping, ROLLBACK) per checkout.
            # A connection found dead fails its one request (503) and SQLAlchemy then
            # recycles every connection older than the failure, so the pool recovers by
            # itself after a server restart. BEGIN waits for the first statement that needs
            # it (crm_core.infra.pg_driver). A fixed pool of ten, each connection with its
            # prepared statements warm. No overflow: under a backlog, connections opened
            # beyond the pool (a handshake of several round trips, every statement prepared
            # again) were closed as soon as they came back and opened again, which made the
            # backlog grow; now a burst waits for a connection. (Units of work never nest:
            # SQLite's single connection already requires it.) Last in, first out: at an
            # ordinary load a process keeps taking the same one or two connections, whose
            # server processes and prepared statements stay warm, instead of cycling through
            # all ten (bot time per chat message about 0.25 ms less at 2 × 50 msg/s: five
            # paired runs of benchmarks.chat, 0.08–0.75 ms).
            from crm_core.infra import pg_driver

            kwargs.update(pool_size=10, max_overflow=0, pool_timeout=5, pool_recycle=1800,
                          pool_use_lifo=True,
                          module=pg_driver.dbapi(),
                          # a server that does not answer fails a request in 5 s, not 60
                          connect_args={"prepared_statement_cache_size": 500, "timeout": 5})
        self.engine: AsyncEngine = create_async_engine(async_url, **kwargs)
        if is_sqlite(url):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        # every INSERT/UPDATE/DELETE through this engine on lead that may change what routing
        # counts, and on the reference tables: with SQLite's data_version (other
        # connections' commits) or the versions of `cache_version`, the validity stamps of
        # the cached routing inputs (crm_core.services.routing_state)
        self.lead_writes = 0
        self.reference_writes = 0
        self.presence_writes = 0       # a user's last activity (`binding.touch`)
        event.listen(self.engine.sync_engine, "after_cursor_execute", self._count_lead_writes)
        # a transaction that wrote leads and rolled back may have left counts it read after
        # its own writes in a cache stamped with `lead_writes`: its rollback moves the stamp
        # on (registered before _forget_touched, which drops the mark)
        event.listen(self.engine.sync_engine, "rollback", self._lead_writes_undone)
        # the cache source tables this transaction wrote (crm_core.infra.cache_versions.touched):
        # kept on the connection, forgotten when its transaction ends
        for name in ("commit", "rollback"):
            event.listen(self.engine.sync_engine, name, _forget_touched)
        event.listen(self.engine.sync_engine.pool, "checkin", _forget_touched_record)
        # per-database caches of slow-changing reads, each validated by a version query and
        # dropped when this process commits a change to a table they are made of
        self.cache: dict[str, Any] = {}
        self.sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False,
            info={_DB_INFO: self},
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as s:
            yield s

    def _count_lead_writes(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement[:1] not in "IUD \n/W":
            return
        # "/", "W": a commit's rows in one statement (crm_core.infra.inserts), several parts
        if statement[:1] in "/W" or _LEAD_DML.match(statement):
            n = _counted_lead_writes(statement)
            if n:                     # each part counts: a carry-forward assumes only one
                self.lead_writes += n
                _conn.info[_LEAD_WRITTEN] = True
            return
        if _PRESENCE_DML.match(statement):
            self.presence_writes += 1
        elif _REFERENCE_DML.match(statement):
            self.reference_writes += 1
        m = _DML_TABLE.match(statement)
        if m is not None and m.group(1) in CACHE_SOURCE_TABLES:
            _conn.info.setdefault(TOUCHED_TABLES, set()).add(m.group(1))

    def _lead_writes_undone(self, conn: Any) -> None:
        if conn.invalidated:        # a lost connection (its info is gone): assume it wrote
            self.lead_writes += 1
            return
        if conn.info.pop(_LEAD_WRITTEN, False):
            self.lead_writes += 1

    def _start_checkpointer(self) -> None:
        if self._checkpointer is None:
            from crm_core.infra.sqlite_inline import Checkpointer

            self._checkpointer = Checkpointer(make_url(self.url).database or "")

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._checkpointer is not None:
            checkpointer, self._checkpointer = self._checkpointer, None
            await asyncio.get_running_loop().run_in_executor(None, checkpointer.stop)


_DB_INFO = "crmbot.db"
_LEAD_WRITTEN = "crmbot.lead_written"   # Connection.info: this transaction wrote leads
_TOUCHED = "crmbot.touches_reference"
MEMO_INFO = "crmbot.memo"               # UnitOfWork.memo: reads reused within a transaction
APPEND_INFO = "crmbot.append"           # UnitOfWork.append: rows written at flush/commit
ON_COMMIT_INFO = "crmbot.on_commit"     # UnitOfWork.on_commit: callbacks after the commit
_LEAD_DML = re.compile(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM) lead\b")
_DML_TABLE = re.compile(r'\s*(?:INSERT INTO|UPDATE|DELETE FROM) "?(\w+)')
_LEAD_DML_ANYWHERE = re.compile(r"\b(?:INSERT INTO|UPDATE|DELETE FROM) lead\b")
_LEAD_ROWS_IN_OUT = re.compile(r"\b(?:INSERT INTO|DELETE FROM) lead\b")
_LEAD_UPDATE = re.compile(r"\bUPDATE lead\b")
_LEAD_UPDATE_SET = re.compile(r"\bUPDATE lead SET (.*?)(?: WHERE |$)", re.DOTALL)
# what routing's live counts are made of (crm_core.services.routing_state.live_counts)
_COUNTED_COLUMN = re.compile(r'(?:^|[\s,"])(?:owner_id|status|assigned_at|team_id)"?\s*=')


def _counted_lead_writes(statement: str) -> int:
    """The parts of a statement on `lead` that may change what routing counts: rows in or
    out, and UPDATEs that set an owner, status, assignment time or team (a merge that adds
    a message or utm fields does not)."""
    if not _LEAD_DML_ANYWHERE.search(statement):
        return 0
    sets = _LEAD_UPDATE_SET.findall(statement)
    unread = len(_LEAD_UPDATE.findall(statement)) - len(sets)   # a shape not parsed: counts
    return len(_LEAD_ROWS_IN_OUT.findall(statement)) + max(unread, 0) + sum(
        1 for part in sets if _COUNTED_COLUMN.search(part))


def _forget_touched(conn: Any) -> None:
    if conn.invalidated:        # a lost connection: its record is dropped with it
        return
    conn.info.pop(TOUCHED_TABLES, None)
    conn.info.pop(_LEAD_WRITTEN, None)


def _forget_touched_record(_dbapi_conn: Any, record: Any) -> None:
    record.info.pop(TOUCHED_TABLES, None)
    record.info.pop(_LEAD_WRITTEN, None)
# the tables the cached reference snapshot is read from (crm_core.services.routing_state)
REFERENCE_TABLES = frozenset({"crm_user", "user_identity", "team", "region", "assignment_rule",
                              "config_entry", "product"})


# a user's last activity and nothing else (`binding.touch`): no reference write, `presence`
_PRESENCE_DML = re.compile(r"\s*UPDATE crm_user SET last_seen_at=[^,]*? WHERE ")
_REFERENCE_DML = re.compile(
    r"\s*(?:INSERT INTO|UPDATE|DELETE FROM) (?:" + "|".join(sorted(REFERENCE_TABLES)) + r")\b")


# Two guards keep the cached reference honest. The statement counters above stamp it on
# SQLite, where this process has the only connection. This one, at commit, also covers
# PostgreSQL, where another pooled connection of this process may read the reference
# between a write and its commit: the cache is dropped once the write is visible.
@event.listens_for(Session, "after_flush")
def _note_reference_writes(session: Session, _ctx: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in REFERENCE_TABLES:       # every such flush: the memo holds what it changed
            session.info[_TOUCHED] = True
            session.info.pop(MEMO_INFO, None)
            return


@event.listens_for(Session, "after_commit")
def _drop_stale_caches(session: Session) -> None:
    session.info.pop(MEMO_INFO, None)
    if session.info.pop(_TOUCHED, False):
        db = session.info.get(_DB_INFO)
        if db is not None:
            db.cache.clear()
    for callback in session.info.pop(ON_COMMIT_INFO, ()):
        try:
            callback()
        except Exception:  # a cache left stale is re-read; the commit itself stands
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_soft_rollback")
def _forget_reference_writes(session: Session, _previous: Any) -> None:
    session.info.pop(_TOUCHED, None)
    session.info.pop(MEMO_INFO, None)
    session.info.pop(APPEND_INFO, None)
    session.info.pop(ON_COMMIT_INFO, None)


def sync_engine_for(url: str) -> Engine:
    from sqlalchemy import create_engine

    _ensure_sqlite_dir(url)
    return create_engine(sync_url(url), hide_parameters=True)
