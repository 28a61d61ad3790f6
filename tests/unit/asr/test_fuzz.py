"""Hypothesis over the decoder path: any bytes → audio or an AudioError, never a crash."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.asr import AudioError, decode_audio
from tests.unit.asr.audio_gen import encode, speechlike

VALID = {fmt: encode(speechlike(1.0, seed=3), fmt) for fmt in ("amr", "ogg", "m4a", "mp3", "wav")}
MAGIC = [b"#!AMR\n", b"#!AMR-WB\n", b"OggS", b"RIFF\x00\x00\x00\x00WAVE", b"ID3", b"fLaC",
         b"\x00\x00\x00\x18ftyp", b"\xff\xfb", b"\xff\xf1", b"\x1a\x45\xdf\xa3", b""]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes, hint: str | None) -> None:
    try:
        out = decode_audio(data, hint, max_seconds=60.0)
    except AudioError as exc:
        message = exc.user_message
        assert message
    else:
        assert out.samples.dtype == np.float32
        assert np.all(np.isfinite(out.samples))


@FUZZ
@given(data=st.binary(max_size=4096),
       hint=st.sampled_from([None, "amr", "ogg", "voice.mp3", "audio/mp4", "x.wav", "weird"]))
def test_random_bytes(data: bytes, hint: str | None) -> None:
    _check(data, hint)


@FUZZ
@given(magic=st.sampled_from(MAGIC), tail=st.binary(max_size=4096))
def test_magic_then_garbage(magic: bytes, tail: bytes) -> None:
    _check(magic + tail, None)


@FUZZ
@given(fmt=st.sampled_from(sorted(VALID)), data=st.data())
def test_mutated_valid_files(fmt: str, data: st.DataObject) -> None:
    raw = bytearray(VALID[fmt])
    edits = data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)),
                               max_size=30))
    for pos, val in edits:
        raw[pos] = val
    cut = data.draw(st.integers(0, len(raw)))
    _check(bytes(raw[:cut]), fmt)


@pytest.mark.parametrize("fmt", sorted(VALID))
def test_valid_fixtures_decode(fmt: str) -> None:
    assert decode_audio(VALID[fmt], fmt).duration_s == pytest.approx(1.0, abs=0.1)
