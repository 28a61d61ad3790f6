"""Typed names that only sound like a catalog name: the matcher of the name-correction step.

A rep typing with a pinyin IME picks a wrong character of the same or a close sound
(海天大夏 for 海天大厦, 云凡网络 for 云帆网络, 随间融合器 for 椎间融合器). Exact homophones are
caught by the catalog's folded pinyin index (`nlp.names`); this matcher adds the close
sounds a fold of initials and finals allows: zh/z, ch/c, sh/s, n/l/r, f/h, an/ang, en/eng,
in/ing, ian/iang, uan/uang.

The entities stage takes any object with the `SoundMatcher` shape, so the voice pipeline's
confusion-weighted aligner (`nlp.phonetic.PhoneticIndex`, same `find` → matches with
`start`, `end`, `entry.canonical`, `entry.kind`) can replace this one. Precision first: a
match needs three or more characters, half of them written exactly as in the catalog, and
never an unrelated syllable (恒通 is not 恒泰, 众鑫 is not 众诚).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from nlp.names import derived_aliases
from nlp.pinyin import is_han, py_variants, raw_pinyin
from nlp.types import Catalog

__all__ = ["CoarseMatcher", "SoundEntry", "SoundMatch", "SoundMatcher", "coarse_key"]

EntryKind = Literal["customer", "contact", "product"]


class EntryLike(Protocol):
    @property
    def canonical(self) -> str: ...

    @property
    def kind(self) -> str: ...


class MatchLike(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def entry(self) -> EntryLike: ...


class SoundMatcher(Protocol):
    """What the entities stage needs of a sound matcher."""

    def find(self, text: str) -> Sequence[MatchLike]: ...


@dataclass(frozen=True, slots=True)
class SoundEntry:
    text: str                  # the catalog form ('海天大厦')
    canonical: str             # the record it names ('青岛海天国际大厦')
    kind: EntryKind


@dataclass(frozen=True, slots=True)
class SoundMatch:
    start: int
    end: int
    heard: str
    entry: SoundEntry


_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q",
             "x", "r", "z", "c", "s", "y", "w")
_INITIAL_FOLD = {"zh": "z", "ch": "c", "sh": "s", "n": "l", "r": "l", "f": "h"}
_FINAL_FOLD = {"ang": "an", "eng": "en", "ing": "in", "iang": "ian", "uang": "uan",
               "ong": "on", "iong": "ion"}


@lru_cache(maxsize=4096)
def coarse_key(syllable: str) -> str:
    """A toneless syllable folded to its confusion class ('fang' → 'han', 'shi' → 'si')."""
    ini = next((i for i in _INITIALS if syllable.startswith(i)), "")
    fin = syllable[len(ini):]
    return _INITIAL_FOLD.get(ini, ini) + _FINAL_FOLD.get(fin, fin)


@lru_cache(maxsize=65536)
def _keys(ch: str, readings: int) -> tuple[str, ...]:
    if readings == 1:
        raw = raw_pinyin(ch)
        return (coarse_key(raw),) if raw else (ch,)
    out = [coarse_key(r) for r in py_variants(ch)[:readings]]
    return tuple(dict.fromkeys(out)) or (ch,)


class CoarseMatcher:
    """Catalog names of three or more Han characters by folded sound (built per catalog)."""

    def __init__(self, entries: Iterable[SoundEntry]) -> None:
        self.table: dict[str, list[SoundEntry]] = {}
        self.lengths: dict[str, set[int]] = {}
        for en in entries:
            t = en.text
            if len(t) < 3 or len(t) > 12 or not all(is_han(c) for c in t):
                continue
            per = [_keys(c, 2) for c in t]
            for first in per[0]:
                self.lengths.setdefault(first, set()).add(len(t))
            for key in _combinations(per):
                bucket = self.table.setdefault(key, [])
                if en not in bucket:
                    bucket.append(en)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> CoarseMatcher:
        entries: list[SoundEntry] = []
        for c in catalog.customers:
            for form in {c.name, *c.aliases, *derived_aliases(c.name, c.region, c.aliases)}:
                entries.append(SoundEntry(form, c.name, "customer"))
        for k in catalog.contacts:
            for form in {k.name, *k.aliases}:
                entries.append(SoundEntry(form, k.name, "contact"))
        for p in catalog.products:
            for form in {p.name, *p.aliases}:
                entries.append(SoundEntry(form, p.name, "product"))
        return cls(entries)

    def find(self, text: str) -> list[SoundMatch]:
        """Spans of `text` that sound like a catalog form (longest first, none overlapping,
        none that is already written exactly)."""
        keys = [_keys(c, 1)[0] if is_han(c) else c for c in text]
        found: list[SoundMatch] = []
        for i in range(len(text)):
            for n in sorted(self.lengths.get(keys[i], ()), reverse=True):
                span = text[i:i + n]
                if len(span) < n or not all(is_han(c) for c in span):
                    continue
                entries = self.table.get(" ".join(keys[i:i + n]))
                if not entries:
                    continue
                fits = [en for en in entries if en.text != span
                        and 2 * sum(a == b for a, b in zip(span, en.text, strict=True)) >= n]
                if len({en.canonical for en in fits}) == 1:
                    found.append(SoundMatch(i, i + n, span, fits[0]))
                    break
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        out: list[SoundMatch] = []
        for m in found:
            if not any(m.start < o.end and o.start < m.end for o in out):
                out.append(m)
        return sorted(out, key=lambda m: m.start)


def _combinations(per: list[tuple[str, ...]], limit: int = 8) -> list[str]:
    out = [""]
    for options in per:
        out = [f"{k} {o}" if k else o for k in out for o in options][:limit]
    return out
