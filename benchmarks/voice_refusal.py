"""How fast an over-long voice note is refused: a 10-minute note against the 60 s limit,
refused from its header without decoding it all (the unit test checks that it is refused;
this measures how fast).

    .venv/bin/python benchmarks/voice_refusal.py [--runs 7]

Prints, per format, the note's size and the median / worst refusal time in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.asr import AudioTooLongError, decode_audio  # noqa: E402
from tests.unit.asr.audio_gen import encode, silence, wav_bytes  # noqa: E402

MINUTES = 10
LIMIT_S = 60.0


def notes() -> dict[str, bytes]:
    quiet8k = silence(MINUTES * 60.0, 8000)
    return {"wav": wav_bytes(quiet8k, 8000), "amr": encode(quiet8k, "amr", rate=8000)}


def refusal_ms(data: bytes, fmt: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        try:
            decode_audio(data, fmt, max_seconds=LIMIT_S, max_bytes=50 * 1024 * 1024)
        except AudioTooLongError:
            out.append((time.perf_counter() - t0) * 1000)
        else:
            raise SystemExit(f"a {MINUTES}-minute {fmt} note was not refused")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    print(f"refusing a {MINUTES}-minute note (limit {LIMIT_S:g} s), {args.runs} runs each")
    for fmt, data in notes().items():
        ms = refusal_ms(data, fmt, args.runs)
        print(f"{fmt:>4}: {len(data) / 1e6:6.2f} MB  median {statistics.median(ms):7.1f} ms"
              f"  worst {max(ms):7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
