"""Toneless, accent-tolerant pinyin keys per character (for ASR homophones).

Each Han character maps to its most common reading without tone, folded with the usual
"fuzzy pinyin" pairs of southern Mandarin and ASR: zh/z, ch/c, sh/s, n/l, in/ing, en/eng.
股 and 鼓 → "gu"; 瑞京 and 瑞金 → "rui jin"; 私服 and 伺服 → "si fu".
"""

from __future__ import annotations

import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

__all__ = ["is_han", "py_key", "py_keys", "py_variants", "raw_pinyin", "readings"]

_BASE, _END = 0x3400, 0xA000
_TABLE_PATH = Path(__file__).with_name("pinyin_table.txt")
_TABLE: list[str] | None = None


def _table() -> list[str]:
    """Toneless readings per code point U+3400..U+9FFF ('a,b' per line), loaded once.

    A flat text file (generated from pypinyin by `python -m nlp.pinyin`) loads in a few
    milliseconds; importing pypinyin's dictionary module takes a few hundred.
    """
    global _TABLE
    if _TABLE is None:
        try:
            lines = _TABLE_PATH.read_text(encoding="utf-8").split("\n")
            body = lines[1:1 + (_END - _BASE)]
            if len(body) != _END - _BASE:
                raise ValueError("pinyin table is truncated")
            _TABLE = body
        except (OSError, ValueError):
            _TABLE = _table_from_pypinyin()
    return _TABLE


def _table_from_pypinyin() -> list[str]:
    from pypinyin.pinyin_dict import pinyin_dict

    out: list[str] = []
    for cp in range(_BASE, _END):
        readings: list[str] = []
        for r in (pinyin_dict.get(cp) or "").split(","):
            t = _strip_tone(r) if r else ""
            if t and t not in readings:
                readings.append(t)
        out.append(",".join(readings))
    return out


def _readings(ch: str) -> list[str]:
    cp = ord(ch)
    if not _BASE <= cp < _END:
        return []
    row = _table()[cp - _BASE]
    return row.split(",") if row else []


def readings(ch: str) -> list[str]:
    """Every toneless reading of a Han character, most common first ([] when unknown)."""
    return _readings(ch) if is_han(ch) else []


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _strip_tone(s: str) -> str:
    """lǜ → lv, nǚ → nv, lüè → lve, zhōng → zhong: ü with or without a tone mark is v (the
    diaeresis is read before the marks are dropped: 绿 is never 路)."""
    s = unicodedata.normalize("NFD", s.replace("ü", "v")).replace("u\u0308", "v")
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=65536)
def raw_pinyin(ch: str) -> str:
    """First reading of a Han character without tone ('' when unknown)."""
    if not is_han(ch):
        return ""
    readings = _readings(ch)
    return readings[0] if readings else ""


def _fold(p: str) -> str:
    if p.startswith(("zh", "ch", "sh")):
        p = p[0] + p[2:]
    if p.startswith("n") and len(p) > 1 and p != "ng":
        p = "l" + p[1:]
    if p.endswith("ing") or p.endswith("eng"):
        p = p[:-1]
    return p


@lru_cache(maxsize=65536)
def py_key(ch: str) -> str:
    """Folded pinyin of one character; non-Han characters stand for themselves (lowercased)."""
    if not is_han(ch):
        return ch.lower()
    raw = raw_pinyin(ch)
    return _fold(raw) if raw else ch


def py_keys(text: str) -> list[str]:
    return [py_key(c) for c in text]


@lru_cache(maxsize=65536)
def py_variants(ch: str) -> tuple[str, ...]:
    """All folded readings of a character (heteronyms: 伺 → ci, si), primary first."""
    if not is_han(ch):
        return (ch.lower(),)
    out: list[str] = []
    for r in _readings(ch):
        f = _fold(r)
        if f and f not in out:
            out.append(f)
    return tuple(out[:3]) or (ch,)


def write_table(path: Path = _TABLE_PATH) -> None:
    """Regenerate the reading table from pypinyin."""
    import pypinyin

    rows = _table_from_pypinyin()
    header = ("# toneless pinyin per code point U+3400..U+9FFF, "
              f"from pypinyin {pypinyin.__version__}")
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_table(Path(sys.argv[1]) if len(sys.argv) > 1 else _TABLE_PATH)
