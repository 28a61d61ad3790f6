"""``crmbot transcribe FILE…``: voice notes → one JSON line per file.

Each line holds ``file`` (the path as given), ``text``, ``language``, ``duration_s``,
``seconds`` (processing time) and ``model``; a file that cannot be transcribed gets
``error`` (a code such as ``too_long``), ``message`` (what the rep would be told) and
``detail`` (the English log line) instead, and the exit code is 1. The model and limits
come from the ``CRMBOT_WHISPER_*`` / ``CRMBOT_VOICE_*`` settings; ``--catalog`` biases
recognition toward a tenant's names (a JSON file in the `Catalog` format) and snaps misheard
names onto it; ``--details`` also lists each guess (``heard`` → ``written``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from adapters.voice import asr_config_from_settings
from crm_core.settings import get_settings
from nlp.asr import AsrConfig, AudioError, Transcriber
from nlp.types import Catalog


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "transcribe", help="voice notes → text (one JSON line per file)",
        description="Transcribe voice notes offline (AMR, Opus/Ogg, MP3, M4A, WAV …).",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files")
    p.add_argument("--catalog", type=Path, default=None,
                   help="JSON catalog (customers/contacts/products) to bias names toward")
    p.add_argument("--format", dest="fmt", default=None,
                   help="format hint for every file (default: each file's extension)")
    p.add_argument("--beam-size", type=int, default=None, help="override the beam size")
    p.add_argument("--threads", type=int, default=None, help="override the CPU threads")
    p.add_argument("--model-path", type=Path, default=None,
                   help="a CTranslate2 Whisper model directory (default: from settings)")
    p.add_argument("--details", action="store_true",
                   help="also print raw_text, confidence and timings")
    p.set_defaults(func=run)


def _config(args: argparse.Namespace) -> AsrConfig:
    cfg = asr_config_from_settings(get_settings())
    changes: dict[str, Any] = {}
    if args.beam_size is not None:
        changes["beam_size"] = args.beam_size
    if args.threads is not None:
        changes["threads"] = args.threads
    if args.model_path is not None:
        changes["model_path"] = args.model_path
    return cfg.with_(**changes) if changes else cfg


def _emit(row: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    catalog: Catalog | None = None
    if args.catalog is not None:
        try:
            catalog = Catalog.from_dict(json.loads(args.catalog.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"crmbot transcribe: cannot read catalog {args.catalog}: {exc}",
                  file=sys.stderr)
            return 2
    transcriber = Transcriber(_config(args))
    failed = 0
    for name in args.files:
        row: dict[str, Any] = {"file": name}
        t0 = time.perf_counter()
        try:
            data = Path(name).read_bytes()
            t = transcriber.transcribe(data, args.fmt or name, catalog)
        except OSError as exc:
            failed += 1
            row.update(error="unreadable", message="无法读取文件", detail=str(exc),
                       seconds=round(time.perf_counter() - t0, 3))
        except AudioError as exc:
            failed += 1
            row.update(error=exc.code, message=exc.user_message, detail=str(exc),
                       seconds=round(time.perf_counter() - t0, 3))
        else:
            row.update(text=t.text, language=t.language, duration_s=t.duration_s,
                       seconds=t.seconds, model=t.model)
            if args.details:
                row.update(raw_text=t.raw_text, whisper_text=t.whisper_text,
                           avg_logprob=t.avg_logprob, no_speech_prob=t.no_speech_prob,
                           low_confidence=t.low_confidence, format=t.format, codec=t.codec,
                           timings=t.timings,
                           guessed=[{"heard": m.heard, "written": m.written, "kind": m.kind}
                                    for m in t.marks])
        _emit(row)
    return 1 if failed else 0
