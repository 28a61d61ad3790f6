"""Voice notes: "正在识别…" at once, then the transcript and the same card as typed text."""

from __future__ import annotations

import logging
from typing import Any

from bot.context import Context
from bot.messages import Reply, Text, Voice

log = logging.getLogger(__name__)

NO_VOICE = "暂时无法识别语音，请改发文字。"


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
        async with ctx.uow() as uow:
            vocabulary = await ctx.bot.catalog.for_rep(uow, ctx.user_id)
        result: Any = await transcriber.transcribe(
            voice.audio, voice.format, vocabulary=vocabulary
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
    return text, [Text(f"🎤 识别：{text}\n有听错的词，点「修改」或直接打字更正。")]
