"""Offline voice-note transcription (faster-whisper + PyAV), pure: no settings, no chat.

Public API::

    from nlp.asr import AsrConfig, TranscriptionWorker, Transcript, AudioError

    worker = TranscriptionWorker(AsrConfig(threads=2))
    await worker.start()                      # optional warm-up (loads the model)
    try:
        t = await worker.transcribe(audio_bytes, "amr", vocabulary=catalog)
        t.text, t.raw_text, t.duration_s, t.seconds, t.model
    except AudioError as err:
        reply(err.user_message)               # short Simplified Chinese for the rep
    await worker.close()

`Transcriber` is the synchronous engine the worker runs; `decode_audio` / `sniff_format`
the decoder; `build_prompt` / `vocabulary_names` the name prompt; `ensure_model` the
one-time model assembly.
"""

from nlp.asr.config import AsrConfig
from nlp.asr.decode import DecodedAudio, decode_audio, sniff_format
from nlp.asr.errors import (
    AudioError,
    AudioTooLongError,
    CorruptAudioError,
    ModelUnavailableError,
    NoSpeechError,
    QueueFullError,
    TranscriptionTimeoutError,
    UnsupportedAudioError,
)
from nlp.asr.model import ensure_model
from nlp.asr.prompt import VoiceHints, build_prompt, vocabulary_names
from nlp.asr.transcribe import Segment, Transcriber, Transcript
from nlp.asr.worker import TranscriptionWorker

__all__ = [
    "AsrConfig",
    "AudioError",
    "AudioTooLongError",
    "CorruptAudioError",
    "DecodedAudio",
    "ModelUnavailableError",
    "NoSpeechError",
    "QueueFullError",
    "Segment",
    "Transcriber",
    "Transcript",
    "TranscriptionTimeoutError",
    "TranscriptionWorker",
    "UnsupportedAudioError",
    "VoiceHints",
    "build_prompt",
    "decode_audio",
    "ensure_model",
    "sniff_format",
    "vocabulary_names",
]
