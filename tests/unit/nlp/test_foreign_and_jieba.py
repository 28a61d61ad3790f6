"""dateparser fallback for English / numeric dates, and the per-catalog jieba tokenizer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from nlp import Catalog, Extractor, extract, parse_when, timeforeign
from nlp.resolve import USER_WORD_FREQ, CatalogIndex
from nlp.timeparse import scan_times
from nlp.types import CatalogContact, CatalogCustomer, CatalogProduct

from .conftest import CATALOG_DATA, NOW

# NOW is Wednesday 2026-05-13 10:00 +08:00


# ---------------------------------------------------------------- foreign dates
@pytest.mark.parametrize(
    ("text", "day", "clock"),
    [
        ("Dec 3", date(2026, 12, 3), None),
        ("demo on Dec 3rd", date(2026, 12, 3), None),
        ("3 December 2026 2pm", date(2026, 12, 3), time(14, 0)),
        ("dec 31st, 2026 @ 9am", date(2026, 12, 31), time(9, 0)),
        ("next Tuesday", date(2026, 5, 19), None),            # = 下周二
        ("next Monday", date(2026, 5, 18), None),             # next calendar week, not 'in 5 days'
        ("this Friday", date(2026, 5, 15), None),             # = 这周五
        ("Friday at 10:30", date(2026, 5, 15), time(10, 30)),
        ("12/03/2026", date(2026, 12, 3), None),        # English order: M/D/Y
        ("2026年12月3日 14:00", date(2026, 12, 3), time(14, 0)),
        ("tomorrow 9am", date(2026, 5, 14), time(9, 0)),
        ("in 3 days", date(2026, 5, 16), None),         # no clock said: no time
        ("next week", date(2026, 5, 18), None),         # = 下周 (Monday)
        ("next month", date(2026, 6, 1), None),         # = 下个月 (the 1st)
        ("May 5", date(2027, 5, 5), None),              # planned: rolled like M月D号
        ("明天 3pm 拜访", date(2026, 5, 14), time(15, 0)),  # Chinese date + English clock
        ("周三 2pm", date(2026, 5, 20), time(14, 0)),
    ],
)
def test_foreign_formats(text: str, day: date, clock: time | None) -> None:
    w = parse_when(text, NOW)
    assert (w.date, w.time, w.past) == (day, clock, False)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Met them on May 5", date(2026, 5, 5)),        # told of the past: never rolled
        ("已经在May 5拜访过", date(2026, 5, 5)),
        ("visited on Monday", date(2026, 5, 11)),
        ("12/03/2025", date(2025, 12, 3)),
    ],
)
def test_foreign_past_is_not_a_next_step(text: str, day: date) -> None:
    w = parse_when(text, NOW)
    assert w.past
    assert w.date == day


def test_foreign_date_in_a_chinese_message(catalog: Catalog) -> None:
    rec = extract("12/03/2026 去杭州一院演示", now=NOW, catalog=catalog)
    assert rec.customer == "杭州市第一人民医院"
    assert (rec.next_date, rec.next_time) == ("2026-12-03", None)
    rec = extract("约了杭州一院陈主任Dec 3 2pm演示", now=NOW, catalog=catalog)
    assert (rec.contact, rec.next_date, rec.next_time) == ("陈立", "2026-12-03", "14:00")


def test_foreign_dates_use_the_business_time_zone(catalog: Catalog) -> None:
    # 20:00 UTC on the 13th is already 04:00 on the 14th in Shanghai
    utc_now = datetime(2026, 5, 13, 20, 0, tzinfo=UTC)
    rec = extract("tomorrow 3pm 去杭州一院拜访", now=utc_now, catalog=catalog)
    assert (rec.next_date, rec.next_time) == ("2026-05-15", "15:00")


@pytest.mark.parametrize(
    "text",
    [
        "三家医院要200套口扫",
        "买了3台，单价12.5万，一共15家",
        "订了2026台CNC-800",
        "VS-300 和 IOS-9 各两台",
        "他们科室有30个人，床位120张",
        "may考虑一下, Sun Pharma 也在比较",
        "型号 DEC-300 的报价",
    ],
)
def test_numbers_do_not_become_dates(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    def boom() -> Any:
        raise AssertionError("dateparser must not run on this message")

    monkeypatch.setattr(timeforeign, "_dateparser", boom)
    assert [t for t in scan_times(text, NOW) if t.date is not None] == []
    assert parse_when(text, NOW).date is None


# ---------------------------------------------------------------- jieba
def _catalog_with_li_ming() -> Catalog:
    data = dict(CATALOG_DATA)
    data["contacts"] = [*CATALOG_DATA["contacts"],
                        {"name": "李明", "customer": "杭州市第一人民医院", "title": "设备科主任",
                         "aliases": ["李主任"]}]
    return Catalog.from_dict(data)


def test_full_name_before_title_not_in_catalog(catalog: Catalog) -> None:
    rec = extract("约了李明主任下周二演示", now=NOW, catalog=catalog)
    assert (rec.contact, rec.contact_known) == ("李明主任", False)     # not '明主任'
    rec = extract("杭州一院李明主任同意了", now=NOW, catalog=catalog)
    assert (rec.contact, rec.contact_known) == ("李明主任", False)     # not 陈立, not 明主任
    rec = extract("鼓楼医院张晓红主任说再考虑", now=NOW, catalog=catalog)
    assert rec.contact == "张晓红主任"


def test_misheard_full_name_before_title(catalog: Catalog) -> None:
    rec = extract("杭州一院陈丽主任同意了", now=NOW, catalog=catalog)     # ASR for 陈立
    assert (rec.contact, rec.contact_known) == ("陈立", True)


def test_full_name_before_title_in_catalog() -> None:
    rec = extract("杭州一院李明主任同意了", now=NOW, catalog=_catalog_with_li_ming())
    assert (rec.contact, rec.contact_known) == ("李明", True)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("和王主任聊了，下周再约", "王主任"),        # 和 is a word, not part of the name
        ("明天李主任过来", "李主任"),               # 明天 is a time word
        ("拜访杭州一院陈主任", "陈立"),
        ("项目经理说下周报价", None),               # 项目 is an ordinary word
        ("党委书记同意了", None),
    ],
)
def test_titles_without_full_names(catalog: Catalog, text: str, contact: str | None) -> None:
    assert extract(text, now=NOW, catalog=catalog).contact == contact


def test_organisation_span_drops_a_leading_verb(catalog: Catalog) -> None:
    rec = extract("联系宁波新华医院的王主任，下周去拜访", now=NOW, catalog=catalog)
    assert rec.customer == "宁波新华医院"
    assert not rec.customer_known
    rec = extract("合肥新华医院刘主任说再考虑", now=NOW, catalog=catalog)
    assert rec.customer == "合肥新华医院"                  # 合肥 is a place, not 合作


@pytest.mark.parametrize(
    ("text", "org"),
    [
        ("约好宁波新华医院的刘主任周四见", "宁波新华医院"),     # 约|好: the scan cut into 约好
        ("去过宁波新华医院，下周再去", "宁波新华医院"),
        ("联系上宁波新华医院，下周再联系", "宁波新华医院"),
        ("跟进宁波新华医院的项目，下周再联系", "宁波新华医院"),
        ("对接常州恒瑞精工有限公司的采购，下周再联系", "常州恒瑞精工有限公司"),
        ("上海瑞金医院，下周再联系", "上海瑞金医院"),            # 上海 is a place, not 上
        ("通州人民医院的王主任，下周再联系", "通州人民医院"),
        ("好医生药业有限公司，下周再联系", "好医生药业有限公司"),  # nothing before it
        # a verb and its 在 / 到 / 给 are one jieba word: the name starts after it
        ("合同压在鑫达物流公司了，下周再联系", "鑫达物流公司"),
        ("货款卡在瑞丰贸易公司那边，下周再联系", "瑞丰贸易公司"),
    ],
)
def test_new_organisation_boundaries(catalog: Catalog, text: str, org: str) -> None:
    rec = extract(text, now=NOW, catalog=catalog)
    assert (rec.customer, rec.customer_known) == (org, False)


def test_unknown_product_behind_filler_words(catalog: Catalog) -> None:
    rec = extract("今天电话联系了常州恒瑞精工有限公司，需要一批新的伺服电机", now=NOW,
                  catalog=catalog)
    assert "伺服电机" in rec.products
    rec = extract("杭州一院想了解一下你们的新款监护仪", now=NOW, catalog=catalog)
    assert "监护仪" in rec.products
    assert extract("需要一些新的设备", now=NOW, catalog=catalog).products == ()


def test_jieba_is_loaded_only_when_needed(catalog: Catalog) -> None:
    ex = Extractor(catalog)
    ex.extract("明天下午三点去杭州一院拜访陈主任", NOW)
    assert ex.index._tokenizer is None
    ex.extract("约了李明主任下周二演示", NOW)
    assert ex.index._tokenizer is not None


def test_jieba_tokenizers_are_isolated_between_catalogs() -> None:
    import jieba

    a = CatalogIndex(Catalog(
        customers=(CatalogCustomer(name="常州鑫澜泰传动有限公司", aliases=("鑫澜泰",)),),
        contacts=(CatalogContact(name="龙骁腾", customer="常州鑫澜泰传动有限公司", title="总经理",
                                 aliases=("龙总",)),),
        products=(CatalogProduct(name="谐波减速器", aliases=("谐波",)),),
    ))
    b = CatalogIndex(Catalog(
        customers=(CatalogCustomer(name="无锡峻岳精密有限公司", aliases=("峻岳精密",)),),
    ))
    tka, tkb = a.tokenizer(), b.tokenizer()
    assert tka is not tkb
    assert tka is not jieba.dt and tkb is not jieba.dt
    assert tka.FREQ is not tkb.FREQ
    for w in ("鑫澜泰", "龙骁腾", "谐波减速器"):
        assert tka.FREQ.get(w) == USER_WORD_FREQ
        assert tkb.FREQ.get(w) != USER_WORD_FREQ
        assert getattr(jieba.dt, "FREQ", {}).get(w) != USER_WORD_FREQ
    assert tkb.FREQ.get("峻岳精密") == USER_WORD_FREQ
    assert tka.FREQ.get("峻岳精密") != USER_WORD_FREQ
    assert [t for _s, _e, t in a.cut("去鑫澜泰见龙骁腾")][1] == "鑫澜泰"
    # a third index gets a fresh copy: the first two catalogs' words are not in it
    c = CatalogIndex(Catalog())
    assert c.tokenizer().FREQ.get("鑫澜泰") != USER_WORD_FREQ


def test_extract_with_an_empty_dictionary_hit_is_stable(catalog: Catalog) -> None:
    # jieba on odd input inside a name window never raises
    for text in ("李" * 50 + "主任", "主任", "李明主任" * 200, "😀李明主任😀"):
        rec = extract(text, now=NOW, catalog=catalog)
        assert rec.intent in ("log_followup", "create_lead", "update_stage", "query", "other")



def test_sharded_dictionary_cuts_like_jiebas_own(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Any) -> None:
    """The shard cache is rebuilt when unreadable, and cuts exactly like a Tokenizer that
    holds jieba's whole dictionary in a dict with the same user words."""
    import tempfile

    import jieba

    from nlp import segment

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(segment, "_BASE", None)
    path = segment._cache_path(str(Path(jieba.__file__).parent / "dict.txt"))
    Path(path).write_bytes(b"not a marshal file")
    words = ["鑫澜泰", "龙骁腾", "谐波减速器", "宏达包装"]
    tk = segment.new_tokenizer(words)
    assert Path(path).stat().st_size > 1_000_000            # rebuilt
    full = jieba.Tokenizer()
    full.initialize()
    for w in words:
        full.add_word(w, segment.USER_WORD_FREQ)
    assert tk.total == full.total
    for text in ("约了李明主任下周二演示", "给宏达包装邵厂长做了视觉系统的演示",
                 "去鑫澜泰见龙骁腾，谈谐波减速器", "联系宁波新华医院的王主任"):
        assert tk.lcut(text) == full.lcut(text)
        assert tk.lcut(text, HMM=False) == full.lcut(text, HMM=False)


def test_without_jieba_the_scan_still_answers(monkeypatch: pytest.MonkeyPatch,
                                              catalog: Catalog) -> None:
    from nlp import resolve

    def broken(words: Any = ()) -> Any:
        raise ImportError("no jieba")

    monkeypatch.setattr(resolve, "new_tokenizer", broken)
    rec = Extractor(catalog).extract("约了李明主任下周二演示", NOW)
    assert rec.next_date == "2026-05-19"
    assert rec.intent == "log_followup"      # a well-formed record (older name boundary)
