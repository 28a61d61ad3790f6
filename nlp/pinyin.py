"""Toneless, accent-tolerant pinyin keys per character (for ASR homophones).

Each Han character maps to its most common reading without tone, folded with the usual
"fuzzy pinyin" pairs of southern Mandarin and ASR: zh/z, ch/c, sh/s, n/l, in/ing, en/eng.
股 and 鼓 → "gu"; 瑞京 and 瑞金 → "rui jin"; 私服 and 伺服 → "si fu".
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["is_han", "py_key", "py_keys", "py_variants", "raw_pinyin"]

_DICT: dict[int, str] | None = None


def _dict() -> dict[int, str]:
    global _DICT
    if _DICT is None:
        from pypinyin.pinyin_dict import pinyin_dict

        _DICT = pinyin_dict
    return _DICT


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _strip_tone(s: str) -> str:
    s = s.replace("ü", "v")
    out = []
    for c in unicodedata.normalize("NFD", s):
        if unicodedata.category(c) == "Mn":
            continue
        out.append(c)
    return "".join(out).replace("u\u0308", "v")


@lru_cache(maxsize=65536)
def raw_pinyin(ch: str) -> str:
    """First reading of a Han character without tone ('' when unknown)."""
    if not is_han(ch):
        return ""
    readings = _dict().get(ord(ch))
    if not readings:
        return ""
    return _strip_tone(readings.split(",")[0])


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
    readings = _dict().get(ord(ch))
    if not readings:
        return (ch,)
    out: list[str] = []
    for r in readings.split(","):
        f = _fold(_strip_tone(r))
        if f and f not in out:
            out.append(f)
    return tuple(out[:3]) or (ch,)
