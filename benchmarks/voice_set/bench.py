"""The voice dev set through the real worker: name recall, CER and record match per industry.

Called by ``benchmarks/voice.py --set benchmarks/voice_set`` (see there). Every note is
transcribed with the *whole* catalog for snapping (as ``crmbot transcribe --catalog``
does) and one of three prompts:

- ``rep`` (the product's): the names this rep is most likely to say (`VoiceHints.likely`):
  here the customers, contacts and products of the note's industry, as a rep's own book
  would be;
- ``rep_words``: the same names followed by the tenant's preset words
  (`nlp.asr.prompt.preset_words`; no gain measured, so not the product's);
- ``catalog``: no hints, the prompt takes the catalog's names in order until the budget;
- ``none``: the base prompt without any names.

Name recall counts the catalog names (names, aliases, short forms, surname + title) in the
reference text whose record the transcript names too, in any of its forms. The record match compares
``nlp.extract`` on the transcript with ``nlp.extract`` on the reference text.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.voice_set.make import spoken
from nlp import extract
from nlp.asr import (
    AsrConfig,
    AudioError,
    Transcriber,
    Transcript,
    TranscriptionWorker,
    VoiceHints,
)
from nlp.phonetic import PhoneticIndex
from nlp.types import Catalog

PROMPTS = ("rep", "catalog", "none", "rep_words")


@dataclass(frozen=True, slots=True)
class Note:
    id: str
    industry: str
    now: datetime
    text: str
    spoken: str


def load_set(data: Path) -> tuple[list[Note], Catalog, dict[str, Any]]:
    notes = [
        Note(d["id"], d["industry"], datetime.fromisoformat(d["now"]), d["text"], d["spoken"])
        for d in map(json.loads, (data / "notes.jsonl").read_text(encoding="utf-8").splitlines())
    ]
    raw = json.loads((data / "catalog.json").read_text(encoding="utf-8"))
    return notes, Catalog.from_dict(raw), raw


def rep_hints(catalog: Catalog, notes: list[Note], industry: str) -> VoiceHints:
    """A rep whose book is one industry: the customers named in that industry's notes'
    extraction (references), their contacts and the products of the industry."""
    customers: list[str] = []
    products: list[str] = []
    for n in notes:
        if n.industry != industry:
            continue
        rec = extract(n.text, now=n.now, catalog=catalog)
        if rec.customer_known and rec.customer and rec.customer not in customers:
            customers.append(rec.customer)
        products += [p for p in rec.products if p not in products]
    known = {p.name for p in catalog.products}
    contacts = [k.aliases[0] if k.aliases else k.name
                for k in catalog.contacts if k.customer in customers]
    short = {c.name: (c.aliases[0] if c.aliases else c.name) for c in catalog.customers}
    likely = [short[c] for c in customers] + contacts + [p for p in products if p in known]
    return VoiceHints(likely=tuple(likely))


def names_in(index: PhoneticIndex, text: str) -> list[frozenset[str]]:
    """The catalog records each name in ``text`` may be (王主任: every 王主任's record)."""
    spans: dict[tuple[int, int], set[str]] = defaultdict(set)
    for s, e, entry in index.mentions(text):
        spans[(s, e)].add(entry.canonical)
    return [frozenset(v) for _k, v in sorted(spans.items())]


def recalled(ref: list[frozenset[str]], hyp: list[frozenset[str]]) -> int:
    """Reference names whose record the transcript names too, in any of its forms
    (武侯区审批局 for 武侯审批局 counts)."""
    said = frozenset().union(*hyp) if hyp else frozenset()
    return sum(1 for names in ref if names & said)


def cer(hyp: str, ref: str) -> tuple[int, int]:
    import re

    from rapidfuzz.distance import Levenshtein

    def squash(t: str) -> str:
        return re.sub(r"[\W_]+", "", spoken(t))

    h, r = squash(hyp), squash(ref)
    return Levenshtein.distance(h, r), len(r)


async def transcribe_set(cfg: AsrConfig, data: Path, notes: list[Note], catalog: Catalog,
                         prompt: str, formats: tuple[str, ...]
                         ) -> tuple[dict[tuple[str, str], Transcript | str], dict[str, Any]]:
    industries = sorted({n.industry for n in notes})
    hints = {ind: rep_hints(catalog, notes, ind) for ind in industries}
    out: dict[tuple[str, str], Transcript | str] = {}
    wall: list[tuple[float, float]] = []
    cpu: list[tuple[float, float]] = []     # the worker's CPU seconds (both threads)
    async with TranscriptionWorker(cfg) as worker:
        await worker.start()
        for note in notes:
            h = (hints[note.industry] if prompt == "rep" else
                 VoiceHints(likely=hints[note.industry].likely, preset_words=True)
                 if prompt == "rep_words" else
                 VoiceHints(names_in_prompt=False) if prompt == "none" else None)
            for fmt in formats:
                audio = (data / "audio" / f"{note.id}.{fmt}").read_bytes()
                t0 = time.perf_counter()
                try:
                    t = await worker.transcribe(audio, fmt, catalog, h)
                except AudioError as exc:
                    out[(note.id, fmt)] = f"{exc.code}: {exc}"
                    continue
                wall.append((time.perf_counter() - t0, t.duration_s))
                cpu.append((t.timings.get("cpu", float("nan")), t.duration_s))
                out[(note.id, fmt)] = t
        stats = await worker.stats()
    return out, {"wall": wall, "cpu": cpu, "peak_rss_mb": float(stats["peak_rss_mb"])}


def score(notes: list[Note], catalog: Catalog, results: dict[tuple[str, str], Any],
          formats: tuple[str, ...]) -> dict[str, Any]:
    index = PhoneticIndex.from_catalog(catalog)
    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_field: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    diffs: list[str] = []
    for note in notes:
        want = extract(note.text, now=note.now, catalog=catalog).contract()
        ref_names = names_in(index, note.text)
        for fmt in formats:
            t = results.get((note.id, fmt))
            for key in (note.industry, "all"):
                r = rows[key]
                r["notes"] += 1
                r["names"] += len(ref_names)
            if not isinstance(t, Transcript):
                continue
            got = extract(t.text, now=note.now, catalog=catalog).contract()
            hits_raw = recalled(ref_names, names_in(index, t.raw_text))
            hits = recalled(ref_names, names_in(index, t.text))
            e_raw, n_ref = cer(t.raw_text, note.text)
            e_snap, _ = cer(t.text, note.text)
            for key in (note.industry, "all"):
                r = rows[key]
                r["hits_raw"] += hits_raw
                r["hits"] += hits
                r["err_raw"] += e_raw
                r["err"] += e_snap
                r["chars"] += n_ref
                r["same"] += got == want
            if got != want:
                fields = sorted(k for k in want if want[k] != got[k])
                for k in fields:
                    per_field[k][note.industry] += 1
                    per_field[k]["all"] += 1
                diffs.append(f"{note.id}.{fmt}: " + ", ".join(
                    f"{k}={got[k]!r}≠{want[k]!r}" for k in fields))
    table = {}
    for key, r in rows.items():
        table[key] = {
            "notes": int(r["notes"]),
            "name_recall_before_snapping": round(r["hits_raw"] / max(r["names"], 1), 3),
            "name_recall": round(r["hits"] / max(r["names"], 1), 3),
            "names": int(r["names"]),
            "cer_raw": round(r["err_raw"] / max(r["chars"], 1), 3),
            "cer": round(r["err"] / max(r["chars"], 1), 3),
            "same_record": int(r["same"]),
            "same_record_share": round(r["same"] / max(r["notes"], 1), 3),
        }
    fields = {k: dict(sorted(v.items())) for k, v in
              sorted(per_field.items(), key=lambda kv: -kv[1]["all"])}
    return {"by_industry": dict(sorted(table.items())), "field_mismatches": fields,
            "diffs": diffs}


def save_transcripts(results: dict[tuple[str, str], Transcript | str], path: Path,
                     prompt: str) -> None:
    """What Whisper heard for each note (before snapping), to replay the text stages."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    old[prompt] = {
        f"{k[0]}.{k[1]}": (v if isinstance(v, str) else {
            "raw_text": v.raw_text, "text": v.text, "low_confidence": v.low_confidence,
            "duration_s": v.duration_s, "seconds": v.seconds, "prompt": v.prompt,
            "first_text": v.first_text, "dropped": any(s.dropped for s in v.segments)})
        for k, v in results.items()}
    path.write_text(json.dumps(old, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def replay_transcripts(path: Path, prompt: str, catalog: Catalog, notes: list[Note], *,
                       config: AsrConfig | None = None, audio: Path | None = None
                       ) -> dict[tuple[str, str], Transcript | str]:
    """Saved transcripts with today's snapping (as the worker does it after Whisper) and,
    where ``config`` asks for it, today's acoustic check: the model loaded here scores the
    readings against the note in ``audio`` (the only part of a replay that runs Whisper)."""
    from nlp.asr.snap import snap_looks
    from nlp.asr.transcribe import acoustic_check_of, with_acoustic_check

    scorer = Transcriber(config) if config is not None and config.acoustic_check \
        and audio is not None else None

    saved = json.loads(path.read_text(encoding="utf-8"))[prompt]
    industry = {n.id: n.industry for n in notes}
    hints = {ind: rep_hints(catalog, notes, ind) for ind in set(industry.values())}
    out: dict[tuple[str, str], Transcript | str] = {}
    for key, v in saved.items():
        note_id, fmt = key.rsplit(".", 1)
        if isinstance(v, str):
            out[(note_id, fmt)] = v
            continue
        affinity = (hints[industry[note_id]].snap_affinity()
                    if prompt in ("rep", "rep_words") else None)
        raw, snapped = snap_looks(v["raw_text"], v.get("first_text", ""),
                                  None if v["low_confidence"] else catalog, affinity,
                                  dropped=v.get("dropped", False))
        t = Transcript(
            text=snapped.text, language="zh", duration_s=v["duration_s"],
            seconds=v["seconds"], model="replay", raw_text=raw,
            low_confidence=v["low_confidence"], marks=snapped.marks, prompt=v["prompt"],
            first_text=v.get("first_text", ""), timings={"cpu": float(v.get("cpu_s") or "nan")})
        check = acoustic_check_of(t, catalog, scorer.config) if scorer is not None else None
        if scorer is not None and audio is not None and check is not None:
            t0 = time.perf_counter()
            scores = scorer.score((audio / key).read_bytes(), fmt, check.prompt,
                                  check.readings())
            t = with_acoustic_check(t, check, scores, catalog, scorer.config,
                                    time.perf_counter() - t0)
        out[(note_id, fmt)] = t
    return out


def phonetic_speed(notes: list[Note], catalog: Catalog, customers: int = 5000) -> dict[str, Any]:
    """Index build and `find` per note on the set's catalog and on one grown to
    ``customers`` customers (names recombined from the set's own characters)."""
    import random

    rng = random.Random(16)
    chars = "".join(dict.fromkeys("".join(c.name for c in catalog.customers)))
    tails = ("有限公司", "医院", "集团", "中心", "研究院")
    grown = [{"name": "".join(rng.choice(chars) for _ in range(rng.choice((4, 5, 6))))
              + rng.choice(tails)} for _ in range(customers)]
    big = Catalog.from_dict({**catalog.to_dict(), "customers": [
        *catalog.to_dict()["customers"], *grown]})
    out: dict[str, Any] = {}
    for label, cat in (("set", catalog), (f"{customers}_customers", big)):
        t0 = time.perf_counter()
        index = PhoneticIndex.from_catalog(cat)
        build = time.perf_counter() - t0
        per: list[float] = []
        for note in notes:
            t1 = time.perf_counter()
            index.find(note.text)
            per.append(time.perf_counter() - t1)
        per.sort()
        out[label] = {"entries": len(index.entries), "build_s": round(build, 3),
                      "find_ms_p50": round(per[len(per) // 2] * 1000, 1),
                      "find_ms_p95": round(per[int(len(per) * 0.95)] * 1000, 1)}
    return out


def load_labels(data: Path) -> dict[str, dict[str, Any]]:
    """The records a person labelled for the set's notes (``labels.jsonl``; only the
    held-out set has them)."""
    path = data / "labels.jsonl"
    if not path.is_file():
        return {}
    return {d["id"]: d["expected"] for d in map(
        json.loads, path.read_text(encoding="utf-8").splitlines()) if d}


def label_match(notes: list[Note], catalog: Catalog, results: dict[tuple[str, str], Any],
                formats: tuple[str, ...], labels: dict[str, dict[str, Any]]
                ) -> dict[str, Any]:
    """How many records equal the labelled one: from the reference text and from the
    transcripts; per field, how often the reference text's record misses the label."""
    text_same = heard_same = heard_total = 0
    text_fields: dict[str, int] = defaultdict(int)
    for note in notes:
        want = labels.get(note.id)
        if want is None:
            continue
        ref = extract(note.text, now=note.now, catalog=catalog).contract()
        text_same += ref == want
        for k in want:
            text_fields[k] += ref[k] != want[k]
        for fmt in formats:
            t = results.get((note.id, fmt))
            heard_total += 1
            if isinstance(t, Transcript):
                heard_same += extract(t.text, now=note.now, catalog=catalog).contract() == want
    return {"notes": sum(1 for n in notes if n.id in labels), "reference_text_same": text_same,
            "transcripts": heard_total, "transcripts_same": heard_same,
            "reference_text_field_misses": {k: v for k, v in sorted(text_fields.items()) if v}}
