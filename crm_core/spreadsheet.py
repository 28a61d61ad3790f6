"""Tables people bring: XLSX and CSV files as bytes → header + rows of plain values.

Pure (bytes in, values out; openpyxl reads from memory). The format is sniffed from the
content, not the name: a ZIP is a workbook, an OLE file an old `.xls`, text is CSV in UTF-8,
UTF-16 (Excel's "Unicode text"), GBK or GB18030, separated by commas, tabs or semicolons.
The header row is the one among the first rows that names most known columns (title rows
above it are skipped); merged cells take the value of their top-left cell; size and row
count are bounded. Every refusal is a `SheetError` with a Chinese answer for the user.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from defusedxml import ElementTree as SafeET
from openpyxl.utils.cell import range_boundaries

MAX_BYTES = 20 * 1024 * 1024          # what a chat platform hands over at most (WeCom: 20 MB)
MAX_ROWS = 50_000
MAX_COLUMNS = 200
HEADER_SCAN_ROWS = 10
MAX_MERGED_RANGES = 20_000
MAX_UNPACKED_BYTES = 400 * 1024 * 1024  # 50 000 rows of 200 columns stay far below
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class SheetError(Exception):
    """The file as a whole cannot be used. `user_message` is the Chinese answer."""

    def __init__(self, log_message: str, user_message: str, *, no_header: bool = False
                 ) -> None:
        super().__init__(log_message)
        self.user_message = user_message
        self.no_header = no_header          # readable, but no row names the columns asked for


@dataclass
class Table:
    """A sheet's rows keyed by canonical column names."""

    header_line: int                                   # 1-based line of the header row
    columns: list[str]                                 # canonical key per column ('' = ignored)
    headers: list[str]                                 # the header texts as written
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (line, values)
    sheet: str = ""
    merged: int = 0                                    # merged ranges that were filled in

    @property
    def unknown_headers(self) -> list[str]:
        return [h for h, k in zip(self.headers, self.columns, strict=False) if h and not k]


def clean_header(text: Any) -> str:
    """A header cell as a lookup key: NFKC, no spaces, line breaks or a trailing '*'/'：'."""
    s = unicodedata.normalize("NFKC", str(text if text is not None else ""))
    s = "".join(s.split()).lstrip("\ufeff")
    return s.rstrip("*:：").strip()


def header_keys(headers: Iterable[Any], aliases: Mapping[str, str],
                keep_unknown: bool = False) -> list[str]:
    out = []
    for h in headers:
        c = clean_header(h)
        key = aliases.get(c) or aliases.get(c.lower())
        out.append(key or (c.lower() if keep_unknown and c else ""))
    return out


def read_table(
    data: bytes, aliases: Mapping[str, str], *, keep_unknown: bool = False,
    min_known: int = 1, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES,
) -> Table:
    """Parse a CSV or XLSX file. Raises SheetError for a file that cannot be used."""
    if len(data) > max_bytes:
        raise SheetError(f"file of {len(data)} bytes over the {max_bytes} limit",
                         f"文件太大（{len(data) / 1e6:.0f} MB），上限 {max_bytes // 1_000_000} MB。"
                         "请拆成几个文件再导入。")
    if not data.strip():
        raise SheetError("empty file", "文件是空的。")
    if data.startswith(_ZIP):
        grid, sheet, merged = _xlsx_rows(data)
    elif data.startswith(_OLE):
        raise SheetError("old binary .xls", "这是旧版 Excel（.xls）文件。请在 Excel 里"
                         "“另存为” .xlsx 或 .csv 后再发。")
    else:
        grid, sheet, merged = _csv_rows(_decode(data)), "", 0
    return _table(grid, aliases, keep_unknown=keep_unknown, min_known=min_known,
                  max_rows=max_rows, sheet=sheet, merged=merged)


def _table(grid: Iterator[tuple[int, list[Any]]], aliases: Mapping[str, str], *,
           keep_unknown: bool, min_known: int, max_rows: int, sheet: str, merged: int) -> Table:
    known = set(aliases.values())
    scanned: list[tuple[int, list[Any]]] = []
    for line, values in grid:
        if any(_filled(v) for v in values):
            scanned.append((line, values))
        if len(scanned) >= HEADER_SCAN_ROWS:
            break
    best: tuple[int, int] | None = None                # (known count, index in scanned)
    for i, (_, values) in enumerate(scanned):
        n = len({k for k in header_keys(values, aliases) if k in known})
        if n >= min_known and (best is None or n > best[0]):
            best = (n, i)
    if best is None:
        examples = "、".join(list(dict.fromkeys(aliases))[:6])
        raise SheetError("no recognisable header row",
                         f"没找到表头。第一行应是列名，例如：{examples}。", no_header=True)
    header_line, header = scanned[best[1]]
    header = header[:MAX_COLUMNS]
    columns = header_keys(header, aliases, keep_unknown)
    table = Table(header_line, columns, [str(h).strip() if h is not None else ""
                                         for h in header], sheet=sheet, merged=merged)

    def rows_after_header() -> Iterator[tuple[int, list[Any]]]:
        yield from (r for r in scanned[best[1] + 1:])
        yield from grid

    for line, values in rows_after_header():
        if not any(_filled(v) for v in values):
            continue
        if len(table.rows) >= max_rows:
            raise SheetError(f"more than {max_rows} rows",
                             f"行数超过上限 {max_rows} 行。请拆成几个文件，分批导入。")
        row: dict[str, Any] = {}
        for k, v in zip(columns, values, strict=False):
            if k and k not in row and _filled(v):      # two columns for one field: the first
                row[k] = _value(v)
        table.rows.append((line, row))
    return table


def _filled(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def _value(v: Any) -> Any:
    return v.strip() if isinstance(v, str) else v


# --------------------------------------------------------------------------- CSV

def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise SheetError(f"bad UTF-16: {e}", "文件编码无法识别。请另存为 UTF-8 的 CSV 或 "
                             ".xlsx。") from e
    head = data[:65536]
    if b"\x00" in head or _control_ratio(head) > 0.01:
        raise SheetError("binary content, not a table",
                         "这不是表格文件。请发 Excel（.xlsx）或 CSV 文件。")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise SheetError("undecodable text", "文件编码无法识别。请另存为 UTF-8 的 CSV 或 .xlsx。")


def _control_ratio(head: bytes) -> float:
    bad = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return bad / max(1, len(head))


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    first = text[:4096].splitlines()[0] if text.strip() else ""
    delimiter = max(",\t;|", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    line = 0
    try:
        for values in reader:
            line += 1
            yield line, list(values[:MAX_COLUMNS])
    except csv.Error as e:
        raise SheetError(f"CSV error near line {line + 1}: {e}",
                         f"第 {line + 1} 行附近的格式有误（引号或分隔符不配对）。") from e


# --------------------------------------------------------------------------- XLSX

def _xlsx_rows(data: bytes) -> tuple[Iterator[tuple[int, list[Any]]], str, int]:
    _check_unpacked_size(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as e:
        raise SheetError(f"cannot open as XLSX: {type(e).__name__}: {e}",
                         "这个文件打不开：不是有效的 Excel（.xlsx）文件。") from e
    except Exception as e:  # openpyxl raises many things on damaged files
        raise SheetError(f"cannot open as XLSX: {type(e).__name__}: {e}",
                         "这个文件打不开：Excel 文件可能已损坏。") from e
    ws = _first_sheet_with_data(wb)
    if ws is None:
        raise SheetError("workbook without a sheet", "这个 Excel 文件里没有工作表。")
    merges = _merged_ranges(ws)
    return _filled_merges(ws, merges), str(ws.title), len(merges)


def _check_unpacked_size(data: bytes) -> None:
    """A workbook is a ZIP: refuse one that unpacks to far more than any real list (a
    "zip bomb" would otherwise keep the parser busy for minutes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise SheetError(f"cannot open as XLSX: {e}",
                         "这个文件打不开：不是有效的 Excel（.xlsx）文件。") from e
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError(f"workbook unpacks to {unpacked} bytes",
                         "文件解压后太大，超过上限。请拆成几个文件再导入。")


def _first_sheet_with_data(wb: Any) -> Any:
    for ws in wb.worksheets:
        if getattr(ws, "sheet_state", "visible") != "visible":
            continue
        if ws.max_row is None or (ws.max_row or 0) > 1 or (ws.max_column or 0) > 1:
            return ws
    return wb.worksheets[0] if wb.worksheets else None


def _merged_ranges(ws: Any) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of the sheet's merged cells, read with a
    streaming parse of the sheet XML (read-only worksheets do not expose them)."""
    source = getattr(ws, "_get_source", None)
    if source is None:
        return []
    out: list[tuple[int, int, int, int]] = []
    with source() as src:
        for _event, el in SafeET.iterparse(src, events=("end",)):
            if el.tag == f"{_MAIN_NS}mergeCell":
                ref = el.get("ref") or ""
                try:
                    c0, r0, c1, r1 = range_boundaries(ref)
                except (ValueError, TypeError):
                    continue
                if None not in (c0, r0, c1, r1):
                    out.append((int(r0), int(c0), int(r1), int(c1)))
                if len(out) >= MAX_MERGED_RANGES:
                    break
            elif el.tag == f"{_MAIN_NS}row":
                el.clear()              # keep memory flat while passing the cells
    return out


def _filled_merges(ws: Any, merges: list[tuple[int, int, int, int]]
                   ) -> Iterator[tuple[int, list[Any]]]:
    by_row: dict[int, list[tuple[int, int, int, int]]] = {}
    for m in merges:
        for r in range(m[0], min(m[2], m[0] + MAX_ROWS) + 1):
            by_row.setdefault(r, []).append(m)
    anchors: dict[tuple[int, int], Any] = {}
    for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
        row = list(values[:MAX_COLUMNS]) if values else []
        for r0, c0, _r1, c1 in by_row.get(line, ()):
            if line == r0 and c0 - 1 < len(row):
                anchors[(r0, c0)] = row[c0 - 1]
            value = anchors.get((r0, c0))
            if value is None:
                continue
            while len(row) < min(c1, MAX_COLUMNS):
                row.append(None)
            for c in range(c0, min(c1, MAX_COLUMNS) + 1):
                if row[c - 1] is None:
                    row[c - 1] = value
        yield line, row
