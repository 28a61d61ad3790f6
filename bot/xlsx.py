"""Excel files we hand out: exports, import templates, import reports.

A small streaming writer of the Office Open XML spreadsheet format (ECMA-376 part 1, §18):
rows are written as XML to a temporary file as they come, then zipped — memory stays flat
at any size and a 100 000-row sheet costs about a tenth of the CPU of openpyxl's write-only
workbook (the export figure of `benchmarks/data_io.py`). openpyxl still reads what users
send us; it is also what the tests read our files back with. Chinese headers in bold on a
light fill, the header row frozen, column widths set, dates as Excel dates in the tenant's
time zone, amounts as numbers. Cells that Excel would read as a formula (starting with
= + - @, or a tab / carriage return) are neutralised with a leading apostrophe and stored as
text: an export never runs anything on the reader's machine."""

from __future__ import annotations

import asyncio
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from crm_core.services import export as export_service
from crm_core.uow import UnitOfWork

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_CELL_CHARS = 32_767              # Excel's limit
MAX_ROWS = 1_048_576                 # Excel's limit per sheet
_EPOCH_DATE = date(1899, 12, 30)     # Excel's day 0 (1900 date system, with its leap-year bug)

# cellXfs indexes in _STYLES below
_S_HEADER, _S_DATETIME, _S_DATE, _S_MONEY, _S_NUMBER = 1, 2, 3, 4, 5
_NUMERIC_STYLE = {"money": _S_MONEY, "number": _S_NUMBER}

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    _XML + f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="166" formatCode="#,##0.00"/>'
    '<numFmt numFmtId="167" formatCode="#,##0.##"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/>'
    '<bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"'
    ' applyAlignment="1"><alignment vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    '</cellStyles></styleSheet>')


def safe_text(value: str) -> str:
    """Text as it may go into a cell: no control characters, no formula."""
    text = _ILLEGAL.sub("", value)[:MAX_CELL_CHARS] if _ILLEGAL.search(value) or \
        len(value) > MAX_CELL_CHARS else value
    return "'" + text if text.startswith(FORMULA_START) else text


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


class SheetWriter:
    """One sheet streamed to a temporary file: the header first, then rows of plain values
    by column kind. Rows beyond Excel's limit are not written (`rows` counts the written)."""

    def __init__(self, out: IO[str], columns: Sequence[export_service.Column],
                 tz: Any) -> None:
        self.out = out
        self.tz = tz
        self.kinds = [c.kind for c in columns]
        self.letters = [column_letter(i) for i in range(1, len(columns) + 1)]
        self.rows = 0
        cols = "".join(f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>'
                       for i, c in enumerate(columns, 1))
        out.write(_XML + f'<worksheet xmlns="{_NS}" xmlns:r="{_NS_R}">'
                  '<sheetViews><sheetView workbookViewId="0">'
                  '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                  '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                  '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                  + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")
        out.write('<row r="1">' + "".join(_text_cell(f"{L}1", c.title, _S_HEADER)
                                          for L, c in zip(self.letters, columns,
                                                          strict=True)) + "</row>")

    def append(self, values: Sequence[Any]) -> None:
        if self.rows + 1 >= MAX_ROWS:
            return
        self.rows += 1
        n = self.rows + 1
        cells = [self._cell(f"{L}{n}", kind, v) for L, kind, v in
                 zip(self.letters, self.kinds, values, strict=False)]
        self.out.write(f'<row r="{n}">' + "".join(cells) + "</row>")

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for r in rows:
            self.append(r)

    def close(self) -> None:
        self.out.write("</sheetData></worksheet>")
        self.out.close()

    def _cell(self, ref: str, kind: str, v: Any) -> str:
        t = type(v)
        if t is str:                 # most cells: one type check
            return _text_cell(ref, safe_text(v)) if v else ""
        if v is None:
            return ""
        if t is datetime:
            local = (v.astimezone(self.tz) if v.tzinfo is not None else v).replace(tzinfo=None)
            if kind == "date":
                return f'<c r="{ref}" s="{_S_DATE}"><v>{(local.date() - _EPOCH_DATE).days}</v></c>'
            seconds = (local.hour * 3600 + local.minute * 60 + local.second
                       + local.microsecond / 1e6)
            serial = (local.date() - _EPOCH_DATE).days + seconds / 86400
            return f'<c r="{ref}" s="{_S_DATETIME}"><v>{serial!r}</v></c>'
        if t is date:
            return f'<c r="{ref}" s="{_S_DATE}"><v>{(v - _EPOCH_DATE).days}</v></c>'
        if t is bool:
            return _text_cell(ref, "是" if v else "否")
        if t is int or t is float:
            if t is float and not math.isfinite(v):
                return _text_cell(ref, str(v))
            style = _NUMERIC_STYLE.get(kind)
            s = f' s="{style}"' if style else ""
            return f'<c r="{ref}"{s}><v>{v!r}</v></c>'
        return _text_cell(ref, safe_text(str(v)))


class Workbook:
    """Sheets streamed to a temporary folder, zipped by `save`."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="crmbot-xlsx-")
        self._sheets: list[tuple[str, Path, SheetWriter]] = []

    def create_sheet(self, title: str, columns: Sequence[export_service.Column],
                     tz: Any = None) -> SheetWriter:
        path = Path(self._dir.name) / f"sheet{len(self._sheets) + 1}.xml"
        out = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        writer = SheetWriter(out, columns, tz)
        self._sheets.append((title[:31], path, writer))
        return writer

    def save(self, path: str | Path) -> None:
        if not self._sheets:                   # a workbook needs at least one sheet
            self.create_sheet("Sheet1", [])
        sheets = self._sheets
        for _, _, writer in sheets:
            if not writer.out.closed:
                writer.close()
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1))
        content_types = (
            _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/>' + overrides + "</Types>")
        rels = (_XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                "</Relationships>")
        book = (_XML + f'<workbook xmlns="{_NS}" xmlns:r="{_NS_R}"><bookViews>'
                '<workbookView activeTab="0"/></bookViews><sheets>'
                + "".join(f'<sheet name="{escape(t, {chr(34): "&quot;"})}" sheetId="{i}" '
                          f'r:id="rId{i}"/>' for i, (t, _, _) in enumerate(sheets, 1))
                + "</sheets></workbook>")
        sheet_type = f"{_NS_R}/worksheet"
        book_rels = (_XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                     '2006/relationships">'
                     + "".join(f'<Relationship Id="rId{i}" Type="{sheet_type}" '
                               f'Target="worksheets/sheet{i}.xml"/>'
                               for i in range(1, len(sheets) + 1))
                     + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_NS_R}/styles" '
                       'Target="styles.xml"/></Relationships>')
        tmp = Path(str(path) + ".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            z.writestr("[Content_Types].xml", content_types)
            z.writestr("_rels/.rels", rels)
            z.writestr("xl/workbook.xml", book)
            z.writestr("xl/_rels/workbook.xml.rels", book_rels)
            z.writestr("xl/styles.xml", _STYLES)
            for i, (_, p, _) in enumerate(sheets, 1):
                z.write(p, f"xl/worksheets/sheet{i}.xml")
        shutil.move(tmp, path)
        self._dir.cleanup()


def new_workbook() -> Workbook:
    return Workbook()


def add_sheet(wb: Workbook, title: str, columns: Sequence[export_service.Column],
              tz: Any = None) -> SheetWriter:
    return wb.create_sheet(title, columns, tz)


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[export_service.Column],
                                          Iterable[Sequence[Any]]]], tz: Any = None) -> bytes:
    """A small workbook in memory (templates, import reports)."""
    wb = new_workbook()
    for title, columns, rows in sheets:
        add_sheet(wb, title, columns, tz).extend(rows)
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "book.xlsx"
        wb.save(out)
        return out.read_bytes()


async def run_export(make_uow: Callable[[], UnitOfWork], scope: export_service.Scope,
                     path: Path, filename: str) -> export_service.ExportCount:
    """The export use case once the scope is resolved: write the workbook, then audit it
    (who, what filter, how many rows) in one final transaction."""
    counts = await write_export(make_uow, scope, path)
    async with make_uow() as uow:
        export_service.record_export(uow, scope.flt, counts, filename)
        await uow.commit()
    return counts


async def write_export(make_uow: Callable[[], UnitOfWork], scope: export_service.Scope,
                       path: Path) -> export_service.ExportCount:
    """Every sheet of the export, page by page (one short transaction per page), into
    `path`. Rows are written off the event loop: a big export does not stall the chat."""
    wb = new_workbook()
    counts = export_service.ExportCount()
    for sheet in export_service.sheets(scope.flt):
        writer = add_sheet(wb, sheet.title, sheet.columns, scope.tz)
        after: int | None = 0
        while after is not None:
            async with make_uow() as uow:
                page = await export_service.fetch_page(uow, scope, sheet, after)
            await asyncio.to_thread(writer.extend, page.rows)
            after = page.after
        counts.sheets[sheet.title] = writer.rows
    await asyncio.to_thread(wb.save, str(path))
    return counts
