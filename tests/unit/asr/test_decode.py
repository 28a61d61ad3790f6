"""Decoder: formats, sniffing, and bad input → AudioError with a Chinese message."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nlp.asr import (
    AudioError,
    AudioTooLongError,
    CorruptAudioError,
    NoSpeechError,
    UnsupportedAudioError,
    decode_audio,
    sniff_format,
)
from nlp.asr.decode import SAMPLE_RATE, check_speech_energy, normalize_hint
from tests.unit.asr.audio_gen import encode, silence, speechlike, wav_bytes

CJK = re.compile(r"[\u4e00-\u9fff]")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200)


def assert_chinese(err: AudioError) -> None:
    assert CJK.search(err.user_message), err.user_message
    assert not CJK.search(str(err)), str(err)   # the log line stays English


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return speechlike(3.0)


@pytest.mark.parametrize(
    ("fmt", "codec"),
    [("amr", "libopencore_amrnb"), ("ogg", "opus"), ("wav", "pcm_s16le"), ("mp3", "mp3float"),
     ("m4a", "aac"), ("flac", "flac")],
)
def test_formats_decode_to_16k_mono_float(clip: np.ndarray, fmt: str, codec: str) -> None:
    data = encode(clip, fmt)
    assert sniff_format(data) == fmt
    out = decode_audio(data, f"note.{fmt}")
    assert out.samples.dtype == np.float32
    assert out.samples.ndim == 1
    assert out.format == fmt
    assert out.codec == codec
    assert out.duration_s == pytest.approx(3.0, abs=0.15)
    assert 0.1 < float(np.abs(out.samples).max()) <= 1.0
    assert len(out.samples) == pytest.approx(out.duration_s * SAMPLE_RATE)


def test_amr_with_dtx_decodes_with_opencore() -> None:
    data = encode(speechlike(4.0, gaps=True), "amr", dtx=True)
    import io

    import av

    with av.open(io.BytesIO(data)) as c, pytest.raises(av.error.FFmpegError):
        for _ in c.decode(audio=0):   # FFmpeg's native amrnb rejects the SID frames
            pass
    out = decode_audio(data, "amr")
    assert out.codec == "libopencore_amrnb"
    assert out.duration_s == pytest.approx(4.0, abs=0.15)


def test_format_is_sniffed_not_taken_from_the_name(clip: np.ndarray) -> None:
    ogg = encode(clip, "ogg")
    assert decode_audio(ogg, "voice.amr").format == "ogg"
    assert decode_audio(ogg, "audio/amr").format == "ogg"
    assert decode_audio(ogg, None).format == "ogg"


@pytest.mark.parametrize(
    ("data", "what"),
    [(JPEG, "jpeg"), (b"\x89PNG\r\n\x1a\n" + bytes(100), "png"), (b"%PDF-1.4\n" + bytes(99), "pdf"),
     (b"PK\x03\x04" + bytes(100), "zip"), (b"#!SILK_V3" + bytes(100), "silk")],
)
def test_non_audio_is_refused_even_when_named_amr(data: bytes, what: str) -> None:
    with pytest.raises(UnsupportedAudioError) as exc:
        decode_audio(data, "voice.amr")
    assert_chinese(exc.value)


def test_sniff_table() -> None:
    assert sniff_format(b"#!AMR\n\x3c") == "amr"
    assert sniff_format(b"#!AMR-WB\n") == "amrwb"
    assert sniff_format(b"OggS\x00") == "ogg"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WAVEfmt ") == "wav"
    assert sniff_format(b"ID3\x03") == "mp3"
    assert sniff_format(b"\x00\x00\x00\x20ftypM4A ") == "m4a"
    assert sniff_format(b"\xff\xf1\x50\x80") == "aac"
    assert sniff_format(b"fLaC") == "flac"
    assert sniff_format(b"hello") is None


def test_hints() -> None:
    assert normalize_hint("/tmp/a.b/voice.AMR") == "amr"
    assert normalize_hint("audio/ogg; codecs=opus") == "ogg"
    assert normalize_hint(".opus") == "ogg"
    assert normalize_hint(None) is None


def test_empty_input() -> None:
    with pytest.raises(NoSpeechError) as exc:
        decode_audio(b"", "amr")
    assert_chinese(exc.value)


@pytest.mark.parametrize("fmt", ["amr", "ogg", "m4a", "wav", "mp3"])
def test_truncated_to_the_header(clip: np.ndarray, fmt: str) -> None:
    data = encode(clip, fmt)
    with pytest.raises(AudioError) as exc:
        decode_audio(data[:12], fmt)
    assert_chinese(exc.value)


@pytest.mark.parametrize("fmt", ["amr", "ogg", "m4a", "wav", "mp3", "flac"])
@pytest.mark.parametrize("cut", [0.3, 0.7])
def test_truncated_midway_never_crashes(clip: np.ndarray, fmt: str, cut: float) -> None:
    data = encode(clip, fmt)
    try:
        out = decode_audio(data[: int(len(data) * cut)], fmt)
    except AudioError as exc:
        assert_chinese(exc)
    else:
        assert out.duration_s <= 3.2


@pytest.mark.parametrize("fmt", ["amr", "ogg", "m4a", "mp3"])
def test_corrupted_body_never_crashes(clip: np.ndarray, fmt: str) -> None:
    data = bytearray(encode(clip, fmt))
    rng = np.random.default_rng(1)
    for i in rng.integers(len(data) // 4, len(data), size=len(data) // 10):
        data[int(i)] = int(rng.integers(0, 256))
    try:
        out = decode_audio(bytes(data), fmt)
    except AudioError as exc:
        assert_chinese(exc)
    else:
        assert np.all(np.isfinite(out.samples))
        assert float(np.abs(out.samples).max()) <= 1.0


def test_ten_minute_file_is_refused() -> None:
    # how fast (from the header, without decoding it all): benchmarks/voice_refusal.py
    data = wav_bytes(silence(600.0, 8000), 8000)
    with pytest.raises(AudioTooLongError) as exc:
        decode_audio(data, "wav", max_seconds=60.0, max_bytes=50 * 1024 * 1024)
    assert "60" in exc.value.user_message
    assert_chinese(exc.value)


def test_long_amr_without_a_declared_duration_is_cut_off() -> None:
    data = encode(speechlike(70.0, 8000, seed=2), "amr", rate=8000)
    with pytest.raises(AudioTooLongError):
        decode_audio(data, "amr", max_seconds=60.0)
    assert decode_audio(data, "amr", max_seconds=80.0).duration_s == pytest.approx(70, abs=0.2)


def test_too_many_bytes() -> None:
    with pytest.raises(AudioTooLongError):
        decode_audio(b"#!AMR\n" + bytes(2000), "amr", max_bytes=1000)


def test_silence_and_too_short() -> None:
    for samples in (silence(5.0), speechlike(0.1), 1e-4 * speechlike(5.0)):
        with pytest.raises(NoSpeechError) as exc:
            check_speech_energy(samples, silence_rms=0.003, min_seconds=0.3)
        assert_chinese(exc.value)
    check_speech_energy(speechlike(2.0), silence_rms=0.003, min_seconds=0.3)


def test_silent_file_decodes_but_is_no_speech() -> None:
    out = decode_audio(encode(silence(2.0), "ogg"), "ogg")
    with pytest.raises(NoSpeechError):
        check_speech_energy(out.samples, silence_rms=0.003, min_seconds=0.3)


def test_random_bytes() -> None:
    rng = np.random.default_rng(7)
    for n in (1, 10, 100, 5000):
        with pytest.raises(AudioError):
            decode_audio(rng.bytes(n), None)


def test_errors_carry_codes_and_pickle() -> None:
    import pickle

    from nlp.asr import QueueFullError, TranscriptionTimeoutError

    for cls in (AudioError, UnsupportedAudioError, CorruptAudioError, AudioTooLongError,
                NoSpeechError, TranscriptionTimeoutError, QueueFullError):
        err = cls("english detail")
        assert_chinese(err)
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is cls
        assert again.user_message == err.user_message
        assert str(again) == "english detail"
    assert AudioTooLongError("x").code == "too_long"
    assert "90" in AudioTooLongError.for_limit(90.0, 60.0).user_message
