"""The built-in vocabulary, read from the data files under nlp/data (not written in code).

- titles.txt: person titles across industries (李校长, 黄所长, 周CTO);
- surnames.txt: compound and single-character surnames;
- org_suffixes.txt: words that end an organisation's name, sub-units that stay part of it
  (=分行) and departments that are never the organisation (-信息科);
- industry_words.txt: words that say what an organisation does, not who it is.

A tenant's own vocabulary (catalog titles, alias tails, customer names) comes on top, in
`nlp.resolve.CatalogIndex`. Files are read once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["CN_NUMERALS", "DATA_DIR", "Lexicon", "lexicon", "read_lines"]

DATA_DIR = Path(__file__).with_name("data")

# the characters a number is said in (digits, 两, the units up to 万): one table for every
# stage that asks whether a character counts (a person never stands before a count, a
# name never starts inside a number)
CN_NUMERALS = "零一二两三四五六七八九十百千万"


def read_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a data file, stripped."""
    out: list[str] = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@dataclass(frozen=True, slots=True)
class Lexicon:
    titles: tuple[str, ...]                 # longest first
    surnames2: tuple[str, ...]              # compound surnames
    surnames1: frozenset[str]
    org_suffixes: tuple[str, ...]           # longest first (sub-units included)
    sub_units: frozenset[str]
    departments: tuple[str, ...]            # longest first
    industry_words: frozenset[str]
    _org_idx: dict[str, tuple[str, ...]]
    _generic_idx: dict[str, tuple[str, ...]]
    _industry_idx: dict[str, tuple[str, ...]]
    _title_idx: dict[str, tuple[str, ...]]

    def org_tail(self, word: str) -> str | None:
        """The longest organisation suffix `word` ends with (shorter than the word)."""
        return _tail(word, self._org_idx)

    def generic_tail(self, word: str) -> str | None:
        """The longest organisation suffix or industry word `word` ends with."""
        return _tail(word, self._generic_idx)

    def industry_tail(self, word: str) -> str | None:
        return _tail(word, self._industry_idx)

    def title_tail(self, word: str) -> str | None:
        """The longest built-in title (2+ characters) `word` ends with."""
        return _tail(word, self._title_idx)

    def is_surname_start(self, name: str) -> bool:
        return name[:1] in self.surnames1 or name[:2] in self.surnames2

    def surname_of(self, name: str) -> str:
        """The surname a name starts with ('' when it starts with none)."""
        if name[:2] in self.surnames2 and len(name) >= 3:
            return name[:2]
        return name[:1] if name[:1] in self.surnames1 else ""


def _by_last(words: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Words by their last character, longest first (a suffix lookup in a few steps)."""
    out: dict[str, list[str]] = {}
    for w in words:
        if w:
            out.setdefault(w[-1], []).append(w)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


def _tail(word: str, index: dict[str, tuple[str, ...]]) -> str | None:
    for w in index.get(word[-1:], ()):
        if len(word) > len(w) and word.endswith(w):
            return w
    return None


def _longest_first(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted(dict.fromkeys(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    surnames2: list[str] = []
    surnames1: set[str] = set()
    for line in read_lines("surnames.txt"):
        if len(line) == 2 and not surnames1:
            surnames2.append(line)
        else:
            surnames1.update(line)
    suffixes: list[str] = []
    subs: set[str] = set()
    depts: list[str] = []
    for line in read_lines("org_suffixes.txt"):
        if line.startswith("="):
            subs.add(line[1:])
            suffixes.append(line[1:])
        elif line.startswith("-"):
            depts.append(line[1:])
        else:
            suffixes.append(line)
    titles = _longest_first(read_lines("titles.txt"))
    org_suffixes = _longest_first(suffixes)
    industry = frozenset(read_lines("industry_words.txt"))
    return Lexicon(
        titles=titles,
        surnames2=tuple(surnames2),
        surnames1=frozenset(surnames1),
        org_suffixes=org_suffixes,
        sub_units=frozenset(subs),
        departments=_longest_first(depts),
        industry_words=industry,
        _org_idx=_by_last(org_suffixes),
        _generic_idx=_by_last((*org_suffixes, *industry)),
        _industry_idx=_by_last(tuple(industry)),
        _title_idx=_by_last(tuple(t for t in titles if len(t) >= 2)),
    )
