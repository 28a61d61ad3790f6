"""Mainland mobile numbers in chat text: spaces, dashes, +86 / (+86), spoken digits."""

from __future__ import annotations

import re

__all__ = ["find_phone", "spoken_digits_to_ascii"]

_SPOKEN = {"零": "0", "〇": "0", "洞": "0", "幺": "1", "一": "1", "二": "2", "两": "2",
           "三": "3", "四": "4", "五": "5", "六": "6", "拐": "7", "七": "7", "八": "8",
           "九": "9", "勾": "9"}
_FULL = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９＋－（）"}
_DIGIT_WORDS = "零〇洞幺一二两三四五六拐七八九勾0-9"
_SPOKEN_RUN = re.compile(f"[{_DIGIT_WORDS}][{_DIGIT_WORDS}\\s-]{{9,}}")
_PHONE_RE = re.compile(
    r"(?<![0-9])(?:(?:\(\s*\+?\s*86\s*\)|\+\s*86|(?<![0-9])0?86(?=[\s-]*1[3-9]))[\s-]*)?"
    r"(1[3-9][0-9](?:[\s-]?[0-9]){8})(?![0-9])"
)


def spoken_digits_to_ascii(text: str) -> str:
    """'一五九五一二三四五六七' → '15951234567' inside runs of 10+ digit words (length kept)."""

    def conv(m: re.Match[str]) -> str:
        s = m.group(0)
        digits = sum(1 for c in s if c in _SPOKEN or c.isdigit())
        if digits < 11:
            return s
        return "".join(_SPOKEN.get(c, c) for c in s)

    return _SPOKEN_RUN.sub(conv, text)


def find_phone(text: str) -> str | None:
    """The first 11-digit mainland mobile number in `text`, digits only, or None."""
    t = spoken_digits_to_ascii(text.translate(_FULL))
    m = _PHONE_RE.search(t)
    if m is None:
        return None
    digits = re.sub(r"[^0-9]", "", m.group(1))
    return digits if len(digits) == 11 else None
