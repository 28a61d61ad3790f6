"""Engines, migrations and the unit of work.

`CRMBOT_DATABASE_URL` takes plain `sqlite:///path` or `postgresql://…` URLs; the async
driver (aiosqlite / asyncpg) and the sync one for alembic (sqlite3 / psycopg) are picked here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

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
        _ensure_sqlite_dir(url)
        async_url, _ = _split(url)
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": _json_dumps}
        if is_sqlite(url):
            # One connection: SQLite allows one writer, and concurrent transactions of one
            # process would otherwise meet in SQLite's sleeping busy handler (p99 of seconds).
            # Waiting for the pool is an asyncio wait, in order. Other processes on the same
            # file still meet the busy timeout.
            kwargs["connect_args"] = {"timeout": 30}
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(async_url, **kwargs)
        if is_sqlite(url):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        # per-database caches of slow-changing reads, each validated by a version query
        self.cache: dict[str, Any] = {}
        self.sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as s:
            yield s

    async def dispose(self) -> None:
        await self.engine.dispose()


def sync_engine_for(url: str) -> Engine:
    from sqlalchemy import create_engine

    _ensure_sqlite_dir(url)
    return create_engine(sync_url(url))
