"""Engines for worker tests; importable by the worker's child process."""

from __future__ import annotations

import os
import time

from nlp.asr import AsrConfig, NoSpeechError, Transcript, VoiceHints, decode_audio
from nlp.types import Catalog


class FakeEngine:
    """Decodes for real (so bad input fails as in production), then answers without a
    model. Magic inputs: b"SLEEP" sleeps 60 s, b"NAP" 0.8 s, b"CRASH" kills the process,
    b"BOOM" raises a non-audio exception."""

    def __init__(self, config: AsrConfig) -> None:
        self.config = config

    def load(self) -> float:
        return 0.0

    def transcribe(self, audio: bytes, fmt: str | None = None,
                   vocabulary: Catalog | None = None,
                   hints: VoiceHints | None = None) -> Transcript:
        if audio in (b"SLEEP", b"NAP"):
            time.sleep(60 if audio == b"SLEEP" else 0.8)
            audio = b"TEXT:slept"
        if audio == b"CRASH":
            os._exit(3)
        elif audio == b"BOOM":
            raise RuntimeError("boom")
        elif audio.startswith(b"TEXT:"):
            text = audio[5:].decode()
            return Transcript(text=text, language="zh", duration_s=1.0, seconds=0.0,
                              model="fake", raw_text=text)
        decoded = decode_audio(audio, fmt, max_seconds=self.config.max_seconds)
        names = ",".join(c.name for c in vocabulary.customers) if vocabulary else ""
        if hints is not None and hints.likely:
            names = ",".join(hints.likely)
        return Transcript(text=f"ok {names}".strip(), language="zh",
                          duration_s=decoded.duration_s, seconds=0.0, model="fake",
                          raw_text="ok", format=decoded.format)


def fake_engine(config: AsrConfig) -> FakeEngine:
    return FakeEngine(config)


class LookingEngine(FakeEngine):
    """A `FakeEngine` that also hears first (`first_look`, as `Transcriber` does): for
    b"HEARD:<text>" the first look hears <text>, and the transcript names the prompt's
    names it was given ("prompt A,B"); b"HEARD:<text>|ONCE-EMPTY" hears nothing the first
    time it is asked for the transcript (the second look keeps nothing), b"HEARD:<text>|EMPTY"
    every time (the later looks keep nothing);
    b"HEARD:<text>|SAID:<second>": the transcript (the second look) is <second>."""

    def __init__(self, config: AsrConfig) -> None:
        super().__init__(config)
        self.asked = 0

    def first_look(self, audio: bytes, fmt: str | None = None,
                   hints: VoiceHints | None = None) -> tuple[str, float, str, float]:
        if audio.startswith(b"HEARD:"):
            return audio[6:].decode().partition("|")[0], 0.25, "the first prompt", 3.0
        return "", 0.0, "", 0.0

    def transcribe(self, audio: bytes, fmt: str | None = None,
                   vocabulary: Catalog | None = None,
                   hints: VoiceHints | None = None) -> Transcript:
        if not audio.startswith(b"HEARD:"):
            return super().transcribe(audio, fmt, vocabulary, hints)
        self.asked += 1
        if (audio.endswith(b"|ONCE-EMPTY") and self.asked == 1) or audio.endswith(b"|EMPTY"):
            raise NoSpeechError("no confident speech (fake)")
        said = audio.decode().partition("|SAID:")[2]
        if said:
            return Transcript(text=said, language="zh", duration_s=1.0, seconds=0.0,
                              model="fake", raw_text=said, timings={"cpu": 0.5})
        text = "prompt " + ",".join(hints.likely if hints is not None else ())
        if hints is not None and hints.echo_of:
            text += " | not " + ",".join(hints.echo_of)
        return Transcript(text=text, language="zh", duration_s=1.0, seconds=0.0,
                          model="fake", raw_text=text, timings={"cpu": 0.5})


def looking_engine(config: AsrConfig) -> LookingEngine:
    return LookingEngine(config)


class ScoringEngine(FakeEngine):
    """A `FakeEngine` whose model scores readings (`Transcriber.score`, the acoustic check):
    a reading scores the number of times the words after b"|PREFER:" occur in it (0 for
    the rest); b"|SCORE-FAILS" raises as a broken model would. The transcript is the text
    of b"TEXT:" up to the first "|"."""

    def __init__(self, config: AsrConfig) -> None:
        super().__init__(config)
        self.scored: list[tuple[str, list[str]]] = []

    def transcribe(self, audio: bytes, fmt: str | None = None,
                   vocabulary: Catalog | None = None,
                   hints: VoiceHints | None = None) -> Transcript:
        return super().transcribe(audio.partition(b"|")[0], fmt, vocabulary, hints)

    def score(self, audio: bytes, fmt: str | None, prompt: str, texts: list[str]
              ) -> list[float]:
        if audio.endswith(b"|SCORE-FAILS"):
            raise RuntimeError("the model failed")
        self.scored.append((prompt, list(texts)))
        prefer = audio.decode().partition("|PREFER:")[2]
        return [5.0 * t.count(prefer) if prefer else 0.0 for t in texts]


def scoring_engine(config: AsrConfig) -> ScoringEngine:
    return ScoringEngine(config)
