"""`crmbot db copy --to postgresql://…`: the demo company moved from SQLite into an empty
PostgreSQL database, every table's count and checksum verified, the copy usable at once;
running it again changes nothing; a non-empty target is refused untouched; a copy
interrupted halfway resumes."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from adapters.cli import main as cli
from crm_core.clock import SystemClock
from crm_core.db import Database, sync_engine_for
from crm_core.db_copy import CopyRefused, copy_database, tables
from crm_core.services import intake
from crm_core.uow import Actor, UnitOfWork
from tests.conftest import make_db_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def source(tmp_path: Path, sqlite_templates: dict[str, Path]) -> str:
    path = tmp_path / "crm.db"
    shutil.copy(sqlite_templates["demo"], path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_pg(request: pytest.FixtureRequest, tmp_path: Path,
             sqlite_templates: dict[str, Path]) -> Iterator[str]:
    request.param = "postgres"             # type: ignore[attr-defined]
    yield from make_db_url(request, tmp_path, "empty", sqlite_templates)


@pytest.fixture
def demo_pg(request: pytest.FixtureRequest, tmp_path: Path,
            sqlite_templates: dict[str, Path]) -> Iterator[str]:
    request.param = "postgres"             # type: ignore[attr-defined]
    yield from make_db_url(request, tmp_path, "demo", sqlite_templates)


def _sqlite_counts(url: str) -> dict[str, int]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return {t.name: conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
                for t in tables()}


def _pg_counts(url: str) -> dict[str, int]:
    engine = sync_engine_for(url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()
                    for t in tables()}
    finally:
        engine.dispose()


async def test_copy_verifies_and_the_copy_serves(source: str, empty_pg: str) -> None:
    result = copy_database(source, empty_pg)
    assert not result.already_done and not result.resumed
    assert _pg_counts(empty_pg) == _sqlite_counts(source)
    assert sum(t.rows for t in result.tables) > 1000 and all(t.checksum for t in result.tables)
    again = copy_database(source, empty_pg)   # idempotent: nothing to do, nothing done
    assert again.already_done and _pg_counts(empty_pg) == _sqlite_counts(source)
    db = Database(empty_pg)                # ids continue past the copied ones
    try:
        async with UnitOfWork(db, SystemClock(), Actor.system("api")) as uow:
            res = await intake.intake_lead(uow, {"company": "复制后医院", "name": "张医生",
                                                 "phone": "13911112222"})
        assert res.lead_id is not None and res.lead_id > _sqlite_counts(source)["lead"]
    finally:
        await db.dispose()


def test_a_target_with_data_is_refused_untouched(source: str, demo_pg: str,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(demo_pg) as conn:          # the demo company, plus one change
        conn.execute("UPDATE customer SET name = name || '（总院）' WHERE id = 1")
    before = _pg_counts(demo_pg)
    with pytest.raises(CopyRefused) as refused:
        copy_database(source, demo_pg)
    assert "已有数据" in refused.value.user_message
    assert _pg_counts(demo_pg) == before
    monkeypatch.setenv("CRMBOT_DATABASE_URL", source)
    from crm_core.settings import get_settings
    get_settings.cache_clear()
    try:
        assert cli(["db", "copy", "--to", demo_pg]) == 2
    finally:
        get_settings.cache_clear()
    assert "已有数据" in capsys.readouterr().out


def test_an_interrupted_copy_resumes(source: str, empty_pg: str) -> None:
    with psycopg.connect(empty_pg) as conn:         # the copy dies at the lead table
        conn.execute("ALTER TABLE lead ADD CONSTRAINT test_die CHECK (id < 0) NOT VALID")
    with pytest.raises(Exception, match="test_die"):
        copy_database(source, empty_pg)
    partial = _pg_counts(empty_pg)
    assert partial["lead"] == 0 and partial["crm_user"] > 0       # whole tables only
    with psycopg.connect(empty_pg) as conn:
        conn.execute("ALTER TABLE lead DROP CONSTRAINT test_die")
    other = source.replace("crm.db", "other.db")
    shutil.copy(source.removeprefix("sqlite:///"), other.removeprefix("sqlite:///"))
    with pytest.raises(CopyRefused, match="unfinished copy"):    # resumed from its own source
        copy_database(other, empty_pg)
    result = copy_database(source, empty_pg)
    assert result.resumed
    assert {t.name for t in result.tables if not t.copied} >= {"crm_user", "team"}
    assert _pg_counts(empty_pg) == _sqlite_counts(source)
    with psycopg.connect(empty_pg) as conn:         # foreign keys back, marker gone
        assert conn.execute("SELECT to_regclass('crmbot_copy')").fetchone()[0] is None
        fks = conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
                           " AND conrelid = 'lead'::regclass").fetchone()[0]
        assert fks > 0
