"""The catalog's contacts: full names and aliases found in a message, '王主任'-style mentions
resolved at the customer named, full names next to titles, misheard names.

Word boundaries for full names before a title ('李明主任' is 李明 + 主任, '张晓红主任',
not 明主任; '安全主任' is no 全主任) come from jieba through the catalog's tokenizer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from nlp.lexicon import lexicon
from nlp.names import overlaps
from nlp.orgs import Cut
from nlp.people import ContactMention, People
from nlp.pinyin import is_han, py_variants
from nlp.segment import base_word_freq
from nlp.types import Catalog, CatalogContact

__all__ = ["ContactBook"]

CLAUSE_PUNCT = frozenset("，,。；;！!？?、 \t\n：:（）()")
_NAME_BAD_CHARS = set(
    "科部处室委院组办局厅司厂所站队班会校系车间线区市省县镇村医护员人们的了是在和与跟给把被让"
    "对向从到说问找约见去来个位这那每各某其他她我你咱"
)
_NOT_NAME_START = set("和于向")     # function words first: no jieba for 和王主任
_COMMON_WORD_FREQ = 2000      # an ordinary word in jieba's dictionary, not a name (白雪 1572)


class ContactBook:
    """Contacts of one catalog, indexed for scanning and resolution."""

    def __init__(self, catalog: Catalog, people: People, cut: Cut,
                 catalog_word: Callable[[str], bool]) -> None:
        self.people = people
        self._cut = cut
        self._catalog_word = catalog_word
        self.all: tuple[CatalogContact, ...] = catalog.contacts
        self.by_customer: dict[str, list[CatalogContact]] = {}
        self.by_name: dict[str, list[CatalogContact]] = {}
        self.by_alias: dict[str, list[CatalogContact]] = {}
        for ct in catalog.contacts:
            if not ct.name.strip():
                continue
            self.by_customer.setdefault(ct.customer, []).append(ct)
            self.by_name.setdefault(ct.name, []).append(ct)
            for a in dict.fromkeys(ct.aliases):
                if len(a.strip()) >= 2:
                    self.by_alias.setdefault(a, []).append(ct)
        self._first: dict[str, list[int]] = {}
        for key in (*self.by_name, *self.by_alias):
            self._first.setdefault(key[0], []).append(len(key))
        for k, v in self._first.items():
            self._first[k] = sorted(set(v), reverse=True)

    # ---------------------------------------------------------------- catalog strings
    def strings_in(self, text: str) -> list[tuple[int, int, str]]:
        """Catalog contact names and aliases written in `text`, longest first at each place."""
        out: list[tuple[int, int, str]] = []
        n, i = len(text), 0
        while i < n:
            for ln in self._first.get(text[i], ()):
                key = text[i: i + ln]
                if i + ln <= n and (key in self.by_name or key in self.by_alias):
                    out.append((i, i + ln, key))
                    i += ln - 1
                    break
            i += 1
        return out

    def owners(self, key: str) -> list[CatalogContact]:
        """The contacts a catalog name or alias stands for."""
        return self.by_name.get(key) or self.by_alias.get(key) or []

    # ---------------------------------------------------------------- resolution
    def resolve(self, cm: ContactMention, customer: str | None,
                customer_known: bool) -> str | None:
        """Canonical contact name for a '王主任'-style mention, or None."""
        if customer is not None and not customer_known:
            return None
        pool = (self.by_customer.get(customer, []) if customer_known and customer
                else list(self.all))
        alias = cm.surname + cm.title
        exact = [c for c in pool if alias in c.aliases]
        if len(exact) == 1:
            return exact[0].name
        if len(exact) > 1:
            return None
        compat = [c for c in pool if c.name.startswith(cm.surname) and _title_ok(cm.title, c)]
        if len(compat) == 1:
            return compat[0].name
        if not customer_known:
            return None
        sk = _keyset(cm.surname)
        homo = [c for c in pool if _title_ok(cm.title, c) and _keyset(_surname(c)) & sk]
        if len(homo) == 1:
            return homo[0].name
        return None

    def homophone(self, name: str, customer: str) -> str | None:
        """The contact at `customer` whose full name sounds like `name` (ASR: 陈丽 → 陈立)."""
        hits = [c.name for c in self.by_customer.get(customer, [])
                if len(c.name) == len(name) and c.name[0] == name[0] and all(
                    set(py_variants(x)) & set(py_variants(y))
                    for x, y in zip(c.name[1:], name[1:], strict=True))]
        return hits[0] if len(hits) == 1 else None

    # ---------------------------------------------------------------- mentions
    def mentions(self, text: str,
                 protected: Iterable[tuple[int, int]] = ()) -> list[ContactMention]:
        """'王主任'-style mentions, widened to the full name where one is written before the
        title, plus full names written after a title ('采购部经理刘洋')."""
        plain = self.people.mentions(text)
        named, words = self._names_before_titles(text, protected)
        after = [cm for cm in self.people.names_after_titles(text)
                 if not overlaps(cm.start, cm.end, [(p.start, p.end) for p in plain])]
        out = [cm for cm in plain if not any(n.start <= cm.start < n.end for n in named)
               and not any(a <= cm.start < b for a, b in words)]
        out.extend(named)
        out.extend(after)
        out.sort(key=lambda c: c.start)
        return out

    def _name_like(self, w: str, *, common_ok: bool = False) -> bool:
        """A person's full name: surname + 1-2 given-name characters, not an ordinary word."""
        if w in self.by_name:
            return True
        if not 2 <= len(w) <= 4 or not all(is_han(c) for c in w):
            return False
        lex = lexicon()
        if w in lex.surnames2:
            return False                     # 欧阳主任: a compound surname, not a name
        if w[:2] in lex.surnames2 and len(w) >= 3:
            given = w[2:]
        elif w[0] in lex.surnames1 and len(w) <= 3:
            given = w[1:]
        else:
            return False
        if any(c in _NAME_BAD_CHARS for c in given) or self._catalog_word(w):
            return False
        return common_ok or base_word_freq(w) <= _COMMON_WORD_FREQ

    def _names_before_titles(self, text: str, protected: Iterable[tuple[int, int]] = ()
                             ) -> tuple[list[ContactMention], list[tuple[int, int]]]:
        """Full names before titles, and the common words that end right before a title
        ('安全' in 安全主任: 全 is no surname there)."""
        spans = list(protected)
        out: list[ContactMention] = []
        words: list[tuple[int, int]] = []
        for m in self.people.long_title.finditer(text):
            ts = m.start()
            if not _name_hint(text, ts):
                continue
            ws = ts
            while ws > 0 and text[ws - 1] not in CLAUSE_PUNCT and ts - ws < 12:
                ws -= 1
            toks = self._cut(text[ws: m.end()])
            k = next((i for i, t in enumerate(toks) if ws + t[1] == ts), None)
            if k is None:
                continue                     # the title is glued into a word (设备科主任)
            tok = toks[k][2]
            name: str | None = None
            if len(tok) >= 2 and self._name_like(tok):
                name = tok
            elif len(tok) == 1 and k > 0 and len(toks[k - 1][2]) == 2 and \
                    base_word_freq(toks[k - 1][2]) <= _COMMON_WORD_FREQ and \
                    tok not in _NAME_BAD_CHARS and self._name_like(toks[k - 1][2] + tok,
                                                                   common_ok=True):
                name = toks[k - 1][2] + tok      # '黄金' + '华' → 黄金华
            if name is None:
                if len(tok) >= 2 and base_word_freq(tok) > _COMMON_WORD_FREQ and \
                        not self._catalog_word(tok):
                    words.append((ts - len(tok), ts))
                continue
            s = ts - len(name)
            if overlaps(s, ts, spans):
                continue
            sur = lexicon().surname_of(name) or name[0]
            out.append(ContactMention(s, m.end(), text[s: m.end()], sur, m.group(0),
                                      full_name=name))
        return out, words


def _name_hint(text: str, ts: int) -> bool:
    """Cheap test before jieba: could a 2-4 character full name end at `ts`?"""
    lex = lexicon()
    for k in (2, 3, 4):
        s = ts - k
        if s < 0:
            return False
        seg = text[s:ts]
        if not is_han(seg[0]):
            return False
        if seg[:2] in lex.surnames2 and k >= 3:
            return True
        if k <= 3 and seg[0] in lex.surnames1 and seg[0] not in _NOT_NAME_START:
            return True
    return False


def _surname(c: CatalogContact) -> str:
    return lexicon().surname_of(c.name) or c.name[:1]


def _keyset(s: str) -> set[str]:
    return {"".join(p) for p in itertools.product(*(py_variants(ch) for ch in s))} if s else set()


def _title_ok(title: str, c: CatalogContact) -> bool:
    """Does a mentioned title fit the contact's title or one of its aliases?"""
    if title in c.title or (c.title and c.title in title):
        return True
    for a in c.aliases:
        sur = lexicon().surname_of(a)
        at = a[len(sur):] if sur else a[1:]
        if at and (at == title or at.startswith(title)):
            return True
        # a longer title said than the alias holds (龚总监 for the alias 龚总): only where the
        # contact's own title does not say another one (龚丽, 总经理, is no 总监)
        if at and title.startswith(at) and not c.title:
            return True
    return title in ("总",) and ("总" in c.title or "经理" in c.title)
