"""Acoustic snapping of near-homophone names: recall on Whisper's confusions, and no
changes to correctly written text."""

from __future__ import annotations

import pytest

from nlp.asr.snap import char_score, snap_acoustic, split_syllable
from nlp.types import Catalog

CATALOG = Catalog.from_dict({
    "customers": [{"name": n} for n in ("鼓楼医院", "瑞金医院", "第一人民医院", "华东医药")],
    "contacts": [{"name": "王主任", "customer": "鼓楼医院"},
                 {"name": "陈主任", "customer": "瑞金医院"},
                 {"name": "赵工", "customer": "迈瑞"}],
    "products": [{"name": n} for n in ("椎间融合器", "吻合器", "变频器", "支架", "监护仪")],
})


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("对随间融合器很感兴趣", "对椎间融合器很感兴趣"),
        ("第一人迷医院设备科", "第一人民医院设备科"),
        ("送了五盒纹和极样品", "送了五盒吻合器样品"),
        ("把变平器项目改成赢单", "把变频器项目改成赢单"),
    ],
)
def test_near_homophones_snap(heard: str, meant: str) -> None:
    assert snap_acoustic(heard, CATALOG) == meant


@pytest.mark.parametrize(
    "text",
    [
        "最近医院的采购很忙",                # 最近 is not 瑞金
        "程主任说下周再谈",                  # surnames only as homophones
        "沈主任发邮件说预算冻结了",
        "黄主任说科室会议下周一讨论",
        "他说还在比较几家",                  # two-character names are left alone
        "已经约好了下周去",
        "这边近期再盯一下",                  # 近期 is not 变频器
        "欧阳主任电话多少",
        "苏州工业园区的客户",
        "今天下午拜访了鼓楼医院骨科王主任，对椎间融合器很感兴趣。",
    ],
)
def test_correct_text_is_left_alone(text: str) -> None:
    assert snap_acoustic(text, CATALOG) == text


def test_no_catalog_or_text() -> None:
    assert snap_acoustic("随间融合器", None) == "随间融合器"
    assert snap_acoustic("", CATALOG) == ""
    assert snap_acoustic("随间融合器", Catalog()) == "随间融合器"


def test_syllables_and_scores() -> None:
    assert split_syllable("zhui") == ("zh", "ui")
    assert split_syllable("an") == ("", "an")
    assert char_score("股", "鼓") == 1.0
    assert char_score("随", "椎") == pytest.approx(0.6)     # sui ~ chui: same final
    assert char_score("极", "器") == pytest.approx(0.92)    # ji ~ qi
    assert char_score("王", "黄") < 0.8
    assert char_score("a", "b") == 0.0
