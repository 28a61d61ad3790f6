"""Pure rules of data in and out: dates as text, names compared, kinds guessed, headers
recognised, periods named, cells neutralised."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.xlsx import safe_text
from crm_core.policies import account_rows as rules
from crm_core.policies.periods import parse_period
from crm_core.spreadsheet import header_keys

TODAY = date(2026, 11, 23)          # a Monday


@pytest.mark.parametrize("value", ["2026-03-02", "2026/3/2", "2026.3.2", "2026年3月2日",
                                   "20260302", "２０２６－０３－０２", "2026-03-02 10:15:00",
                                   46083, datetime(2026, 3, 2, 9, 0), date(2026, 3, 2)])
def test_dates_in_many_shapes(value: object) -> None:
    assert rules.parse_date(value) == date(2026, 3, 2)


@pytest.mark.parametrize("value", ["2026-02-30", "下周", "3/2/2026", "20261302"])
def test_dates_that_are_not(value: str) -> None:
    with pytest.raises(rules.BadValue):
        rules.parse_date(value)


def test_names_compare_without_spaces_punctuation_or_width() -> None:
    same = rules.normalize_name("南京市鼓楼医院本部")
    assert rules.normalize_name("南京市 鼓楼医院（本部）") == same
    assert rules.normalize_name("ＡＢＣ Ltd.") == rules.normalize_name("abc ltd")


@pytest.mark.parametrize(("name", "kind"), [
    ("苏州市立医院", "hospital"), ("华东精密机械有限公司", "company"), ("第七中学", "school"),
    ("滨江区卫生健康局", "government"), ("某某农业合作社", "company"), ("星火", "other"),
    ("宁波大学（本部）", "school")])
def test_kind_from_the_name(name: str, kind: str) -> None:
    assert rules.guess_kind(name) == kind


def test_headers_and_cells() -> None:
    assert rules.CUSTOMER_HEADERS["单位名称"] == "name"
    assert header_keys(["Mobile", " 手机号码 *", "备注"], rules.CONTACT_HEADERS) == \
        ["phone", "phone", ""]
    assert rules.CONTACT_HEADERS["医院"] == "customer"
    assert rules.text_of(13912345678.0) == "13912345678"
    assert rules.split_aliases("华东精机、华精; 华东,华东") == ["华东精机", "华精", "华东"]
    assert rules.looks_like(["customer", "name", "phone"]) == "contacts"
    assert rules.looks_like(["customer", "industry"]) == "customers"


@pytest.mark.parametrize(("word", "first", "last"), [
    ("本月", date(2026, 11, 1), date(2026, 11, 30)),
    ("上月", date(2026, 10, 1), date(2026, 10, 31)),
    ("上周", date(2026, 11, 16), date(2026, 11, 22)),
    ("本周", date(2026, 11, 23), date(2026, 11, 29)),
    ("近7天", date(2026, 11, 17), date(2026, 11, 23)),
    ("最近三十天", date(2026, 10, 25), date(2026, 11, 23)),
    ("12月", date(2025, 12, 1), date(2025, 12, 31)),
    ("2026年2月", date(2026, 2, 1), date(2026, 2, 28)),
    ("上季度", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026-01-01~2026-03-31", date(2026, 1, 1), date(2026, 3, 31)),
    ("2025", date(2025, 1, 1), date(2025, 12, 31)),
    ("last-month", date(2026, 10, 1), date(2026, 10, 31)),
])
def test_periods(word: str, first: date, last: date) -> None:
    p = parse_period(word, TODAY)
    assert p is not None and (p.first, p.last) == (first, last)


@pytest.mark.parametrize("word", ["张伟", "2026-03-31~2026-01-01", "13月", "近0天"])
def test_not_periods(word: str) -> None:
    assert parse_period(word, TODAY) is None


@pytest.mark.parametrize(("raw", "safe"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\t=1", "'\t=1"),
    ("正常", "正常"), ("铃\x07声", "铃声")])
def test_cells_never_run_as_formulas(raw: str, safe: str) -> None:
    assert safe_text(raw) == safe
