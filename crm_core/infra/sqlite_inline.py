"""SQLite for the async engine without a thread hop per call.

aiosqlite runs every call of the DB-API (make a cursor, execute, fetch, close) in its own
thread and wakes the event loop for each answer: four hops per statement, about 0.25 ms of
waiting for work that takes SQLite 10–50 µs on an indexed local file. Through SQLAlchemy's
greenlet bridge it came to about 0.5 ms a statement, most of the time of a lead intake.

This module gives SQLAlchemy's `sqlite+aiosqlite` dialect a connection with aiosqlite's
interface whose coroutines run the `sqlite3` call at once, on the loop's thread. SQLAlchemy,
sqlmodel, the SQL and the transactions are the same; only the waiting is gone.

Fairness to the rest of the loop: a statement never blocks longer than it takes to run, and
after `YIELD_AFTER_S` of back-to-back statements the connection yields to the event loop once
(`asyncio.sleep(0)`), so platform callbacks are acknowledged while a long job (a digest run,
a big scan) keeps the database busy. The one connection of a process (pool_size=1, see
`crm_core.db`) means statements were already serialised; nothing waits longer than before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

log = logging.getLogger(__name__)
YIELD_AFTER_S = 0.005
CHECKPOINT_EVERY_S = 0.5
# SQLite's own checkpoint, in the commit that crosses this many WAL pages: it then copies
# only the few pages the background thread has not yet, and restarts the WAL (which a
# checkpoint racing the writer never can), so the WAL stays below ~40 MB
AUTOCHECKPOINT_PAGES = 10_000


class _Pacer:
    """Yields to the event loop when statements have kept it busy for a while."""

    __slots__ = ("since",)

    def __init__(self) -> None:
        self.since = time.perf_counter()

    async def tick(self) -> None:
        now = time.perf_counter()
        if now - self.since >= YIELD_AFTER_S:
            await asyncio.sleep(0)
            self.since = time.perf_counter()


class InlineCursor:
    """aiosqlite.Cursor's interface over a sqlite3 cursor."""

    __slots__ = ("_cursor", "_pacer")

    def __init__(self, cursor: sqlite3.Cursor, pacer: _Pacer) -> None:
        self._cursor = cursor
        self._pacer = pacer

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()
                      ) -> InlineCursor:
        await self._pacer.tick()
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> InlineCursor:
        await self._pacer.tick()
        self._cursor.executemany(sql, seq)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _CursorContext:
    """What aiosqlite's `connection.cursor()` returns: awaitable and an async context."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], InlineCursor]) -> None:
        self._make = make

    def __await__(self) -> Any:
        return self._aenter().__await__()

    async def _aenter(self) -> InlineCursor:
        return self._make()

    async def __aenter__(self) -> InlineCursor:
        return self._make()

    async def __aexit__(self, *exc: object) -> None:
        return None


class _InlineQueue:
    """Stands in for aiosqlite's request queue (SQLAlchemy sets isolation_level through it)."""

    __slots__ = ()

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as e:  # handed to the awaiting caller, as aiosqlite does
            future.set_exception(e)


class InlineConnection:
    """aiosqlite.Connection's interface over a sqlite3 connection, run on the loop's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn
        self._tx = _InlineQueue()
        self._pacer = _Pacer()

    def cursor(self) -> _CursorContext:
        conn = self._require()
        return _CursorContext(lambda: InlineCursor(conn.cursor(), self._pacer))

    def executemany_now(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Rows that are only appended (audit, outbox, lead events): straight to the driver,
        in the transaction SQLAlchemy has open on this connection (crm_core.uow); sqlite3
        opens it here if nothing was written yet, and SQLAlchemy's commit or rollback ends
        it. Errors come out as SQLAlchemy's (IntegrityError for a duplicate dedupe key…), as
        they would through the engine."""
        from sqlalchemy.exc import DBAPIError

        rows = list(rows)
        try:
            self._require().executemany(sql, rows)
        except sqlite3.Error as e:
            raise DBAPIError.instance(sql, rows, e, sqlite3.Error) from e

    def fetchone_now(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """One row of a read in this connection's transaction, straight from the driver (the
        audit chain's head at each commit, crm_core.uow)."""
        try:
            return self._require().execute(sql, params).fetchone()
        except sqlite3.Error as e:
            from sqlalchemy.exc import DBAPIError

            raise DBAPIError.instance(sql, params, e, sqlite3.Error) from e

    async def commit(self) -> None:
        self._require().commit()

    async def rollback(self) -> None:
        self._require().rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._require().create_function(*args, **kw)

    @property
    def isolation_level(self) -> str | None:
        return self._require().isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"] | None) -> None:
        self._require().isolation_level = value

    def _require(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("Connection closed")
        return self._connection


class Checkpointer:
    """Copies the WAL back into the database file from a background thread.

    SQLite's automatic checkpoint runs inside whichever commit crosses 1000 WAL pages,
    copying them all with an fsync: every thirtieth lead intake paid about 5 ms for it on
    the event loop. This thread runs a PASSIVE checkpoint (never blocks readers or writers)
    every `CHECKPOINT_EVERY_S` on its own connection (the sqlite3 module releases the GIL
    while SQLite works). A checkpoint racing the writer can never restart the WAL, so the
    inline connection keeps SQLite's own, ten times rarer (`AUTOCHECKPOINT_PAGES`), to find
    nearly everything copied already and start the WAL over."""

    def __init__(self, database: str, every_s: float = CHECKPOINT_EVERY_S) -> None:
        self.database = database
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        while not self._stop.wait(self.every_s):
            try:
                if conn is None:
                    conn = sqlite3.connect(self.database, timeout=1.0)
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as e:  # a busy or vanished file: try again next time
                log.debug("background checkpoint of %s skipped: %s", self.database, e)
                if conn is not None:
                    conn.close()
                    conn = None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def inline_creator(database: str, *, timeout: float = 30.0,
                   on_connect: Callable[[], None] | None = None) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine` on a SQLite file. `on_connect` runs
    once per new connection (the owner starts its `Checkpointer` there)."""

    async def connect() -> InlineConnection:
        # check_same_thread=False: the pool may close the connection from the thread that
        # disposes the engine; use is still one task at a time (pool_size=1)
        conn = sqlite3.connect(database, timeout=timeout, check_same_thread=False)
        if on_connect is not None:
            conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            on_connect()
        return InlineConnection(conn)

    return connect
