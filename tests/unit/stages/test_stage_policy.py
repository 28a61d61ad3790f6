"""The stage state machine as pure functions: transitions, what is missing, config checks."""

from __future__ import annotations

import pytest

from crm_core.policies.stages import (
    DEFAULT_LOST_REASONS,
    DealFacts,
    Requirement,
    StageDef,
    check_transition,
    compliance_rate,
    missing_for_move,
    parse_requirement_words,
    validate_stages,
)


def demo() -> list[StageDef]:
    return [
        StageDef("初步接触", 10, allowed_next=("需求确认", "输单")),
        StageDef("需求确认", 20, allowed_next=("方案演示", "初步接触", "输单"),
                 leave=Requirement(fields=("budget_note",))),
        StageDef("方案演示", 30, allowed_next=("合同谈判", "需求确认", "输单"),
                 enter=Requirement(fields=("meeting_note",), evidence=("file",))),
        StageDef("合同谈判", 40, allowed_next=("赢单", "方案演示", "输单"),
                 enter=Requirement(fields=("expected_close", "legal_feedback"))),
        StageDef("赢单", 50, is_won=True),
        StageDef("输单", 60, is_lost=True, allowed_next=("初步接触",),
                 enter=Requirement(fields=("lost_reason",))),
    ]


S = {s.name: s for s in demo()}


def test_demo_configuration_is_valid() -> None:
    assert validate_stages(demo()) == []


def test_allowed_and_refused_transitions() -> None:
    assert check_transition(S["初步接触"], S["需求确认"]).allowed
    assert check_transition(S["方案演示"], S["需求确认"]).allowed        # backwards, allowed
    t = check_transition(S["初步接触"], S["合同谈判"])                  # skipping
    assert not t.allowed
    assert "不能从「初步接触」直接到「合同谈判」" in t.reason
    assert not check_transition(S["赢单"], S["初步接触"]).allowed        # terminal
    assert not check_transition(S["方案演示"], S["方案演示"]).allowed
    assert check_transition(None, S["初步接触"]).allowed


def test_missing_lists_leave_then_enter_requirements_in_order() -> None:
    missing = missing_for_move(S["需求确认"], S["方案演示"], DealFacts({}))
    assert [(m.kind, m.key) for m in missing] == [
        ("field", "budget_note"), ("field", "meeting_note"), ("evidence", "file")]
    assert all(m.question for m in missing)


def test_given_items_are_not_asked_again() -> None:
    facts = DealFacts({"budget_note": "200万", "meeting_note": "演示顺利"},
                      frozenset({"photo"}))            # a photo satisfies "file"
    assert missing_for_move(S["需求确认"], S["方案演示"], facts) == []
    blank = DealFacts({"budget_note": "  ", "meeting_note": "x"}, frozenset({"link"}))
    keys = [m.key for m in missing_for_move(S["需求确认"], S["方案演示"], blank)]
    assert keys == ["budget_note", "file"]


def test_losing_needs_a_preset_reason_and_no_exit_paperwork() -> None:
    missing = missing_for_move(S["需求确认"], S["输单"], DealFacts({}))
    assert [m.key for m in missing] == ["lost_reason"]
    assert missing[0].choices == DEFAULT_LOST_REASONS
    odd = DealFacts({"lost_reason": "心情不好"})
    assert [m.key for m in missing_for_move(S["需求确认"], S["输单"], odd)] == ["lost_reason"]
    ok = DealFacts({"lost_reason": "价格太高"})
    assert missing_for_move(S["需求确认"], S["输单"], ok) == []


def test_a_lost_stage_without_the_requirement_still_asks_for_a_reason() -> None:
    lost = StageDef("丢单", 70, is_lost=True)
    assert [m.key for m in missing_for_move(S["初步接触"], lost, DealFacts({}))] == [
        "lost_reason"]


def _with(name: str, **changes: object) -> list[StageDef]:
    from dataclasses import replace

    return [replace(s, **changes) if s.name == name else s for s in demo()]  # type: ignore[arg-type]


@pytest.mark.parametrize(("stages", "message"), [
    (_with("需求确认", allowed_next=("初步接触", "输单")),
     "从「初步接触」出发到不了「方案演示」"),
    (_with("方案演示", enter=Requirement(fields=("wish_list",))),
     "「方案演示」进入要求的字段「wish_list」不存在"),
    (_with("方案演示", enter=Requirement(evidence=("video",))),
     "附件类型「video」不存在"),
    (_with("合同谈判", allowed_next=("方案演示", "输单")),
     "永远到不了赢单"),
    (_with("方案演示", allowed_next=("不存在的阶段",)), "下一阶段「不存在的阶段」不存在"),
    (_with("需求确认", allowed_next=()), "「需求确认」没有可去的下一阶段"),
    ([s for s in demo() if not s.is_won], "至少需要一个「赢单」阶段"),
    ([*demo(), StageDef("初步接触", 70, allowed_next=("赢单",))], "「初步接触」重复了"),
    (_with("方案演示", allowed_next=("方案演示", "输单")), "不能流转到自己"),
])
def test_impossible_configurations_are_refused_with_a_clear_message(
        stages: list[StageDef], message: str) -> None:
    errors = validate_stages(stages)
    assert any(message in e for e in errors), errors


def test_cycle_that_traps_deals_away_from_won() -> None:
    # 需求确认 ⇄ 方案演示 only: 合同谈判 unreachable and won unreachable from both
    stages = _with("方案演示", allowed_next=("需求确认",))
    stages = list(stages)
    errors = validate_stages(stages)
    assert any("到不了「合同谈判」" in e for e in errors)
    assert any("从「方案演示」出发永远到不了赢单" in e for e in errors)


def test_json_round_trip() -> None:
    for s in demo():
        assert StageDef.from_json(s.to_json()) == s


def test_requirement_words_from_chinese_labels() -> None:
    fields, evidence, unknown = parse_requirement_words(["会议纪要", "文件", "照片", "心愿单",
                                                        "amount"])
    assert fields == ["meeting_note", "amount"]
    assert evidence == ["file", "photo"]
    assert unknown == ["心愿单"]


def test_compliance_rate() -> None:
    assert compliance_rate([]) is None
    assert compliance_rate([True, True, False, True]) == 0.75
