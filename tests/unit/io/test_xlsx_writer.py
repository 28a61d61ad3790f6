"""The streaming XLSX writer: what it writes reads back, cell by cell, with the types,
formats, escaping and limits a spreadsheet user expects (read back with openpyxl, both its
normal and its read-only reader)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone

import openpyxl
import pytest

from bot.xlsx import column_letter, workbook_bytes
from crm_core.services.export import Column

CST = timezone(timedelta(hours=8))
COLUMNS = [Column("编号", "int", 8), Column("内容", "text", 40), Column("时间", "datetime", 18),
           Column("日期", "date"), Column("金额", "money"), Column("数量", "number"),
           Column("是否", "bool"), Column("备注", "text")]


def book(rows: list[list[object]]) -> bytes:
    return workbook_bytes([("跟进", COLUMNS, rows), ("说明", [Column("说明", "text")],
                                                     [["第二张表"]])], tz=CST)


def test_values_types_and_formats_read_back() -> None:
    when = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
    data = book([[1, "拜访 <b>&amp;</b> \"引号\"", when, date(2026, 12, 1), 1234.5, 3, True,
                  None],
                 [2, "  前后空格  ", datetime(2026, 1, 1, 9, 30), when, 0, 2.25, False, "x"]])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["跟进", "说明"]
    ws = wb["跟进"]
    assert [c.value for c in ws[1]] == [c.title for c in COLUMNS]
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width == 40
    a = [c.value for c in ws[2]]
    assert a[:2] == [1, "拜访 <b>&amp;</b> \"引号\""]
    assert a[2] == datetime(2026, 11, 23, 10, 15)          # the tenant's wall time
    assert a[3] == datetime(2026, 12, 1) and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["C2"].number_format == "yyyy-mm-dd hh:mm"
    assert a[4] == 1234.5 and ws["E2"].number_format == "#,##0.00"
    assert a[5] == 3 and ws["F2"].number_format == "#,##0.##"
    assert a[6] == "是" and a[7] is None
    b = [c.value for c in ws[3]]
    assert b[1] == "  前后空格  " and b[2] == datetime(2026, 1, 1, 9, 30)
    assert b[3] == datetime(2026, 11, 23) and b[6] == "否"
    assert wb["说明"]["A2"].value == "第二张表"
    ro = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert [list(r) for r in ro["跟进"].iter_rows(min_row=2, max_row=2, max_col=2,
                                                 values_only=True)] == [[1, a[1]]]


@pytest.mark.parametrize(("text", "shown"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("a\x00b\x07c\x1f", "abc"),                      # XML cannot hold these: dropped
    ("x" * 40_000, "x" * 32_767),                    # Excel's cell limit
])
def test_hostile_text_is_inert(text: str, shown: str) -> None:
    ws = openpyxl.load_workbook(io.BytesIO(book([[1, text]])))["跟进"]
    assert ws["B2"].value == shown and ws["B2"].data_type == "s"


def test_non_finite_numbers_become_text() -> None:
    ws = openpyxl.load_workbook(io.BytesIO(book([[float("nan"), "x", None, None,
                                                  float("inf")]])))["跟进"]
    assert ws["A2"].value == "nan" and ws["E2"].value == "inf"


def test_column_letters() -> None:
    assert [column_letter(i) for i in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
