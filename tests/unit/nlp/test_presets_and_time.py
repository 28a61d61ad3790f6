"""Presets by meaning, the holiday calendar, the newer time rows, typed near-homophones."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from nlp import Catalog, Extractor
from nlp.holidays import HolidayCalendar, holiday_times
from nlp.presets import PresetMatcher
from nlp.sounds import CoarseMatcher, coarse_key
from nlp.timeparse import scan_times
from nlp.types import HolidayBreak

from .industries import NOW, TZ, catalog


# ------------------------------------------------------------------ presets
def _preset(presets: list[str], text: str, kind: str = "next_actions",
            cues: dict[str, list[str]] | None = None) -> str | None:
    m = PresetMatcher(presets, kind, cues)  # type: ignore[arg-type]
    hits = m.hits(text)
    return m.preset_for(hits[-1]) if hits else None


def test_a_call_is_never_a_visit_preset() -> None:
    # 上门回访 holds 回访, but also 上门: a phone call is no visit (issue 13)
    assert _preset(["上门回访", "电话回访", "其他"], "明天打电话") == "电话回访"
    assert _preset(["上门回访", "其他"], "明天打电话") == "其他"
    assert _preset(["上门回访", "其他"], "明天再上门") == "上门回访"


@pytest.mark.parametrize(
    ("presets", "text", "want"),
    [
        (["安装验收", "其他"], "下周去学校验收", "安装验收"),
        (["安装验收", "其他"], "下周过去装机", "安装验收"),
        (["样品寄送", "其他"], "明天把样品寄过去", "样品寄送"),
        (["开通试用", "其他"], "先开通一个测试账号", "开通试用"),
        (["签订合同", "其他"], "下周推进合同", "签订合同"),
        (["飞防作业", "其他"], "周三去做飞防", "飞防作业"),
        (["报价", "其他"], "周四前再报个优惠价", "报价"),
    ],
)
def test_tenant_presets_by_meaning(presets: list[str], text: str, want: str) -> None:
    assert _preset(presets, text) == want


@pytest.mark.parametrize(
    ("presets", "text", "want"),
    [
        # a negated word of a preset keeps its negation ('效果达标' is no 效果不达标)
        (["效果不达标", "其他"], "小试做完了，絮凝效果达标", None),
        (["效果不达标", "其他"], "絮凝效果没达标", "效果不达标"),
        (["效果不达标", "其他"], "效果达不到要求", "效果不达标"),
        (["招标未开始", "其他"], "今年招标要到十月份才开始", "招标未开始"),
        (["招标未开始", "其他"], "招标已经开始了", None),
        (["业主意见不统一", "其他"], "业主们对装道闸意见不统一", "业主意见不统一"),
        (["业主意见不统一", "其他"], "业主意见很大", None),
        # any two of a preset's words, with their synonyms ('担心…数据' for 数据迁移顾虑)
        (["数据迁移顾虑", "其他"], "担心老系统的数据导不过来", "数据迁移顾虑"),
        # built-in meanings: payment terms, a project (not a tender) put off, a lower price
        (["付款条件苛刻", "其他"], "嫌我们账期太短，要求改成六个月付款", "付款条件苛刻"),
        (["项目延期", "招标延迟", "其他"], "项目开工推迟到明年三月了", "项目延期"),
        (["价格太高", "其他"], "价格能不能再降点", "价格太高"),
        (["资金未到位", "其他"], "门禁改造的钱要等财政拨下来", "资金未到位"),
        (["竞品介入", "其他"], "他们最后选了北森", "竞品介入"),
        (["竞品介入", "其他"], "他们最后选了我们的", None),
        # dearer than the others is a price objection; the others cheaper is a competitor
        (["价格异议", "竞品介入", "其他"], "拖鞋比别家贵不少，让我们再让点", "价格异议"),
        (["价格异议", "竞品介入", "其他"], "价格比别人家的贵一成", "价格异议"),
        (["价格异议", "竞品介入", "其他"], "别家便宜两成", "竞品介入"),
        (["价格异议", "竞品介入", "其他"], "阿莫西林比别的厂家贵，让我们再降点", "价格异议"),
        (["价格异议", "竞品介入", "其他"], "消毒剂比其他品牌贵一点", "价格异议"),
        (["价格异议", "竞品介入", "其他"], "别的厂家也在报价", "竞品介入"),
        (["价格异议", "竞品介入", "其他"], "竞品比我们贵，还是用我们的", "竞品介入"),
        # the unit price said high (单价, 价钱, 价位)
        (["价格异议", "其他"], "嫌包缝机单价高了两百", "价格异议"),
        (["价格异议", "其他"], "他们觉得价位偏高", "价格异议"),
        # a new person in charge, said by the word's stem (the rest of it heard otherwise)
        (["决策人变动", "其他"], "他们仓库换了新的负责员", "决策人变动"),
        (["决策人变动", "其他"], "信息中心换了新主建议", "决策人变动"),
        (["决策人变动", "其他"], "他们换了新的包装", None),
    ],
)
def test_obstacles_by_meaning(presets: list[str], text: str, want: str | None) -> None:
    assert _preset(presets, text, "obstacles") == want


def test_no_shared_character_mapping() -> None:
    # '参观工厂' and '工厂维修' share characters; a visit to the plant is no repair
    assert _preset(["工厂维修", "其他"], "周五带他们来参观") == "其他"


def test_tenant_cue_words_replace_the_built_in_ones() -> None:
    cues = {"上门拜访": ["走访"]}
    assert _preset(["上门拜访", "其他"], "下周走访一下", cues=cues) == "上门拜访"
    assert _preset(["上门拜访", "其他"], "下周去拜访", cues=cues) == "其他"
    eff = PresetMatcher(["上门拜访", "电话回访", "其他"], "next_actions", cues).effective_cues()
    assert eff["上门拜访"] == ["走访"]
    assert "打电话" in eff["电话回访"]


def test_obstacle_preset_by_the_key_word_said() -> None:
    presets = ["补贴未下来", "资金紧张", "其他"]
    assert _preset(presets, "补贴还没下来", "obstacles") == "补贴未下来"
    assert _preset(presets, "资金有点紧", "obstacles") == "资金紧张"


def test_stage_synonyms() -> None:
    stages = ["初步接触", "需求确认", "方案演示", "合同谈判", "赢单", "输单"]
    m = PresetMatcher(stages, "stages")
    assert m.preset_for(m.hits("已经到商务谈判这步了")[0]) == "合同谈判"


@pytest.mark.parametrize(
    ("text", "want"),
    [("徐州市政那个标中了🎉", "中标"), ("那个标没中", "未中标"), ("这单丢了", "未中标"),
     ("下周要把合同签了", None), ("维保续签了，中标", "中标"),
     ("谈下来了，投标报价！", "投标报价")],
)
def test_won_and_lost_stages_by_their_names(text: str, want: str | None) -> None:
    # a tenant whose won stage is 中标 and lost stage 未中标 (no 赢 / 输 in the names)
    cat = Catalog.from_dict({"stages": ["初步接触", "投标报价", "合同谈判", "中标", "未中标"]})
    rec = Extractor(cat).extract(text, NOW)
    assert rec.stage == want


def test_catalog_with_odd_presets() -> None:
    cat = Catalog.from_dict({"next_actions": ["", " ", "其他", "其他"], "obstacles": [],
                             "next_action_cues": {"": ["x"], "报价": "not a list"}})
    ex = Extractor(cat)
    rec = ex.extract("明天下午去报价", NOW)
    assert rec.next_action in (None, *cat.next_actions)


# ------------------------------------------------------------------ holidays
def test_holiday_calendar_2026() -> None:
    cal = HolidayCalendar()
    assert cal.next_break("National Day", date(2026, 9, 24)) == (date(2026, 10, 1),
                                                                 date(2026, 10, 7))
    assert cal.workday_after(date(2026, 10, 7)) == date(2026, 10, 8)
    # the last working day before 春节 2026 is a Saturday worked in lieu (调休)
    assert cal.workday_before(date(2026, 2, 15)) == date(2026, 2, 14)


@pytest.mark.parametrize(
    ("text", "today", "want"),
    [
        ("节后去拜访", date(2026, 9, 30), date(2026, 10, 8)),
        ("国庆过后十点", date(2026, 9, 24), date(2026, 10, 8)),
        ("春节前把报价发给他", date(2026, 1, 16), date(2026, 2, 14)),
        ("五一回来再说", date(2026, 4, 29), date(2026, 5, 6)),
        ("过完年再去", date(2026, 2, 10), date(2026, 2, 24)),
        ("中秋节后签合同", date(2026, 9, 23), date(2026, 9, 28)),
    ],
)
def test_holiday_phrases(text: str, today: date, want: date) -> None:
    got = holiday_times(text, today, HolidayCalendar())
    assert got and got[0].date == want


@pytest.mark.parametrize("text", ["两年前", "环节后", "关节前", "十一号", "去年前"])
def test_no_holiday_there(text: str) -> None:
    assert holiday_times(text, date(2026, 5, 1), HolidayCalendar()) == []


def test_unknown_year_is_unread_until_the_admin_adds_it() -> None:
    today = date(2026, 12, 18)
    got = holiday_times("元旦后签合同", today, HolidayCalendar())
    assert got[0].unread and got[0].date is None
    table = HolidayCalendar([HolidayBreak("元旦", date(2027, 1, 1), date(2027, 1, 3))])
    assert holiday_times("元旦后签合同", today, table)[0].date == date(2027, 1, 4)
    # a 调休 Saturday of the admin's table counts as a working day
    table2 = HolidayCalendar([HolidayBreak("春节", date(2027, 2, 6), date(2027, 2, 13))],
                             [date(2027, 2, 14)])
    assert holiday_times("年后再去", today, table2)[0].date == date(2027, 2, 14)


def test_catalog_holiday_table_reaches_the_extractor() -> None:
    data = {**catalog("education").to_dict(),
            "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
                         {"name": "", "start": "x"}],
            "workdays": ["2027-01-09", "bad"]}
    ex = Extractor(Catalog.from_dict(data))
    rec = ex.extract("八中李校长说元旦后签合同", datetime(2026, 12, 18, 14, 30, tzinfo=TZ))
    assert (rec.next_date, rec.next_action, rec.date_unread) == ("2027-01-04", "签订合同", False)
    bare = Extractor(catalog("education")).extract("八中李校长说元旦后签合同",
                                                  datetime(2026, 12, 18, 14, 30, tzinfo=TZ))
    assert (bare.next_date, bare.next_action, bare.date_unread, bare.vague_date) == (
        None, "签订合同", True, True)


# ------------------------------------------------------------------ time rows
_NOW = datetime(2026, 3, 12, 9, 30, tzinfo=TZ)     # Thursday


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("明儿个", "2026-03-13"), ("后儿个", "2026-03-14"), ("大后儿个", "2026-03-15"),
        ("过俩礼拜", "2026-03-26"), ("俩礼拜后", "2026-03-26"), ("两个礼拜后", "2026-03-26"),
        ("明年三月", "2027-03-01"), ("明年3月5号", "2027-03-05"), ("五月", "2026-05-01"),
        ("二月", "2027-02-01"), ("8月24号8点", "2026-08-24"), ("下班前", "2026-03-12"),
        ("下下个礼拜三", "2026-03-25"), ("下个月初", "2026-04-01"), ("本月20号", "2026-03-20"),
    ],
)
def test_time_rows(text: str, want: str) -> None:
    exprs = [t for t in scan_times(text, _NOW) if t.date is not None]
    assert exprs and exprs[0].date is not None and exprs[0].date.isoformat() == want


@pytest.mark.parametrize("text", ["下个月中旬", "月中", "下旬"])
def test_unread_spans(text: str) -> None:
    exprs = scan_times(text, _NOW)
    assert exprs and all(t.date is None for t in exprs) and exprs[0].unread


def test_clock_deadline() -> None:
    exprs = scan_times("今天5点前发过去", _NOW)
    assert any(t.time is not None and t.time.hour == 17 for t in exprs)


# ------------------------------------------------------------------ sounds
def test_coarse_keys() -> None:
    assert coarse_key("fang") == coarse_key("han")
    assert coarse_key("shi") == coarse_key("si")
    assert coarse_key("tong") != coarse_key("tai")


def test_typed_near_homophones() -> None:
    ex = Extractor(catalog("software"))
    assert ex.extract("云方网络周总说CRM还要考虑", NOW).customer == "杭州云帆网络科技有限公司"
    # an unrelated syllable is another company ('恒通' is no '恒泰')
    lab = Extractor(catalog("lab"))
    assert lab.extract("海关技术中新马科长", NOW).customer == "合肥海关技术中心"
    m = CoarseMatcher.from_catalog(catalog("construction"))
    assert not m.find("赣州华宁建筑工程有限公司")
