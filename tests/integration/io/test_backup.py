"""Backups and restores on both backends: the manifest counts what the data holds, a
restore into an empty database gives the same row counts, a database with data is refused
unless forced (and then saved first), foreign files and cross-backend restores are refused,
retention keeps the newest."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_core.backup import (
    BackupError,
    create_backup,
    database_rows,
    holds_data,
    list_backups,
    prune_backups,
    read_manifest,
    restore_backup,
)
from crm_core.db import is_sqlite
from tests.conftest import NOW
from tests.integration.io.helpers import fresh_database


@pytest.fixture
def empty_target(demo_db_url: str, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(demo_db_url, tmp_path)


def test_backup_then_restore_into_an_empty_database(demo_db_url: str, empty_target: str,
                                                    tmp_path: Path) -> None:
    before = database_rows(demo_db_url)
    result = create_backup(demo_db_url, tmp_path / "b" / "crmbot-x.tar.gz", now=NOW)
    manifest = read_manifest(result.path)
    assert manifest["tables"] == before and result.tables == before
    assert before["customer"] == 150 and manifest["revision"]
    restored = restore_backup(empty_target, result.path, force=False, now=NOW)
    assert restored.ok and restored.saved_before is None
    after = database_rows(empty_target)
    assert {t: after[t] for t in before} == before


def test_a_database_with_data_is_refused_unless_forced(demo_db_url: str, tmp_path: Path
                                                       ) -> None:
    backup = create_backup(demo_db_url, tmp_path / "crmbot-1.tar.gz", now=NOW).path
    with pytest.raises(BackupError) as e:
        restore_backup(demo_db_url, backup, force=False, now=NOW)
    assert "--force" in e.value.user_message
    _add_customers(demo_db_url)
    assert database_rows(demo_db_url)["customer"] == 152
    result = restore_backup(demo_db_url, backup, force=True, now=NOW, save_dir=tmp_path)
    assert result.ok and result.saved_before is not None
    assert read_manifest(result.saved_before)["tables"]["customer"] == 152
    assert database_rows(demo_db_url)["customer"] == 150


def _add_customers(url: str) -> None:
    sql = ["INSERT INTO customer (name, kind, aliases) VALUES ('备份后新增一', 'other', '[]')",
           "INSERT INTO customer (name, kind, aliases) VALUES ('备份后新增二', 'other', '[]')"]
    if is_sqlite(url):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        with conn:
            for s in sql:
                conn.execute(s)
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            for s in sql:
                conn.execute(s)


def test_foreign_files_and_other_backends_are_refused(demo_db_url: str, tmp_path: Path
                                                      ) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(os.urandom(2000))
    with pytest.raises(BackupError) as e:
        restore_backup(demo_db_url, junk, force=True, now=NOW)
    assert "不是 crmbot 的备份" in e.value.user_message
    backup = create_backup(demo_db_url, tmp_path / "crmbot-2.tar.gz", now=NOW).path
    other = ("postgresql://postgres@127.0.0.1:5432/none" if is_sqlite(demo_db_url)
             else f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(BackupError) as e:
        restore_backup(other, backup, force=True, now=NOW)
    assert "不能直接恢复" in e.value.user_message


def test_sqlite_backup_is_consistent_while_writes_go_on(sqlite_demo_url: str, tmp_path: Path
                                                        ) -> None:
    path = sqlite_demo_url.removeprefix("sqlite:///")
    stop = threading.Event()

    def write() -> None:
        conn = sqlite3.connect(path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        n = 0
        while not stop.is_set():
            with conn:
                conn.execute("INSERT INTO customer (name, kind, aliases) VALUES (?, 'other', '[]')",
                             (f"并发客户{n}",))
                conn.execute("INSERT INTO department (customer_id, name) VALUES "
                             "((SELECT MAX(id) FROM customer), '部')")
            n += 1
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = create_backup(sqlite_demo_url, tmp_path / "crmbot-3.tar.gz", now=NOW)
    finally:
        stop.set()
        writer.join()
    target = f"sqlite:///{tmp_path / 'r.db'}"
    restored = restore_backup(target, result.path, force=False, now=NOW)
    assert restored.ok
    conn = sqlite3.connect(tmp_path / "r.db")
    customers = conn.execute("SELECT COUNT(*) FROM customer WHERE name LIKE '并发客户%'")\
        .fetchone()[0]
    departments = conn.execute("SELECT COUNT(*) FROM department WHERE name = '部'").fetchone()[0]
    conn.close()
    assert customers == departments      # each pair was one transaction: all or none of it


def test_retention_keeps_the_newest(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"crmbot-2026112{i}-023000.tar.gz").write_bytes(b"x")
    (tmp_path / "crmbot-before-restore-20261101-000000.tar.gz").write_bytes(b"x")
    gone = prune_backups(tmp_path, 3)
    assert [p.name for p in gone] == ["crmbot-20261121-023000.tar.gz",
                                      "crmbot-20261120-023000.tar.gz"]
    assert len(list_backups(tmp_path)) == 3
    assert (tmp_path / "crmbot-before-restore-20261101-000000.tar.gz").exists()


def test_holds_data_ignores_bookkeeping() -> None:
    assert not holds_data({"alembic_version": 1, "customer": 0})
    assert holds_data({"customer": 1})
