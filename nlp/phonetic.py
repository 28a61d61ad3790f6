"""Phonetic name matching: find catalog names in text that only *sound* like them.

Whisper base on Mandarin phone audio, and reps typing with a pinyin IME, write names as
near-homophones: tones lost, zh/z ch/c sh/s, n/l, h/f, an/ang en/eng in/ing swapped, a
syllable dropped or two merged (随间融合器 for 椎间融合器, 王主领 for 王主任, 第一人迷医院 for
第一人民医院, 付总 for 符总). This module aligns the pinyin syllables of a stretch of text
with those of every catalog name and scores the alignment with confusion-weighted costs.

Usage (build once per catalog version, reuse for every message)::

    from nlp.phonetic import PhoneticIndex

    index = PhoneticIndex.from_catalog(catalog)       # customers + aliases + short forms,
                                                      # contacts (names, aliases, surname +
                                                      # title), products + aliases
    for m in index.find("今天拜访了鼓楼医院骨科王主领"):
        m.start, m.end, m.heard      # 12, 15, "王主领"  (a span of the text)
        m.entry.text                 # "王主任"          (the catalog form to write there)
        m.entry.canonical            # "王建国"          (the catalog record it names)
        m.entry.kind, m.cost         # "contact", 0.12   (cost per syllable, 0 = homophone)
    index.respell(text) -> Respelled(text, snaps)    # the text with those spans rewritten

`find` returns non-overlapping matches, best first by position, and never one for a span
that already is a catalog name. Precision comes first (a wrong name on a card is worse than
none, the card then asks):

- a syllable costs 0 when it sounds the same without tone, about 0.1–0.25 for the classic
  confusions (`initial_cost` / `final_cost`), 1 for an unrelated syllable; dropping or
  inserting a syllable costs `GAP`, merging two into one (西安 ~ 鲜) `MERGE` plus the
  sound difference;
- a match must stay under a per-syllable threshold that is stricter for short names
  (`threshold`), with no unrelated syllable, at most one gap (a dropped, inserted or merged
  syllable) and that only in names of five syllables or more, never in their first two;
  numbers in names must be the same (第二 is not 第一), and a span that cuts through a
  dictionary word is no mention (经约 in 已经约好);
  two-syllable names only match an exact tone-free homophone that is no dictionary word
  (机律 → 机滤, but 纪律 stays, and 几家 is never 支架) — a word only with coherence: a
  contact as surname + title with its customer named (副总 → 符总), a product this rep is
  likely to say or the named customer bought or was offered, with a customer named
  (路通汽服的纪律合同 → 机滤);
- contacts: the surname must be a homophone (or differ by zh/z ch/c sh/s only) unless the
  contact's customer is named in the same text (coherence: then n/l, en/eng pass too);
- coherence loosens the threshold by half: a contact whose customer is named (or heard
  confidently), a customer whose contact is named, a product this customer already bought
  or was offered (`Affinity`);
- a customer name with a generic tail (医院, 有限公司 …) must match on its distinctive part:
  最近医院 is not 瑞金医院.

The alignment is tone-free; text is read with each character's common reading, catalog
names with their first two (heteronyms). Candidate spans come from a vote over coarse
syllable classes, so a message is scored against the few names that share sounds with it,
not the whole catalog.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from nlp.contacts import CLAUSE_PUNCT
from nlp.lexicon import CN_NUMERALS, lexicon, read_lines
from nlp.pinyin import is_han, raw_pinyin, readings
from nlp.resolve import derived_aliases
from nlp.segment import base_word_freq, new_tokenizer
from nlp.types import Catalog

__all__ = [
    "Affinity",
    "Entry",
    "Match",
    "PhoneticIndex",
    "Respelled",
    "Snap",
    "catalog_entries",
    "crosses_word",
    "final_cost",
    "initial_cost",
    "preset_entries",
    "sound_alike",
    "syllable_cost",
    "syllables",
    "words_of",
]

Kind = Literal["customer", "contact", "product", "term"]
NAME_KINDS: frozenset[str] = frozenset({"customer", "contact", "product"})

GAP = 0.8            # a syllable dropped or inserted
MERGE = 0.6          # two syllables heard as one (or one as two), plus the sound difference
MERGE_MAX_DIFF = 0.25    # … which must be small: 西安 ~ 鲜, never 人医 ~ 锡
MAX_SYLLABLE = 0.5   # names under five syllables: no syllable worse than this
NEAR_SYLLABLE = 0.6  # a name offered to a second look (`near_forms`): no syllable worse …
NEAR_SURNAME = 0.45  # … and a contact's surname at most this far off (pan for tan)
NASAL_LOST_MIN = 4   # … but names this long may have one heard with its nasal lost (客口面板)
ONE_FAR_MIN = 4      # … and a customer's name this long one syllable up to NEAR_SYLLABLE off,
                     # the rest exact, where one of its contacts is named (日丰置业给舒总监 →
                     # 瑞丰置业: ri for rui); never on sound alone
COMPLETE_MAX = 0.4   # completing a short form (随间 + 融合器): each added syllable at most
SURNAME_ALONE = 0.07         # surname cost accepted on its own: zh/z, ch/c, sh/s
TITLE_FOLD = 0.55   # a one-character title right after its customer: same initial, final near
SURNAME_WITH_SUPPORT = 0.14  # … and n/l, r/l, en/eng when the contact's customer is named
NEAR_ALONE = 0.25   # a contact's surname heard this far off, its title exact, with no
                    # customer named: taken where it is the only contact of that title
STRANGE_ALONE = 0.14     # … or one mild fold off when the heard character is a surname
                        # that no contact of the catalog has and commoner than the contact's
                        # (曾总 for 岑总: eng for en), the next contact more than one fold off
                        # (`NEAR_ALONE_CLEAR`)
NEAR_ALONE_CLEAR = 0.2  # … whose surname sounds near: the next one at least this much further
                    # (然总监 for 阮总监, ran for ruan: `PhoneticIndex._near_surname_alone`)
NEAR_ALONE_FINAL = 0.55  # … or this far where only the final differs (轮主任 for 栾主任: lun
                    # for luan, the initial l heard right)
# the named customer's only contact with a title, the surname heard as another syllable of
# the same initial (上社长 for 邵社长 at 绿源合作社) or of a classic confusion of it (z/zh,
# c/ch, s/sh, n/l, h/f: 嘴部长 for 卓部长): the initials at most TITLE_ONLY_INITIAL apart, the
# whole syllable at most TITLE_ONLY_SURNAME (the final may be any: Whisper loses it first)
TITLE_ONLY_INITIAL = 0.25
TITLE_ONLY_SURNAME = 0.67
TITLE_ONLY_FINAL = 0.4      # … or, both with no initial, the final this near (er for e,
                            # yan for yuan: ian for van)
NEW_BEFORE = 4      # … or with the final heard exact and another initial (彭经理 for 滕经理),
                    # unless 新 is said this many characters before (新来的彭经理)
# a customer's two-character name right before its contact: the other syllable at most
# this far off (卖日 for 迈瑞: ri for rui)
LONG_BEFORE_CONTACT = 4     # a customer's form this long, right before its own contact, may
                            # have one syllable heard as anything (`_long_before_contact`)
TWO_NEAR = 0.55

# --------------------------------------------------------------------------- syllables
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j",
             "q", "x", "r", "z", "c", "s")


def _split(py: str) -> tuple[str, str]:
    """'zhuang' → ('zh', 'uang'); y/w spellings become zero initials with i/u/ü finals;
    ju → ('j', 'v'), iu → iou, ui → uei, un → uen (ün after j q x)."""
    if py.startswith("y"):
        rest = py[1:]
        if rest.startswith("u"):
            return "", "v" + rest[1:]
        fin = rest if rest.startswith("i") else "i" + rest
        return "", "iu" if fin == "iou" else fin
    if py.startswith("w"):
        rest = py[1:]
        return "", rest if rest.startswith("u") else "u" + rest
    for ini in _INITIALS:
        if py.startswith(ini) and len(py) > len(ini):
            fin = py[len(ini):]
            if ini in ("j", "q", "x") and fin.startswith("u"):
                fin = "v" + fin[1:]
            return ini, {"ui": "uei", "un": "uen"}.get(fin, fin)
    return "", py


Syllable = tuple[str, str]


@lru_cache(maxsize=65536)
def _readings_of(ch: str, limit: int = 1) -> tuple[Syllable, ...]:
    """(initial, final) of the first ``limit`` readings of ``ch``: text is read with its
    common reading (what the recogniser wrote for what it heard), catalog names with two
    (长 zhang/chang, 曾 zeng/ceng: the name's owner decides)."""
    if not is_han(ch):
        return ()
    out: list[Syllable] = []
    for r in readings(ch)[:limit] or [raw_pinyin(ch)]:
        if r:
            s = _split(r)
            if s not in out:
                out.append(s)
    return tuple(out)


@lru_cache(maxsize=1)
def _surname_table() -> dict[str, tuple[str, ...]]:
    """Surname characters said otherwise than their common reading (data/surname_readings.txt)."""
    return {ch: tuple(rs) for ch, *rs in (line.split() for line in
                                          read_lines("surname_readings.txt"))}


@lru_cache(maxsize=8192)
@lru_cache(maxsize=1)
def surnames_by_rank() -> str:
    """The single-character surnames, the most common first (data/surnames.txt: its lines
    of more than two characters; the compound surnames are one to a line)."""
    return "".join(line for line in read_lines("surnames.txt") if len(line) > 2)


@lru_cache(maxsize=1)
def _surname_rank() -> dict[str, int]:
    """Single-character surname → its rank (`surnames_by_rank`)."""
    return {ch: i for i, ch in reversed(list(enumerate(surnames_by_rank())))}


def commoner_surname(a: str, b: str) -> bool:
    """Is surname ``a`` more common than ``b`` (an unlisted one is the rarest)?"""
    rank = _surname_rank()
    return rank.get(a, len(rank)) < rank.get(b, len(rank))


def surname_readings(ch: str) -> tuple[Syllable, ...]:
    """(initial, final) of a catalog contact's surname character: its readings as a surname
    (曾 zeng, 单 shan, 覃 qin or tan), then its common reading, since a speaker or a speech
    synthesiser may say either; a character said as a surname as it is commonly read has
    that one reading (张 zhang, not chang)."""
    if not is_han(ch):
        return ()
    out: list[Syllable] = []
    for r in (*_surname_table().get(ch, ()), *(readings(ch)[:1] or [raw_pinyin(ch)])):
        if r and (syl := _split(r)) not in out:
            out.append(syl)
    return tuple(out)


# a character rarer than this (訾 14, 眭 12, 覃 37 in jieba's counts; 邸 334 is not) costs the
# recogniser's language model many nats whatever the audio says: the acoustic check scores
# it as the commonest character of its sound (`sound_alike`)
RARE_CHAR = 200


@lru_cache(maxsize=1)
def _commonest_of_sound() -> dict[str, str]:
    """Common reading → the commonest character read so (zi → 自, sui → 虽), over the
    characters at least `RARE_CHAR` common."""
    best: dict[str, tuple[str, int]] = {}
    for cp in range(0x4E00, 0xA000):
        ch = chr(cp)
        freq = base_word_freq(ch)
        if freq < RARE_CHAR or not (r := readings(ch)):
            continue
        if r[0] not in best or freq > best[r[0]][1]:
            best[r[0]] = (ch, freq)
    return {k: ch for k, (ch, _f) in best.items()}


def sound_alike(text: str) -> str:
    """``text`` with each rare character (`RARE_CHAR`) written as the commonest character of
    its common reading (訾科长 → 自科长, 冼场长 → 先场长): the same sounds, spelled as the
    recogniser's language model expects them, so that scoring a reading against the audio
    weighs its sounds, not its spelling."""
    table = _commonest_of_sound()

    def alike(ch: str) -> str:
        if not is_han(ch) or base_word_freq(ch) >= RARE_CHAR or not (r := readings(ch)):
            return ch
        return table.get(r[0], ch)

    return "".join(alike(ch) for ch in text)


def heard_surname(ch: str) -> tuple[Syllable, ...]:
    """The sounds a character heard in a surname's place may stand for: its first two
    readings (the recogniser writes 弹 for tan as readily as for dan)."""
    return _readings_of(ch, 2)


def syllables(text: str, *, readings_per_char: int = 1) -> list[tuple[Syllable, ...]]:
    """(initial, final) readings of each character; () for a non-Han character."""
    return [_readings_of(ch, readings_per_char) for ch in text]


# initial features: place and manner, so that the classic pairs cost little
_PLACE = {"z": "dent", "c": "dent", "s": "dent", "zh": "retro", "ch": "retro",
          "sh": "retro", "r": "retro", "j": "pal", "q": "pal", "x": "pal"}
_MANNER = {"z": "aff", "zh": "aff", "j": "aff", "c": "asp", "ch": "asp", "q": "asp",
           "s": "fric", "sh": "fric", "x": "fric", "r": "approx"}
_INITIAL_PAIRS: dict[frozenset[str], float] = {
    frozenset(p): c for p, c in (
        (("n", "l"), 0.2), (("l", "r"), 0.3), (("n", "r"), 0.4), (("h", "f"), 0.25),
        (("b", "p"), 0.45), (("d", "t"), 0.45), (("g", "k"), 0.45), (("m", "n"), 0.5),
        (("h", "k"), 0.55), (("sh", "r"), 0.45), (("", "r"), 0.7), (("h", ""), 0.6),
        (("f", "p"), 0.6), (("b", "m"), 0.6), (("d", "n"), 0.6), (("t", "n"), 0.65),
    )
}


@lru_cache(maxsize=4096)
def initial_cost(a: str, b: str) -> float:
    """0 (same) … 1 (unrelated): zh/z 0.15, n/l 0.2, h/f 0.25, zh/j 0.4, z/c 0.3 …"""
    if a == b:
        return 0.0
    pair = frozenset((a, b))
    if pair in _INITIAL_PAIRS:
        return _INITIAL_PAIRS[pair]
    if a in _PLACE and b in _PLACE:
        place = 0.0 if _PLACE[a] == _PLACE[b] else (
            0.15 if {_PLACE[a], _PLACE[b]} == {"dent", "retro"} else 0.4)
        ma, mb = _MANNER[a], _MANNER[b]
        manner = 0.0 if ma == mb else (
            0.3 if {ma, mb} == {"aff", "asp"} else 0.6 if "approx" in (ma, mb) else 0.35)
        return min(1.0, place + manner)
    return 1.0


_FINAL_PAIRS: dict[frozenset[str], float] = {
    frozenset(p): c for p, c in (
        (("an", "ang"), 0.2), (("en", "eng"), 0.2), (("in", "ing"), 0.2),
        (("ian", "iang"), 0.25), (("uan", "uang"), 0.25), (("uen", "ueng"), 0.25),
        (("en", "in"), 0.35), (("eng", "ing"), 0.35), (("en", "ing"), 0.4),
        (("eng", "in"), 0.4), (("en", "uen"), 0.3), (("eng", "ong"), 0.3),
        (("ing", "iong"), 0.4), (("in", "vn"), 0.35), (("uen", "ong"), 0.4),
        (("o", "uo"), 0.2), (("e", "o"), 0.35), (("e", "uo"), 0.35), (("ei", "uei"), 0.25),
        (("ou", "iu"), 0.3), (("ai", "ei"), 0.4), (("ao", "ou"), 0.4), (("i", "v"), 0.35),
        (("ie", "ve"), 0.35), (("a", "ia"), 0.35), (("a", "ua"), 0.35), (("an", "uan"), 0.35),
        (("an", "ian"), 0.4), (("ang", "iang"), 0.4), (("ang", "uang"), 0.35),
        (("i", "ie"), 0.45), (("i", "in"), 0.5), (("i", "ing"), 0.55), (("u", "ou"), 0.45),
        (("u", "uo"), 0.45), (("e", "ei"), 0.45), (("a", "ai"), 0.5), (("a", "an"), 0.5),
        (("ian", "in"), 0.45), (("er", "e"), 0.3), (("er", "ai"), 0.35), (("er", "a"), 0.45),
        (("iao", "ao"), 0.4), (("iu", "ou"), 0.3), (("van", "uan"), 0.35),
        (("van", "ian"), 0.4), (("vn", "uen"), 0.35), (("ve", "ie"), 0.35),
        (("ong", "uang"), 0.4), (("eng", "uang"), 0.45), (("ian", "ie"), 0.45),
    )
}


@lru_cache(maxsize=4096)
def final_cost(a: str, b: str) -> float:
    """0 (same) … 1 (unrelated): an/ang en/eng in/ing 0.2, o/uo 0.2, en/in 0.35 …"""
    if a == b:
        return 0.0
    return _FINAL_PAIRS.get(frozenset((a, b)), 1.0)


APICAL = frozenset(("z", "c", "s", "zh", "ch", "sh", "r"))   # initials of the apical i


R_AS_Y = 0.25   # r said or heard as the y glide (容 rong ~ 泳 yong, 让 ~ 样, 然 ~ 言): a
                # classic confusion of northern and southern accents alike


def r_as_y(a: Syllable, b: Syllable) -> bool:
    """One syllable is r + a final, the other that final after the y glide (rong / yong:
    ('r', 'ong') / ('', 'iong'); rou / you: 'ou' / 'iu')."""
    for r, y in ((a, b), (b, a)):
        if r[0] == "r" and y[0] == "" and (y[1] == "i" + r[1] or (r[1], y[1]) == ("ou", "iu")):
            return True
    return False


def _pair_cost(a: Syllable, b: Syllable) -> float:
    if r_as_y(a, b):
        return R_AS_Y
    fin = final_cost(a[1], b[1])
    if {a[1], b[1]} == {"i", "e"} and a[0] in APICAL and b[0] in APICAL:
        fin = 0.35      # the apical i of zhi chi shi ri zi ci si is heard as e (这 ~ 质)
    return min(1.0, 0.45 * initial_cost(a[0], b[0]) + 0.55 * fin)


@lru_cache(maxsize=262144)
def syllable_cost(a: tuple[Syllable, ...], b: tuple[Syllable, ...]) -> float:
    """Cheapest cost over the readings of two characters (0: homophones)."""
    if not a or not b:
        return 1.0
    return min(_pair_cost(x, y) for x in a for y in b)


def _merge_cost(first: tuple[Syllable, ...], second: tuple[Syllable, ...],
                one: tuple[Syllable, ...]) -> float:
    """Two syllables heard as one: the onset of the first and the rhyme of the second."""
    best = 1.0
    for x in first:
        for y in second:
            for z in one:
                best = min(best, 0.5 * initial_cost(x[0], z[0]) + 0.5 * final_cost(y[1], z[1]))
    return MERGE + best if best <= MERGE_MAX_DIFF else float("inf")


# coarse classes for the candidate vote: the usual confusions stay within a class
_COARSE_FINALS: tuple[frozenset[str], ...] = tuple(frozenset(g.split()) for g in (
    "a ia ua ai uai ei uei e o uo er ie ve",
    "an ang ian iang uan uang van",
    "en eng in ing uen ueng vn ong iong",
    "ao iao ou iu u",
    "i v",
))
_COARSE_INITIALS: tuple[frozenset[str], ...] = tuple(frozenset(g.split()) for g in (
    "z c s zh ch sh j q x", "n l r m", "h f", "b p", "d t", "g k",
))


def _class_of(item: str, groups: tuple[frozenset[str], ...]) -> int:
    for i, group in enumerate(groups):
        if item in group:
            return i
    return len(groups)


@lru_cache(maxsize=4096)
def _coarse(syllable: Syllable) -> tuple[int, ...]:
    """Small integers per sound class: (initial class, final class); the apical i of
    zhi chi shi ri zi ci si is in the class of i and of e (这 ~ 质, 聚 ~ 置)."""
    finals = ("i", "e") if syllable[1] == "i" and syllable[0] in APICAL else (syllable[1],)
    ini = _class_of(syllable[0], _COARSE_INITIALS) * 16
    return tuple(ini + _class_of(f, _COARSE_FINALS) for f in finals)


def _bigram_keys(a: tuple[Syllable, ...], b: tuple[Syllable, ...]) -> set[int]:
    """Keys of two neighbouring characters: a name is a candidate at a place where at
    least one pair of its neighbouring syllables sounds roughly alike (not every name
    against every window: 5 000 customers stay a few milliseconds per note)."""
    return {p * 256 + q for x in a for y in b for p in _coarse(x) for q in _coarse(y)}


CLASSIC_FOLD = 0.45     # a final or initial pair this close is a classic confusion


def _classic_folds(pairs: Mapping[frozenset[str], float]) -> dict[str, frozenset[str]]:
    """Sound → the sounds a classic confusion makes of it (ong ~ uang, eng ~ uang …)."""
    out: dict[str, set[str]] = defaultdict(set)
    for pair, c in pairs.items():
        if c <= CLASSIC_FOLD and len(pair) == 2:
            a, b = tuple(pair)
            out[a].add(b)
            out[b].add(a)
    return {k: frozenset(v) for k, v in out.items()}


_NEAR_FINALS = _classic_folds(_FINAL_PAIRS)
_NEAR_INITIALS = _classic_folds(_INITIAL_PAIRS)


def _nasal_lost(heard: Syllable, meant: Syllable) -> bool:
    """The same initial and vowel with the final nasal lost: zou for zong, ba for bang."""
    (hi, hf), (mi, mf) = heard, meant
    return (hi == mi and mf.endswith(("n", "ng")) and not hf.endswith(("n", "ng"))
            and hf[:1] == mf[:1])


def nasal_variant(heard: Syllable, meant: Syllable) -> bool:
    """One syllable heard for another with its nasal coda lost or gained: mai for man, yin
    for yi (`_nasal_lost` either way)."""
    return _nasal_lost(heard, meant) or _nasal_lost(meant, heard)


_FINALS = sorted(set().union(*_COARSE_FINALS))
# a nasal final → the finals it is heard as with its nasal lost (`_nasal_lost`: kou for kong)
_NASAL_LOST_FINALS: dict[str, tuple[str, ...]] = {
    nasal: lost for nasal in _FINALS
    if (lost := tuple(f for f in _FINALS if _nasal_lost(("", f), ("", nasal))))}


@lru_cache(maxsize=4096)
def _coarse_heard(syllable: Syllable, nasal: bool = False) -> tuple[int, ...]:
    """`_coarse` of a name's syllable and of every syllable one classic confusion away
    (zhuang heard zhong, chuang heard cheng): the classes group most confusions, these
    pairs cross them, and a name off by one of them must still get its vote."""
    ini, fin = syllable
    keys = set(_coarse(syllable))
    for f in (*_NEAR_FINALS.get(fin, ()), *(_NASAL_LOST_FINALS.get(fin, ()) if nasal else ())):
        keys.update(_coarse((ini, f)))
    for i in _NEAR_INITIALS.get(ini, ()):
        keys.update(_coarse((i, fin)))
    if ini == "r":                                  # heard with the y glide (`r_as_y`)
        keys.update(_coarse(("", "iu" if fin == "ou" else "i" + fin)))
    return tuple(sorted(keys))


def _name_bigram_keys(a: tuple[Syllable, ...], b: tuple[Syllable, ...],
                      nasal: bool = False) -> set[int]:
    """`_bigram_keys` on the catalog side, one of the two syllables with its classic
    confusions (`_coarse_heard`; a name off by one confusion still gets this pair's
    vote): the heard text's keys are looked up as before."""
    keys = {p * 256 + q for x in a for y in b for p in _coarse_heard(x, nasal)
            for q in _coarse(y)}
    keys |= {p * 256 + q for x in a for y in b for p in _coarse(x)
             for q in _coarse_heard(y, nasal)}
    return keys


# --------------------------------------------------------------------------- catalog side
@dataclass(frozen=True, slots=True)
class Entry:
    """One written form of a catalog record."""

    text: str                 # the form to write ("王主任", "融合器", "鼓楼医院")
    canonical: str            # the catalog record's name ("王建国", "椎间融合器")
    kind: Kind
    customer: str = ""        # contacts: their customer's canonical name
    surname: int = 0          # contacts: characters of the surname at the start (0: none)
    head: int = 0             # customers: characters before a generic tail (0: whole name)
    given: bool = True        # a form the catalog gives (name, alias), not one derived from
                              # a title or a name: the given one wins a tie (`find`)


_GENERIC_TAIL = re.compile(
    r"(?:股份有限公司|有限责任公司|有限公司|公司|集团|人民医院|中医院|医院|中心|研究院|学院|大学|"
    r"诊所|门诊部|药房|药业|酒店|酒楼|产业园|分行|支行|银行|厂)$"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容",
                      "司徒", "夏侯", "令狐", "长孙", "宇文", "轩辕", "端木", "独孤", "南宫")
# how a title is said after a surname: the tail of the catalog title, or its usual short form
_TITLE_SHORT: tuple[tuple[str, str], ...] = (
    ("副总经理", "总"), ("总经理", "总"), ("董事长", "董"), ("总裁", "总"), ("总监", "总监"),
    ("工程师", "工"), ("教授", "教授"), ("老师", "老师"), ("医生", "医生"), ("院长", "院长"),
)
_TITLE_TAILS = ("主任", "经理", "科长", "处长", "局长", "部长", "厂长", "店长", "站长", "行长",
                "院长", "所长", "主管", "总监", "总工", "主厨", "书记", "老板", "秘书", "队长",
                "组长", "馆长", "校长", "主编", "会计", "律师", "医生", "老师", "教授")


def _surname_len(name: str) -> int:
    return 2 if name[:2] in _COMPOUND_SURNAMES else 1


def _title_forms(title: str) -> list[str]:
    out: list[str] = []
    for full, short in _TITLE_SHORT:
        if title.endswith(full):
            out.append(short)
            break
    for tail in _TITLE_TAILS:
        if title.endswith(tail) and tail not in out:
            out.append(tail)
            break
    if not out:     # any built-in title (nlp/data/titles.txt): 社长, 场长, 店长, 书记 …
        lex = lexicon()
        said = title if title in lex.titles else lex.title_tail(title)
        if said:
            out.append(said)
    return out


def _han(text: str) -> bool:
    return bool(text) and all(is_han(ch) for ch in text)


def catalog_entries(catalog: Catalog) -> list[Entry]:
    """Every written form worth matching: names, aliases, customers' short forms, contacts
    as surname + title (from their title: 总经理 → 钟总), products' aliases."""
    out: list[Entry] = []
    for c in catalog.customers:
        given = [c.name, *c.aliases]
        forms = [*given, *sorted(derived_aliases(c.name, c.region) - set(given))]
        for f in forms:
            m = _GENERIC_TAIL.search(f)
            head = m.start() if m and m.start() >= 2 else 0
            out.append(Entry(f, c.name, "customer", head=head, given=f in given))
    for k in catalog.contacts:
        sl = _surname_len(k.name)
        forms = [k.name, *k.aliases]
        if len(k.name) >= 2:
            forms += [k.name[:sl] + t for t in _title_forms(k.title)]
        seen: set[str] = set()
        for f in forms:
            if f in seen:
                continue
            seen.add(f)
            surname = sl if f.startswith(k.name[:sl]) else 0
            out.append(Entry(f, k.name, "contact", customer=k.customer, surname=surname,
                             given=f == k.name or f in k.aliases))
    for p in catalog.products:
        out += [Entry(f, p.name, "product") for f in dict.fromkeys((p.name, *p.aliases))]
    return out


def preset_entries(catalog: Catalog) -> list[Entry]:
    """The tenant's preset words (next actions, obstacles, stages) as matchable terms:
    a transcript's 预算动结 is 预算冻结, 现场看查 is 现场勘察 (three syllables or more)."""
    words = dict.fromkeys((*catalog.next_actions, *catalog.obstacles, *catalog.stages))
    return [Entry(w, w, "term") for w in words if len(w) >= 3]


@dataclass(frozen=True, slots=True)
class Affinity:
    """What makes a name more likely in this rep's note (coherence)."""

    customer_products: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # canonical customer → canonical products it bought or was offered
    likely: frozenset[str] = frozenset()
    # names this rep is likely to say (their own customers, contacts, open deals'
    # products; any written form or the canonical name): a homophone of one of them
    # written with another surname character (除老师 for 褚老师) is taken


# --------------------------------------------------------------------------- matches
@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    heard: str
    entry: Entry
    cost: float               # per syllable of the entry; 0 = homophone
    supported: bool = False   # accepted thanks to a coherent mention
    needs_support: bool = False   # only acceptable with a coherent mention (see `find`)
    costs: tuple[float, ...] = field(default=(), compare=False, repr=False)  # per syllable
    word: bool = False        # heard as a dictionary word (副总): only with its customer
    homophone: bool = False   # a contact as another surname of exactly its sound + its title
                              # (牛老板 for 钮老板): in a transcript, see `find`

    @property
    def name(self) -> str:
        return self.entry.text


@dataclass(frozen=True, slots=True)
class Snap:
    """One respelled span, with positions in the *new* text."""

    start: int
    end: int
    heard: str
    written: str
    canonical: str
    kind: Kind
    cost: float


@dataclass(frozen=True, slots=True)
class Respelled:
    text: str
    snaps: tuple[Snap, ...] = ()


_NUMERALS = frozenset(CN_NUMERALS + "〇壹贰叁肆伍陆柒捌玖拾0123456789")


def _in_number(text: str, i: int) -> bool:
    """text[i] is a digit, or a numeral with another numeral or a digit beside it."""
    return text[i].isdigit() or any(
        0 <= j < len(text) and text[j] in _NUMERALS for j in (i - 1, i + 1))


FUNCTION_FREQ = 100_000     # single characters this frequent are function words (他 是 的)
# a contact's title heard in the acoustic check's stretches: each syllable at most this far
# (tones aside, 唱长 for 场长; z for zh, 组任 for 主任), never another title (经理 for 主任)
TITLE_NEAR = 0.1
RARE_WORD = 20              # jieba entries rarer than this (科王: 3) do not cut a name


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    """A jieba tokenizer over the main dictionary only (shared, read-only shards)."""
    return new_tokenizer()


@lru_cache(maxsize=256)
def words_of(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of jieba's words (no HMM: unknown runs stay single characters)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for token in _tokenizer().cut(text, HMM=False):
        out.append((pos, pos + len(token)))
        pos += len(token)
    return tuple(out)


# a word that takes in one of these next to a name is the name plus grammar (对待聚场 is
# 对 + 带锯床 heard as 待聚场, 中端的 is 终端 + 的), not a word the name cuts through
_BEFORE_NAMES = frozenset("对跟和给在把被从向与找去到说收")   # 收: 说 heard shou (收入波系统)
_AFTER_NAMES = frozenset("的了地得着过吗呢吧啊说想")
# where a person is named (after 见了, 的, 跟 …, a pause): a verb's slot (要换科长, 想见科长)
# is no surname's
_PERSON_SLOT = _BEFORE_NAMES | frozenset("了的见约访陪催问请叫让诉知，,。、；; ")
_CLAUSE_MARKS = frozenset("，,。；;！？!? ")   # a clause opens after these


@lru_cache(maxsize=1)
def _titles() -> frozenset[str]:
    """Person titles (社长, 总, 经理 …): a contact's form is surname + title, not surname +
    given name (邵建国's 建国 is no title)."""
    return frozenset(lexicon().titles)


def crosses_word(text: str, start: int, end: int) -> bool:
    """The span cuts through a word of the sentence, so it is no mention: 经约 in
    已经/约好, 一人民医院 in 宿迁市/第一/人民医院, 锡 in 无锡市/锡山."""
    for ws, we in words_of(text):
        if not (ws < start < we or ws < end < we) or base_word_freq(text[ws:we]) < RARE_WORD:
            continue        # rare dictionary entries (科王) are no words a speaker meant
        if ws < start < we and not (start - ws == 1 and text[ws] in _BEFORE_NAMES):
            return True
        if ws < end < we and not (we - end == 1 and text[end] in _AFTER_NAMES):
            return True
    return False


def _heard_into_next_word(text: str, start: int, end: int, entry: Entry,
                          costs: Sequence[float], size: int) -> bool:
    """A contact's surname + title heard exactly (tone-free) whose last syllable the model
    ran into the word after it (跟百经离开了样板间 for 跟柏经理看了样板间: 离开): a match only
    where its customer is named too (`find`, as a word heard); never one that cuts a word at
    its start."""
    if entry.kind != "contact" or not entry.surname or len(costs) != size or max(costs) > 0 \
            or size < 3:
        return False
    return not any(ws < start < we and base_word_freq(text[ws:we]) >= RARE_WORD
                   for ws, we in words_of(text))


@lru_cache(maxsize=256)
def _longer_titles(title: str) -> tuple[str, ...]:
    """Titles that begin with ``title`` and go on (总 → 总监, 总经理, 总工)."""
    return tuple(t for t in _titles() if len(t) > len(title) and t.startswith(title))


def _title_goes_on(text: str, start: int, entry: Entry) -> bool:
    """A contact's form whose title the text goes on into a longer one (龚总 in 龚总监说: the
    总监 said is another title, so another person)."""
    if entry.kind != "contact" or not entry.surname:
        return False
    at = start + entry.surname
    title = entry.text[entry.surname:]
    return any(text.startswith(t, at) for t in _longer_titles(title))


def _primary_cost(heard: str, written: str) -> float:
    """Sound difference with each character's first reading only (names too): breaks a
    tie that a second reading of a name made."""
    if len(heard) != len(written):
        return 1.0
    return sum(syllable_cost(a, b) for a, b in zip(syllables(heard), syllables(written),
                                                   strict=True))


def threshold(size: int) -> float:
    """Largest accepted cost per syllable for a name of ``size`` syllables."""
    if size <= 2:
        return 0.0
    if size == 3:
        return 0.13
    if size == 4:
        return 0.16
    return 0.2


@dataclass(slots=True)
class _Scored:
    cost: float          # total
    gaps: int
    worst: float         # worst single substitution
    costs: list[float]   # per entry syllable (gaps and merges spread over their syllables)


def _align(heard: list[tuple[Syllable, ...]], name: list[tuple[Syllable, ...]]) -> _Scored:
    """Minimum-cost alignment of heard syllables onto a name's (substitute, gap, merge)."""
    n, m = len(heard), len(name)
    inf = float("inf")
    # dp[i][j]: (cost, gaps, worst, per-name-syllable costs)
    dp: list[list[_Scored | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    dp[0][0] = _Scored(0.0, 0, 0.0, [])

    def relax(i: int, j: int, prev: _Scored | None, add: float, gap: int, worst: float,
              spread: list[float]) -> None:
        if prev is None:
            return
        cand = _Scored(prev.cost + add, prev.gaps + gap, max(prev.worst, worst),
                       prev.costs + spread)
        cur = dp[i][j]
        if cur is None or cand.cost < cur.cost - 1e-9 or (
                abs(cand.cost - cur.cost) < 1e-9 and cand.gaps < cur.gaps):
            dp[i][j] = cand

    for i in range(n + 1):
        for j in range(m + 1):
            prev = dp[i][j]
            if prev is None or prev.cost == inf:
                continue
            if i < n and j < m:
                c = syllable_cost(heard[i], name[j])
                relax(i + 1, j + 1, prev, c, 0, c, [c])
            if j < m:                                   # name syllable not heard
                relax(i, j + 1, prev, GAP, 1, 0.0, [GAP])
            if i < n:                                   # extra syllable heard
                relax(i + 1, j, prev, GAP, 1, 0.0, [])
            if i < n and j + 1 < m:                     # two name syllables heard as one
                c = _merge_cost(name[j], name[j + 1], heard[i])
                relax(i + 1, j + 2, prev, c, 1, 0.0, [c / 2, c / 2])
            if i + 1 < n and j < m:                     # one name syllable heard as two
                c = _merge_cost(heard[i], heard[i + 1], name[j])
                relax(i + 2, j + 1, prev, c, 1, 0.0, [c])
    out = dp[n][m]
    assert out is not None
    return out


def _align_cost(heard: list[tuple[Syllable, ...]], name: tuple[tuple[Syllable, ...], ...]
                ) -> float:
    """The cost `_align` would find, with at most one gap, without keeping the path: a
    cheap test before the full alignment (most candidate windows fail it)."""
    n, m = len(heard), len(name)
    inf = float("inf")
    free = [[inf] * (m + 2) for _ in range(n + 2)]     # no gap used yet
    used = [[inf] * (m + 2) for _ in range(n + 2)]     # the one gap used
    free[0][0] = 0.0
    for i in range(n + 1):
        for j in range(max(0, i - 1), min(m, i + 1) + 1):
            c0, c1 = free[i][j], used[i][j]
            if c0 == inf and c1 == inf:
                continue
            if i < n and j < m:
                sc = syllable_cost(heard[i], name[j])
                free[i + 1][j + 1] = min(free[i + 1][j + 1], c0 + sc)
                used[i + 1][j + 1] = min(used[i + 1][j + 1], c1 + sc)
            if c0 == inf:
                continue
            if j < m:
                used[i][j + 1] = min(used[i][j + 1], c0 + GAP)
            if i < n:
                used[i + 1][j] = min(used[i + 1][j], c0 + GAP)
            if i < n and j + 1 < m:
                used[i + 1][j + 2] = min(used[i + 1][j + 2],
                                         c0 + _merge_cost(name[j], name[j + 1], heard[i]))
            if i + 1 < n and j < m:
                used[i + 2][j + 1] = min(used[i + 2][j + 1],
                                         c0 + _merge_cost(heard[i], heard[i + 1], name[j]))
    return min(free[n][m], used[n][m])


def _lower_bound(heard: list[tuple[Syllable, ...]], name: tuple[tuple[Syllable, ...], ...]
                 ) -> float:
    """No alignment with at most one gap costs less: each name syllable pays at least the
    best substitution near its place, except the two a gap or merge may cover."""
    best = sorted(min(syllable_cost(h, n) for h in heard[max(0, j - 1):j + 2])
                  for j, n in enumerate(name))
    # one gap or merge touches at most two name syllables: those may cost only MERGE / 2
    return sum(best[:-2]) + sum(min(c, MERGE / 2) for c in best[-2:])


@dataclass(frozen=True, slots=True)
class _Compiled:
    entry: Entry
    syl: tuple[tuple[Syllable, ...], ...]


# words said before a title that are no surname: 新主任, 换科长, 老所长, 原院长, 副总 …
BEFORE_TITLE = frozenset("新老前原副正代换找见问跟给请让叫当做称是有和与对向把被由等各每某该这那"
                         "哪本贵我你他她咱大小总首没不也都还就才又再先只")


def _starts_clause(text: str, pos: int) -> bool:
    return pos == 0 or text[pos - 1] in CLAUSE_PUNCT


SAID_THERE = 20_000     # a character this common (是, 没, 只) before a title is a word said
                        # there (他是经理, 他们没总), never a surname misheard


def _another_surname(heard: str, entry: Entry) -> bool:
    """The heard form names another surname (章主任 for 张主任): that may be another person,
    so only coherence takes it. A heard character that is no surname at all (除老师 for 褚老师,
    沿主管 for 阎主管) is the contact's surname misheard: no support needed — unless the
    heard form is a word of its own (总经理 is no 钟经理) or the character a common word (是,
    没: 他是经理 is no 施经理)."""
    n = entry.surname
    return bool(n) and heard[:n] != entry.text[:n] and (
        lexicon().is_surname_start(heard) or base_word_freq(heard) > 0
        or base_word_freq(heard[:n]) >= SAID_THERE)


def _same_surname_sound(heard: str, surname: str) -> bool:
    """Two surnames read alike as surnames (牛 and 钮, 秦 and 覃 qin; not 沈 and 陈: 沈 reads
    chen only outside names), the heard character also by its common reading, the sound
    Whisper wrote it for (便 bian for 卞, though 便 as a surname reads pian)."""
    if len(heard) != len(surname):
        return False
    return all((set(surname_readings(a)) | set(syllables(a)[0][:1])) & set(surname_readings(b))
               for a, b in zip(heard, surname, strict=True))


def _same_title(heard: str, title: str) -> bool:
    """The title as written, or a one-character title heard as another character of exactly
    its sound, tones aside (便公 for 卞工: gong)."""
    if heard == title:
        return True
    if len(heard) != 1 or len(title) != 1:
        return False
    h, t = syllables(heard)[0], syllables(title)[0]
    return bool(h) and bool(t) and h[0] == t[0]


def _homophone_surname(text: str, s: int, heard: str, entry: Entry) -> bool:
    """``heard`` (at ``s`` in ``text``) names ``entry`` by another surname read exactly as
    its own, with its own title (牛老板 for 钮老板; a one-character title may be heard as
    its homophone too: 便公 for 卞工), and is no word: the surname no common
    word either, or one that is no function word at the start of a clause, where no word
    goes before a title (好经理那边 for 郝经理)."""
    n = entry.surname
    said = heard[:n]
    if not _same_title(heard[n:], entry.text[n:]) or \
            not _same_surname_sound(said, entry.text[:n]) or base_word_freq(heard) > 0:
        return False
    freq = base_word_freq(said)
    if freq < SAID_THERE:
        return True
    if s == 0 and _OPENS_AS_SUBJECT.match(text, s + len(heard)):
        return True     # 从理事长的手机是…, 与科长在微信上说…: the note opens with a person
    if not (_starts_clause(text, s) or _after_org(text, s)) or freq >= FUNCTION_FREQ:
        return False
    # a word said before a title (向总汇报) is no surname, unless it is one and the person
    # opens the note saying something (向总说… for 项总说…: 向 is a surname too)
    at = s + len(heard)
    return said not in BEFORE_TITLE or (
        s == 0 and lexicon().is_surname_start(said) and any(
            text.startswith(v, at) and not crosses_word(text, at, at + len(v)) for v in _SAYS))


_SAYS = ("说", "讲", "反馈", "反映", "觉得", "认为", "表示", "同意")   # a person opening a note
# … whose phone follows, or who wrote in a chat (a function word there, 从 or 与, leaves the
# sentence without its verb: the surname was heard as it)
_OPENS_AS_SUBJECT = re.compile(r"的(?:手机|电话|微信|号码|联系方式)|在(?:微信|电话|钉钉)")
_SAYS_OR_ASKS = (*_SAYS, "问")


ORG_TAIL_MIN = 2    # an organisation's suffix of this many characters at least (医院, 公司)


def _person_heads_org(text: str, s: int, e: int, org: Match) -> bool:
    """A person's name at [s, e) opens ``org``, a customer's name heard with two or more
    characters after the person's written exactly as the catalog writes them (万强冷链 for
    皖江冷链: 冷链 as written)."""
    return (org.start == s and e < org.end and org.end - e >= 2
            and org.end - org.start == len(org.entry.text)
            and text[e:org.end] == org.entry.text[e - s:])


# everyday words: a stretch heard as these only, opening with a wish or a modal (想|先|试试),
# says what they say (家庭|过|山 may still be 家庭过山车 a syllable short)
_EVERYDAY = 500
_VERY_COMMON = 20_000
_WISH_OPENERS = frozenset("想要先再还就都也得能会该准")


def _plain_words(text: str, start: int, end: int,
                 spans: Sequence[tuple[int, int]]) -> bool:
    """[start, end) is whole words of the dictionary, none rare, two of them very common,
    opening with a wish or a modal (想先试试: no name's syllables fall out as these)."""
    inside = [(a, b) for a, b in spans if start <= a and b <= end]
    if sum(b - a for a, b in inside) != end - start or len(inside) < 2 or \
            text[start] not in _WISH_OPENERS:
        return False
    freqs = [base_word_freq(text[a:b]) for a, b in inside]
    return min(freqs) >= _EVERYDAY and sum(f >= _VERY_COMMON for f in freqs) >= 2


def _after_org(text: str, pos: int) -> bool:
    """``text[:pos]`` ends with an organisation's suffix of two characters or more (医院,
    公司, 酒店): a customer's name, however it was heard, and a person is named next
    (对康医院起科长 as 瑞康医院祁科长 is said; 说起科长 stays a verb)."""
    tail = lexicon().org_tail(text[max(0, pos - 8):pos])
    return tail is not None and len(tail) >= ORG_TAIL_MIN and text.endswith(tail, 0, pos)


def _near_alone(heard: tuple[Syllable, ...], best: tuple[float, Entry]) -> bool:
    """Is a surname heard alone before its title (`PhoneticIndex._near_surname_alone`) near
    enough to the best contact's: any near sound within `NEAR_ALONE`, or, with the initial
    heard right (a consonant), any final within `NEAR_ALONE_FINAL` (lun for luan)?"""
    cost, entry = best
    if cost <= NEAR_ALONE:
        return True
    return cost <= NEAR_ALONE_FINAL and any(
        h[0] and h[0] == r[0] for h in heard for r in surname_readings(entry.text[0]))


def _one_nasal_lost(window: list[tuple[Syllable, ...]], name: tuple[tuple[Syllable, ...], ...],
                    scored: _Scored, surname: int = 0) -> bool:
    """A long name heard with every syllable exact but one, and that one only its nasal
    lost (客口面板 for 客控面板: kou for kong), aligned without a gap; for a contact as
    surname + title (``surname``: its characters) the one may be in the title, the surname
    exact (坦主轨 for 覃主管: gui for guan; such a match needs its customer: `_score`)."""
    if (len(name) < NASAL_LOST_MIN and not surname) or scored.gaps or \
            len(window) != len(name):
        return False
    off = [i for i, c in enumerate(scored.costs) if c > 0]
    return len(off) == 1 and off[0] >= surname and any(
        _nasal_lost(h, m) for h in window[off[0]] for m in name[off[0]])


# 比我们 / 比他们 …: an adjective follows, never a name heard as a homophone (比我们便宜
# heard 比我们甜意 is no 甜忆)
_COMPARED = re.compile(r"比(?:我|你|他|她|咱)们?$")

_LINK = frozenset("的、，,")   # between a customer and its contact: 的, or a pause heard
# … or, for a short name at the place gone to (在洪军给钱经理演示), the verb that takes the
# person there
_PERSON_VERB_LINK = frozenset("给跟和与找见约陪")
_TRIP_VERBS = frozenset("去到在")
_MET_SOUNDS = frozenset(s for ch in "见借" for s in syllables(ch)[0][:1])


def _met_before(text: str, cs: int) -> int:
    """Where a customer visited ends when ``text[cs:]`` names the person met there after
    见了 (or a homophone: 件了, 解了 …): 去滇池水务见了缪经理. 0 when there is none."""
    if cs < 3 or text[cs - 1] != "了":
        return 0
    heard = syllables(text[cs - 2])[0]
    return cs - 2 if heard and heard[0] in _MET_SOUNDS else 0

# after a customer named: the word that serves or meets a person there (嘉陵地产给陶经理), or
# that says the person is of that side (美嘉那边邓部长)
_SERVED_AFTER = re.compile(r"的?(?:给|跟|和|找|见了|见到|拜访了|的)|那边的?|这边的?")
# a note that announces a new customer or contact (新客户, heard 亲客户 too) names people
# the catalog does not hold yet: no contact of it is guessed from a near sound there
_NEW_PARTY = re.compile(r"[新亲心欣辛][客课]户?|新线索|新联系人")


# one-character titles also found as a tone-free homophone (冉姐 heard 让解): 姐 only, whose
# sound-alikes (解, 借, 介 …) are no title and no word with a surname before them
_ONE_CHAR_HEARD = frozenset(("姐",))


def _title_at(text: str, title: str, start: int) -> int:
    """Where ``title`` is said in ``text`` from ``start`` on (-1: nowhere): written so, or, for
    a title of two or more characters or one of `_ONE_CHAR_HEARD`, heard as a tone-free
    homophone of it (练经历 for 蔺经理: 经历 is jing li as 经理 is; 让解说 for 冉姐说)."""
    exact = text.find(title, start)
    if len(title) < 2 and title not in _ONE_CHAR_HEARD:
        return exact
    meant = [_readings_of(ch, 2) for ch in title]
    for p in range(start, exact if exact >= 0 else len(text) - len(title) + 1):
        if all((h := _readings_of(text[p + i])) and h[0] in m for i, m in enumerate(meant)):
            return p
    return exact


class PhoneticIndex:
    """Catalog names by sound; build once per catalog version (`from_catalog`)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: list[_Compiled] = []
        self.exact: dict[str, list[Entry]] = defaultdict(list)
        self._by_key: dict[int, list[tuple[int, int]]] = defaultdict(list)   # bigram key
        self._by_sound: dict[int, list[tuple[int, int]]] = defaultdict(list)  # one syllable
        self.lengths: set[int] = set()
        self._pairs: dict[tuple[Syllable, Syllable], list[Entry]] = defaultdict(list)
        # customer → its contacts as surname + one-character title (钟总), for `_after_customer`
        self._titled: dict[str, list[tuple[Entry, tuple[tuple[Syllable, ...], ...]]]] = \
            defaultdict(list)
        # customer → its two-character forms (迈瑞), and those of four or more (远洋船厂),
        # for `_before_contact`
        self._short: dict[str, list[tuple[Entry, tuple[tuple[Syllable, ...], ...]]]] = \
            defaultdict(list)
        self._long: dict[str, list[tuple[Entry, tuple[tuple[Syllable, ...], ...]]]] = \
            defaultdict(list)
        # customer → title → its contacts as one-character surname + that title (邵社长)
        self._by_title: dict[str, dict[str, list[Entry]]] = defaultdict(
            lambda: defaultdict(list))
        # title → every customer's contacts as one-character surname + that title
        self._titled_all: dict[str, list[Entry]] = defaultdict(list)
        # customer → its contacts called 老 / 小 + surname (老孙), for `_familiar_near`
        self._familiar: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            if not _han(e.text):
                continue
            if e.kind == "contact" and e.surname == 1 and e.customer \
                    and e.text[1:] in _titles() \
                    and e not in self._by_title[e.customer][e.text[1:]]:
                self._by_title[e.customer][e.text[1:]].append(e)
                self._titled_all[e.text[1:]].append(e)
            if e.kind == "contact" and e.customer and len(e.text) == 2 and e.text[0] in "老小" \
                    and e not in self._familiar[e.customer]:
                self._familiar[e.customer].append(e)
            self.exact[e.text].append(e)
            self.lengths.add(len(e.text))
            reads = 1 if e.kind == "product" else 2
            # a product is an ordinary word, read by its characters' common readings (液相 is
            # never shi xiang: 液's second reading is archaic); names keep two (长, 曾 …)
            syl = tuple(surname_readings(ch) if i < e.surname else _readings_of(ch, reads)
                        for i, ch in enumerate(e.text))
            if not all(syl):
                continue
            if len(syl) == 2:  # two-character names: homophones only (see module doc)
                for x in syl[0]:
                    for y in syl[1]:
                        self._pairs[(x, y)].append(e)
                if e.kind == "contact" and e.surname == 1 and e.customer:
                    self._titled[e.customer].append((e, syl))
                if e.kind == "customer":
                    self._short[e.canonical].append((e, syl))
                continue
            if len(syl) < 2:
                continue
            if e.kind == "customer" and len(syl) >= LONG_BEFORE_CONTACT:
                self._long[e.canonical].append((e, syl))
            idx = len(self.entries)
            self.entries.append(_Compiled(e, syl))
            for j, said in enumerate(syl):
                for key in {k for r in said for k in _coarse(r)}:
                    self._by_sound[key].append((idx, j))
            # three or four syllables: one syllable off by a confusion across the coarse
            # classes leaves fewer than the two votes a candidate needs; longer names
            # keep two of their pairs whatever one syllable does
            nasal = len(syl) >= NASAL_LOST_MIN or (    # (`_one_nasal_lost`)
                e.kind == "contact" and e.surname > 0)
            for j in range(len(syl) - 1):
                keys = _name_bigram_keys(syl[j], syl[j + 1], nasal) if len(syl) <= 4 else \
                    _bigram_keys(syl[j], syl[j + 1])
                for key in keys:
                    self._by_key[key].append((idx, j))
        # the surnames the catalog's contacts are called by (`_near_surname_alone`)
        self._surnames = frozenset(e.text[0] for es in self._titled_all.values() for e in es)

    @classmethod
    def from_catalog(cls, catalog: Catalog, *, presets: bool = False) -> PhoneticIndex:
        """Names of the catalog; with ``presets``, its preset words too (`preset_entries`)."""
        entries = catalog_entries(catalog)
        return cls([*entries, *preset_entries(catalog)] if presets else entries)

    # ------------------------------------------------------------------ exact mentions
    def mentions(self, text: str) -> list[tuple[int, int, Entry]]:
        """Spans already spelled as a catalog form (longest first, non-overlapping)."""
        found: list[tuple[int, int, Entry]] = []
        taken = [False] * len(text)
        for size in sorted(self.lengths, reverse=True):
            for start in range(len(text) - size + 1):
                entries = self.exact.get(text[start:start + size])
                if entries:
                    entries = [e for e in entries if not _title_goes_on(text, start, e)]
                if entries and not any(taken[start:start + size]):
                    for i in range(start, start + size):
                        taken[i] = True
                    found += [(start, start + size, e) for e in entries]
        return sorted(found, key=lambda f: f[0])

    def form_ends(self, text: str) -> frozenset[int]:
        """Where a catalog form spelled right ends in ``text`` (the index of its last
        character), overlapping ones too: 天府地坪漆老板 has 地坪漆 end at 漆."""
        return frozenset(start + size - 1 for size in self.lengths if size >= 2
                         for start in range(len(text) - size + 1)
                         if text[start:start + size] in self.exact)

    # ------------------------------------------------------------------ fuzzy search
    def _voted(self, syl: list[tuple[Syllable, ...]]) -> Iterator[tuple[int, int]]:
        """(entry, start) of the names of three syllables or more whose sound pairs vote
        for a stretch starting there (two votes, more for long names)."""
        votes: dict[tuple[int, int], set[int]] = defaultdict(set)
        for p in range(len(syl) - 1):
            if not (syl[p] and syl[p + 1]):
                continue
            for key in _bigram_keys(syl[p], syl[p + 1]):
                for idx, j in self._by_key.get(key, ()):
                    votes[(idx, p - j)].add(j)
        for (idx, start), hits in votes.items():
            if len(hits) >= max(2, len(self.entries[idx].syl) - 4):
                yield idx, start

    def _sound_windows(self, text: str, syl: list[tuple[Syllable, ...]]
                       ) -> Iterator[tuple[int, int, Entry, list[float]]]:
        """Every stretch of ``text`` a name of three syllables or more may stand on (one of
        its syllables in the sound class of one heard there), with that name and the cost
        of each syllable (a contact's surname by how surnames are heard); never one that
        cuts a word of the sentence (已经约好 holds no 经约)."""
        starts: set[tuple[int, int]] = set()
        for p, heard in enumerate(syl):
            for key in {k for h in heard for k in _coarse(h)}:
                starts.update((idx, p - j) for idx, j in self._by_sound.get(key, ()))
        for idx, start in starts:
            comp = self.entries[idx]
            end = start + len(comp.syl)
            if start < 0 or end > len(text) or not all(syl[start:end]) \
                    or crosses_word(text, start, end):
                continue
            n = comp.entry.surname
            window = [*(heard_surname(ch) for ch in text[start:start + n]),
                      *syl[start + n:end]]
            yield start, end, comp.entry, [syllable_cost(h, w)
                                           for h, w in zip(window, comp.syl, strict=True)]

    def near_forms(self, text: str, *, max_cost: float, limit: int) -> list[Entry]:
        """Catalog forms that sound like a stretch of ``text`` without being written there,
        best first, one per record not written there, at most ``limit``: what Whisper may
        have meant, to offer it in the prompt of a second look (`nlp.asr.transcribe`),
        never to write.
        Looser than a match (an average of ``max_cost`` per syllable, each syllable at
        most `NEAR_SYLLABLE` off: 针中年 may be 珍珠棉), but a contact's surname must sound
        alike (`NEAR_SURNAME`: 盘厂长 may be 覃厂长, 颜主管 is never 易主管 — the title alone
        says nothing), and never where a word of the dictionary was heard or cut (交货期
        offers no 交换机): the audio decides, not this guess. Two-character forms only as
        exact tone-free homophones (李河 → 礼盒)."""
        syl = syllables(text)
        best: dict[str, tuple[float, int, Entry]] = {}
        written = {en.canonical for _s, _e, en in self.mentions(text)}

        def keep(cost: float, at: int, entry: Entry) -> None:
            if entry.kind not in NAME_KINDS or entry.canonical in written:
                return          # a preset word (推进合同) is no name; a record written is no guess
            known = best.get(entry.canonical)
            if known is None or (cost, at) < known[:2]:
                best[entry.canonical] = (cost, at, entry)

        for p in range(len(text) - 1):
            if syl[p] and syl[p + 1]:
                for e in self._pairs.get((syl[p][0], syl[p + 1][0]), ()):
                    if text[p:p + 2] != e.text:
                        keep(0.0, p, e)
        for start, end, entry, costs in self._sound_windows(text, syl):
            if text[start:end] == entry.text or base_word_freq(text[start:end]) > 0:
                continue    # 交货期 is a word said (never offer 交换机)
            n = entry.surname
            if sum(costs) / len(costs) <= max_cost and max(costs) <= NEAR_SYLLABLE and \
                    sum(costs[:n]) <= NEAR_SURNAME:
                keep(sum(costs) / len(costs), start, entry)
        return [e for _c, _at, e in sorted(best.values(), key=lambda k: k[:2])][:limit]

    def near_spans(self, text: str, *, max_cost: float, max_syllable: float,
                   max_surname: float) -> list[tuple[int, int, Entry, float]]:
        """Stretches of ``text`` that sound near a catalog name, with that name and its
        cost per syllable: what the acoustic check (`nlp.asr.arbiter`) asks the model
        about, never written on sound alone. Looser than `near_forms`, but a contact's title
        is heard exact; no customer or contact is guessed in a note that announces a new
        party (新客户 …: the model scored 鸠江船舶修造厂 12 above 新线索亳州谯城 heard); a
        stretch already spelled as a catalog form is left alone (asked whether 覃经理 heard
        might be 潘经理, the model's prior for the commoner name wins); a dictionary word is
        never cut nor replaced. Two-character forms: customers' and products' only as
        tone-free homophones, contacts by a near surname before their one-character title
        (为工 may be 韦工)."""
        syl = syllables(text)
        new_party = _NEW_PARTY.search(text) is not None
        taken = [False] * len(text)
        for s, e, _en in self.mentions(text):
            taken[s:e] = [True] * (e - s)
        out: dict[tuple[int, int, str], tuple[int, int, Entry, float]] = {}

        def keep(s: int, e: int, entry: Entry, costs: Sequence[float], n: int) -> None:
            if entry.kind not in NAME_KINDS or text[s:e] == entry.text or any(taken[s:e]) \
                    or base_word_freq(text[s:e]) > 0:
                return          # 交货期 is a word said: never 交换机
            if (new_party and entry.kind != "product") or (
                    entry.kind == "contact" and text[s + n:e] != entry.text[n:]
                    and max(costs[n:], default=0.0) > TITLE_NEAR):
                return          # a new party is nobody of the catalog; a title heard as
                #                 itself or a homophone of it (先唱长 may be 冼场长)
            avg = sum(costs) / len(costs)
            if avg <= max_cost and max(costs) <= max_syllable and sum(costs[:n]) <= max_surname:
                key = (s, e, entry.text)
                if key not in out or avg < out[key][3]:
                    out[key] = (s, e, entry, avg)

        for start, end, entry, costs in self._sound_windows(text, syl):
            keep(start, end, entry, costs, entry.surname)
        for p in range(len(text) - 1):
            if not (syl[p] and syl[p + 1]):
                continue
            for pe in self._pairs.get((syl[p][0], syl[p + 1][0]), ()):
                if pe.kind != "contact" and not crosses_word(text, p, p + 2):
                    keep(p, p + 2, pe, (0.0, 0.0), 0)     # (试甜一次 holds no 甜忆: 一次)
            for te in self._titled_all.get(text[p + 1], ()):
                keep(p, p + 2, te, (syllable_cost(heard_surname(text[p]),
                                                  surname_readings(te.text[0])), 0.0), 1)
        if not new_party:
            for s, e, en, cost in self._served_at_customer(text, syl):
                key = (s, e, en.text)
                if key not in out:
                    out[key] = (s, e, en, cost)
        return sorted(out.values(), key=lambda c: (c[0], c[3]))

    def _served_at_customer(self, text: str, syl: list[tuple[Syllable, ...]]
                            ) -> list[tuple[int, int, Entry, float]]:
        """The person a rep met at the customer just named, heard with another surname (给陶经理
        right after 嘉陵地产, whose 经理 is 郜经理: gao heard tao, too far for any guess by
        sound; 陶经理 is even another customer's contact): that customer's contact of that
        title, for the model to hear out, never written on sound alone. Only right after the
        customer and a word that serves or meets someone there (给, 跟, 找, 见了, 的), the
        title heard exact, the customer having one contact of that title."""
        out: list[tuple[int, int, Entry, float]] = []
        for _s, e, cust in self.mentions(text):
            if cust.kind != "customer":
                continue
            m = _SERVED_AFTER.match(text, e)
            if m is None:
                continue
            p = m.end()
            if p + 1 >= len(text) or not is_han(text[p]) or not syl[p]:
                continue
            for title, contacts in self._by_title.get(cust.canonical, {}).items():
                if len(contacts) != 1 or not text.startswith(title, p + 1):
                    continue
                (te,) = contacts
                if text[p] == te.text[0]:
                    continue
                cost = syllable_cost(heard_surname(text[p]), surname_readings(te.text[0]))
                out.append((p, p + 1 + len(title), te, cost / (1 + len(title))))
        return out

    def candidates(self, text: str) -> list[Match]:
        """Every acceptable match before coherence and overlap resolution."""
        syl = syllables(text)
        han = [bool(s) for s in syl]
        out: list[Match] = self._homophone_pairs(text, syl)
        seen: set[tuple[int, int, int]] = set()
        for idx, start in self._voted(syl):
            comp = self.entries[idx]
            size = len(comp.syl)
            # a gap (dropped, inserted or merged syllable) only in names of 5+ syllables
            shifts = (0, -1, 1) if size >= 5 else (0,)
            for s in (start + d for d in shifts):
                for length in (size + d for d in shifts):
                    e = s + length
                    if s < 0 or e > len(text) or (idx, s, e) in seen:
                        continue
                    seen.add((idx, s, e))
                    if not all(han[s:e]):
                        continue
                    m = self._score(text, syl, s, e, comp)
                    if m is not None:
                        out.append(m)
        return out

    def _homophone_pairs(self, text: str, syl: list[tuple[Syllable, ...]]) -> list[Match]:
        """Two-character names heard as an exact (tone-free) homophone that is no word of
        the dictionary (a rare entry, under `RARE_WORD`, counts as none: 托鞋 → 拖鞋), cuts
        through none and holds no function word: 机律 → 机滤; 纪律 (a word) is never 机滤,
        nor 他挺 他汀 or 已经约好 精越 — except a customer's short name its own contact
        backs (明是拍板了，周经理说 → 明视). A contact as surname + title
        heard as a word (副总 for 符总) is a candidate that only its customer, named or
        heard confidently in the same text, makes a match (`find`)."""
        out: list[Match] = []
        for p in range(len(text) - 1):
            if not (syl[p] and syl[p + 1]):
                continue
            entries = list(self._pairs.get((syl[p][0], syl[p + 1][0]), ()))
            for alt in heard_surname(text[p])[1:]:      # 弹总 (tan) for 覃总
                entries += [e for e in self._pairs.get((alt, syl[p + 1][0]), ())
                            if e.kind == "contact" and e.surname == 1 and e not in entries]
            heard = text[p:p + 2]
            if not entries or heard in self.exact or crosses_word(
                    text, p, p + 2) or _COMPARED.search(text, 0, p):
                continue    # … nor where a comparison wants its adjective (比我们甜意不少)
            # a function word in it (明是 for 明视): only a customer's short name, and only
            # where its own contact is named (`find`: as a word heard)
            function = any(base_word_freq(ch) >= FUNCTION_FREQ for ch in heard)
            word = base_word_freq(heard) >= RARE_WORD or function   # 托鞋 (3) is no word said
            for e in entries:
                if heard[0] == heard[1] and e.text[0] == e.text[1] and e.kind == "contact" \
                        and base_word_freq(heard) < RARE_WORD:
                    # a doubled name (蓓蓓) heard doubled (被被): no function word is said twice
                    out.append(Match(p, p + 2, heard, e, 0.0, costs=(0.0, 0.0)))
                    continue
                if function and e.kind != "customer":
                    continue
                if word and not function and not (
                        (e.kind == "contact" and e.surname) or e.kind in ("product", "customer")):
                    continue    # (a customer's short name heard as a word, 蓝图 for 澜图, is
                    #             taken only where its own contact is named: `find`)
                other_surname = _another_surname(heard, e)
                homophone = bool(other_surname) and not word and e.kind == "contact" and \
                    e.surname == 1 and _homophone_surname(text, p, heard, e)
                out.append(Match(p, p + 2, heard, e, 0.0,
                                 needs_support=bool(other_surname) or word,
                                 costs=(0.0, 0.0), word=word, homophone=homophone))
        return out

    def _score(self, text: str, syl: list[tuple[Syllable, ...]], s: int, e: int,
               comp: _Compiled) -> Match | None:
        entry = comp.entry
        heard = text[s:e]
        if heard == entry.text:
            return None
        size = len(comp.syl)
        limit = threshold(size) * 1.5      # final decision (with coherence) in `find`
        window = syl[s:e]
        if entry.surname and len(window) == size:      # a surname heard: any of its readings
            window = [*(heard_surname(ch) for ch in heard[:entry.surname]),
                      *window[entry.surname:]]
        if len(window) == size:            # the aligned reading, no gap: cheap, often enough
            costs = [syllable_cost(h, n) for h, n in zip(window, comp.syl, strict=True)]
            scored = _Scored(sum(costs), 0, max(costs), costs)
        else:
            scored = _Scored(float("inf"), 0, 0.0, [])
        if scored.cost / size > limit * 0.5 and size >= 5 and (
                _lower_bound(window, comp.syl) / size <= limit):
            best = _align_cost(window, comp.syl)
            if best < scored.cost and best / size <= limit:
                scored = _align(window, list(comp.syl))
        per = scored.cost / size
        if per > limit or scored.gaps > 1:
            return None
        title_nasal = False     # a short contact form whose title lost its nasal
        one_far = False         # … or a long one with one syllable further off, the rest exact
        if scored.worst > MAX_SYLLABLE and not _one_nasal_lost(window, comp.syl, scored):
            title_nasal = len(comp.syl) < NASAL_LOST_MIN and _one_nasal_lost(
                window, comp.syl, scored, entry.surname)
            one_far = not title_nasal and entry.kind == "customer" and \
                size >= ONE_FAR_MIN and scored.worst <= NEAR_SYLLABLE and not scored.gaps \
                and sum(1 for c in scored.costs if c > 0) == 1
            if not (title_nasal or one_far):
                return None     # no unrelated syllable: 恒通 is not 恒泰
        if scored.gaps and (size < 5 or max(scored.costs[:2]) > 0.3):
            return None     # a dropped or merged syllable: long names only, not at the head
        if sum(1 for c in scored.costs if c > 0) > max(1, size - 2):
            return None     # 3 syllables: two homophones and one near miss; 4: two …
        if len(window) == size and any(
                a != b and (b in _NUMERALS or (a in _NUMERALS and _in_number(text, s + k)))
                for k, (a, b) in enumerate(zip(heard, entry.text, strict=True))):
            return None     # 第二 is never 第一: numbers in names are exact, and a number
            #                 heard is none (两百箱); a lone numeral may be (音老百 → 殷老板)
        cut_at_end = False
        if crosses_word(text, s, e):
            if not _heard_into_next_word(text, s, e, entry, scored.costs, size):
                return None     # 已经约好 holds no 经约, 宿迁市第一人民医院 no 一人民医院
            cut_at_end = True
        if entry.head and len(scored.costs) == size:
            head = scored.costs[:entry.head]
            if max(head) > 0.3 or sum(head) / len(head) > threshold(size):
                return None     # the distinctive part must sound alike
        needs_support = homophone = False
        if entry.surname and len(scored.costs) == size:
            surname = sum(scored.costs[:entry.surname])
            if surname > SURNAME_WITH_SUPPORT:
                return None     # surnames: homophones, or the mildest folds
            needs_support = surname > SURNAME_ALONE or _another_surname(heard, entry)
            homophone = needs_support and surname == 0 and not title_nasal and \
                _homophone_surname(text, s, heard, entry)
            if title_nasal:
                if heard[:entry.surname] == entry.text[:entry.surname] and \
                        base_word_freq(heard[entry.surname:]) == 0:
                    per = min(per, threshold(size))     # 查老百 for 查老板: the surname as
                    #                                     written, the title heard as no word
                else:
                    needs_support = True                # 坦主轨: its customer must back it
        return Match(s, e, heard, entry, round(per, 4),
                     needs_support=needs_support or cut_at_end or one_far,
                     costs=tuple(scored.costs) if not scored.gaps else (),
                     homophone=homophone and not cut_at_end, word=cut_at_end)

    def _after_customer(self, text: str, exact: list[tuple[int, int, Entry]]) -> list[Match]:
        """A contact as surname + one-character title right after its customer's name, the
        surname a homophone and the title with its nasal lost (味鲜坊中走 → 味鲜坊钟总: zong
        heard zou): the customer right before is the support, so such a match is made
        only there, never across a word (路走不通)."""
        out: list[Match] = []
        for _s, e, cust in exact:
            if cust.kind != "customer" or e + 2 > len(text):
                continue
            heard = text[e:e + 2]
            if heard in self.exact or crosses_word(text, e, e + 2):
                continue    # 稻香米业路走不通: 走不通 is a word
            hs = syllables(heard)
            if not (hs[0] and hs[1]):
                continue
            for entry, syl in self._titled.get(cust.canonical, ()):
                if not any(h in syl[0] for h in heard_surname(heard[0])) or hs[1][0] in syl[1]:
                    continue    # the surname must be a homophone; an exact title is a pair
                lost = [t for t in syl[1] if _nasal_lost(hs[1][0], t)]
                cost = min((syllable_cost((hs[1][0],), (t,)) for t in lost), default=1.0)
                if cost <= TITLE_FOLD:
                    out.append(Match(e, e + 2, heard, entry, round(cost / 2, 4),
                                     needs_support=True, costs=(0.0, cost), word=True))
        return out

    def _own_after_customer(self, text: str, exact: list[tuple[int, int, Entry]]
                            ) -> tuple[list[tuple[int, int, Entry]], list[Match]]:
        """A contact of another customer named exactly right after a customer (洞庭职业学院魏厂长:
        魏厂长 is 鸿运纺织's), where that customer has exactly one contact whose surname
        sounds exactly the same and whose title is as long and ends the same (危处长: 处 heard
        chang): that contact, its own — a title's first character is easily misheard (处长 /
        厂长, 科长 / 课长), and the customer named right before says whose person it is.
        Returns the exact mentions less those, and their matches."""
        customers = [(s, e, en) for s, e, en in exact if en.kind == "customer"]
        if not customers:
            return exact, []
        kept: list[tuple[int, int, Entry]] = []
        moved: list[Match] = []
        for s, e, en in exact:
            before = next((c for _cs, ce, c in customers
                           if ce == s or (ce == s - 1 and text[ce] in _LINK)), None)
            if en.kind != "contact" or en.surname != 1 or before is None \
                    or not en.customer or before.canonical == en.customer:
                kept.append((s, e, en))
                continue
            heard = text[s:e]
            own = [x for title, xs in self._by_title.get(before.canonical, {}).items()
                   if len(title) == len(heard) - 1 and title[-1] == heard[-1]
                   for x in xs if _same_surname_sound(heard[:1], x.text[:1])]
            if len(own) != 1:
                kept.append((s, e, en))
                continue
            cost = _primary_cost(heard, own[0].text) / len(heard)
            moved.append(Match(s, e, heard, own[0], round(cost, 4), supported=True))
        return kept, moved

    def _given_over_made(self, text: str, exact: list[tuple[int, int, Entry]]
                         ) -> tuple[list[tuple[int, int, Entry]], list[Match]]:
        """A transcript's surname + title that the catalog gives for no one and that only a
        title makes (龚经理: 龚丽 is a 总经理 called 龚总; 李经理 for two 李 总经理) is the one
        contact called so in the catalog by a rarer surname of exactly its sound (宫经理:
        宫明), where no customer is named and no new party announced: Whisper writes the
        commoner of two characters of a sound, and the catalog says how each person is
        addressed. Typed text
        keeps the character typed. Returns the exact mentions less those, and their matches."""
        spans: dict[tuple[int, int], list[Entry]] = defaultdict(list)
        for s, e, en in exact:
            spans[(s, e)].append(en)
        if _NEW_PARTY.search(text):
            return exact, []
        named = {en.canonical for _s, _e, en in exact if en.kind == "customer"}
        moved: dict[tuple[int, int], Match] = {}
        weak: set[tuple[int, int]] = set()
        for (s, e), ens in spans.items():
            if not all(en.kind == "contact" and en.surname == 1 and not en.given for en in ens):
                continue
            heard = text[s:e]
            made = {en.canonical for en in ens}
            if named & {en.customer for en in ens}:
                continue            # (their customer is named: they are meant)
            other = [x for x in self._titled_all.get(heard[1:], ())
                     if x.given and x.canonical not in made and not named - {x.customer}
                     and _same_surname_sound(heard[:1], x.text[:1])
                     and commoner_surname(heard[0], x.text[0])]
            if len({x.canonical for x in other}) != 1:
                if not other and any(
                        x.given and x.canonical not in made and not named - {x.customer}
                        and syllable_cost(heard_surname(heard[0])[:1],
                                          surname_readings(x.text[0])) <= NEAR_ALONE_FINAL
                        for x in self._titled_all.get(heard[1:], ())):
                    weak.add((s, e))    # free for that contact, heard a near surname off
                continue
            cost = _primary_cost(heard, other[0].text) / len(heard)
            moved[(s, e)] = Match(s, e, heard, other[0], round(cost, 4))
        if not moved and not weak:
            return exact, []
        return [x for x in exact if (x[0], x[1]) not in moved and (x[0], x[1]) not in weak
                ], list(moved.values())

    def _before_contact(self, text: str, exact: list[tuple[int, int, Entry]]) -> list[Match]:
        """A customer's two-character name heard one syllable off right before one of its
        contacts named exactly (合卖日的赵工 → 迈瑞的赵工: ri for rui, 赵工 is 迈瑞's): the
        contact is the support, so such a match is made only there; one syllable exact, the
        other at most `TWO_NEAR` off, no dictionary word, cutting through none."""
        out: list[Match] = self._long_before_contact(text, exact)
        for cs, _ce, contact in exact:
            if contact.kind != "contact" or not contact.customer:
                continue
            end = cs - 1 if cs and text[cs - 1] in _LINK else cs
            if end == cs and cs > 3 and text[cs - 1] in _PERSON_VERB_LINK \
                    and text[cs - 4] in _TRIP_VERBS:
                end = cs - 1        # 在洪军给钱经理: the place gone to, then its person
            s = end - 2
            if s < 0 or not all(is_han(ch) for ch in text[s:end]):
                continue
            heard = text[s:end]
            if heard in self.exact or base_word_freq(heard) >= RARE_WORD or \
                    crosses_word(text, s, end):
                continue
            hs = [_readings_of(ch) for ch in heard]
            for entry, syl in self._short.get(contact.customer, ()):
                costs = [min((syllable_cost((h,), (r,)) for h in hs[i] for r in syl[i]),
                             default=1.0) for i in range(2)]
                if min(costs) == 0.0 and max(costs) <= TWO_NEAR:
                    out.append(Match(s, end, heard, entry, round(sum(costs) / 2, 4),
                                     needs_support=True, costs=tuple(costs), word=True))
        return out

    def _long_before_contact(self, text: str, exact: list[tuple[int, int, Entry]]
                             ) -> list[Match]:
        """A customer's form of four characters or more heard with every syllable exact but
        one, right before one of its contacts named exactly or heard confidently (`find`:
        也洋船厂期科长 → 远洋船厂戚科长:
        ye for yuan, 戚科长 is 远洋船厂's): the contact is the support, so the one syllable
        may be anything; no dictionary word, cutting through none."""
        out: list[Match] = []
        for cs, _ce, contact in exact:
            if contact.kind != "contact" or not contact.customer:
                continue
            end = cs - 1 if cs and text[cs - 1] in _LINK else cs
            met = _met_before(text, cs)
            # (见 heard as 件 may make a word with the name's last character: 水物件)
            seen = f"{text[:met]}见{text[met + 1:]}" if met else text
            for entry, syl in self._long.get(contact.customer, ()):
                for stop in (end, met) if met else (end,):
                    s = stop - len(syl)
                    heard = text[max(s, 0):stop]
                    if s < 0 or not all(is_han(ch) for ch in heard) or heard in self.exact or \
                            base_word_freq(heard) >= RARE_WORD or \
                            crosses_word(seen if stop == met else text, s, stop) or \
                            (stop == met and (s == 0 or text[s - 1] not in _TRIP_VERBS)):
                        continue
                    costs = [min((syllable_cost((h,), (r,)) for h in _readings_of(ch)
                                  for r in syl[i]), default=1.0) for i, ch in enumerate(heard)]
                    if sum(1 for c in costs if c > 0) == 1:
                        out.append(Match(s, stop, heard, entry,
                                         round(sum(costs) / len(costs), 4),
                                         needs_support=True, costs=tuple(costs), word=True))
        return out

    def _only_with_title(self, text: str, customers: set[str],
                         after: frozenset[int] = frozenset()) -> list[Match]:
        """A named customer's only contact with a title, named by surname + that title with
        the surname heard as another syllable of its initial or of a classic confusion of
        it (绿源合作社 … 上社长 → 邵社长, shang for shao; 嘴部长 → 卓部长, z for zh): the
        customer named is the support, so such a match is made only with it, only where
        the heard character is a word of its own in a person's slot
        (见了上社长, right after a customer's name (`after`: where customer names end) as in
        绿叶食品质部长; not 要换科长), and only where that customer has no other contact of
        the title (then the card asks)."""
        out: list[Match] = []

        def new_before(s: int) -> bool:     # 新来的彭经理: a new person, whatever he sounds like
            return "新" in text[max(0, s - NEW_BEFORE):s]

        for cust in customers:
            for title, contacts in self._by_title.get(cust, {}).items():
                if len(contacts) != 1:
                    continue
                entry = contacts[0]
                meant = surname_readings(entry.text[0])
                at = _title_at(text, title, 1)
                while at > 0:
                    s, e = at - 1, at + len(title)
                    heard = heard_surname(text[s])
                    cost = min((syllable_cost((h,), (r,)) for h in heard for r in meant
                                if (h[0] and r[0] and (
                                    initial_cost(h[0], r[0]) <= TITLE_ONLY_INITIAL or (
                                        h[1] == r[1] and not new_before(s)))) or (
                                    # no initial either (二总监 for 鄂总监: er for e)
                                    not h[0] and not r[0]
                                    and final_cost(h[1], r[1]) <= TITLE_ONLY_FINAL)),
                               default=1.0)
                    if text[s] != entry.text[0] and cost <= TITLE_ONLY_SURNAME and \
                            (s == 0 or s in after or text[s - 1] in _PERSON_SLOT) and \
                            not crosses_word(text, s, e):
                        out.append(Match(s, e, text[s:e], entry, round(cost / (e - s), 4),
                                         needs_support=True, costs=(cost,), word=True))
                    at = _title_at(text, title, at + 1)
        return out

    def _familiar_near(self, text: str, customers: set[str]) -> list[Match]:
        """A named customer's contact called 老 / 小 + surname (老孙), heard with the surname a
        near syllable off (老森: sen for sun) in a person's slot (找老森, 跟老森): the customer
        named is the support, and only where it has no other contact called so."""
        out: list[Match] = []
        for cust in customers:
            for entry in self._familiar.get(cust, ()):
                if sum(x.text[0] == entry.text[0] for x in self._familiar[cust]) != 1:
                    continue
                meant = surname_readings(entry.text[1])
                at = text.find(entry.text[0])
                while at != -1 and at + 1 < len(text):
                    s, e = at, at + 2
                    ch = text[at + 1]
                    cost = min((syllable_cost((h,), (r,)) for h in heard_surname(ch)
                                for r in meant if h[0] == r[0]), default=1.0)
                    if ch != entry.text[1] and is_han(ch) and cost <= TITLE_ONLY_SURNAME / 2 \
                            and s > 0 and text[s - 1] in _PERSON_SLOT \
                            and base_word_freq(text[s:e]) < RARE_WORD:
                        out.append(Match(s, e, text[s:e], entry, round(cost / 2, 4),
                                         needs_support=True, costs=(0.0, cost), word=True))
                    at = text.find(entry.text[0], at + 1)
        return out

    def _near_surname_alone(self, text: str, ends: frozenset[int] = frozenset()
                            ) -> list[Match]:
        """A contact named in a transcript by surname + its own title, the surname heard
        a near sound off (然总监 for 阮总监: ran for ruan; 七总 for 区总: qi for qu), the
        title written as it is (怎经历 stays), with no customer named: that contact where
        it is the only one of the catalog with that title whose surname sounds near
        (within `NEAR_ALONE`, the next at least `NEAR_ALONE_CLEAR` further). A rep names
        the company's contacts far more often than a stranger who sounds like one.

        Only in a person's slot (the start of a clause, after 见了 / 跟 …, or right after
        a customer's name: ``ends``); the heard character no surname itself (刘老板 may
        be a stranger; 然 is none), no function word and no word said before a title
        (新, 老 …); the span no word (总统) and no surname + title the catalog gives.
        `find` takes these only where no customer is named and no new customer is
        announced."""
        out: list[Match] = []
        for title, contacts in self._titled_all.items():
            at = text.find(title, 1)
            while at > 0:
                s, e = at - 1, at + len(title)
                ch = text[s]
                # a surname no contact of the catalog has, opening a clause or right after
                # a customer's name (曾总同意了 for 岑总: ceng for cen), only a mild fold off
                named_so = lexicon().is_surname_start(text[s:e])
                strange = named_so and ch not in self._surnames and (
                    s == 0 or s in ends or text[s - 1] in _CLAUSE_MARKS)
                # a person opening the note and saying or asking something, the character
                # before the title making a word with the title's first (已经理问 for 于经理问:
                # Whisper joined them into 已经; 已经理解 has no verb of saying after, and a
                # common character that makes no such word stays: 上社长说)
                speaks = (s == 0 or text[s - 1] in _CLAUSE_MARKS) and \
                    text.startswith(_SAYS_OR_ASKS, e) and \
                    base_word_freq(text[s:s + 2]) >= RARE_WORD
                ok = _han(ch) and text[s:e] not in self.exact and ch not in BEFORE_TITLE \
                    and (strange or not named_so) and \
                    (strange or speaks or base_word_freq(ch) < SAID_THERE) and \
                    (s == 0 or s in ends or text[s - 1] in _PERSON_SLOT) and \
                    (speaks or not crosses_word(text, s, e)) and base_word_freq(text[s:e]) == 0
                heard = heard_surname(ch) if ok else ()
                near: dict[tuple[str, str], tuple[float, Entry]] = {}
                for entry in contacts if heard else ():
                    if strange and not commoner_surname(ch, entry.text[0]):
                        continue    # Whisper writes the commoner of two surnames: 程 heard
                        #             for 陈 is no mishearing, 曾 for 岑 may be
                    cost = min(syllable_cost((h,), (r,)) for h in heard
                               for r in surname_readings(entry.text[0]))
                    key = (entry.customer, entry.canonical)
                    if key not in near or cost < near[key][0]:
                        near[key] = (cost, entry)
                # (a contact further than any near sound is no rival: kong for lun)
                ranked = sorted((ce for ce in near.values() if ce[0] <= NEAR_ALONE_FINAL),
                                key=lambda ce: ce[0])
                if ranked and ranked[0][0] > 0 and (
                        ranked[0][0] <= STRANGE_ALONE if strange else
                        _near_alone(heard, ranked[0])) and (
                        len(ranked) == 1 or ranked[1][0] >= ranked[0][0] + NEAR_ALONE_CLEAR
                        or (strange and ranked[1][0] >= NEAR_ALONE_CLEAR)):
                    cost, entry = ranked[0]
                    out.append(Match(s, e, text[s:e], entry, round(cost / (e - s), 4),
                                     costs=(cost,)))
                at = text.find(title, at + 1)
        return out

    @staticmethod
    def _free(m: Match, exact: list[tuple[int, int, Entry]], taken: list[bool]) -> bool:
        """A candidate may not touch a name already spelled right, except to complete a
        short form of its own record (随间 + 融合器 → 椎间融合器)."""
        if not any(taken[m.start:m.end]):
            return True
        for s, e, entry in exact:
            if not (s < m.end and m.start < e):
                continue
            if not (m.start <= s and e <= m.end and entry.canonical == m.entry.canonical
                    and len(entry.text) < m.end - m.start == len(m.entry.text) == len(m.costs)):
                return False
            rest = [c for i, c in enumerate(m.costs) if not s <= m.start + i < e]
            if max(rest, default=0.0) > COMPLETE_MAX:
                return False    # the words around the short form must sound alike too
        return True

    def find(self, text: str, *, affinity: Affinity | None = None,
             heard: bool = False) -> list[Match]:
        """Non-overlapping fuzzy matches in ``text``, in text order (see module doc).

        ``heard``: the text is a transcript. A contact named there by another surname of
        exactly its sound and its own title (牛老板 for 钮老板, 严主管 for 阎主管) is that
        contact, unless another customer is named: Whisper writes the commoner character of
        a sound and cannot hear which one was meant, and a rep's note names the company's
        contacts far more often than a new person who sounds the same. The card marks it.
        Typed text keeps the character typed (the rep chose it)."""
        if not text:
            return []
        exact, own = self._own_after_customer(text, self.mentions(text))
        if heard:
            exact, given = self._given_over_made(text, exact)
            own += given
        # a person's name opening a customer's name heard with the rest written as the catalog
        # writes it (万强冷链 for 皖江冷链) is the customer's, not that person's
        every = self.candidates(text)
        heads = [m for m in every if m.entry.kind == "customer" and not m.needs_support
                 and m.cost <= threshold(len(m.entry.text))]
        exact = [x for x in exact if not (x[2].kind == "contact" and any(
            _person_heads_org(text, x[0], x[1], o) for o in heads))]
        taken = [False] * len(text)
        for s, e, _entry in exact:
            for i in range(s, e):
                taken[i] = True
        named_customers = {en.canonical for _s, _e, en in exact if en.kind == "customer"}
        contact_customers = {en.customer for _s, _e, en in exact if en.kind == "contact"}
        named_customers |= contact_customers
        cands = [m for m in every if self._free(m, exact, taken) and not (
            m.entry.kind == "contact" and any(
                _person_heads_org(text, m.start, m.end, o) for o in heads))]
        # a contact right after its customer: the customer spelled right, or heard
        # confidently (微鲜坊中走 → 味鲜坊钟总 as 味鲜坊中走 → 味鲜坊钟总)
        heard_customers = [(m.start, m.end, m.entry) for m in cands
                           if m.entry.kind == "customer" and not m.needs_support
                           and m.cost <= threshold(len(m.entry.text))]
        cands += [m for m in self._after_customer(text, [*exact, *heard_customers])
                  if self._free(m, exact, taken)]
        ends = frozenset(e for _s, e, en in [*exact, *heard_customers] if en.kind == "customer")
        near: list[Match] = []      # a contact by a near surname, no customer named
        if heard and not named_customers and not _NEW_PARTY.search(text):
            near = [m for m in self._near_surname_alone(text, ends)
                    if self._free(m, exact, taken)]
        heard_contacts = [(m.start, m.end, m.entry) for m in [*cands, *near]
                          if m.entry.kind == "contact" and not m.needs_support
                          and m.cost <= threshold(len(m.entry.text))]
        cands += [m for m in self._before_contact(text, [*exact, *heard_contacts])
                  if self._free(m, exact, taken)]
        # a customer heard confidently (fuzzily) lends support to its contacts and
        # products, and a contact heard confidently to its customer
        strong = [m for m in cands if m.cost <= threshold(len(m.entry.text))
                  and not m.needs_support]
        support = named_customers | {m.entry.canonical for m in strong
                                     if m.entry.kind == "customer"}
        cands += [m for m in [*self._only_with_title(text, support, ends),
                              *self._familiar_near(text, support)]
                  if self._free(m, exact, taken)]
        contact_customers |= {m.entry.customer for m in strong if m.entry.kind == "contact"}
        # … taken where no other customer is named: then it backs its own customer heard
        # one syllable off right before it (对康医院、洗科长 → 瑞康医院、祁科长)
        near = [m for m in near if not support - {m.entry.customer}]
        contact_customers |= {m.entry.customer for m in near}
        offered: set[str] = set()
        likely: frozenset[str] = frozenset()
        if affinity is not None:
            for cust in support:
                offered |= affinity.customer_products.get(cust, frozenset())
            likely = affinity.likely
        accepted: list[Match] = []
        spans = words_of(text) if any(m.end - m.start < len(m.entry.text) for m in cands) \
            else ()
        for m in cands:
            if m.end - m.start < len(m.entry.text) and _plain_words(text, m.start, m.end, spans):
                continue    # a name short a syllable, heard as everyday words (想先试试 is no
                #             湘检实验室): the words were said
            limit = threshold(len(m.entry.text))
            ok = m.cost <= limit and not m.needs_support
            supported = False
            if m.word:      # 鑫达阀门副总 → 鑫达阀门符总: its customer named (or heard well)
                en = m.entry
                if (en.kind == "contact" and en.customer in support) or (
                        en.kind == "customer" and en.canonical in contact_customers) or (
                        en.kind == "product" and support and (
                            en.canonical in offered or en.text in likely
                            or en.canonical in likely)):
                    accepted.append(Match(m.start, m.end, m.heard, en, m.cost, True))
                continue
            if m.cost <= limit and m.needs_support and (
                    m.entry.text in likely or m.entry.canonical in likely):
                ok = supported = True   # 除老师 for 褚老师 of the rep's own book
            if not ok and m.cost <= limit * 1.5:
                en = m.entry
                supported = (
                    (en.kind == "contact" and en.customer in support)
                    or (en.kind == "customer" and en.canonical in contact_customers)
                    or (en.kind == "product" and en.canonical in offered)
                )
                ok = supported or (heard and m.homophone and not support)
            if ok:
                accepted.append(Match(m.start, m.end, m.heard, m.entry, m.cost, supported))
        accepted += near + own
        # best first: cost, a coherent match, then the reading the text was written with
        # (级率 is 机滤 ji-lü before 齐鲁, whose 齐 only has ji as a second reading)
        keyed = sorted((((m.cost, not m.supported, _primary_cost(m.heard, m.entry.text),
                          not m.entry.given, -(m.end - m.start), m.start), m)
                        for m in accepted),
                       key=lambda km: km[0])
        chosen: list[Match] = []
        used = [False] * len(text)
        for key, m in keyed:
            if any(used[m.start:m.end]):
                continue
            for i in range(m.start, m.end):
                used[i] = True
            if any(k[:4] == key[:4] and o.start == m.start and o.end == m.end
                   and o.entry.canonical != m.entry.canonical for k, o in keyed):
                continue    # two records sound exactly as alike: a guess, so none (the card
                #             asks); a form the catalog gives beats one made from a title
            chosen.append(m)
        return sorted(chosen, key=lambda m: m.start)

    def respell(self, text: str, *, affinity: Affinity | None = None) -> Respelled:
        """``text`` with every `find` match rewritten as its catalog form."""
        matches = self.find(text, affinity=affinity, heard=True)
        if not matches:
            return Respelled(text)
        out: list[str] = []
        snaps: list[Snap] = []
        pos = 0
        length = 0
        for m in matches:
            out.append(text[pos:m.start])
            length += m.start - pos
            snaps.append(Snap(length, length + len(m.entry.text), m.heard, m.entry.text,
                              m.entry.canonical, m.entry.kind, m.cost))
            out.append(m.entry.text)
            length += len(m.entry.text)
            pos = m.end
        out.append(text[pos:])
        return Respelled("".join(out), tuple(snaps))
