"""Small audio fixtures generated on the fly with PyAV/numpy (nothing shipped in the repo)."""

from __future__ import annotations

import io

import av
import numpy as np
import numpy.typing as npt


def speechlike(seconds: float, rate: int = 16_000, *, gaps: bool = True,
               seed: int = 0) -> npt.NDArray[np.float32]:
    """A voiced, syllable-rate modulated harmonic signal with pauses (not silence)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = 0.5 * (1 + np.sin(2 * np.pi * 4.0 * t)) ** 2 / 4
    if gaps:
        envelope *= (np.sin(2 * np.pi * 0.25 * t) > -0.7)
    sig = 0.3 * voice * envelope + 0.003 * rng.standard_normal(len(t))
    return np.clip(sig, -1, 1).astype(np.float32)


def silence(seconds: float, rate: int = 16_000) -> npt.NDArray[np.float32]:
    return np.zeros(int(seconds * rate), dtype=np.float32)


_SPECS: dict[str, tuple[str, str, int, int]] = {
    # name: (container, codec, sample rate, samples per frame)
    "amr": ("amr", "libopencore_amrnb", 8000, 160),
    "ogg": ("ogg", "libopus", 48000, 960),
    "wav": ("wav", "pcm_s16le", 16000, 1024),
    "mp3": ("mp3", "libmp3lame", 16000, 1152),
    "m4a": ("ipod", "aac", 16000, 1024),
    "flac": ("flac", "flac", 16000, 1024),
}


def encode(samples: npt.NDArray[np.float32], fmt: str, *, rate: int = 16_000,
           dtx: bool = False) -> bytes:
    """Encode mono float samples at ``rate`` into ``fmt`` (amr, ogg, wav, mp3, m4a, flac)."""
    container_name, codec, out_rate, frame = _SPECS[fmt]
    if out_rate != rate:
        idx = np.arange(0, len(samples), rate / out_rate)
        samples = np.interp(idx, np.arange(len(samples)), samples).astype(np.float32)
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container_name) as out:
        options = {"dtx": "1"} if dtx else {}
        stream = out.add_stream(codec, rate=out_rate, options=options)
        stream.layout = "mono"
        if fmt == "amr":
            stream.bit_rate = 12200
        for i in range(0, len(pcm), frame):
            chunk = pcm[i:i + frame]
            if len(chunk) < frame:
                chunk = np.pad(chunk, (0, frame - len(chunk)))
            f = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            f.sample_rate = out_rate
            for packet in stream.encode(f):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def wav_bytes(samples: npt.NDArray[np.float32], rate: int = 16_000) -> bytes:
    """A PCM WAV written directly (fast, for long fixtures)."""
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buf.getvalue()
