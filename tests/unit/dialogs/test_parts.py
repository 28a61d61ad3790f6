"""The dialog engine's pure parts: typed drafts to JSON and back, paging, one numbering,
admin input (durations with units, periods), and the follow-up rules (which lead, whose
customer). No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import refs
from bot.commands import registry
from bot.core import load_plugins
from bot.dialogs.admin_input import parse_durations, parse_period
from bot.dialogs.declare import Choice, from_json, to_json
from bot.messages import Button
from bot.render.paging import MORE, page_of, window
from crm_core.errors import InvalidInput
from crm_core.policies.followups import LeadView, others_customer, pick_lead

TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class Inner:
    id: int = 0
    label: str = ""


@dataclass
class Typed:
    name: str = ""
    day: date | None = None
    at: time | None = None
    items: list[str] = field(default_factory=list)
    options: list[Inner] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)


def test_typed_drafts_survive_json() -> None:
    d = Typed("鼓楼医院", date(2026, 12, 1), time(15, 0), ["融合器"], [Inner(3, "#L3 王")],
              {"k": [1, "a"]})
    data = to_json(d)
    assert data["day"] == "2026-12-01" and data["options"] == [{"id": 3, "label": "#L3 王"}]
    assert from_json(Typed, data) == d
    assert from_json(Typed, {"name": "x", "unknown": 1}) == Typed(name="x")


def _more(p: int) -> Button:
    return Button(MORE, "more", {"p": str(p)})


@given(n=st.integers(0, 40), limit=st.integers(2, 12))
def test_pages_never_exceed_the_limit_and_show_every_item(n: int, limit: int) -> None:
    items = [Button(str(i), "pick") for i in range(n)]
    seen: list[str] = []
    page, pages = 0, 0
    while True:
        shown = page_of(items, limit, page, _more)
        assert len(shown) <= limit
        seen += [b.label for b in shown if b.label != MORE]
        more = [b for b in shown if b.label == MORE]
        pages += 1
        if not more or int(more[0].args["p"]) == 0 or pages > n + 2:
            break
        page = int(more[0].args["p"])
    assert seen == [str(i) for i in range(n)]


def test_windows_say_the_true_total() -> None:
    assert window(None, 33, 10).heading("线索") == "线索（共 33 条 · 1–10）"
    assert window("4", 33, 10).heading("线索") == "线索（共 33 条 · 31–33）"
    assert window("9", 33, 10).offset == 30            # past the end: the last page
    assert window("x", 5, 10).heading("线索") == "线索（5）"
    assert not window(None, 10, 10).has_next and window(None, 11, 10).has_next


@pytest.mark.parametrize(("text", "kind", "number"), [
    ("#L12", "lead", 12), ("L12", "lead", 12), ("l 12", "lead", 12), ("12", None, 12),
    ("#O305", "offer", 305), ("＃R2", "draft", 2), ("A5", "alert", 5)])
def test_refs_parse(text: str, kind: str | None, number: int) -> None:
    assert refs.parse(text) == refs.Ref(kind, number)


def test_a_number_of_another_kind_is_refused_with_both_names() -> None:
    with pytest.raises(refs.RefError) as e:
        refs.number_of("D3", "lead")
    assert e.value.user_message == "D3 是商机编号，这里要线索编号，如 #L3。"
    assert refs.number_of("#L3", "lead") == refs.number_of("3", "lead") == 3
    assert refs.parse("X3") is None and refs.parse("三") is None


def test_commands_take_the_numbers_cards_show() -> None:
    load_plugins()
    claim = registry.by_name("认领")
    assert claim is not None
    assert registry.parse_args(claim, "#L42") == {"lead_id": 42}
    assert registry.parse_args(claim, "L42") == {"lead_id": 42}
    with pytest.raises(registry.UsageError) as e:
        registry.parse_args(claim, "#D42")
    assert "商机编号" in (e.value.user_message or "")
    found = registry.match_typed("完成 #T7")
    assert found is not None and found[0].name == "完成" and found[1] == "#T7"
    assert registry.match_typed("完成这件事") is None
    assert registry.match_typed("改") is None               # the dialog's word, not /改


NOW = datetime(2026, 12, 5, 10, 15, tzinfo=TZ)


@pytest.mark.parametrize(("text", "hours", "business"), [
    ("30天 37天 44天", (720, 888, 1056), False),
    ("4 8 16", (4, 8, 16), True),                      # bare numbers: hours, rule's kind
    ("4 8 16 自然时间", (4, 8, 16), False),
    ("90分钟 2小时 1天", (1.5, 2, 24), False),
    ("1工作日 2工作日", (7.5, 15), True),
    ("4工作小时 8工作小时", (4, 8), True),
    ("两天 三天", (48, 72), False),
])
def test_durations_with_units(text: str, hours: tuple[float, ...], business: bool) -> None:
    got = parse_durations(text, workday_hours=7.5, default_business=True)
    assert got.hours == hours and got.business is business


def test_durations_preview_in_words_and_refuse_nonsense() -> None:
    words = parse_durations("30天 37天 44天", workday_hours=8, default_business=False).words
    assert words == "1级 30 天 / 2级 37 天 / 3级 44 天，按自然时间算（即 720、888、1056 小时）"
    for bad in ("", "快点", "8 4", "1天 2工作日", "0 1"):
        with pytest.raises(InvalidInput):
            parse_durations(bad, workday_hours=8, default_business=False)


@pytest.mark.parametrize("text", ["12月4日 12月10日", "12月4日到10日", "12/4-12/10",
                                  "2026-12-04 2026-12-10", "4号 10号", "12.4 12.10"])
def test_a_period_reads_its_end_after_its_start(text: str) -> None:
    start, end, words = parse_period(text, NOW)        # said on 12月5日
    assert (start, end) == (date(2026, 12, 4), date(2026, 12, 10))
    assert words == "2026年12月4日(周五) 至 2026年12月10日(周四)，共 7 天"


def test_a_period_across_new_year_and_bad_periods() -> None:
    assert parse_period("12月28日 1月3日", NOW)[:2] == (date(2026, 12, 28), date(2027, 1, 3))
    assert parse_period("下周一至下周五", NOW)[:2] == (date(2026, 12, 7), date(2026, 12, 11))
    for bad in ("12月4日", "明天 随便"):
        with pytest.raises(InvalidInput):
            parse_period(bad, NOW)


def _lead(i: int, owner: int | None = 1, contact: int | None = None, name: str | None = None,
          title: str | None = None) -> LeadView:
    return LeadView(i, owner, contact, name, title)


def test_a_note_is_about_its_contacts_lead_or_the_one_open_lead() -> None:
    leads = [_lead(1, name="王建国", title="主任"), _lead(2, name="孙丽"), _lead(3, owner=2)]
    assert pick_lead(leads, 1, contact_id=None, contact_names=["王建国"]).lead_id == 1
    assert pick_lead(leads, 1, contact_id=None, contact_names=["王主任"]).lead_id == 1
    assert pick_lead([_lead(4, contact=9), *leads], 1, contact_id=9,
                     contact_names=[]).lead_id == 4
    ask = pick_lead(leads, 1, contact_id=None, contact_names=["李科长"])
    assert ask.lead_id is None and ask.candidates == (1, 2)   # never the colleague's #3
    assert pick_lead([_lead(5)], 1, contact_id=None, contact_names=[]).lead_id == 5
    assert pick_lead([_lead(3, owner=2)], 1, contact_id=None, contact_names=[]) == \
        pick_lead([], 1, contact_id=None, contact_names=[])


def test_someone_elses_customer() -> None:
    def rule(*args: object, manages: bool = False) -> tuple[bool, bool]:
        d = others_customer(*args, rep_manages_owner=manages)  # type: ignore[arg-type]
        return d.allowed, d.notify_owner

    assert rule("notify", 2, 1) == (True, True)            # allowed, the owner is told
    assert rule("deny", 2, 1) == (False, False)
    assert rule("deny", 2, 1, manages=True) == (True, True)   # the owner's manager may
    assert rule("deny", 1, 1) == (True, False)             # one's own customer
    assert rule(None, None, 1) == (True, False)            # nobody's customer


def test_choices_are_values() -> None:
    assert Choice("首次联系超时", "sla.first_contact").value == "sla.first_contact"
