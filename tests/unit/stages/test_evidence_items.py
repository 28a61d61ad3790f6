"""Evidence with teeth (issue 15, item 8): several named items per stage, each its own
attachment; the file-name rule compiled, refused when it is not a pattern."""

from __future__ import annotations

import pytest

from crm_core.policies import stages as P


def _won() -> P.StageDef:
    return P.StageDef("赢单", 50, is_won=True, enter=P.Requirement(
        ("contract_no",), ("photo:签字页", "file:合同", "file:PPT")))


def test_each_named_item_needs_its_own_attachment() -> None:
    facts = P.DealFacts({"contract_no": "HT-1"}, frozenset({"file"}),
                        (("file", "鼓楼医院_合同_v1.pdf"),))
    missing = P.missing_for_move(None, _won(), facts)
    assert [m.label for m in missing] == ["照片「签字页」", "文件「PPT」"]
    facts = P.DealFacts({"contract_no": "HT-1"}, frozenset({"file", "photo"}), (
        ("file", "鼓楼医院_合同_v1.pdf"), ("photo", "签字页.jpg"), ("file", "方案.pptx")))
    assert P.missing_for_move(None, _won(), facts) == []
    one_file = P.DealFacts({"contract_no": "HT-1"}, frozenset({"file", "photo"}), (
        ("file", "合同与PPT.pdf"), ("photo", "签字页")))
    assert [m.label for m in P.missing_for_move(None, _won(), one_file)] == ["文件「PPT」"]


def test_named_items_are_read_and_validated() -> None:
    fields, evidence, unknown = P.parse_requirement_words(["会议纪要", "文件:PPT", "照片：签字页"])
    assert (fields, evidence, unknown) == (["meeting_note"], ["file:PPT", "photo:签字页"], [])
    assert _won().enter.describe() == "合同编号、照片「签字页」、文件「合同」、文件「PPT」"


def test_file_name_rule() -> None:
    pattern, example = P.compile_name_rule("客户名_日期_版本号")
    assert pattern is not None
    assert P.name_follows("鼓楼医院_20261123_v2.pptx", pattern)
    assert P.name_follows(example, pattern)
    assert not P.name_follows("方案.pptx", pattern)
    assert not P.name_follows("鼓楼医院_下周_v1.pptx", pattern)


@pytest.mark.parametrize("bad", ["客户名_心情", "客户名", "", "(.*"])
def test_a_rule_that_is_not_a_pattern_is_refused(bad: str) -> None:
    pattern, why = P.compile_name_rule(bad)
    assert pattern is None and why
