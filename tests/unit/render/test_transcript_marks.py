"""The transcript a rep sees after a voice note: what was guessed, not heard, is marked in
【】 as whole words, and the line after it says what Whisper wrote there."""

from __future__ import annotations

import pytest

from bot.voice import render_transcript
from nlp.asr.snap import Mark, snap_transcript_names
from nlp.types import Catalog

CATALOG = Catalog.from_dict({
    "customers": [{"name": "南京市鼓楼医院", "aliases": ["鼓楼医院"]}],
    "products": [{"name": "椎间融合器"}],
})


@pytest.mark.parametrize(
    ("heard", "shown", "was"),
    [
        # a time word respelled inside a word: the word, not the one character
        ("明天上五十点去鼓楼医院", "明天【上午】十点去鼓楼医院", "上五"),
        ("周五上五十点过去签合同", "周五【上午】十点过去签合同", "上五"),
        # a cue word respelled by one character: the cue word whole
        ("王主任对质量每意见，下周签合同", "王主任对质量【没意见】，下周签合同", "每意见"),
        # a weekday numeral: with the 下 jieba cuts off (下/周二)
        ("鼓楼医院王主任下周爱送样机过去", "鼓楼医院王主任【下周二】送样机过去", "下周爱"),
        ("这中五把资料发过去", "【这周五】把资料发过去", "这中五"),
        # a catalog name keeps its own span
        ("下午见了股楼医院王主任", "下午见了【鼓楼医院】王主任", "股楼医院"),
    ],
)
def test_guesses_are_marked_as_whole_words(heard: str, shown: str, was: str) -> None:
    snapped = snap_transcript_names(heard, CATALOG)
    lines = render_transcript(snapped.text, snapped.marks).split("\n")
    assert lines[0] == "🎤 识别：" + shown
    assert lines[1] == "【】为按名单纠正，原听到：" + was


def test_widening_stops_at_a_pause_and_at_the_next_guess() -> None:
    text = "下周二，周三见"
    # 二 alone: 周二 is its word; the pause after it is never taken in
    assert render_transcript(text, [Mark(2, 3, "爱", "二", "spoken")]).startswith(
        "🎤 识别：【下周二】，")
    # two guesses side by side: each keeps its own span, the second is not swallowed
    two = render_transcript("明天上午十点", [Mark(3, 4, "五", "午", "spoken"),
                                          Mark(4, 5, "时", "十", "spoken")])
    assert two.split("\n") == ["🎤 识别：明天【上午】【十点】",
                              "【】为按名单纠正，原听到：上五、时点"]


def test_no_guess_no_second_line() -> None:
    assert render_transcript("今天去了鼓楼医院", []) == "🎤 识别：今天去了鼓楼医院"
