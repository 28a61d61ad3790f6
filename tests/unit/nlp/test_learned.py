"""What a correction teaches, and a rep's learned words as an overlay."""

from __future__ import annotations

import pytest

from nlp import Extractor, Learned

from .industries import NOW, catalog

EX = Extractor(catalog("education"))


@pytest.mark.parametrize(
    ("text", "field", "new", "phrase"),
    [
        # the words the bot read as the customer, or the name part the rep wrote
        ("建大孙老师说录播下周三再看", "customer", "安徽建筑大学", "建大"),
        ("八中的孙老师说录播要等经费", "customer", "蚌埠市实验小学", "八中"),
        # the person the bot read as the contact
        ("老钱说平板下周三演示", "contact", "钱多多", "老钱"),
        # the step's words, names and dates cut out
        ("八中李校长说下周一去跑个流程", "next_action", "签订合同", "去跑个流程"),
        # nothing in the message names the new value: nothing to learn
        ("录播下周三再看", "customer", "安徽建筑大学", None),
        ("", "customer", "安徽建筑大学", None),
        ("八中李校长说下周一去跑个流程", "summary", "x", None),
    ],
)
def test_lesson(text: str, field: str, new: str, phrase: str | None) -> None:
    rec = EX.extract(text, NOW)
    assert EX.lesson(text, NOW, field, getattr(rec, field, None), new) == phrase


def test_product_lesson_needs_one_unknown_word_and_one_new_product() -> None:
    text = "新客户 铜陵学院 孙老师 13812345678 想了解一下电子白板机"
    rec = EX.extract(text, NOW)
    assert "电子白板机" in rec.products
    assert EX.lesson(text, NOW, "products", list(rec.products), ["智慧黑板"]) == "电子白板机"
    assert EX.lesson(text, NOW, "products", [], ["智慧黑板", "学生平板"]) is None


def test_overlay_applies_to_that_rep_only() -> None:
    taught = Learned.from_rows([("customer", "建大", "安徽建筑大学"),
                                ("next_action", "跑个流程", "签订合同"),
                                ("obstacle", "钱卡住了", "经费未到位")])
    text = "建大孙老师说钱卡住了，下周一去跑个流程"
    mine = EX.extract(text, NOW, taught)
    assert (mine.customer, mine.next_action, mine.obstacle) == (
        "安徽建筑大学", "签订合同", "经费未到位")
    other = EX.extract(text, NOW)
    assert other.customer is None
    assert other.next_action != "签订合同"
    # the same overlay value is compiled once per extractor
    assert EX.learned_index(taught) is EX.learned_index(
        Learned.from_rows([("customer", "建大", "安徽建筑大学"),
                           ("next_action", "跑个流程", "签订合同"),
                           ("obstacle", "钱卡住了", "经费未到位")]))


def test_odd_lessons() -> None:
    assert not Learned.from_rows([("weird", "xx", "y"), ("customer", "a", "b"),
                                  ("customer", "  ", "b"), ("customer", "ab", "")])
    # a lesson naming something the catalog lost is dropped, not an error
    gone = Learned.from_rows([("customer", "老学堂", "已删除的学校")])
    assert EX.extract("老学堂王老师说下周再谈", NOW, gone).customer is None
