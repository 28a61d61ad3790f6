"""Catalog resolution: customers, contacts, products (exact, aliases, model codes, pinyin).

`CatalogIndex` compiles a `Catalog` once: name tables for customers and products
(`nlp.names`), the contact book (`nlp.contacts`), the person finder with the tenant's own
titles (`nlp.people`) and the organisation finder (`nlp.orgs`). Organisation names written in
the message (…医院, …有限公司, …农场) are detected so that a near miss (无锡市第二人民医院 vs
无锡市人民医院) stays a new organisation.

Word boundaries that a dictionary scan cannot see come from jieba: each index owns a
`jieba.Tokenizer()` (never jieba's global default one) whose user dictionary holds the
catalog's customer names and aliases, contacts, products and titles at high frequency. It is
built on first need only; the main dictionary is shared read-only between tokenizers and
read lazily by first character (`nlp/segment.py`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from nlp.contacts import ContactBook
from nlp.holidays import HolidayCalendar
from nlp.names import (
    P_DERIVED,
    P_EXACT,
    P_PINYIN,
    Mention,
    NameTable,
    derived_aliases,
    product_de_forms,
    product_short_forms,
)
from nlp.orgs import OrgFinder, OrgSpan, default_orgs
from nlp.people import ContactMention, People, catalog_titles, default_people
from nlp.pinyin import py_keys
from nlp.presets import PresetMatcher
from nlp.segment import USER_WORD_FREQ, base_word_freq, new_tokenizer
from nlp.sounds import CoarseMatcher, SoundMatcher
from nlp.types import Catalog

__all__ = [
    "P_DERIVED", "P_EXACT", "P_PINYIN", "USER_WORD_FREQ", "CatalogIndex", "ContactMention",
    "Mention", "OrgSpan", "derived_aliases", "find_contact_mentions",
]

log = logging.getLogger(__name__)


def find_contact_mentions(text: str) -> list[ContactMention]:
    """Surname + title mentions ('王主任', '欧阳总监', '周CTO') by the built-in titles and
    surnames, for text with no catalog at hand (a contact typed as an answer)."""
    return default_people().mentions(text)

_ORG_TAIL = re.compile(
    r"(?:股份有限公司|有限责任公司|集团有限公司|有限公司|股份公司|集团公司|公司|集团|医院|院)$"
)
_PLACE_BEFORE = re.compile(r"[\u4e00-\u9fff]{1,4}(?:省|市|区|县)$")
_PRODUCT_MODIFIERS = frozenset((
    "新", "新款", "新型", "最新", "新一代", "高端", "低端", "中端", "好", "好点", "便宜", "贵",
    "大", "小", "国产", "进口", "一批", "一套", "一台", "几台", "两台", "一些", "一点",
))


CATALOG_TAIL_MAX = 5     # characters of a customer's name's tail said alone as its kind


class CatalogIndex:
    """Compiled catalog: build once per catalog, reuse for every message."""

    def __init__(self, catalog: Catalog, sounds: SoundMatcher | None = None) -> None:
        self.catalog = catalog
        self.customers = NameTable()
        self.products = NameTable(counted=True)
        self._refs: dict[str, str] = {
            c.name: c.name + c.region + "".join(c.aliases) for c in catalog.customers
        }
        # names and aliases exactly; derived forms where they name few enough records (a
        # derived customer alias may stand for two, a product short form for one) and no
        # exact name or alias reads so
        seen_alias = _add_named(self.customers, (
            (c.name, c.aliases, derived_aliases(c.name, c.region, c.aliases))
            for c in catalog.customers if c.name.strip()))
        for a, owners in seen_alias.items():
            if a.lower() in self.customers.exact or len(owners) > 2:
                continue
            for o in owners:
                self.customers.add(a, o, P_DERIVED)
        short = _add_named(self.products, (
            (p.name, p.aliases,
             product_short_forms(p.name, p.aliases) | product_de_forms(p.name))
            for p in catalog.products if p.name.strip()))
        for a, owners in short.items():
            if len(owners) == 1 and a.lower() not in self.products.exact:
                self.products.add(a, next(iter(owners)), P_DERIVED)
        self.customers.finish()
        self.products.finish()
        self.titles = catalog_titles(catalog)
        self.people = People(self.titles, word_freq=base_word_freq)
        self.orgs: OrgFinder = default_orgs()
        self.contacts = ContactBook(catalog, self.people, self.cut, self.catalog_word)
        self.actions = PresetMatcher(catalog.next_actions, "next_actions",
                                     dict(catalog.next_action_cues),
                                     dict(catalog.next_action_learned))
        self.obstacles = PresetMatcher(catalog.obstacles, "obstacles", dict(catalog.obstacle_cues),
                                       dict(catalog.obstacle_learned))
        self.stages = PresetMatcher(catalog.stages, "stages")
        self.holidays = HolidayCalendar(catalog.holidays, catalog.workdays)
        self._py_names_cache: list[tuple[str, str, str]] | None = None
        self._sounds: SoundMatcher | None = sounds
        self._tokenizer: Any = None
        self._tk_lock = threading.Lock()
        self._jieba_failed = False

    @property
    def sounds(self) -> SoundMatcher:
        """The name-correction matcher (typed near-homophones), built on first need."""
        if self._sounds is None:
            with self._tk_lock:
                if self._sounds is None:
                    self._sounds = CoarseMatcher.from_catalog(self.catalog)
        return self._sounds

    # ---------------------------------------------------------------- jieba
    def user_words(self) -> list[str]:
        """The catalog's words for jieba: customers (names, aliases, derived short forms),
        contacts (names, aliases), products (names, aliases) and the tenant's titles."""
        words: list[str] = list(self.customers.exact)
        words += self.products.exact
        for ct in self.catalog.contacts:
            words.append(ct.name)
            words.extend(ct.aliases)
        words += self.titles
        return words

    def tokenizer(self) -> Any:
        """This catalog's jieba tokenizer, built on first use."""
        if self._tokenizer is None:
            with self._tk_lock:
                if self._tokenizer is None:
                    self._tokenizer = new_tokenizer(self.user_words())
        return self._tokenizer

    def cut(self, text: str) -> list[tuple[int, int, str]]:
        """jieba tokens of `text` with their offsets (HMM on: unknown names hold together)."""
        out: list[tuple[int, int, str]] = []
        if self._jieba_failed or not text:
            return out
        try:
            toks = list(self.tokenizer().cut(text, HMM=True))
        except Exception:     # no jieba (or a broken install): the scan-only behaviour
            log.exception("jieba unavailable; word boundaries from the dictionary scan only")
            self._jieba_failed = True
            return out
        pos = 0
        for tok in toks:
            out.append((pos, pos + len(tok), tok))
            pos += len(tok)
        return out

    def catalog_word(self, w: str) -> bool:
        return w in self.customers.exact or w in self.products.exact

    def person_at(self, text: str, pos: int) -> bool:
        """Does a '王主任'-style mention start at `pos`?"""
        return self.people.surname_title.match(text, pos) is not None

    # ---------------------------------------------------------------- names
    def find_customers(self, text: str, low: str, syl: list[str],
                       protected: list[tuple[int, int]]) -> list[Mention]:
        return self.customers.scan(text, low, syl, protected, self.person_at)

    def find_products(self, text: str, low: str, syl: list[str],
                      protected: list[tuple[int, int]]) -> list[Mention]:
        return self.products.scan(text, low, syl, protected, self.person_at)

    def find_orgs(self, text: str, protected: list[tuple[int, int]]) -> list[OrgSpan]:
        return self.orgs.find(text, protected, self.cut)

    @cached_property
    def customer_tails(self) -> frozenset[str]:
        """The ends of the customers' names, two to `CATALOG_TAIL_MAX` characters and shorter
        than the name (早教中心 of 昆明五华区翠湖早教中心): a customer's kind said alone.
        Built on first use, once per catalog."""
        return frozenset(
            c.name[-n:] for c in self.catalog.customers
            for n in range(2, min(CATALOG_TAIL_MAX, len(c.name) - 1) + 1))

    def consistent_with(self, mention: Mention, org: OrgSpan, canonical: str) -> bool:
        """Is the organisation span `org` (containing `mention`) really that customer?
        ('康和大药房旗舰店' is 康和大药房; '鸿运印染有限公司' is not 鸿运纺织)"""
        if org.text == canonical or org.text.lower() in self.customers.exact:
            return True
        ref = self._refs.get(canonical, canonical)
        prefix = org.text[: mention.start - org.start]
        suffix = _ORG_TAIL.sub("", org.text[mention.end - org.start:])
        if suffix and suffix not in ref and not (
                mention.priority == P_EXACT and self.orgs.is_unit_suffix(suffix)):
            return False
        if not prefix or all(ch in ref for ch in prefix):
            return True
        if mention.end >= org.end - len(org.suffix):
            # the whole name was matched: words before it are the sentence, unless they
            # end in another place name ('北京市' + 中山医院)
            m = _PLACE_BEFORE.search(prefix)
            return m is None or m.group(0) in ref
        return False

    def product_tail(self, phrase: str, ok: Any) -> str | None:
        """The product name at the end of '一批新的伺服电机': the longest run of whole jieba
        tokens that `ok` accepts (never a split word)."""
        toks = self.cut(phrase)
        for k in range(1, len(toks)):
            if toks[k][2] in _PRODUCT_MODIFIERS:
                continue                     # 新款监护仪 → 监护仪
            cand = "".join(t[2] for t in toks[k:])
            if ok(cand):
                return cand
        return None

    # ---------------------------------------------------------------- fuzzy
    def _py_names(self) -> list[tuple[str, str, str]]:
        """(pinyin, surface, canonical) of every customer name and alias, built on first use."""
        if self._py_names_cache is None:
            self._py_names_cache = [
                ("".join(py_keys(s)), s, c.name)
                for c in self.catalog.customers for s in (c.name, *c.aliases) if s.strip()
            ]
        return self._py_names_cache

    def rank_customers(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """Ranked customer names for a short answer (aliases, fuzzy, pinyin)."""
        from rapidfuzz import fuzz  # only the dialogs' short answers need it (cold start)

        t = text.strip()
        if not t:
            return []
        tp = "".join(py_keys(t))
        scores: dict[str, float] = {}
        low = t.lower()
        for key, hit in self.customers.exact.items():
            if key == low:
                for nm, pr in hit.items():
                    scores[nm] = max(scores.get(nm, 0.0), 100.0 if pr == P_EXACT else 97.0)
            elif len(key) >= 2 and key in low:
                for nm, pr in hit.items():
                    s = 90.0 * len(key) / max(len(low), 1) + (5 if pr == P_EXACT else 0)
                    scores[nm] = max(scores.get(nm, 0.0), min(s + 5, 96.0))
        tps = " " + " ".join(py_keys(t)) + " "
        for pys, surface, canonical in self._py_names():
            if len(t) >= 2 and len(t) < len(surface):
                # a part of a name ('鼓楼', '瑞金'), also when misheard ('股楼')
                cover = len(t) / len(surface)
                if t in surface:
                    sc = 86.0 + 10.0 * cover
                elif tps in " " + " ".join(py_keys(surface)) + " ":
                    sc = 84.0 + 10.0 * cover
                else:
                    sc = 0.0
                if sc > scores.get(canonical, 0.0):
                    scores[canonical] = sc
            s1 = fuzz.ratio(t, surface)
            s2 = fuzz.ratio(tp, pys)
            s3 = fuzz.partial_ratio(t, surface) if len(t) >= 2 else 0.0
            sc = max(s1 * 0.9, s2 * 0.92, s3 * 0.8 if len(t) >= 3 else 0.0)
            if tp == pys:
                sc = max(sc, 95.0)
            if sc > scores.get(canonical, 0.0):
                scores[canonical] = sc
        ranked = sorted(((n, round(s / 100.0, 3)) for n, s in scores.items() if s >= 55.0),
                        key=lambda x: -x[1])
        return ranked[:limit]


def _add_named(table: NameTable,
               records: Iterable[tuple[str, Iterable[str], Iterable[str]]]) -> dict[str, set[str]]:
    """Each record's name and aliases into `table` exactly; its derived forms collected as
    form → the names that have it (the caller decides which may stand)."""
    derived: dict[str, set[str]] = {}
    for name, aliases, forms in records:
        table.add(name, name, P_EXACT)
        for a in aliases:
            table.add(a, name, P_EXACT)
        for a in forms:
            derived.setdefault(a, set()).add(name)
    return derived
