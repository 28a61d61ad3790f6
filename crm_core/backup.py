"""Backups and restores of the whole database, taken while the server runs.

A backup is one `.tar.gz` file: `manifest.json` (backend, schema revision, time, row count
per table, read in the same snapshot as the data) and the data itself:

* SQLite: a copy through SQLite's online backup API from its own read-only connection, in
  a worker thread: one read transaction, so the copy is consistent, and in WAL mode the
  server's writers never wait for it. The copy is checked (`PRAGMA quick_check`).
* PostgreSQL: `pg_dump --format=custom` of a snapshot exported by a REPEATABLE READ
  transaction that also counts the rows, so the counts describe exactly the dump.
  Credentials go to pg_dump / pg_restore through libpq environment variables, never argv.

A restore refuses a database that holds rows unless told (`force`), and then first saves
what is there as a backup of its own; afterwards it compares every table's row count with
the manifest and brings the schema to the newest revision. Nothing here touches the chat or
the event loop: the callers run it in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_core.db import is_sqlite, migrate, sync_engine_for

log = logging.getLogger(__name__)

FORMAT = "crmbot-backup"
VERSION = 1
PREFIX = "crmbot-"
SUFFIX = ".tar.gz"
SQLITE_MEMBER = "database.sqlite"
PG_MEMBER = "database.pgdump"
IGNORED_FOR_EMPTY = frozenset({"alembic_version", "cache_version"})
TOOL_TIMEOUT_S = 3600


class BackupError(Exception):
    """A backup or restore that cannot go on; `user_message` says why, in Chinese."""

    def __init__(self, log_message: str, user_message: str) -> None:
        super().__init__(log_message)
        self.user_message = user_message


@dataclass
class BackupResult:
    path: Path
    size: int
    backend: str
    tables: dict[str, int]
    seconds: float
    created_at: str

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass
class RestoreResult:
    backend: str
    expected: dict[str, int]
    found: dict[str, int]
    saved_before: Path | None = None
    seconds: float = 0.0
    mismatched: dict[str, tuple[int, int | None]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.mismatched


def default_name(now: datetime) -> str:
    return f"{PREFIX}{now.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


# --------------------------------------------------------------------------- backup

def create_backup(url: str, path: Path, *, now: datetime) -> BackupResult:
    """Write a backup of the database at `url` to `path` (atomically: a temporary file in
    the same folder, renamed when complete)."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    backend = "sqlite" if is_sqlite(url) else "postgresql"
    with tempfile.TemporaryDirectory(prefix="crmbot-backup-") as tmp:
        work = Path(tmp)
        if backend == "sqlite":
            member, tables, revision = _sqlite_copy(url, work / SQLITE_MEMBER)
        else:
            member, tables, revision = _pg_dump(url, work / PG_MEMBER)
        manifest = {"format": FORMAT, "version": VERSION, "backend": backend,
                    "created_at": now.isoformat(), "revision": revision, "data": member.name,
                    "tables": tables}
        partial = path.with_name(f".{path.name}.partial")
        try:
            with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
                _add_bytes(tar, "manifest.json",
                           json.dumps(manifest, ensure_ascii=False, indent=1).encode())
                tar.add(member, arcname=member.name)
            os.replace(partial, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
    return BackupResult(path, path.stat().st_size, backend, tables,
                        time.perf_counter() - started, now.isoformat())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"no SQLite file in {url!r}", "内存数据库无法备份。")
    return Path(database)


def _sqlite_copy(url: str, target: Path) -> tuple[Path, dict[str, int], list[str]]:
    source = _sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"{source} does not exist", f"找不到数据库文件 {source}。")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)                      # one step: one read snapshot, consistent
        check = dst.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(f"quick_check of the copy: {check}",
                              "备份副本校验失败，数据库文件可能已损坏。")
        tables, revision = _sqlite_counts(dst)
    finally:
        dst.close()
        src.close()
    return target, tables, revision


def _sqlite_counts(conn: sqlite3.Connection) -> tuple[dict[str, int], list[str]]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name")]
    tables = {n: int(conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]) for n in names}
    revision = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")] \
        if "alembic_version" in tables else []
    return tables, sorted(revision)


def pg_environment(url: str) -> dict[str, str]:
    """libpq variables for pg_dump / pg_restore: the password stays out of argv."""
    u = make_url(url)
    env = dict(os.environ)
    for key, value in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username),
                       ("PGPASSWORD", u.password), ("PGDATABASE", u.database)):
        if value not in (None, ""):
            env[key] = str(value)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found on PATH",
                          f"找不到 {name}。请安装 PostgreSQL 客户端（与服务器同一大版本）。")
    return found


def _pg_tables(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))
        .scalars())


def _pg_counts(conn: sa.Connection) -> tuple[dict[str, int], list[str]]:
    names = _pg_tables(conn)
    tables = {n: int(conn.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one())
              for n in names}
    revision = list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()) \
        if "alembic_version" in tables else []
    return tables, sorted(revision)


def _pg_dump(url: str, target: Path) -> tuple[Path, dict[str, int], list[str]]:
    pg_dump = _tool("pg_dump")
    engine = sync_engine_for(url)
    try:
        with engine.connect() as plain:
            conn = plain.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                tables, revision = _pg_counts(conn)
                # the exporting transaction stays open while pg_dump reads its snapshot
                _run([pg_dump, "--format=custom", "--compress=0", "--no-owner",
                      "--no-privileges", f"--snapshot={snapshot}", f"--file={target}"], url)
    finally:
        engine.dispose()
    return target, tables, revision


def _run(argv: list[str], url: str) -> None:
    try:
        done = subprocess.run(argv, env=pg_environment(url), capture_output=True,
                              timeout=TOOL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as e:
        raise BackupError(f"{Path(argv[0]).name} timed out",
                          f"{Path(argv[0]).name} 超时（{TOOL_TIMEOUT_S} 秒）。") from e
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip()[-800:]
        raise BackupError(f"{Path(argv[0]).name} exited {done.returncode}: {err}",
                          f"{Path(argv[0]).name} 失败：{err[-200:]}")


# --------------------------------------------------------------------------- restore

def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.loads(member.read())
    except (tarfile.TarError, KeyError, OSError, ValueError) as e:
        raise BackupError(f"not a backup: {path}: {e}", "这不是 crmbot 的备份文件。") from e
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), dict):
        raise BackupError(f"unknown manifest in {path}", "这不是 crmbot 的备份文件。")
    if int(manifest.get("version", 0)) > VERSION:
        raise BackupError("backup from a newer version", "这个备份来自更新的版本，请先升级。")
    return manifest


@contextlib.contextmanager
def _extracted(path: Path, manifest: dict[str, Any]) -> Iterator[Path]:
    name = str(manifest["data"])
    if name not in (SQLITE_MEMBER, PG_MEMBER):
        raise BackupError(f"unexpected data member {name!r}", "备份文件内容不对。")
    with tempfile.TemporaryDirectory(prefix="crmbot-restore-") as tmp, \
            tarfile.open(path, "r:gz") as tar:
        member = tar.getmember(name)
        if not member.isfile():
            raise BackupError("data member is not a file", "备份文件内容不对。")
        source = tar.extractfile(member)
        assert source is not None
        target = Path(tmp) / name
        with target.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        yield target


def database_rows(url: str) -> dict[str, int]:
    """Row count per table of the database at `url` (empty when it does not exist yet)."""
    if is_sqlite(url):
        path = _sqlite_path(url)
        if not path.exists():
            return {}
        lite = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return _sqlite_counts(lite)[0]
        finally:
            lite.close()
    engine = sync_engine_for(url)
    try:
        with engine.connect() as conn:
            return _pg_counts(conn)[0]
    finally:
        engine.dispose()


def holds_data(tables: dict[str, int]) -> bool:
    return any(n for t, n in tables.items() if t not in IGNORED_FOR_EMPTY)


def restore_backup(url: str, path: Path, *, force: bool, now: datetime,
                   save_dir: Path | None = None) -> RestoreResult:
    """Replace the database at `url` with the backup at `path`, then verify and migrate."""
    started = time.perf_counter()
    manifest = read_manifest(path)
    backend = "sqlite" if is_sqlite(url) else "postgresql"
    if manifest["backend"] != backend:
        raise BackupError(f"{manifest['backend']} backup into {backend}",
                          f"这是 {manifest['backend']} 的备份，不能直接恢复到 {backend}。"
                          "请恢复到同类数据库，再用 crmbot db copy 迁移。")
    current = database_rows(url)
    saved: Path | None = None
    if holds_data(current):
        if not force:
            raise BackupError("target database holds data",
                              "目标数据库里已有数据，未恢复。确认要覆盖请加 --force"
                              "（会先把现有数据另存一份备份）。")
        folder = save_dir or path.parent
        saved = create_backup(url, folder / f"{PREFIX}before-restore-"
                              f"{now.strftime('%Y%m%d-%H%M%S')}{SUFFIX}", now=now).path
    expected = {str(k): int(v) for k, v in manifest["tables"].items()}
    with _extracted(path, manifest) as data:
        if backend == "sqlite":
            _sqlite_restore(url, data, expected)
        else:
            _pg_restore(url, data, fresh=not current)
    found = database_rows(url)
    result = RestoreResult(backend, expected, found, saved)
    for table, n in expected.items():
        if found.get(table) != n:
            result.mismatched[table] = (n, found.get(table))
    if result.ok:
        migrate(url)                  # an older backup meets the newest schema
    result.seconds = time.perf_counter() - started
    return result


def _sqlite_restore(url: str, data: Path, expected: dict[str, int]) -> None:
    src = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
    try:
        tables, _ = _sqlite_counts(src)
        if tables != expected:
            raise BackupError("archive data does not match its manifest",
                              "备份文件里的数据和清单对不上，可能已损坏，未恢复。")
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)           # through SQLite: WAL and journal stay coherent
        finally:
            dst.close()
    finally:
        src.close()


def _pg_restore(url: str, data: Path, *, fresh: bool) -> None:
    pg_restore = _tool("pg_restore")
    if not fresh:                     # tables exist (empty, or saved above): start clean
        engine = sync_engine_for(url)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        finally:
            engine.dispose()
    _run([pg_restore, "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={make_url(url).database}", str(data)], url)


# --------------------------------------------------------------------------- retention

def list_backups(folder: Path) -> list[Path]:
    """The scheduled backups in `folder`, newest first (safety copies made by a restore
    are not counted)."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_file() and p.name.startswith(PREFIX)
             and p.name.endswith(SUFFIX) and "before-restore" not in p.name]
    return sorted(found, key=lambda p: p.name, reverse=True)


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; returns what was deleted."""
    gone = list_backups(folder)[max(keep, 1):]
    for p in gone:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    return gone
