"""Voice notes in the chat: "正在识别…" at once, then the transcript and the same card as
typed text; bad audio gets a clear answer and saves nothing. Uses a recording fake in place
of the Whisper worker (the real model runs in tests/slow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.messages import Card, Text
from nlp.asr import AudioError, UnsupportedAudioError
from nlp.types import Catalog
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e


@dataclass
class FakeTranscriber:
    text: str = ""
    error: AudioError | None = None
    calls: list[tuple[bytes, str | None, Any]] = field(default_factory=list)
    hints: list[Any] = field(default_factory=list)

    async def transcribe(self, audio: bytes, fmt: str | None, *, vocabulary: Any = None,
                         hints: Any = None) -> Any:
        self.calls.append((audio, fmt, vocabulary))
        self.hints.append(hints)
        if self.error is not None:
            raise self.error

        @dataclass
        class T:
            text: str

        return T(self.text)


async def test_voice_note_becomes_the_same_card(sqlite_chat: ChatHarness) -> None:
    fake = FakeTranscriber("下午见了鼓楼医院王主任对融合器很感兴趣下周二送样机过去")
    sqlite_chat.bot.transcriber = fake
    replies = await sqlite_chat.voice(b"#!AMR\n...", "amr")
    assert sqlite_chat.interim == [Text("正在识别…")]
    assert "🎤 识别：" in text_of(replies)
    card = [r for r in replies if isinstance(r, Card)][-1]
    assert dict(card.fields)["客户"] == "南京市鼓楼医院"
    vocabulary = fake.calls[0][2]
    assert any(c.name == "南京市鼓楼医院" for c in vocabulary.customers)   # the whole catalog
    assert "鼓楼医院" in fake.hints[0].likely                             # this rep's names


async def test_bad_audio_gets_a_clear_answer(sqlite_chat: ChatHarness) -> None:
    sqlite_chat.bot.transcriber = FakeTranscriber(
        error=UnsupportedAudioError("not audio: JPEG"))
    replies = await sqlite_chat.voice(b"\xff\xd8\xff\xe0JFIF", "amr")
    assert len(replies) == 1 and isinstance(replies[0], Text)
    assert replies[0].text == UnsupportedAudioError("x").user_message


async def test_platform_recognition_is_the_fallback(sqlite_chat: ChatHarness) -> None:
    sqlite_chat.bot.transcriber = FakeTranscriber(error=UnsupportedAudioError("codec"))
    replies = await sqlite_chat.voice(b"...", "ogg", recognition="刚给省人医李科长打了电话")
    assert "🎤 识别：刚给省人医李科长打了电话" in text_of(replies)


async def test_guessed_names_are_marked_in_the_transcript(sqlite_chat: ChatHarness) -> None:
    from nlp.asr.snap import snap_transcript_names

    heard = "下午见了股楼医院王主任对随间融合器很感兴趣下周爱送样机过去"
    catalog = Catalog.from_dict({
        "customers": [{"name": "南京市鼓楼医院", "aliases": ["鼓楼医院"]}],
        "products": [{"name": "椎间融合器"}]})
    snapped = snap_transcript_names(heard, catalog)

    @dataclass
    class Marked:
        text: str
        marks: tuple[Any, ...]

    @dataclass
    class MarkingTranscriber(FakeTranscriber):
        async def transcribe(self, audio: bytes, fmt: str | None, *, vocabulary: Any = None,
                             hints: Any = None) -> Any:
            return Marked(snapped.text, snapped.marks)

    sqlite_chat.bot.transcriber = MarkingTranscriber()
    replies = await sqlite_chat.voice(b"#!AMR\n...", "amr")
    shown = text_of(replies)
    assert ("🎤 识别：下午见了【鼓楼医院】王主任对【椎间融合器】很感兴趣【下周二】送样机过去"
            in shown)
    assert "原听到：股楼医院、随间融合器、下周爱" in shown
    card = [r for r in replies if isinstance(r, Card)][-1]
    assert dict(card.fields)["客户"] == "南京市鼓楼医院"
