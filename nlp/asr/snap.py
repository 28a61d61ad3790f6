"""Acoustic name snapping: catalog names Whisper misheard as near-homophones.

`nlp.snap_transcript` (the extractor's) respells exact homophones (股楼医院 → 鼓楼医院).
Whisper base on phone audio also confuses *similar* sounds: 随间融合器 (sui) for 椎间融合器
(zhui), 第一人迷医院 for 第一人民医院, 纹和极 for 吻合器, 森主令 for 孙主任. This pass scores
every window of the transcript against each catalog name syllable by syllable (initial and
final separately, with the usual confusable pairs) and respells a window when it is close
enough. It is deliberately conservative, because a wrong name on the card is worse than a
missed one (the rep can still tap 修改):

- all syllables but one (two in long names) must be homophones, and the odd one a close
  confusion; contacts' surnames only snap as homophones (陈主任 is never made out of
  程主任 or 沈主任); two-character names are left to the extractor (支架 is not 几家);
- windows that already are a catalog name, or overlap one, are left alone;
- only runs of Han characters are considered (never across punctuation or digits).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from nlp.pinyin import is_han, raw_pinyin
from nlp.types import Catalog

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j",
             "q", "x", "r", "z", "c", "s", "y", "w")
_INITIAL_GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"z", "zh", "j"}, {"c", "ch", "q"}, {"s", "sh", "x"}, {"n", "l", "r"}, {"f", "h"},
    {"b", "p"}, {"d", "t"}, {"g", "k"}, {"z", "c"}, {"zh", "ch"}, {"j", "q"},
    {"y", "w", ""},
))
_INITIAL_NEAR: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"s", "zh"}, {"s", "z"}, {"sh", "zh"}, {"sh", "ch"}, {"s", "c"}, {"x", "j"}, {"x", "q"},
))
_FINAL_GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"an", "ang"}, {"en", "eng", "in", "ing", "un"}, {"ian", "iang"}, {"uan", "uang"},
    {"ong", "eng"}, {"o", "uo", "e"}, {"ui", "ei"}, {"iu", "ou"}, {"i", "v"},
    {"ang", "uang"}, {"ao", "ou"},
))


def split_syllable(syl: str) -> tuple[str, str]:
    for ini in _INITIALS:
        if syl.startswith(ini) and len(syl) > len(ini):
            return ini, syl[len(ini):]
    return "", syl


def _initial_score(a: str, b: str) -> float:
    if a == b:
        return 1.0
    pair = {a, b}
    if any(pair <= g for g in _INITIAL_GROUPS):
        return 0.8
    if any(pair <= g for g in _INITIAL_NEAR):
        return 0.6
    return 0.0


def _final_score(a: str, b: str) -> float:
    if a == b:
        return 1.0
    pair = {a, b}
    return 0.7 if any(pair <= g for g in _FINAL_GROUPS) else 0.0


@lru_cache(maxsize=65536)
def _syl(ch: str) -> tuple[str, str] | None:
    p = raw_pinyin(ch)
    return split_syllable(p) if p else None


@lru_cache(maxsize=262144)
def char_score(a: str, b: str) -> float:
    """How alike two Han characters sound, 0 … 1 (1: same character or homophone)."""
    if a == b:
        return 1.0
    sa, sb = _syl(a), _syl(b)
    if sa is None or sb is None:
        return 0.0
    if sa == sb:
        return 1.0
    return 0.4 * _initial_score(sa[0], sb[0]) + 0.6 * _final_score(sa[1], sb[1])


_SUFFIXES = ("人民医院", "医院", "医药", "公司", "集团", "药业", "中心", "诊所", "大学", "医疗")


def _generic_suffix(name: str) -> int:
    """Length of a generic organisation suffix at the end of ``name`` (0 when none)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return len(suffix)
    return 0


@dataclass(frozen=True, slots=True)
class _Name:
    text: str
    canonical: str
    kind: str          # customer | contact | product


def _names(catalog: Catalog) -> list[_Name]:
    out: list[_Name] = []
    for c in catalog.customers:
        out += [_Name(n, c.name, "customer") for n in (c.name, *c.aliases)]
    for k in catalog.contacts:
        out += [_Name(n, k.name, "contact") for n in (k.name, *k.aliases)]
    for p in catalog.products:
        out += [_Name(n, p.name, "product") for n in (p.name, *p.aliases)]
    # two-character names are left to the extractor's homophone snapping, which knows the
    # context: as bare sounds they match ordinary words (经约 ~ 精越, 几家 ~ 支架)
    return [n for n in out if len(n.text) >= 3 and all(is_han(ch) for ch in n.text)]


def window_score(window: str, name: _Name) -> float:
    """0 when the window must not become this name, else the mean syllable similarity.

    Every syllable must sound the same (homophone) except at most one (two in names of
    six or more characters); that one must be a close confusion (one confusable initial
    *or* final: 随/椎, 器/极) in short names, and may be weaker in long ones (迷/民 in
    第一人民医院). Contacts' surnames only snap as homophones.
    """
    scores = [char_score(a, b) for a, b in zip(window, name.text, strict=True)]
    size = len(scores)
    if name.kind == "contact" and scores[0] < 1.0:
        return 0.0
    differing = [x for x in scores if x < 1.0]
    if len(differing) > (2 if size >= 6 else 1):
        return 0.0
    if differing and min(differing) < (0.4 if size >= 5 else 0.8):
        return 0.0
    head = size - _generic_suffix(name.text)
    if name.kind == "customer" and 0 < head < size and min(scores[:head]) < 0.7:
        return 0.0      # the distinctive part must sound alike: 最近医院 is not 瑞金医院
    return sum(scores) / size


def snap_acoustic(text: str, catalog: Catalog | None) -> str:
    """``text`` with near-homophones of catalog names respelled as those names."""
    if not text or catalog is None:
        return text
    names = _names(catalog)
    if not names:
        return text
    known = {n.text for n in names}
    # spans already spelled as a catalog name stay as they are
    taken = [False] * len(text)
    for n in sorted(known, key=len, reverse=True):
        start = text.find(n)
        while start >= 0:
            for i in range(start, start + len(n)):
                taken[i] = True
            start = text.find(n, start + 1)
    han = [is_han(ch) for ch in text]
    candidates: list[tuple[float, int, int, str]] = []
    for name in names:
        size = len(name.text)
        for start in range(0, len(text) - size + 1):
            end = start + size
            if not all(han[start:end]) or any(taken[start:end]):
                continue
            window = text[start:end]
            if window in known:
                continue
            score = window_score(window, name)
            if score > 0:
                candidates.append((score, size, start, name.text))
    if not candidates:
        return text
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2]))
    chosen: list[tuple[int, int, str]] = []
    used = [False] * len(text)
    for _score, size, start, replacement in candidates:
        if any(used[start:start + size]):
            continue
        for i in range(start, start + size):
            used[i] = True
        chosen.append((start, start + size, replacement))
    out, pos = [], 0
    for start, end, replacement in sorted(chosen):
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)
