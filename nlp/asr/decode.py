"""Audio bytes → 16 kHz mono float32, with PyAV (FFmpeg).

The real format is sniffed from the bytes (a file name or a platform's ``msgtype`` is only a
hint): a JPEG named ``.amr`` is refused before FFmpeg sees it. AMR-NB (WeCom) is decoded
with ``libopencore_amrnb``, selected explicitly, because FFmpeg's native ``amrnb`` decoder
rejects the comfort-noise (SID) frames of files recorded with DTX. Everything else (Opus in
Ogg from Feishu, MP3, M4A/AAC, WAV, FLAC, WebM, DingTalk's uploads) goes through FFmpeg's
probing. Any failure becomes an `AudioError`; nothing else escapes.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.asr.errors import (
    AudioError,
    AudioTooLongError,
    CorruptAudioError,
    NoSpeechError,
    UnsupportedAudioError,
)

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000

# magic bytes → our format name
_AUDIO_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"#!AMR-WB\n", "amrwb"),
    (0, b"#!AMR\n", "amr"),
    (0, b"OggS", "ogg"),
    (0, b"fLaC", "flac"),
    (0, b"ID3", "mp3"),
    (0, b"\x1a\x45\xdf\xa3", "webm"),
    (0, b"caff", "caf"),
    (4, b"ftyp", "m4a"),
)
_NOT_AUDIO: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive / Office document"),
    (b"BM", "BMP image"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"<?xml", "XML text"),
    (b"<!DOCTYPE", "HTML text"),
    (b"<html", "HTML text"),
    (b"{", "JSON text"),
)
_SILK = (b"#!SILK_V3", b"\x02#!SILK_V3")

# our format name → FFmpeg demuxer name
_DEMUXER: dict[str, str] = {
    "amr": "amr", "amrwb": "amr", "ogg": "ogg", "flac": "flac", "mp3": "mp3",
    "webm": "matroska,webm", "caf": "caf", "m4a": "mov,mp4,m4a,3gp,3g2,mj2", "wav": "wav",
    "aac": "aac",
}
# hints (extensions, MIME types, platform names) → our format name
_HINTS: dict[str, str] = {
    "amr": "amr", "audio/amr": "amr", "3ga": "amr", "amr-wb": "amrwb", "awb": "amrwb",
    "ogg": "ogg", "oga": "ogg", "opus": "ogg", "audio/ogg": "ogg", "audio/opus": "ogg",
    "mp3": "mp3", "audio/mpeg": "mp3", "audio/mp3": "mp3",
    "m4a": "m4a", "mp4": "m4a", "audio/mp4": "m4a", "audio/x-m4a": "m4a", "aac": "aac",
    "audio/aac": "aac", "wav": "wav", "audio/wav": "wav", "audio/x-wav": "wav",
    "flac": "flac", "webm": "webm", "audio/webm": "webm", "caf": "caf",
}


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    samples: npt.NDArray[np.float32]   # 16 kHz mono, full scale ±1.0
    format: str                        # sniffed format name ("amr", "ogg", …)
    codec: str                         # decoder used ("libopencore_amrnb", "opus", …)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def normalize_hint(fmt: str | None) -> str | None:
    if not fmt:
        return None
    key = fmt.strip().lower().split(";")[0].strip()
    if key in _HINTS:
        return _HINTS[key]
    base = key.replace("\\", "/").rsplit("/", 1)[-1]   # a path or file name
    if "." in base:
        key = base.rsplit(".", 1)[1]
    return _HINTS.get(key, key or None)


def sniff_format(data: bytes) -> str | None:
    """Our format name for ``data`` from its magic bytes, or None when unknown.

    Raises `UnsupportedAudioError` for bytes that are recognisably not audio (images,
    documents, executables) or audio FFmpeg cannot decode (WeChat SILK).
    """
    head = bytes(data[:64])
    for prefix in _SILK:
        if head.startswith(prefix):
            raise UnsupportedAudioError(
                "SILK v3 audio (WeChat) is not supported",
                "暂不支持这种语音格式（SILK），请用企业微信、飞书或钉钉的语音消息。",
            )
    for offset, magic, name in _AUDIO_MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"   # ADTS
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "mp3"   # MPEG audio frame sync without ID3
    for magic, what in _NOT_AUDIO:
        if head.startswith(magic):
            raise UnsupportedAudioError(
                f"input is a {what}, not audio",
                "收到的不是语音文件，请发送语音消息或音频文件。",
            )
    return None


def decode_audio(
    data: bytes,
    fmt: str | None = None,
    *,
    max_seconds: float = 60.0,
    max_bytes: int = 20 * 1024 * 1024,
) -> DecodedAudio:
    """Decode ``data`` to 16 kHz mono float32. ``fmt`` is a hint (extension or MIME type).

    Raises `AudioError` subclasses only: unsupported, corrupt, too long, empty.
    """
    if not data:
        raise NoSpeechError("empty input", "收到的语音是空的，请重新录一条。")
    if len(data) > max_bytes:
        raise AudioTooLongError(
            f"input is {len(data)} bytes, limit is {max_bytes}",
            f"语音文件太大了，请控制在 {max_seconds:.0f} 秒以内。",
        )
    sniffed = sniff_format(data)
    hint = normalize_hint(fmt)
    if sniffed is not None and hint is not None and hint != sniffed:
        log.info("audio named %r is really %s", fmt, sniffed)
    name = sniffed
    try:
        return _decode(data, name, max_seconds)
    except AudioError:
        raise
    except MemoryError:
        raise CorruptAudioError("out of memory while decoding") from None
    except Exception as exc:
        raise CorruptAudioError(f"cannot decode {name or 'unknown'} audio: {exc!r}") from exc


def _open(data: bytes, name: str | None) -> Any:
    import av

    demuxer = _DEMUXER.get(name) if name else None
    try:
        return av.open(io.BytesIO(data), mode="r", format=demuxer)
    except Exception as exc:
        if name is None:   # no signature and FFmpeg's probing found nothing either
            raise UnsupportedAudioError(f"not a recognised audio container: {exc!r}") from exc
        raise CorruptAudioError(f"cannot open {name} container: {exc!r}") from exc


def _decode(data: bytes, name: str | None, max_seconds: float) -> DecodedAudio:
    import av

    container = _open(data, name)
    with container:
        if not container.streams.audio:
            raise UnsupportedAudioError("no audio stream in the file")
        stream = container.streams.audio[0]
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > max_seconds + 1.0:
            raise AudioTooLongError.for_limit(declared, max_seconds)
        codec_name = stream.codec_context.name
        decoder: Any
        if codec_name in ("amrnb", "amrwb"):
            lib = f"libopencore_{codec_name}"
            decoder = av.CodecContext.create(lib, "r")
            decoder.sample_rate = 8000 if codec_name == "amrnb" else 16000
            decoder.layout = "mono"
            codec_used = lib
        else:
            decoder = stream.codec_context
            codec_used = codec_name
        if decoder is None or codec_used in ("", "none"):
            raise UnsupportedAudioError(f"no decoder for codec {codec_name!r}")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        limit = int((max_seconds + 1.0) * SAMPLE_RATE)
        chunks: list[npt.NDArray[np.float32]] = []
        total = 0
        errors = 0
        packets = 0

        def take(frame: av.AudioFrame | None) -> None:
            nonlocal total
            for out in resampler.resample(frame):
                arr = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                chunks.append(arr)
                total += len(arr)
            if total > limit:
                raise AudioTooLongError.for_limit(total / SAMPLE_RATE, max_seconds)

        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            packets += 1
            try:
                frames = decoder.decode(packet)
            except av.error.FFmpegError as exc:
                errors += 1   # one damaged frame: skip it, as players do
                log.debug("skipping undecodable packet: %s", exc)
                if errors > 20 and errors > packets // 2:
                    raise CorruptAudioError(f"most packets undecodable: {exc}") from exc
                continue
            for frame in frames:
                take(frame)
        try:
            for frame in decoder.decode(None):
                take(frame)
        except (av.error.EOFError, av.error.FFmpegError):
            pass
        take(None)
    if packets and not chunks and errors:
        raise CorruptAudioError(f"no packet of {packets} could be decoded")
    if not chunks:
        raise NoSpeechError(
            "no audio samples in the file", "语音是空的或已损坏，请重新录一条。"
        )
    samples = np.concatenate(chunks)
    if not np.all(np.isfinite(samples)):
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
    np.clip(samples, -1.0, 1.0, out=samples)
    return DecodedAudio(samples=samples, format=name or container.format.name,
                        codec=codec_used)


def _declared_seconds(container: object, stream: object) -> float | None:
    """The duration the container claims (may be absent or wrong; decoding re-checks)."""
    dur = getattr(container, "duration", None)
    if dur:
        return float(dur) / 1_000_000
    sdur = getattr(stream, "duration", None)
    tb = getattr(stream, "time_base", None)
    if sdur and tb:
        return float(sdur * tb)
    return None


def check_speech_energy(samples: npt.NDArray[np.float32], *, silence_rms: float,
                        min_seconds: float) -> None:
    """Raise `NoSpeechError` for audio too short or too quiet to hold words."""
    if len(samples) < int(min_seconds * SAMPLE_RATE):
        raise NoSpeechError(
            f"audio is only {len(samples) / SAMPLE_RATE:.2f} s long",
            "语音太短了，请按住说完整句话再松开。",
        )
    # loudest 100 ms window: a quiet note with one sentence still passes
    win = SAMPLE_RATE // 10
    n = len(samples) // win
    if n == 0:
        rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    else:
        frames = samples[: n * win].reshape(n, win).astype(np.float64)
        rms = float(np.sqrt(np.square(frames).mean(axis=1)).max())
    if rms < silence_rms:
        raise NoSpeechError(f"audio is silent (peak 100 ms RMS {rms:.5f})")
