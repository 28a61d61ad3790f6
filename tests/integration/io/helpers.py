"""Spreadsheet builders for the data-io tests."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl

from crm_core.db import is_sqlite
from tests.conftest import _pg_exec, _pg_url


def xlsx(rows: list[list[Any]], *, merges: tuple[str, ...] = (), title: str = "Sheet") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8", sep: str = ",") -> bytes:
    text = "\r\n".join(sep.join("" if v is None else str(v) for v in r) for r in rows) + "\r\n"
    return text.encode(encoding)


def fresh_database(like_url: str, tmp_path: Path) -> Iterator[str]:
    """A database that does not exist yet (SQLite) or is empty (PostgreSQL), on the backend
    of `like_url`; dropped afterwards."""
    if is_sqlite(like_url):
        yield f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:6]}' / 'crm.db'}"
        return
    name = f"crmbot_r_{uuid.uuid4().hex[:10]}"
    _pg_exec(f"CREATE DATABASE {name}")
    try:
        yield _pg_url(name)
    finally:
        _pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
