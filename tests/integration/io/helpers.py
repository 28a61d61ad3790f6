"""Spreadsheet builders for the data-io tests."""

from __future__ import annotations

import io
from typing import Any

import openpyxl


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
