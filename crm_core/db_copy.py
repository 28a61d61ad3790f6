"""Moving up: a SQLite deployment copied into an empty PostgreSQL database
(`crmbot db copy --to postgresql://…`).

1. The target is migrated to the newest schema, then checked: a database that holds rows is
   refused — unless it holds exactly the source's rows (then there is nothing to do: running
   the copy twice is harmless) or is a copy this command left unfinished (then it resumes).
2. Its foreign keys are set aside (kept in a `crmbot_copy` table of the target, which also
   marks the copy as ours and unfinished), so that tables referring to each other (a team's
   manager is a user, a user's team is a team) load in any order.
3. Each table is copied in one transaction with COPY, in primary-key order: a table is there
   in full or not at all, and a copy interrupted anywhere resumes with the first table
   missing.
4. The foreign keys come back (PostgreSQL checks every row then), each id sequence is moved
   past the highest id, and every table is compared: row count and a SHA-256 over its rows in
   primary-key order, read back from PostgreSQL. Only then is the marker removed.

Stop `crmbot serve` on the SQLite file first (or copy a restored backup): rows written while
the copy runs would make the checksums differ, and the copy says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

import crm_core.models  # noqa: F401  (every table in SQLModel.metadata)
from crm_core.db import is_sqlite, migrate, sync_engine_for

log = logging.getLogger(__name__)

SKIPPED = frozenset({"cache_version"})      # the target's own (its caches start afresh)
MARKER = "crmbot_copy"


class CopyRefused(Exception):
    """The copy cannot go on; `user_message` says why, in Chinese."""

    def __init__(self, log_message: str, user_message: str) -> None:
        super().__init__(log_message)
        self.user_message = user_message


@dataclass
class TableResult:
    name: str
    rows: int
    checksum: str
    copied: bool                    # False: already there (resumed or copied before)


@dataclass
class CopyResult:
    tables: list[TableResult] = field(default_factory=list)
    seconds: float = 0.0
    already_done: bool = False      # the target held exactly the source's rows already
    resumed: bool = False


def tables() -> list[sa.Table]:
    """The tables to copy, parents before children where that order exists."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in SKIPPED]


_NULL = "\x00"


def _ts(v: Any) -> str:
    """An instant as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC: SQLite's stored form as it is,
    PostgreSQL's UTC output ("…:SS[.f]+00") padded; anything else parsed."""
    text = str(v)
    if len(text) == 26 and text[10] == " " and text[19] == ".":
        return text
    if text.endswith("+00") and text[10] == " ":
        body = text[:-3]
        if len(body) == 19:
            return body + ".000000"
        if body[19] == ".":
            return body.ljust(26, "0")
    t = v if isinstance(v, datetime) else datetime.fromisoformat(text)
    t = (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


_JSON_MEMO: dict[str, str] = {}


def _json(v: Any) -> str:
    """JSON re-serialised with sorted keys (repeated texts — "[]", a product list — once)."""
    text = v if isinstance(v, str) else None
    if text is not None and (hit := _JSON_MEMO.get(text)) is not None:
        return hit
    out = json.dumps(json.loads(v) if isinstance(v, str | bytes) else v, sort_keys=True,
                     ensure_ascii=False, separators=(",", ":"))
    if text is not None and len(text) <= 200:
        if len(_JSON_MEMO) > 200_000:
            _JSON_MEMO.clear()
        _JSON_MEMO[text] = out
    return out


def _bool(v: Any) -> str:
    return "T" if v in (1, True, "t", "1", "true") else "F"


def _num(v: Any) -> str:
    return repr(float(v))


def _canonical_for(column: sa.Column[Any]) -> Callable[[Any], str]:
    """How one column's value reads the same from SQLite's storage and from PostgreSQL's
    text output (instants in UTC, JSON re-serialised with sorted keys, booleans, numbers)."""
    t = column.type
    if isinstance(t, sa.JSON):
        return _json
    if isinstance(t, sa.Boolean):
        return _bool
    if isinstance(t, sa.Float | sa.Numeric):
        return _num
    if isinstance(t, sa.DateTime) or isinstance(getattr(t, "impl", None), sa.DateTime):
        return _ts
    return str


def _columns(table: sa.Table) -> tuple[str, str]:
    """(quoted column list, ORDER BY of the primary key)."""
    cols = ", ".join(f'"{c.name}"' for c in table.columns)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    return cols, order


class _Digest:
    """SHA-256 over a table's rows in primary-key order, each value made canonical."""

    def __init__(self, table: sa.Table) -> None:
        self.sha = hashlib.sha256()
        self.rows = 0
        self.canon = [_canonical_for(c) for c in table.columns]

    def add(self, row: Iterable[Any]) -> None:
        self.sha.update("\x1f".join(_NULL if v is None else f(v)
                                     for f, v in zip(self.canon, row, strict=True))
                        .encode("utf-8", "surrogatepass"))
        self.sha.update(b"\x1e")
        self.rows += 1

    def result(self) -> tuple[int, str]:
        return self.rows, self.sha.hexdigest()


def _source_rows(src: sqlite3.Connection, table: sa.Table) -> Iterable[tuple[Any, ...]]:
    cols, order = _columns(table)
    cur = src.execute(f'SELECT {cols} FROM "{table.name}" ORDER BY {order}')
    while batch := cur.fetchmany(5000):
        yield from batch


def _source_digest(src: sqlite3.Connection, table: sa.Table) -> tuple[int, str]:
    d = _Digest(table)
    for row in _source_rows(src, table):
        d.add(row)
    return d.result()


def _target_digest(pg: Any, table: sa.Table) -> tuple[int, str]:
    """Read back as PostgreSQL's text output (COPY TO), the session in UTC."""
    cols, order = _columns(table)
    d = _Digest(table)
    with pg.cursor() as cur, cur.copy(
            f'COPY (SELECT {cols} FROM "{table.name}" ORDER BY {order}) TO STDOUT') as copy:
        for row in copy.rows():
            d.add(row)
    return d.result()


def copy_database(source_url: str, target_url: str,
                  progress: Callable[[str], None] = lambda _: None) -> CopyResult:
    """Copy every row of the SQLite database at `source_url` into the PostgreSQL database at
    `target_url` (see the module's docstring). Raises CopyRefused."""
    if not is_sqlite(source_url):
        raise CopyRefused("source is not SQLite",
                          "只能从 SQLite 数据库复制（CRMBOT_DATABASE_URL）。")
    if not target_url.startswith(("postgresql://", "postgres://")):
        raise CopyRefused("target is not PostgreSQL", "目标要是 postgresql://… 地址。")
    path = sa.engine.make_url(source_url).database or ""
    if not path or path == ":memory:" or not Path(path).is_file():
        raise CopyRefused(f"no SQLite file at {path}", f"找不到源数据库文件：{path}")
    started = time.monotonic()
    migrate(target_url)
    target = sync_engine_for(target_url)
    result = CopyResult()
    src = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        fks = _begin(src, str(Path(path).resolve()), target, result, progress)
        if result.already_done:
            result.seconds = time.monotonic() - started
            return result
        digests = _copy_tables(src, target, result, progress)
        _finish(target, fks, progress)
        _verify(target, digests, progress)
    finally:
        src.close()
        target.dispose()
    result.seconds = time.monotonic() - started
    return result


def _counts(conn: Any) -> dict[str, int]:
    """Rows per table, through a SQLAlchemy connection or a DB-API one."""
    run = conn.exec_driver_sql if isinstance(conn, sa.Connection) else conn.execute
    out: dict[str, int] = {}
    for t in tables():
        row: Any = run(f'SELECT count(*) FROM "{t.name}"').fetchone()
        out[t.name] = int(row[0])
    return out


def _begin(src: sqlite3.Connection, source: str, target: sa.Engine, result: CopyResult,
           progress: Callable[[str], None]) -> list[tuple[str, str, str]]:
    """Check the target and set its foreign keys aside; returns them (table, name, def)."""
    with target.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242000002)"))   # one copy at a time
        marker = conn.execute(sa.text("SELECT to_regclass(:m)"), {"m": MARKER}).scalar()
        if marker is not None:
            row, was = conn.execute(sa.text(f"SELECT fks, source FROM {MARKER}")).one()
            if was != source:
                raise CopyRefused(
                    f"an unfinished copy from {was} is in the target",
                    f"目标数据库里是从另一个源（{was}）未完成的复制，不能接着复制这个源。")
            result.resumed = True
            progress("继续上次未完成的复制。")
            return [(str(t), str(n), str(d)) for t, n, d in row]
        held = {n: c for n, c in _counts(conn).items() if c}
        if held:
            if _same_as_source(src, conn.connection.driver_connection, progress):
                result.already_done = True
                result.tables = [TableResult(t.name, held.get(t.name, 0), "", False)
                                 for t in tables()]
                return []
            names = "、".join(sorted(held)[:5])
            raise CopyRefused(
                f"target holds rows ({', '.join(sorted(held))})",
                f"目标数据库已有数据（{names}…），没有复制。请给一个空的数据库。")
        fks = [(str(t), str(n), str(d)) for t, n, d in conn.execute(sa.text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f'"
            " AND connamespace = current_schema()::regnamespace ORDER BY 1, 2"))]
        conn.execute(sa.text(f"CREATE TABLE {MARKER} (fks JSONB NOT NULL, source TEXT NOT NULL,"
                             " started_at TIMESTAMPTZ NOT NULL DEFAULT now())"))
        conn.execute(sa.text(f"INSERT INTO {MARKER} (fks, source) VALUES (CAST(:f AS JSONB), :s)"),
                     {"f": json.dumps(fks), "s": source})
        for table, name, _ in fks:
            conn.execute(sa.text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    return fks


def _same_as_source(src: sqlite3.Connection, pg: Any, progress: Callable[[str], None]) -> bool:
    if _counts(src) != _counts(pg):
        return False
    progress("目标数据库已有同样多的行，逐表校验…")
    pg.execute("SET TIME ZONE 'UTC'")
    return all(_source_digest(src, t) == _target_digest(pg, t) for t in tables())


def _copy_tables(src: sqlite3.Connection, target: sa.Engine, result: CopyResult,
                 progress: Callable[[str], None]) -> dict[str, tuple[int, str]]:
    digests: dict[str, tuple[int, str]] = {}
    raw = target.raw_connection()
    try:
        pg = raw.driver_connection
        assert pg is not None
        pg.execute("SET TIME ZONE 'UTC'")      # SQLite keeps instants as UTC text
        pg.commit()
        for table in tables():
            have = pg.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
            if have:                           # copied by an earlier run (one transaction)
                digests[table.name] = _source_digest(src, table)
                result.tables.append(TableResult(table.name, *digests[table.name], False))
                continue
            digests[table.name] = _copy_table(src, pg, table)
            pg.commit()
            result.tables.append(TableResult(table.name, *digests[table.name], True))
            if digests[table.name][0]:
                progress(f"{table.name}: {digests[table.name][0]} 行")
    finally:
        raw.close()
    return digests


def _copy_table(src: sqlite3.Connection, pg: Any, table: sa.Table) -> tuple[int, str]:
    """One table in one transaction: the values as SQLite stores them (instants as UTC
    text, JSON as text, booleans as 0/1), which PostgreSQL reads for its column types. The
    table's own triggers (cache versions) are off meanwhile: nothing caches a copy."""
    cols, _ = _columns(table)
    d = _Digest(table)
    pg.execute(f'ALTER TABLE "{table.name}" DISABLE TRIGGER USER')
    with pg.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
        for row in _source_rows(src, table):
            d.add(row)
            copy.write_row(row)
    pg.execute(f'ALTER TABLE "{table.name}" ENABLE TRIGGER USER')
    return d.result()


def _finish(target: sa.Engine, fks: list[tuple[str, str, str]],
            progress: Callable[[str], None]) -> None:
    """Foreign keys back (each checked over all rows), sequences past the highest ids."""
    progress("恢复外键并校验…")
    with target.begin() as conn:
        present = {(str(t), str(n)) for t, n in conn.execute(sa.text(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f'"
            " AND connamespace = current_schema()::regnamespace"))}
        for table, name, definition in fks:
            if (table, name) not in present:
                conn.execute(sa.text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        for t in tables():
            pk = list(t.primary_key.columns)
            if len(pk) == 1 and isinstance(pk[0].type, sa.Integer):
                conn.execute(sa.text(
                    f"SELECT setval(seq, COALESCE((SELECT MAX(\"{pk[0].name}\") FROM"
                    f' "{t.name}"), 0) + 1, false) FROM pg_get_serial_sequence(:t, :c) AS seq'
                    " WHERE seq IS NOT NULL"), {"t": f'"{t.name}"', "c": pk[0].name})


def _verify(target: sa.Engine, digests: dict[str, tuple[int, str]],
            progress: Callable[[str], None]) -> None:
    progress("逐表核对行数和校验和…")
    raw = target.raw_connection()
    try:
        pg = raw.driver_connection
        assert pg is not None
        pg.execute("SET TIME ZONE 'UTC'")
        bad = [t.name for t in tables() if _target_digest(pg, t) != digests[t.name]]
        if bad:
            raise CopyRefused(
                f"checksums differ after the copy: {', '.join(bad)}",
                f"复制后核对不一致：{'、'.join(bad)}。复制期间源数据库是否还在写入？"
                "请先停止 crmbot serve，清空目标数据库后重新复制。")
        pg.execute(f"DROP TABLE {MARKER}")
        pg.commit()
    finally:
        raw.close()
