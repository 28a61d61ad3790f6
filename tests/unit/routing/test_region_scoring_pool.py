"""Region resolution, scoring, pool policy, rule validation."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm_core.policies import pool, region, scoring
from crm_core.policies.routing_validation import (
    RepInfo,
    TeamInfo,
    validate_rules,
    validate_weights,
)

NOW = datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(("text", "expected"), [
    ("杭州萧山", ("浙江省", "杭州市", "萧山区")),
    ("浙江省杭州市萧山区人民医院", ("浙江省", "杭州市", "萧山区")),
    ("南京鼓楼医院", ("江苏省", "南京市", "鼓楼区")),
    ("苏州工业园区星湖街", ("江苏省", "苏州市", "苏州工业园区")),
    ("上海浦东张江", ("上海市", "上海市", "浦东新区")),
    ("合肥", ("安徽省", "合肥市", None)),
    ("安徽省立医院", ("安徽省", None, None)),
    ("宁波北仑区", ("浙江省", "宁波市", "北仑区")),
    ("常州武进", ("江苏省", "常州市", "武进区")),
    ("昆山市第一人民医院", ("江苏省", "苏州市", "昆山市")),
    ("成都武侯区", ("四川省", "成都市", "武侯区")),
    ("广东省深圳市南山区科技园", ("广东省", "深圳市", "南山区")),
])
def test_resolve(text: str, expected: tuple[str | None, ...]) -> None:
    p = region.resolve(text)
    assert (p.province, p.city, p.district) == expected


def test_resolve_does_not_guess_ambiguous_district() -> None:
    assert not region.resolve("鼓楼医院")                  # Nanjing? Xuzhou? Fuzhou?
    assert region.resolve("鼓楼医院", "福州").city == "福州市"
    assert not region.resolve("")


def test_normalizers() -> None:
    assert region.normalize_province("江苏") == "江苏省"
    assert region.normalize_city("杭州") == ("浙江省", "杭州市")
    assert region.normalize_district("萧山") == [("浙江省", "杭州市", "萧山区")]
    assert len(region.normalize_district("鼓楼区")) >= 3


def _inp(**kw: object) -> scoring.ScoreInput:
    base: dict[str, object] = {"fields": {"name": "张", "phone": "138", "company": "医院"},
                               "source_channel": "web", "created_at": NOW}
    base.update(kw)
    return scoring.ScoreInput(**base)  # type: ignore[arg-type]


def test_score_behaviour_raises_and_reasons() -> None:
    plain = scoring.score_lead(_inp(), NOW)
    hot = scoring.score_lead(_inp(raw={"page_dwell_seconds": "360", "downloads": 2,
                                       "pricing_page_visit": "true"}), NOW)
    assert hot.score > plain.score + 5
    assert "访问了价格页" in hot.reasons
    assert 0 <= plain.score <= 100
    assert hot.grade in ("yellow", "green")


def test_recency_decay_minus_10_after_7_days_and_35_after_30() -> None:
    fresh = scoring.score_lead(_inp(status="contacted", followups=2), NOW)
    idle = scoring.score_lead(_inp(status="contacted", followups=2),
                              NOW + timedelta(days=7, hours=1))
    stale = scoring.score_lead(_inp(status="contacted", followups=2),
                               NOW + timedelta(days=31))
    assert fresh.score - idle.score == 10
    assert 34 <= fresh.score - stale.score <= 35          # (rounded halves)
    assert any("7天未跟进" in r for r in idle.reasons)


FULL = {"name": "王主任", "phone": "13800001111", "company": "南京市鼓楼医院", "title": "主任",
        "product": "椎间融合器", "province": "江苏省"}


def test_fresh_complete_web_lead_is_green_and_fresh_thin_one_yellow() -> None:
    full = scoring.score_lead(_inp(fields=FULL), NOW)
    assert full.grade == "green"
    assert "信息完整" in full.reasons
    thin = scoring.score_lead(_inp(), NOW)            # name, phone, organisation only
    assert thin.grade in ("yellow", "green")
    ads = scoring.score_lead(_inp(fields=FULL, source_channel="抖音"), NOW)
    assert ads.grade == "green"


def test_red_is_rare_and_says_what_to_do() -> None:
    """Red only for a lead nobody contacted for days (or unreachable), first reason first."""
    for days in (0, 1, 2, 3):
        got = scoring.score_lead(_inp(fields=FULL), NOW + timedelta(days=days))
        assert got.grade != "red", days
    late = scoring.score_lead(_inp(), NOW + timedelta(days=8))
    assert late.grade == "red"
    assert late.reasons[0] == "8天未联系，请尽快联系"
    worked = scoring.score_lead(_inp(status="contacted", followups=1), NOW + timedelta(days=20))
    assert worked.grade == "yellow"                   # cooling, not lost
    mute = scoring.score_lead(_inp(fields={"name": "某", "company": "某厂"}),
                              NOW + timedelta(days=2))
    assert mute.reasons[0].startswith("缺电话和邮箱") or mute.grade != "red"


def test_grades_and_sorting() -> None:
    assert scoring.grade_of(85) == "green"
    assert scoring.grade_of(65) == "green"
    assert scoring.grade_of(55) == "yellow"
    assert scoring.grade_of(10) == "red"
    items = [("green", 90), ("red", 30), ("yellow", 50), ("red", 10)]
    assert sorted(items, key=lambda x: scoring.sort_key(*x))[:2] == [("red", 10), ("red", 30)]


def test_scoring_config_validation() -> None:
    assert scoring.validate_scoring({"weights": {"completeness": 50, "source": 50,
                                                 "behaviour": 0, "response": 0}}) == []
    errs = scoring.validate_scoring({"weights": {"completeness": 50, "source": 20}})
    assert errs == ["评分权重之和必须为 100(当前为 70)"]


def _idle(**kw: object) -> pool.IdleLead:
    base: dict[str, object] = {"lead_id": 1, "owner_id": 2, "team_id": 3, "grade": None,
                               "assigned_at": NOW, "claimed_at": None,
                               "last_activity_at": None}
    base.update(kw)
    return pool.IdleLead(**base)  # type: ignore[arg-type]


def test_pool_classify_and_overrides() -> None:
    s = pool.PoolSettings()
    assert pool.classify(_idle(), NOW + timedelta(days=5), s) == "ok"
    assert pool.classify(_idle(), NOW + timedelta(days=6, hours=1), s) == "warn"
    assert pool.classify(_idle(), NOW + timedelta(days=7), s) == "reclaim"
    later = _idle(last_activity_at=NOW + timedelta(days=3))
    assert pool.classify(later, NOW + timedelta(days=7), s) == "ok"
    s2 = pool.PoolSettings.from_json({"idle_days_by_grade": {"red": 3},
                                      "idle_days_by_team": {"3": 10}})
    assert pool.idle_limit(_idle(grade="red"), s2) == 3
    assert pool.idle_limit(_idle(), s2) == 10
    assert pool.idle_limit(_idle(team_id=4, team_idle_days=5), s2) == 5


def test_pool_can_claim() -> None:
    s = pool.PoolSettings(daily_claim_limit=2, holding_cap=5, cooling_off_days=3)
    ok = {"user_id": 1, "previous_owner_id": 2, "pooled_at": NOW, "claims_today": 0,
          "holding": 0, "max_open_leads": 60, "now": NOW, "s": s}
    assert pool.can_claim(**ok) is None  # type: ignore[arg-type]
    assert "每日上限" in (pool.can_claim(**{**ok, "claims_today": 2}) or "")  # type: ignore[arg-type]
    assert "已达上限 5" in (pool.can_claim(**{**ok, "holding": 5}) or "")  # type: ignore[arg-type]
    assert "已达上限 3" in (pool.can_claim(**{**ok, "holding": 3, "max_open_leads": 3}) or "")  # type: ignore[arg-type]
    assert "冷静期" in (pool.can_claim(**{**ok, "previous_owner_id": 1}) or "")  # type: ignore[arg-type]
    assert pool.can_claim(**{**ok, "previous_owner_id": 1,  # type: ignore[arg-type]
                             "now": NOW + timedelta(days=3)}) is None


TEAMS = [TeamInfo(1, "江苏组", 3), TeamInfo(2, "浙江组", 4), TeamInfo(3, "安徽组", 0)]
REPS = [RepInfo(10, "wang", "王磊"), RepInfo(11, "gone", "离职者", active=False)]
FB = {"name": "兜底", "fallback": True, "team": "江苏组"}


def check(*rules: dict[str, object]) -> tuple[list[str], list[str]]:
    c = validate_rules([*rules, FB], teams=TEAMS, reps=REPS, product_lines={"脊柱类", "关节类"})
    return c.errors, c.warnings


def test_valid_table() -> None:
    errors, warnings = check(
        {"name": "江苏·脊柱类", "when": {"province": "江苏", "product_line": "脊柱类"},
         "team": "江苏组"},
        {"name": "杭州萧山", "when": {"district": "萧山"}, "rep": "wang"},
    )
    assert errors == []
    assert warnings == []


@pytest.mark.parametrize(("rule", "message"), [
    ({"name": "x", "when": {"budget": [10, 5]}, "team": "江苏组"}, "预算下限 10 大于上限 5"),
    ({"name": "x", "when": {"score": [80, 20]}, "team": "江苏组"}, "评分下限 80 大于上限 20"),
    ({"name": "x", "when": {"score_min": 120}, "team": "江苏组"}, "评分范围不在 0–100 之内"),
    ({"name": "x", "when": {"province": "浙江", "city": "南京"}, "team": "江苏组"},
     "地区条件互相矛盾"),
    ({"name": "x", "when": {"product_line": "眼科类"}, "team": "江苏组"}, "产品线「眼科类」不存在"),
    ({"name": "x", "when": {"province": "火星"}, "team": "江苏组"}, "无法识别的省份「火星」"),
    ({"name": "x", "when": {"province": "安徽"}, "team": "安徽组"}, "没有在职的销售"),
    ({"name": "x", "when": {"province": "安徽"}, "rep": "gone"}, "已停用"),
    ({"name": "x", "when": {"province": "安徽"}, "team": "江苏组", "rep": "wang"},
     "必须且只能指定一个目标"),
])
def test_rejected(rule: dict[str, object], message: str) -> None:
    errors, _ = check(rule)
    assert any(message in e for e in errors), errors


def test_shadowed_rule_is_an_error_overlap_a_warning() -> None:
    errors, _ = check({"name": "江苏", "when": {"province": "江苏"}, "team": "江苏组"},
                      {"name": "南京", "when": {"city": "南京"}, "team": "浙江组"})
    assert errors == ["规则「南京」永远不会命中: 被前面的规则「江苏」完全覆盖(请调整顺序或条件)"]
    errors, warnings = check(
        {"name": "大单", "when": {"budget_min": 1000000}, "team": "浙江组"},
        {"name": "江苏", "when": {"province": "江苏"}, "team": "江苏组"})
    assert errors == []
    assert warnings == ["规则「大单」与「江苏」有重叠, 重叠部分按顺序由「大单」处理"]
    _, warnings = check({"name": "江苏", "when": {"province": "江苏"}, "team": "江苏组"},
                        {"name": "浙江", "when": {"province": "浙江"}, "team": "浙江组"})
    assert warnings == []


def test_fallback_optional_but_unique() -> None:
    c = validate_rules([{"name": "a", "when": {"province": "江苏"}, "team": "江苏组"}],
                       teams=TEAMS, reps=REPS)
    assert c.errors == []               # the built-in fallback stands in
    c = validate_rules([FB, {**FB, "name": "兜底2"}], teams=TEAMS, reps=REPS)
    assert any("当前 2 条" in e for e in c.errors)


def test_weights() -> None:
    assert validate_weights({"open_deals": 30, "won_amount": 25, "conversion": 25,
                             "online": 20}) == []
    assert validate_weights({"open_deals": 30, "won_amount": 25, "conversion": 25,
                             "online": 25}) == ["权重之和必须为 100(当前为 105)"]
    assert "未知的权重项" in validate_weights({"luck": 100})[0]
