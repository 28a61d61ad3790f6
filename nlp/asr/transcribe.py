"""Synchronous transcription: bytes → `Transcript`. Runs inside the worker (never on the
event loop).

Pipeline: sniff + decode (PyAV) → length / silence checks → Whisper (faster-whisper,
temperature 0 without fallback, a token cap, VAD, a prompt of this rep's names) →
segment confidence filter → Traditional→Simplified (OpenCC t2s) → name snapping
(`nlp.snap_transcript`, when the transcript is confident enough).

A note of 8 s or more is heard in parts cut in its pauses (`pause_cuts`), one part per
model replica, at the same time: the replicas share the weights and run one thread each,
which on two cores beats one replica on two threads (the decoder's per-token steps are too
small to share between threads; measured in `AsrConfig.decode_threads`).

Guards against the prompt inventing names on unintelligible audio: silence is refused
before the model runs; segments Whisper itself marks as non-speech, with a low average
log-probability, a looping compression ratio, a known subtitle hallucination or an echo of
the prompt are dropped; and names are only snapped onto catalog entries when the remaining
text is confidently recognised. If nothing survives, `NoSpeechError` is raised instead of
returning invented text.
"""

from __future__ import annotations

import difflib
import itertools
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.asr.arbiter import Check, acoustic_check
from nlp.asr.config import AsrConfig
from nlp.asr.decode import SAMPLE_RATE, check_speech_energy, decode_audio
from nlp.asr.errors import AudioTooLongError, NoSpeechError
from nlp.asr.model import LazyModel, model_name
from nlp.asr.prompt import (
    PHONE_EXAMPLE_DIGITS,
    WHISPER_PROMPT_LIMIT,
    WORDS_HEAD,
    VoiceHints,
    build_prompt,
    phone_prompt,
    prompt_names,
    prompt_vocabulary,
    prompt_words,
)
from nlp.asr.snap import Mark, diff_marks, index_for, snap_looks, snap_transcript_names
from nlp.asr.spoken import broken_mobile, mend_mobile, trim_loops
from nlp.phonetic import NAME_KINDS, Affinity
from nlp.types import Catalog

log = logging.getLogger(__name__)

# What Whisper writes over silence or music (learned from subtitle credits).
HALLUCINATIONS: tuple[str, ...] = (
    "字幕由amara.org社区提供", "字幕由amara.org社群提供", "amara.org", "请不吝点赞",
    "订阅转发打赏", "点赞订阅", "谢谢观看", "感谢观看", "谢谢大家观看", "中文字幕", "字幕志愿者",
    "字幕制作", "优优独播剧场", "yoyo television", "明镜与点点", "本节目", "请订阅",
    "by bwd6", "李宗盛",
)


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    text: str               # as Whisper wrote it
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    dropped: str = ""       # why it was dropped ("" = kept)


@dataclass(frozen=True, slots=True)
class Transcript:
    """One voice note as text. ``text`` is what the extractor should read."""

    text: str                       # Simplified Chinese, names snapped onto the catalog
    language: str
    duration_s: float               # audio length
    seconds: float                  # processing time (decode + recognition + post)
    model: str
    raw_text: str = ""              # Simplified, before name snapping
    whisper_text: str = ""          # as Whisper wrote it (often Traditional)
    avg_logprob: float | None = None     # duration-weighted over the kept segments
    no_speech_prob: float | None = None  # highest over the kept segments
    low_confidence: bool = False    # True: names were not snapped in
    snapped: bool = False           # True: snapping changed the text
    format: str = ""                # sniffed container ("amr", "ogg", …)
    codec: str = ""                 # decoder used
    prompt: str = ""                # the prompt Whisper was given
    first_text: str = ""            # what a first look heard (Simplified, unsnapped) where
                                    # a second look made ``raw_text``; "" where heard once
    segments: tuple[Segment, ...] = field(default=())
    marks: tuple[Mark, ...] = field(default=())    # spans of ``text`` not heard that way
    timings: dict[str, float] = field(default_factory=dict)  # decode/asr/post s, cpu s

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["segments"] = [asdict(s) for s in self.segments]
        d["marks"] = [asdict(m) for m in self.marks]
        return d


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text)) if text else text


_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_FULLWIDTH = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；", ".": "。"}


def normalize_text(text: str) -> str:
    """Chinese punctuation and spacing: ``王主任,下周`` → ``王主任，下周``."""
    text = text.strip()
    # drop spaces between CJK characters / CJK punctuation
    text = re.sub(rf"(?<=[{_CJK}，。？！、：；])\s+(?=[{_CJK}])", "", text)
    text = re.sub(rf"(?<=[{_CJK}])\s+(?=[，。？！、：；])", "", text)

    def full(m: re.Match[str]) -> str:
        return _FULLWIDTH[m.group(1)]

    text = re.sub(rf"(?<=[{_CJK}])([,?!:;.])\s*", full, text)
    text = re.sub(rf"([,?!:;])\s*(?=[{_CJK}])", full, text)
    return text


def join_segments(texts: list[str]) -> str:
    """Segments as one text; a comma where a segment ended without punctuation."""
    out = ""
    for t in (t.strip() for t in texts):
        if not t:
            continue
        if out and not re.search(r"[,.?!;:，。？！；：、]$", out):
            out += "，"
        out += t
    return out


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def is_hallucination(text: str) -> bool:
    t = _squash(to_simplified(text))
    return any(_squash(h) in t for h in HALLUCINATIONS)


_HEAD_WINDOWS: tuple[str, ...] = tuple(
    "以下是普通话的销售"[i:i + 5] for i in range(len("以下是普通话的销售") - 4)
)
_REPEAT = re.compile(r"(.)\1{4,}|(.{2,8}?)\2{2,}")


def is_repetitive(text: str) -> bool:
    """A decoding loop: one character 5+ times or a phrase 3+ times over half the text."""
    seg = _squash(text)
    if not seg:
        return False
    covered = sum(m.end() - m.start() for m in _REPEAT.finditer(seg))
    return covered >= 0.5 * len(seg)


def _longest_name_run(text: str, names: set[str]) -> int:
    """Most prompt names in a row, separated only by list punctuation."""
    best = run = 0
    for piece in re.split(r"[、，,。.；;\s]+", to_simplified(text)):
        if not piece:
            continue
        run = run + 1 if piece in names else 0
        best = max(best, run)
    return best


def _covered(seg: str, names: Sequence[str]) -> int:
    """Characters of ``seg`` inside an occurrence of one of ``names``."""
    hit = [False] * len(seg)
    for n in names:
        at = seg.find(n)
        while at >= 0:
            hit[at:at + len(n)] = [True] * len(n)
            at = seg.find(n, at + 1)
    return sum(hit)


def _times_said(seg: str, names: list[str]) -> int:
    """How many times ``names`` are said in ``seg``, longest first, none inside another
    (武侯审批局 holds no second 审批局)."""
    taken = [False] * len(seg)
    said = 0
    for name in sorted((_squash(n) for n in names), key=len, reverse=True):
        at = seg.find(name)
        while name and at >= 0:
            if not any(taken[at:at + len(name)]):
                taken[at:at + len(name)] = [True] * len(name)
                said += 1
            at = seg.find(name, at + 1)
    return said


def is_prompt_echo(text: str, prompt: str) -> bool:
    """The segment repeats the prompt (its opening words or its list of names) rather
    than the audio: the typical invention on noisy or unintelligible speech."""
    if not prompt:
        return False
    seg = _squash(to_simplified(text))
    if len(seg) < 4:
        return False
    core = prompt.split(WORDS_HEAD, 1)[0]      # the common words may be said as they are
    if seg in _squash(core) or any(w in seg for w in _HEAD_WINDOWS):
        return True
    names = prompt_names(prompt)
    if not names:
        return False
    present = [n for n in names if n in seg]
    said = _times_said(seg, present)
    if said >= 3 and _covered(seg, present) >= 0.7 * len(seg):
        return True     # names said again count again: 吻合器、支架、与赵工医院、吻合器、支架;
        #                 吻合器、吻合器、支架。吻合器、支架 (two names, five times)
    # a list of prompt names: "赵工医院、王主任、椎间融合器、华东医院、支架" (three or more
    # in a row; a note that starts "西海岸产业园、韩站长、同意…" is speech)
    if len(present) >= 3 and _longest_name_run(text, set(names)) >= 3:
        return True
    body = _squash("".join(names))
    return difflib.SequenceMatcher(None, seg, body, autojunk=False).ratio() > 0.8


def snap_names_of(t: Transcript, vocabulary: Catalog, affinity: Affinity | None = None
                  ) -> Transcript:
    """``t`` (heard without a catalog) with the catalog's names snapped in, and the marks
    of everything that differs from what Whisper wrote (`TranscriptionWorker` does this
    in the caller's process)."""
    heard, out = snap_looks(t.text, t.first_text, vocabulary, affinity,
                            dropped=any(s.dropped for s in t.segments))
    if heard != t.text:         # the first look names more (`snap_looks`)
        marks = diff_marks(heard, out.text, index_for(vocabulary), vocabulary)
        return replace(t, text=out.text, raw_text=heard, marks=marks, snapped=out.text != heard)
    if out.text == t.text:
        return t
    marks = diff_marks(t.raw_text or t.text, out.text, index_for(vocabulary), vocabulary)
    return replace(t, text=out.text, marks=marks, snapped=True)


ACOUSTIC_MAX_S = 30.0   # the acoustic check hears the note as one window of Whisper's
SCORE_MARGIN_FRAMES = 100   # the check's window: the note and 1 s (the encoder's cost)


def acoustic_check_of(t: Transcript, vocabulary: Catalog | None, config: AsrConfig
                      ) -> Check | None:
    """The readings of ``t`` for the model to score (`nlp.asr.arbiter`): None where the
    check is off, there is no catalog, the transcript is doubtful (no names are guessed on
    it), the note is longer than one window, or nothing in it sounds near a name it does
    not spell."""
    if not config.acoustic_check or vocabulary is None or t.low_confidence \
            or t.duration_s > ACOUSTIC_MAX_S:
        return None
    return acoustic_check(t.text, index_for(vocabulary))


def with_acoustic_check(t: Transcript, check: Check, scores: Sequence[float],
                        vocabulary: Catalog, config: AsrConfig, seconds: float) -> Transcript:
    """``t`` with the names the audio supports written in (`Check.decide`) and its marks
    made again against what Whisper wrote; ``seconds``: what the scoring took."""
    timings = {**t.timings, "acoustic_check": round(seconds, 3)}
    if len(scores) != check.size:       # an engine without a model: no check
        return replace(t, timings=timings)
    chosen = check.decide(scores, config.acoustic_margin, config.acoustic_contact_margin)
    if not chosen:
        return replace(t, timings=timings)
    log.info("acoustic check: %d of %d stretches written as a catalog name",
             len(chosen), len(check.choices))
    # a name the audio chose lets the text stages read what hangs on it (瓯越鞋业 written
    # for 欧院鞋业: 上京礼 is then its only 经理, 尚经理)
    text = snap_transcript_names(check.apply(chosen), vocabulary).text
    heard = t.raw_text or t.text
    marks = diff_marks(heard, text, index_for(vocabulary), vocabulary)
    return replace(t, text=text, marks=marks, snapped=text != heard, timings=timings)


LOST_TAIL = 0.75    # a second look this much shorter than the first (characters said) …
LOST_TAIL_MIN = 4   # … lost this many characters or more at its end


def with_lost_tail(second: str, first: str, segments: Sequence[Segment] = ()) -> str:
    """The second look's text, and what the first look heard after where the second one
    stopped, where the second stopped early: Whisper may end a window after a sentence
    (望江酒店甘总同意了改造方案。| 这周五下午三点去签合同。 heard by the first look only).
    Only where the second is clearly shorter, ends where it matched the first (no other
    words after), and the rest is LOST_TAIL_MIN characters or more; never where the second
    look dropped one of its ``segments`` (an echo, a loop: `Transcriber._judge`), which it
    heard and refused rather than lost; else ``second``."""
    said, heard = _squash(second), _squash(first)
    if not heard or len(said) >= LOST_TAIL * len(heard) or any(g.dropped for g in segments):
        return second
    core = second.rstrip("，。、；？！,.;?! ")    # its last words, not its full stop
    blocks = [b for b in difflib.SequenceMatcher(None, core, first,
                                                 autojunk=False).get_matching_blocks()
              if b.size and _squash(core[b.a:b.a + b.size])]
    if not blocks:
        return second
    last = blocks[-1]
    if len(_squash(core[last.a + last.size:])) > 1 or \
            sum(b.size for b in blocks) < 0.6 * len(core):
        return second       # the second goes on, or it heard something else
    rest = first[last.b + last.size:].lstrip("，。、；,.; ")
    if len(_squash(rest)) < LOST_TAIL_MIN:
        return second
    return join_segments([second, rest])


MAX_DECODER_TOKENS = 448
FIRST_LOOK_TOKENS_PER_S = 10     # Mandarin speech: about 4–6 characters a second, ≤ 2 tokens each
_window = threading.local()


def _install_short_windows() -> bool:
    """Let Whisper's encoder see the speech plus a margin instead of a full 30 s window.

    faster-whisper pads every window to 3000 feature frames; CTranslate2's encoder accepts
    shorter input, and for a 6 s note the padded 24 s cost more than half the time. The
    pad function is wrapped once; it only shortens windows while `Transcriber` has set a
    margin on this thread, so any other user of faster-whisper is unaffected. Returns
    False (full windows) when faster-whisper's internals are not what we expect.
    """
    try:
        import faster_whisper.transcribe as fwt
    except ImportError:
        return False
    current = getattr(fwt, "pad_or_trim", None)
    if current is None:
        return False
    if getattr(current, "_crmbot_short_windows", False):
        return True
    original = current

    def pad_or_trim(array: Any, length: int = 3000, *, axis: int = -1) -> Any:
        margin = getattr(_window, "margin_frames", None)
        if margin is not None and length == 3000 and axis == -1:
            length = min(length, max(array.shape[-1] + margin, 300))
        return original(array, length, axis=axis)

    pad_or_trim.__dict__["_crmbot_short_windows"] = True     # marks our wrapper
    fwt.pad_or_trim = pad_or_trim
    return True


ENCODER_MEMO = 4     # encoder outputs kept (a note's parts, two notes): a second look at
                     # the same note reuses its first


def _install_encoder_memo(model: Any) -> bool:
    """Keep the encoder's output of the last notes' windows on ``model`` (faster-whisper's
    ``WhisperModel.encode``), keyed by the exact features: a second look at a note (the
    same audio, another prompt) runs only the decoder again. Returns False where the model
    has no such method."""
    current = getattr(model, "encode", None)
    if current is None:
        return False
    if getattr(current, "_crmbot_memo", False):
        return True
    memo: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
    lock = threading.Lock()             # a note's parts are encoded on parallel threads

    def encode(features: Any) -> Any:
        try:
            key: tuple[Any, ...] = (features.shape, str(features.dtype),
                                    hash(features.tobytes()))
        except AttributeError:          # not an array: nothing to key it by
            return current(features)
        with lock:
            if key in memo:
                memo.move_to_end(key)
                return memo[key]
        out = current(features)
        with lock:
            memo[key] = out
            while len(memo) > ENCODER_MEMO:
                memo.popitem(last=False)
        return out

    encode.__dict__["_crmbot_memo"] = True
    model.encode = encode
    return True


LookAgain = Callable[[str], Sequence[str]]


def second_look_for(config: AsrConfig, catalog: Catalog | None, hints: VoiceHints | None
                    ) -> bool:
    """Whether a note is heard twice: with a catalog and no likely names of the rep (the
    prompt then holds the catalog's first names, mostly not this note's: measured, a
    second look makes 45 of 78 notes right instead of 27; with a rep's likely names
    already in the prompt it made no difference, 107 of 192 both ways, at 40 % more time)."""
    return config.second_look and catalog is not None and (
        hints is None or (hints.names_in_prompt and not hints.likely))


def names_heard_near(heard: str, catalog: Catalog, config: AsrConfig) -> tuple[str, ...]:
    """The names for the prompt of a second look at a note, from what the first look
    heard: the catalog forms it wrote, then those it may have meant (sounding alike,
    `PhoneticIndex.near_forms`). (A second look runs only without the rep's likely names:
    `second_look_for`.)"""
    index = index_for(catalog)
    names = [en.text for _s, _e, en in index.mentions(heard) if en.kind in NAME_KINDS]
    names += [en.text for en in index.near_forms(
        heard, max_cost=config.second_look_max_cost, limit=config.second_look_names)]
    return tuple(dict.fromkeys(n for n in names if n))


SPLIT_VAD_PAD_MS = 0      # the pauses as Silero hears them, not padded


def pause_cuts(samples: npt.NDArray[np.float32], parts: int, *, min_part_s: float,
               pause_ms: int) -> list[int]:
    """Sample indices that cut a note into up to ``parts`` pieces of about equal speech,
    each cut in the middle of a pause (``pause_ms`` of silence at least, Silero VAD), each
    piece holding ``min_part_s`` of speech at least. [] where no pause allows it: the
    note is heard whole. A cut in a pause leaves every word whole on one side."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if parts < 2:
        return []
    speech = get_speech_timestamps(samples, VadOptions(
        min_silence_duration_ms=pause_ms, speech_pad_ms=SPLIT_VAD_PAD_MS))
    if len(speech) < 2:
        return []
    said = [int(c["end"]) - int(c["start"]) for c in speech]
    total = sum(said)
    least = int(min_part_s * SAMPLE_RATE)
    before = 0          # speech before each pause
    pauses: list[tuple[int, int]] = []      # (speech before it, the sample in its middle)
    for i in range(len(speech) - 1):
        before += said[i]
        pauses.append((before, (int(speech[i]["end"]) + int(speech[i + 1]["start"])) // 2))
    cuts: list[int] = []
    last = 0            # speech before the last cut
    for k in range(1, parts):
        share = total * k / parts
        fits = [(abs(b - share), b, at) for b, at in pauses
                if b - last >= least and total - b >= least * (parts - k) and
                (not cuts or at > cuts[-1])]
        if not fits:
            continue
        _gap, b, at = min(fits)
        cuts.append(at)
        last = b
    return cuts


class Transcriber:
    """Owns the lazily loaded model. Not thread-safe: one job at a time (the worker); a
    job's parts run on the model's replicas in parallel."""

    def __init__(self, config: AsrConfig | None = None) -> None:
        self.config = config or AsrConfig()
        self.model = LazyModel(self.config)
        self.model_label = model_name(self.config)
        self._pool: ThreadPoolExecutor | None = None
        self._last_cuts: tuple[tuple[int, int], list[int]] | None = None

    def load(self) -> float:
        """Load the model now (warm-up); returns the load time in seconds."""
        self.model.get()
        return self.model.load_seconds or 0.0

    def count_tokens(self, text: str) -> int:
        if self.model.loaded:
            tok = getattr(self.model.get(), "hf_tokenizer", None)
            if tok is not None:
                return len(tok.encode(" " + text, add_special_tokens=False).ids)
        return len(text) * 2 + 1

    def make_prompt(self, vocabulary: Catalog | None, hints: VoiceHints | None = None) -> str:
        return build_prompt(
            prompt_vocabulary(vocabulary, hints),
            budget_tokens=self.config.prompt_token_budget,
            count_tokens=self.count_tokens,
            words=prompt_words(vocabulary, hints),
        )

    def transcribe(
        self, audio: bytes, fmt: str | None = None, vocabulary: Catalog | None = None,
        hints: VoiceHints | None = None,
    ) -> Transcript:
        t0 = time.perf_counter()
        c0 = time.process_time()
        cfg = self.config
        decoded = decode_audio(audio, fmt, max_seconds=cfg.max_seconds, max_bytes=cfg.max_bytes)
        t_decode = time.perf_counter() - t0
        look_again: LookAgain | None = None
        catalog = vocabulary
        if catalog is not None and second_look_for(cfg, catalog, hints):
            def look_again(heard: str) -> Sequence[str]:
                return names_heard_near(heard, catalog, cfg)
        return self.transcribe_pcm(
            decoded.samples, vocabulary, hints, started=t0, decode_s=t_decode,
            fmt=decoded.format, codec=decoded.codec, cpu_started=c0, look_again=look_again,
        )

    def first_look(self, audio: bytes, fmt: str | None = None,
                   hints: VoiceHints | None = None) -> tuple[str, float, str, float]:
        """What a quick first pass hears in a note (greedy, the prompt of ``hints``: the
        worker sends none, `transcribe_pcm`'s first look), for the caller
        to choose the names of the second look's prompt (`names_heard_near`): "" when it
        hears nothing; the CPU seconds it took; and its prompt (`VoiceHints.echo_of` of the
        second look); and the note's length in seconds. The encoder's output is kept for
        that second look."""
        c0 = time.process_time()
        cfg = self.config
        samples = decode_audio(audio, fmt, max_seconds=cfg.max_seconds,
                               max_bytes=cfg.max_bytes).samples
        self._checked_duration(samples)
        prompt = self.make_prompt(None, hints)
        segments, _info = self._look(samples, prompt, first=True)
        heard = self._heard([s for s in segments if not s.dropped])
        return heard, time.process_time() - c0, prompt, len(samples) / SAMPLE_RATE

    def transcribe_pcm(
        self,
        samples: npt.NDArray[np.float32],
        vocabulary: Catalog | None = None,
        hints: VoiceHints | None = None,
        *,
        started: float | None = None,
        decode_s: float = 0.0,
        fmt: str = "pcm",
        codec: str = "",
        cpu_started: float | None = None,
        look_again: LookAgain | None = None,
    ) -> Transcript:
        """``look_again``: a first, quick pass (greedy) hears the note, this gives the names
        for a second pass's prompt (what was heard and what it may have meant), and the
        second pass (the configured beam) is the transcript — the first where the second
        keeps nothing."""
        t0 = started if started is not None else time.perf_counter()
        c0 = cpu_started if cpu_started is not None else time.process_time()
        cfg = self.config
        duration = self._checked_duration(samples)
        prompt = self.make_prompt(vocabulary, hints)
        t1 = time.perf_counter()
        first_s = 0.0
        first_heard = ""    # the first look's text, where the second is the transcript
        if look_again is not None:
            # the first look without names: a prompt of names the note may not hold pulls
            # Whisper towards them (measured: 47 of 78 notes right after the second look,
            # 45 with the catalog's names in the first)
            plain = self.make_prompt(None, None)
            first, info = self._look(samples, plain, first=True)
            first_s = time.perf_counter() - t1
            heard = self._heard([s for s in first if not s.dropped])
            segments, used = first, plain
            if heard:
                names = look_again(heard)
                again = self._second_prompt(names) if names else prompt
                # an echo of the first look's prompt is no speech either
                second, second_info = self._look(samples, again, echo_of=(plain,),
                                                 fallback=True)
                if any(not s.dropped for s in second):
                    segments, info, used = second, second_info, again
                    first_heard = heard
            prompt = used
        else:
            echo_of = hints.echo_of if hints is not None else ()
            # a second look sent by the worker (its first look's prompt in ``echo_of``) has
            # that first look to fall back on
            segments, info = self._look(samples, prompt, echo_of=echo_of,
                                        fallback=bool(echo_of))
        t_asr = time.perf_counter() - t1
        kept = [s for s in segments if not s.dropped]
        for s in segments:
            if s.dropped:
                log.info("dropped segment %.1f-%.1f (%s): %r", s.start, s.end, s.dropped, s.text)
        whisper_text = join_segments([s.text for s in kept])
        raw = self._heard(kept)
        if first_heard:     # what the second look may have lost at its end
            raw = with_lost_tail(raw, first_heard, segments)
        phone_s = 0.0
        if cfg.phone_look and broken_mobile(raw) is not None:
            raw, first_heard, phone_s = self._phone_look(samples, prompt, raw, first_heard)
        if first_heard:     # a number the first look lost and the second heard whole
            first_heard = mend_mobile(first_heard, raw, PHONE_EXAMPLE_DIGITS)
        if not _squash(raw):
            raise NoSpeechError(
                f"no confident speech in {duration:.1f} s of audio "
                f"({len(segments)} segment(s), {len(segments) - len(kept)} dropped)"
            )
        weights = [max(s.end - s.start, 0.1) for s in kept]
        avg_lp = float(np.average([s.avg_logprob for s in kept], weights=weights))
        max_nsp = max(s.no_speech_prob for s in kept)
        low_conf = avg_lp < cfg.snap_min_avg_logprob
        if vocabulary is not None and not low_conf:
            raw, snapped = snap_looks(
                raw, first_heard, vocabulary,
                hints.snap_affinity() if hints is not None else None,
                dropped=len(kept) < len(segments))
        else:   # names are not guessed on a doubtful transcript; weekdays and digits are
            snapped = snap_transcript_names(raw, None)
        text, marks = snapped.text, snapped.marks
        t_end = time.perf_counter()
        t = Transcript(
            text=text, language=info.language or cfg.language, duration_s=round(duration, 2),
            seconds=round(t_end - t0, 3), model=self.model_label, raw_text=raw,
            whisper_text=whisper_text, avg_logprob=round(avg_lp, 3),
            no_speech_prob=round(max_nsp, 3), low_confidence=low_conf,
            snapped=text != raw, marks=marks, format=fmt, codec=codec, prompt=prompt,
            first_text=first_heard,
            segments=tuple(segments),
            timings={"decode": round(decode_s, 3), "asr": round(t_asr, 3),
                     "first_look": round(first_s, 3), "phone_look": round(phone_s, 3),
                     "post": round(t_end - t1 - t_asr, 3),
                     "cpu": round(time.process_time() - c0, 3)},
        )
        check = acoustic_check_of(t, vocabulary, cfg)
        if check is None or vocabulary is None:
            return t
        scores = self.score_texts(samples, check.prompt, check.readings())
        t = with_acoustic_check(t, check, scores, vocabulary, cfg,
                                time.perf_counter() - t_end)
        return replace(t, seconds=round(time.perf_counter() - t0, 3), timings={
            **t.timings, "cpu": round(time.process_time() - c0, 3)})

    def _phone_look(self, samples: npt.NDArray[np.float32], prompt: str, raw: str,
                    first_heard: str) -> tuple[str, str, float]:
        """A mobile number heard with a digit or two lost (`broken_mobile`): the note heard
        once more with a number written out in the prompt (`phone_prompt`; Whisper then
        writes a doubled digit twice), and the number it writes taken where it holds every
        digit heard (`mend_mobile`); the rest of the transcript stays as heard."""
        t0 = time.perf_counter()
        again_prompt = phone_prompt(prompt)
        segments, _info = self._look(samples, again_prompt, echo_of=(prompt,))
        again = self._heard([s for s in segments if not s.dropped])
        mended = mend_mobile(raw, again, PHONE_EXAMPLE_DIGITS)
        if mended != raw:
            log.info("a mobile number heard with digits lost was heard whole again")
            if first_heard:
                first_heard = mend_mobile(first_heard, again, PHONE_EXAMPLE_DIGITS)
        return mended, first_heard, time.perf_counter() - t0

    def score(self, audio: bytes, fmt: str | None, prompt: str, texts: Sequence[str]
              ) -> list[float]:
        """`score_texts` of an encoded note (the worker's "score" job)."""
        cfg = self.config
        samples = decode_audio(audio, fmt, max_seconds=cfg.max_seconds,
                               max_bytes=cfg.max_bytes).samples
        return self.score_texts(samples, prompt, texts)

    def score_texts(self, samples: npt.NDArray[np.float32], prompt: str,
                    texts: Sequence[str]) -> list[float]:
        """How well each of ``texts`` fits the note (the acoustic check, `nlp.asr.arbiter`):
        the model's log-probability of the text's tokens, teacher-forced, after ``prompt``,
        over the whole note as one window (and 1 s after it). Comparable between texts of
        one call only. One reading a call, one after the other: each call holds its own
        copy of the cross-attention keys and values over the note (about 37 MB for a 15 s
        note), which the allocator keeps (two at once on both replicas: 505 MB peak in
        the worker, against 486 MB one at a time)."""
        if not texts:
            return []
        import ctranslate2
        from faster_whisper.tokenizer import Tokenizer

        model = self.model.get()
        feats = model.feature_extractor(samples[: 30 * SAMPLE_RATE])
        frames = min(feats.shape[-1], 3000)
        width = min(3000, max(frames + SCORE_MARGIN_FRAMES, 300))
        window = np.zeros((feats.shape[0], width), dtype=np.float32)
        window[:, :frames] = feats[:, :frames]
        encoded = np.asarray(model.encode(window))
        tok = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                        language=self.config.language or "zh")
        start = [tok.sot_prev, *tok.encode(" " + prompt.strip())[-WHISPER_PROMPT_LIMIT:],
                 *tok.sot_sequence, tok.no_timestamps]
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(encoded))
        out: list[float] = []
        for text in texts:
            (aligned,) = model.model.align(features, start, [[*tok.encode(text), tok.eot]],
                                           frames)
            out.append(float(np.sum(np.log(np.maximum(aligned.text_token_probs[:-1], 1e-9)))))
        return out

    def _checked_duration(self, samples: npt.NDArray[np.float32]) -> float:
        """The note's length in seconds; raises for one too long or silent."""
        cfg = self.config
        duration = len(samples) / SAMPLE_RATE
        if duration > cfg.max_seconds + 0.5:
            raise AudioTooLongError.for_limit(duration, cfg.max_seconds)
        check_speech_energy(samples, silence_rms=cfg.silence_rms,
                            min_seconds=cfg.min_speech_seconds)
        return duration

    @staticmethod
    def _heard(kept: list[Segment]) -> str:
        return trim_loops(normalize_text(to_simplified(join_segments([s.text for s in kept]))))

    def _second_prompt(self, names: Sequence[str]) -> str:
        return build_prompt(names, budget_tokens=self.config.prompt_token_budget,
                            count_tokens=self.count_tokens)

    def _look(self, samples: npt.NDArray[np.float32], prompt: str, *, first: bool = False,
              echo_of: tuple[str, ...] = (), fallback: bool = False
              ) -> tuple[list[Segment], Any]:
        """One pass of the model over the note; ``first``: the quick first look (greedy,
        fewer tokens); ``echo_of``: other prompts a segment may not repeat either;
        ``fallback``: the caller has a text of its own where this look keeps nothing (the
        second look has the first's), so such a look is not heard again in parts.

        A note long enough is heard in parts cut in its pauses (`pause_cuts`), each on its
        own model replica at the same time; the parts' segments are put back in order on
        the note's clock. The cuts depend on the audio alone, so a second look cuts where
        the first did and reuses the encoder's output of each part."""
        model = self.model.get()
        _install_short_windows()
        _install_encoder_memo(model)
        cuts = self._cuts_for(samples)
        if not cuts:
            whole = self._look_part(samples, prompt, first=first, echo_of=echo_of)
            return self._resumed(samples, prompt, whole, first=first, echo_of=echo_of,
                                 fallback=fallback)
        return self._look_parts(samples, cuts, prompt, first=first, echo_of=echo_of)

    def _look_parts(self, samples: npt.NDArray[np.float32], cuts: list[int], prompt: str, *,
                    first: bool, echo_of: tuple[str, ...]) -> tuple[list[Segment], Any]:
        bounds = [0, *cuts, len(samples)]
        pool = self._parts_pool()
        futures = [pool.submit(self._look_part, samples[a:b], prompt, first=first,
                               echo_of=echo_of) for a, b in itertools.pairwise(bounds)]
        heard = [f.result() for f in futures]
        segments: list[Segment] = []
        for a, (part, _info) in zip(bounds, heard, strict=False):
            shift = a / SAMPLE_RATE
            segments.extend(replace(seg, start=round(seg.start + shift, 2),
                                    end=round(seg.end + shift, 2)) for seg in part)
        return segments, heard[0][1]

    def _resumed(self, samples: npt.NDArray[np.float32], prompt: str,
                 whole: tuple[list[Segment], Any], *, first: bool,
                 echo_of: tuple[str, ...], fallback: bool = False
                 ) -> tuple[list[Segment], Any]:
        """A note heard whole that yields too few characters for its length
        (`AsrConfig.resume_below_cps`): Whisper may have written its first sentence and
        stopped (锦绣丝绸今年的物流预算冻结了。 of a note that goes on for as long again). It is
        heard once more in two parts cut in a pause, and the parts are kept where they hold
        a quarter more characters; else the note as heard whole (a look that kept nothing,
        the whole heard as an echo, may be heard in parts too, unless ``fallback``)."""
        cfg = self.config
        duration = len(samples) / SAMPLE_RATE
        said = len(_squash(self._heard([s for s in whole[0] if not s.dropped])))
        if duration < cfg.resume_min_s or said >= cfg.resume_below_cps * duration \
                or (fallback and not said):
            return whole    # (a second look that kept nothing: the first look stands)
        cuts = pause_cuts(samples, 2, min_part_s=cfg.resume_min_part_s,
                          pause_ms=cfg.split_pause_ms)
        if not cuts:
            return whole
        parts = self._look_parts(samples, cuts, prompt, first=first, echo_of=echo_of)
        again = len(_squash(self._heard([s for s in parts[0] if not s.dropped])))
        if again < said * 1.25:
            return whole
        log.info("a note heard whole gave %d characters in %.1f s; heard in two parts: %d",
                 said, duration, again)
        return parts

    def _cuts_for(self, samples: npt.NDArray[np.float32]) -> list[int]:
        """Where this note is cut into parts (`pause_cuts`), remembered for the last note
        (its second look asks again)."""
        cfg = self.config
        if cfg.split_min_s is None or len(samples) < cfg.split_min_s * SAMPLE_RATE:
            return []
        parts = cfg.replicas(self._device())
        if parts < 2:
            return []
        key = (len(samples), hash(samples.tobytes()))
        if self._last_cuts is not None and self._last_cuts[0] == key:
            return self._last_cuts[1]
        cuts = pause_cuts(samples, parts, min_part_s=cfg.split_min_part_s,
                          pause_ms=cfg.split_pause_ms)
        self._last_cuts = (key, cuts)
        return cuts

    def _device(self) -> str:
        """The device the model was loaded on (``cpu`` / ``cuda``)."""
        return getattr(self.model, "device", None) or self.config.resolved_device()

    def _parts_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.config.replicas(self._device()),
                thread_name_prefix="whisper-part")
        return self._pool

    def _look_part(self, samples: npt.NDArray[np.float32], prompt: str, *, first: bool,
                   echo_of: tuple[str, ...]) -> tuple[list[Segment], Any]:
        cfg = self.config
        model = self.model.get()
        duration = len(samples) / SAMPLE_RATE
        # Notes up to `single_window_s` are decoded as one short window without timestamps
        # (fast). Longer ones use Whisper's timestamped 30 s windows, so that a window the
        # model ends early is resumed from its last timestamp instead of being skipped.
        one_window = duration <= cfg.single_window_s
        margin = cfg.window_margin_s if one_window else None
        short = margin is not None and _install_short_windows()
        _window.margin_frames = int(margin * 100) if short and margin is not None else None
        try:
            return self._run_model(
                model, samples, prompt, timestamps=not one_window,
                beam_size=cfg.first_look_beam if first else cfg.beam_size,
                # a greedy pass may loop: about what the note can hold, not a window's worth
                token_cap=int(duration * FIRST_LOOK_TOKENS_PER_S) + 24 if first else None,
                echo_of=echo_of)
        finally:
            _window.margin_frames = None

    def _run_model(
        self, model: Any, samples: npt.NDArray[np.float32], prompt: str, *, timestamps: bool,
        beam_size: int | None = None, token_cap: int | None = None,
        echo_of: tuple[str, ...] = (),
    ) -> tuple[list[Segment], Any]:
        cfg = self.config
        # prompt + new tokens must stay within Whisper's 448-token decoder context
        room = MAX_DECODER_TOKENS - self.count_tokens(prompt) - 8 if prompt else 440
        max_new = max(32, min(cfg.max_new_tokens, room, token_cap or room))
        seg_iter, info = model.transcribe(
            samples,
            language=cfg.language,
            beam_size=beam_size or cfg.beam_size,
            temperature=0.0,                  # no fallback: bounded time, no wild guesses
            condition_on_previous_text=False,
            initial_prompt=prompt or None,
            max_new_tokens=max_new,
            vad_filter=cfg.vad,
            vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 300},
            without_timestamps=not timestamps,
            no_speech_threshold=cfg.no_speech_threshold,
            log_prob_threshold=cfg.logprob_threshold,
            compression_ratio_threshold=cfg.max_compression_ratio,
        )
        return [self._judge(s, (prompt, *echo_of)) for s in seg_iter], info

    def _judge(self, s: Any, prompts: tuple[str, ...]) -> Segment:
        cfg = self.config
        why = ""
        if s.no_speech_prob > cfg.no_speech_threshold and s.avg_logprob < cfg.logprob_threshold:
            why = "no_speech"
        elif s.avg_logprob < cfg.min_avg_logprob:
            why = "low_logprob"
        elif s.compression_ratio > cfg.max_compression_ratio or is_repetitive(s.text):
            why = "repetitive"
        elif is_hallucination(s.text):
            why = "hallucination"
        elif any(is_prompt_echo(s.text, p) for p in prompts):
            why = "prompt_echo"
        return Segment(
            start=round(float(s.start), 2), end=round(float(s.end), 2), text=s.text,
            avg_logprob=round(float(s.avg_logprob), 3),
            no_speech_prob=round(float(s.no_speech_prob), 3),
            compression_ratio=round(float(s.compression_ratio), 3), dropped=why,
        )
