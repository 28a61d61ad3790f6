"""Shared fixtures: a frozen clock, migrated (and demo-seeded) databases on SQLite — and on
PostgreSQL when 127.0.0.1:5432 answers —, and a bot harness that talks like a chat user.

Databases are built once per session as templates and copied per test (SQLite: a file copy;
PostgreSQL: CREATE DATABASE … TEMPLATE), so every test starts from a known state quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.messages import ButtonPress, Card, ChatRef, Image, Incoming, Reply, Text, Voice
from crm_core.clock import FrozenClock
from crm_core.db import Database, migrate
from crm_core.settings import Settings
from crm_core.uow import Actor, UnitOfWork
from tests.resources import missing

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 15, tzinfo=TZ)        # a Monday
PG_ADMIN_URL = os.environ.get("CRMBOT_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason to skip."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError as e:
        return f"PostgreSQL not reachable on 127.0.0.1:5432 ({e})"
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as e:
        return f"PostgreSQL refused the connection ({e})"
    return None


def _pg_exec(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def _seed(url: str) -> None:
    from crm_core.demo import seed_demo

    db = Database(url)
    try:
        async with UnitOfWork(db, FrozenClock(NOW), Actor.system("demo")) as uow:
            await seed_demo(uow)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("templates")
    empty = root / "empty.db"
    migrate(f"sqlite:///{empty}")
    demo = root / "demo.db"
    shutil.copy(empty, demo)
    asyncio.run(_seed(f"sqlite:///{demo}"))
    return {"empty": empty, "demo": demo}


_PG_TEMPLATES: dict[str, str] = {}


def _pg_template(kind: str) -> str:
    if kind in _PG_TEMPLATES:
        return _PG_TEMPLATES[kind]
    name = f"crmbot_tpl_{kind}_{os.getpid()}"
    _pg_exec(f"DROP DATABASE IF EXISTS {name}")
    _pg_exec(f"CREATE DATABASE {name}")
    url = _pg_url(name)
    migrate(url)
    if kind == "demo":
        asyncio.run(_seed(url))
    _PG_TEMPLATES[kind] = name
    return name


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for name in _PG_TEMPLATES.values():
        with contextlib.suppress(Exception):
            _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def make_db_url(request: pytest.FixtureRequest, tmp_path: Path, kind: str,
                sqlite_templates: dict[str, Path]) -> Iterator[str]:
    backend = getattr(request, "param", "sqlite")
    if backend == "postgres":
        reason = postgres_available()
        if reason:
            missing(reason)
        tpl = _pg_template(kind)
        name = f"crmbot_t_{uuid.uuid4().hex[:10]}"
        _pg_exec(f"CREATE DATABASE {name} TEMPLATE {tpl}")
        try:
            yield _pg_url(name)
        finally:
            _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        path = tmp_path / f"{kind}.db"
        shutil.copy(sqlite_templates[kind], path)
        yield f"sqlite:///{path}"


BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path,
           sqlite_templates: dict[str, Path]) -> Iterator[str]:
    """An empty, migrated database on each backend."""
    yield from make_db_url(request, tmp_path, "empty", sqlite_templates)


@pytest.fixture(params=BACKENDS)
def demo_db_url(request: pytest.FixtureRequest, tmp_path: Path,
                sqlite_templates: dict[str, Path]) -> Iterator[str]:
    """A migrated database holding the demo company, on each backend."""
    yield from make_db_url(request, tmp_path, "demo", sqlite_templates)


@pytest.fixture
def sqlite_demo_url(tmp_path: Path, sqlite_templates: dict[str, Path]) -> str:
    path = tmp_path / "demo.db"
    shutil.copy(sqlite_templates["demo"], path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


def make_settings(url: str, **overrides: Any) -> Settings:
    return Settings(_env_file=None, database_url=url, now=NOW, **overrides)  # type: ignore[call-arg]


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def demo_db(demo_db_url: str) -> AsyncIterator[Database]:
    database = Database(demo_db_url)
    yield database
    await database.dispose()


@dataclass
class ChatHarness:
    """errbot-style test bot: `await chat.say("认领 42")` → the replies."""

    bot: Any
    clock: FrozenClock
    user: str = "zhangwei"
    platform: str = "console"
    group: bool = False
    last: list[Reply] = field(default_factory=list)
    interim: list[Reply] = field(default_factory=list)

    def _chat(self, user: str | None) -> ChatRef:
        uid = user or self.user
        return ChatRef(self.platform, "group-1" if self.group else uid, uid, is_group=self.group)

    async def _send(self, inc: Incoming) -> list[Reply]:
        self.interim = []

        async def respond(r: Reply) -> None:
            self.interim.append(r)

        self.last = await self.bot.handle(inc, respond)
        return self.last

    async def say(self, text: str, user: str | None = None) -> list[Reply]:
        return await self._send(Incoming(uuid.uuid4().hex, self._chat(user), self.clock.now(),
                                         text=text))

    async def voice(self, audio: bytes | None, fmt: str | None = None,
                    recognition: str | None = None, user: str | None = None) -> list[Reply]:
        return await self._send(Incoming(uuid.uuid4().hex, self._chat(user), self.clock.now(),
                                         voice=Voice(audio, fmt, recognition)))

    async def press(self, label: str, user: str | None = None) -> list[Reply]:
        """Tap the button with this label on the last card that has it."""
        for reply in reversed(self.last):
            if isinstance(reply, Card):
                for b in reply.buttons:
                    if b.label == label or b.label.startswith(label):
                        return await self._send(Incoming(
                            uuid.uuid4().hex, self._chat(user), self.clock.now(),
                            pressed=ButtonPress(b.action, dict(b.args))))
        raise AssertionError(f"no button {label!r} in {self.last!r}")


def text_of(replies: list[Reply]) -> str:
    """Everything the user sees, as one string (cards flattened)."""
    out = []
    for r in replies:
        if isinstance(r, Text):
            out.append(r.text)
        elif isinstance(r, Card):
            out.append(r.title)
            out.extend(f"{k}：{v}" for k, v in r.fields)
            out.append(r.body)
            out.extend(f"[{b.label}]" for b in r.buttons)
        elif isinstance(r, Image):
            out.append(r.caption)
    return "\n".join(out)


@pytest.fixture
async def chat(demo_db: Database, demo_db_url: str, clock: FrozenClock) -> ChatHarness:
    from bot.core import Bot

    bot = Bot(demo_db, clock, make_settings(demo_db_url))
    return ChatHarness(bot, clock)


@pytest.fixture
async def sqlite_chat(sqlite_demo_url: str, clock: FrozenClock) -> AsyncIterator[ChatHarness]:
    from bot.core import Bot

    database = Database(sqlite_demo_url)
    bot = Bot(database, clock, make_settings(sqlite_demo_url))
    yield ChatHarness(bot, clock)
    await database.dispose()
