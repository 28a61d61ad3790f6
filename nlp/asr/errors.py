"""Errors of the voice path.

Every error carries two messages: ``str(err)`` is an English line for the log, and
``err.user_message`` is a short Simplified Chinese sentence that can be shown to the rep
as it is. Nothing is saved when one of them is raised; the worker stays alive.
"""

from __future__ import annotations


class AudioError(Exception):
    """Base class: the voice note could not be turned into text."""

    default_user_message = "语音识别失败，请重新发送或直接打字。"

    def __init__(self, log_message: str, user_message: str | None = None) -> None:
        super().__init__(log_message)
        self.log_message = log_message
        self.user_message = user_message or self.default_user_message

    def __reduce__(self) -> tuple[object, ...]:  # picklable across the worker process
        return (type(self), (self.log_message, self.user_message))

    @property
    def code(self) -> str:
        """A stable machine-readable name, e.g. ``"too_long"``."""
        return _CODES.get(type(self), "audio_error")


class UnsupportedAudioError(AudioError):
    """The bytes are not audio we can decode (an image, a document, an unknown codec)."""

    default_user_message = "无法识别这个文件的格式，请发送语音消息或 MP3/M4A/WAV 音频。"


class CorruptAudioError(AudioError):
    """The container or codec is known but the data is damaged or truncated."""

    default_user_message = "语音文件已损坏或不完整，请重新录一条。"


class AudioTooLongError(AudioError):
    """The note is longer than the configured limit."""

    default_user_message = "语音太长了，请控制在 60 秒以内，或分几条发送。"

    @classmethod
    def for_limit(cls, duration_s: float, max_s: float) -> AudioTooLongError:
        return cls(
            f"audio is {duration_s:.1f} s long, limit is {max_s:.0f} s",
            f"语音太长了（{duration_s:.0f} 秒），请控制在 {max_s:.0f} 秒以内，或分几条发送。",
        )


class NoSpeechError(AudioError):
    """Empty audio, silence, music or noise: no words we can stand behind."""

    default_user_message = "没有听清，请靠近话筒再说一遍，或直接打字。"


class TranscriptionTimeoutError(AudioError):
    """Transcription took longer than the per-job timeout."""

    default_user_message = "语音识别超时，请稍后重试或直接打字。"


class QueueFullError(AudioError):
    """Too many voice notes are waiting; this one was refused immediately."""

    default_user_message = "当前语音较多，请稍后再发，或直接打字。"


class ModelUnavailableError(AudioError):
    """The speech model could not be assembled, verified or loaded."""

    default_user_message = "语音识别暂时不可用，请直接打字。"


_CODES: dict[type[AudioError], str] = {
    AudioError: "audio_error",
    UnsupportedAudioError: "unsupported",
    CorruptAudioError: "corrupt",
    AudioTooLongError: "too_long",
    NoSpeechError: "no_speech",
    TranscriptionTimeoutError: "timeout",
    QueueFullError: "queue_full",
    ModelUnavailableError: "model_unavailable",
}

__all__ = [
    "AudioError",
    "AudioTooLongError",
    "CorruptAudioError",
    "ModelUnavailableError",
    "NoSpeechError",
    "QueueFullError",
    "TranscriptionTimeoutError",
    "UnsupportedAudioError",
]
