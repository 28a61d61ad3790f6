"""Property tests: extract() never raises and always returns a well-formed record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp import (
    Catalog,
    Extraction,
    Extractor,
    extract,
    match_customers,
    parse_when,
    snap_transcript,
)
from nlp.types import CONTRACT_FIELDS

from .conftest import CATALOG_DATA

CAT = Catalog.from_dict(CATALOG_DATA)
INTENTS = {"log_followup", "create_lead", "update_stage", "query", "other"}
CHANNELS = {None, "电话", "拜访", "微信", "会议", "邮件", "演示"}
ATTITUDES = {None, "明确支持", "需再沟通", "已否决"}

_words = st.sampled_from(
    ["明天", "下周三", "上午十点", "邵逸夫医院", "王科长", "口扫", "打了电话", "很认可", "再去拜访",
     "新客户", "139 1234 5678", "月底", "改成赢单", "？", "，", "😂", "<b>", "'; DROP TABLE x;--",
     "hello", "3号", "过几天", "预算冻结", "一五九", "十", "点", "周", "号", "月", " ", "\n"]
)
_text = st.one_of(
    st.text(max_size=200),
    st.lists(_words, max_size=30).map("".join),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=80),
)
_now = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31),
    timezones=st.sampled_from([timezone(timedelta(hours=8)), UTC,
                               timezone(timedelta(hours=-5))]),
)


def _well_formed(rec: Extraction, cat: Catalog = CAT) -> None:
    c = rec.contract()
    assert set(c) == set(CONTRACT_FIELDS)
    assert c["intent"] in INTENTS
    assert c["channel"] in CHANNELS
    assert c["attitude"] in ATTITUDES
    assert isinstance(c["products"], list)
    assert all(isinstance(p, str) for p in c["products"])
    if c["next_date"] is not None:
        date.fromisoformat(c["next_date"])
    if c["next_time"] is not None:
        hh, mm = c["next_time"].split(":")
        assert 0 <= int(hh) < 24
        assert 0 <= int(mm) < 60
    if c["phone"] is not None:
        assert len(c["phone"]) == 11
        assert c["phone"].isdigit()
    assert c["next_action"] in (None, *cat.next_actions)
    assert c["obstacle"] in (None, *cat.obstacles)
    assert c["stage"] in (None, *cat.stages)
    if c["intent"] in ("query", "other"):
        assert c["next_action"] is None
        assert c["next_date"] is None
        assert c["phone"] is None
    if c["intent"] != "update_stage":
        assert c["stage"] is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_text, now=_now)
def test_extract_never_raises(text: str, now: datetime) -> None:
    _well_formed(extract(text, now=now, catalog=CAT))


_EX = Extractor(CAT)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_text, now=_now)
def test_no_exception_is_swallowed(text: str, now: datetime) -> None:
    # extract() catches everything; the inner pass must not need that safety net
    _well_formed(_EX._extract(text, now))


@settings(max_examples=100, deadline=None)
@given(text=_text, now=_now)
def test_parse_when_and_helpers_never_raise(text: str, now: datetime) -> None:
    w = parse_when(text, now)
    assert w.date is None or isinstance(w.date, date)
    assert isinstance(snap_transcript(text, CAT), str)
    assert isinstance(match_customers(text[:20], CAT), list)


def test_bad_inputs() -> None:
    now = datetime(2026, 5, 13, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    for text in ["", "   ", "\n\t", "😂" * 50, "A" * 10_000, "我" * 10_000,
                 "<html><body><script>alert('x')</script></body></html>",
                 "SELECT * FROM customers WHERE 1=1; DROP TABLE users;--",
                 "Hello, can you help me with the quarterly report?",
                 "明天" * 3000, "\x00\x01\x02", "１２３４５"]:
        rec = extract(text, now=now, catalog=CAT)
        _well_formed(rec)
    assert extract("", now=now, catalog=CAT).intent == "other"
    assert extract("Hello, how are you?", now=now, catalog=CAT).intent == "other"
    assert extract("<p>hi</p>", now=now, catalog=CAT).intent == "other"


def test_naive_now_and_empty_catalog() -> None:
    empty = Catalog()
    rec = extract("明天下午三点去拜访", now=datetime(2026, 5, 13, 10, 0), catalog=empty)
    _well_formed(rec, empty)
    assert rec.next_date == "2026-05-14"


_name = st.text(
    alphabet=st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E50),
                       st.sampled_from(list("AB-1 ()+*?.[]\\|^$"))),
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(_name, max_size=6),
    aliases=st.lists(_name, max_size=6),
    stages=st.lists(_name, max_size=4),
    text=_text,
)
def test_odd_catalogs_never_break_extraction(names: list[str], aliases: list[str],
                                             stages: list[str], text: str) -> None:
    from nlp.types import CatalogContact, CatalogCustomer, CatalogProduct

    cat = Catalog(
        customers=tuple(CatalogCustomer(name=n, aliases=tuple(aliases)) for n in names),
        contacts=tuple(CatalogContact(name=n, customer=n, aliases=tuple(aliases)) for n in names),
        products=tuple(CatalogProduct(name=a, aliases=tuple(names)) for a in aliases),
        stages=tuple(stages) or Catalog().stages,
    )
    ex = Extractor(cat)
    now = datetime(2026, 5, 13, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    _well_formed(ex._extract(text + "".join(names[:2]), now), cat)
    assert isinstance(ex.snap(text), str)
    assert isinstance(ex.match_customers(text[:10]), list)


_preset_words = st.lists(
    st.one_of(_name, st.sampled_from(["其他", "", " ", "报价", "上门回访", "飞防作业", "a…b",
                                      "…"])),
    max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    actions=_preset_words,
    obstacles=_preset_words,
    cues=st.dictionaries(_name, st.lists(_name, max_size=3), max_size=3),
    holidays=st.lists(st.fixed_dictionaries({
        "name": st.sampled_from(["元旦", "春节", "国庆", "", "x"]),
        "start": st.sampled_from(["2027-01-01", "2027-02-06", "bad", ""]),
        "end": st.sampled_from(["2027-01-03", "2027-02-13", "2026-12-01", ""]),
    }), max_size=3),
    text=_text,
)
def test_odd_presets_cues_and_holiday_tables(actions: list[str], obstacles: list[str],
                                             cues: dict[str, list[str]],
                                             holidays: list[dict[str, str]],
                                             text: str) -> None:
    data = {**CATALOG_DATA, "next_actions": actions, "obstacles": obstacles,
            "next_action_cues": cues, "obstacle_cues": cues, "holidays": holidays,
            "workdays": ["2027-02-14", "bad"]}
    cat = Catalog.from_dict(data)
    ex = Extractor(cat)
    now = datetime(2026, 12, 20, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    _well_formed(ex._extract(text + "元旦后报价", now), cat)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(st.sampled_from(
    [*"abcXYZ 0123456789:-/@#.,!?", "明天", "下午", "CRM", "demo", "meeting", "👍", "周三",
     "报价", "王总", "pm", "am", "next Tuesday", "3pm"]), max_size=60).map("".join))
def test_mixed_english_never_raises(text: str) -> None:
    _well_formed(_EX._extract(text, datetime(2026, 5, 13, 10, 0,
                                             tzinfo=timezone(timedelta(hours=8)))))
