"""Voice notes: "正在识别…" at once, then the transcript and the same card as typed text.

The transcript shown to the rep marks what was guessed rather than heard: catalog names
snapped by sound and respelled weekdays or digits appear in 【】, and the words Whisper
actually wrote follow (听到：王主领、随间融合器), so a wrong guess is easy to spot and fix.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.context import Context
from bot.messages import Reply, Text, Voice
from crm_core.services.voice_hints import load_voice_hints
from nlp.asr import VoiceHints
from nlp.phonetic import Affinity, words_of

log = logging.getLogger(__name__)

NO_VOICE = "暂时无法识别语音，请改发文字。"
FIX_HINT = "有听错的词，点「修改」或直接打字更正。"
SPOKEN_WIDEN = 3        # a respelled weekday, time or cue word is shown as whole words
_PAUSES = frozenset("，,。.？?！!；;、 ")


def render_transcript(text: str, marks: Sequence[Any]) -> str:
    """'🎤 识别：…【王主任】…' plus what was heard for each guess (one short line). A guess
    that is no catalog name (a weekday, a time word, a cue word) is shown as the whole
    words it changed: 周五【上午】 (not 【周五上午】), 过去【签合同】 (not 【过去签合】同), a
    lone character with a word next to it (【没意见】, 【下周二】)."""
    spans: list[tuple[int, int, str]] = []
    ordered = sorted(marks, key=lambda m: int(m.start))
    for i, m in enumerate(ordered):
        start, end = int(m.start), int(m.end)
        heard = str(m.heard)
        if not (0 <= start < end <= len(text)) or (spans and start < spans[-1][1]):
            continue
        if getattr(m, "kind", "") == "spoken":
            floor = spans[-1][1] if spans else 0
            ceiling = int(ordered[i + 1].start) if i + 1 < len(ordered) else len(text)
            start, end, heard = _whole_words(text, start, end, heard, floor, ceiling)
        spans.append((start, end, heard))
    out: list[str] = []
    pos = 0
    for start, end, _heard in spans:
        out.append(text[pos:start] + "【" + text[start:end] + "】")
        pos = end
    out.append(text[pos:])
    line = "🎤 识别：" + "".join(out)
    if spans:
        heard_words = "、".join(h or "（无）" for _s, _e, h in spans)
        line += f"\n【】为按名单纠正，原听到：{heard_words}"
    return line


def _whole_words(text: str, start: int, end: int, heard: str, floor: int,
                 ceiling: int) -> tuple[int, int, str]:
    """[start, end) widened to the words of `text` it cuts into (jieba's, no HMM: 上五 →
    【上午】, not 上【午】); a lone character with the word after it (每意见 → 【没意见】);
    two characters or fewer with a one-character word before them (下周爱 → 【下周二】, jieba
    cuts 下/周二). Within [floor, ceiling), across no pause, at most `SPOKEN_WIDEN`
    characters more; `heard` widened alike (the text around a mark is as it was heard)."""
    words = words_of(text)
    s, e = start, end
    for ws, we in words:
        if ws < start < we:
            s = ws
        if ws < end < we:
            e = we
    if e - s == 1:
        e = next((we for ws, we in words if ws == e), e)
    if e - s <= 2:
        s = next((ws for ws, we in words if we == s and we - ws == 1), s)
    if s < floor or e > ceiling or (start - s) + (e - end) > SPOKEN_WIDEN or \
            any(ch in _PAUSES for ch in text[s:start] + text[end:e]):
        return start, end, heard
    return s, e, text[s:start] + heard + text[end:e]


def hints_from(data: dict[str, Any]) -> VoiceHints:
    products = data.get("customer_products") or {}
    return VoiceHints(
        likely=tuple(str(n) for n in data.get("likely") or ()),
        affinity=Affinity({str(c): frozenset(map(str, ps)) for c, ps in products.items()}),
    )


async def transcribe_incoming(ctx: Context, voice: Voice) -> tuple[str | None, list[Reply]]:
    """(transcript, replies to show before the card). None: nothing to extract."""
    transcriber = ctx.bot.transcriber
    if transcriber is None or voice.audio is None:
        if voice.recognition:
            text = voice.recognition.strip()
            return text, [Text(f"🎤 识别：{text}")]
        return None, [Text(NO_VOICE)]
    await ctx.say(Text("正在识别…"))
    try:
        # the whole catalog for snapping names; this rep's likely names for the prompt
        async with ctx.uow() as uow:
            vocabulary = await ctx.bot.catalog.get(uow)
            hints = hints_from(await load_voice_hints(uow, ctx.user_id))
        result: Any = await transcriber.transcribe(
            voice.audio, voice.format, vocabulary=vocabulary, hints=hints
        )
    except Exception as e:  # AudioError carries a Chinese message for the rep
        message = getattr(e, "user_message", None)
        log.warning("voice note from %s not transcribed: %s", ctx.user.login, e)
        if voice.recognition:
            text = voice.recognition.strip()
            return text, [Text(f"🎤 识别：{text}")]
        return None, [Text(message or NO_VOICE)]
    text = (getattr(result, "text", "") or "").strip()
    if not text:
        return None, [Text("没听清，请再说一遍或改发文字。")]
    shown = render_transcript(text, getattr(result, "marks", ()) or ())
    return text, [Text(f"{shown}\n{FIX_HINT}")]
