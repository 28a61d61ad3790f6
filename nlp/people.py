"""Person mentions: a surname plus a title ("李校长", "黄所长", "周CTO"), a full name next
to a title ("采购部经理刘洋", "老板叫何志军"), a title with any character before it (for a
misheard surname: "路主任" for 陆主任).

Titles are the built-in lexicon (nlp/data/titles.txt) plus the tenant's own, taken from its
catalog: contact titles and the tails of contact aliases (严主厨 → 主厨, 施董 → 董). One
`People` is compiled per catalog; `default_people()` knows the built-in titles only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from nlp.lexicon import lexicon
from nlp.pinyin import is_han
from nlp.segment import base_word_freq
from nlp.types import Catalog

__all__ = [
    "ContactMention",
    "People",
    "catalog_titles",
    "default_people",
    "is_surname_start",
]

WordFreq = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class ContactMention:
    start: int
    end: int
    text: str
    surname: str
    title: str
    full_name: str | None = None    # '李明' in '李明主任' (a name the catalog may not know)


_COMMON_PAIR_FREQ = 50      # 施工, 古董: surname + one-character title forming a word
_COMMON_NEXT_FREQ = 100     # 高工资, 王总结: a one-character title glued to the next word
# a title and the character after it making the name of a body (董事会, 理事会, 书记处,
# 主席团): no person there
_BODY = frozenset("会局团台处部")
_COMMON_WORD_FREQ = 1000    # 商量, 马上: a word this common after a title, its last
                            # character making a word with the next, is no name
# characters that end a given name: verbs, particles, contact words ("刘洋说", "何志军电话")
_GIVEN_STOP = set("说讲问要想打发来去在是的了和跟给把被让到从对向电手号微信邮约见也都还就再又"
                  "们这那个位科部处室委院组办局厅司厂所站队班会校系车间线区市省县镇村"
                  "医护员人我你他她咱，,。；;：:！!？? ")
_NAME_INTRO = re.compile(r"(?:叫做?|名叫|是|姓名|:|：)?")


def is_surname_start(name: str) -> bool:
    return lexicon().is_surname_start(name)


def catalog_titles(catalog: Catalog) -> set[str]:
    """The tenant's own titles: contact titles of up to 4 characters, the built-in titles
    a longer contact title ends with, and the tails of contact aliases after a surname."""
    lex = lexicon()
    out: set[str] = set()
    for ct in catalog.contacts:
        title = (ct.title or "").strip()
        if 2 <= len(title) <= 4 and all(is_han(c) for c in title):
            out.add(title)
        tail = lex.title_tail(title)
        if tail is not None:
            out.add(tail)
        for alias in ct.aliases:
            sur = lex.surname_of(alias) or (alias[:1] if alias[:1] == ct.name[:1] else "")
            tail = alias[len(sur):] if sur else ""
            if 1 <= len(tail) <= 4 and all(is_han(c) or (c.isascii() and c.isalpha())
                                           for c in tail):
                out.add(tail)
    return {t for t in out if t.strip()}


class People:
    """Person mentions for one vocabulary of titles (built-in plus the tenant's)."""

    def __init__(self, extra_titles: Iterable[str] = (), word_freq: WordFreq | None = None):
        lex = lexicon()
        titles = {t for t in (*lex.titles, *extra_titles) if t and "\\" not in t}
        self.titles: tuple[str, ...] = tuple(sorted(titles, key=lambda t: (-len(t), t)))
        alt = "|".join(re.escape(t) for t in self.titles)
        sur = ("|".join(re.escape(s) for s in lex.surnames2) + "|["
               + "".join(sorted(lex.surnames1)) + "]")
        self.surname_title = re.compile(f"(?P<sur>{sur})(?P<title>{alt})")
        # 老赵, 小王: a person named by the familiar prefix and a single surname
        self.familiar = re.compile(
            "(?P<title>[老小])(?P<sur>[" + "".join(sorted(lex.surnames1)) + "])")
        self.any_title = re.compile(f"(?P<sur>[\u4e00-\u9fff])(?P<title>{alt})")
        self.long_title = re.compile("|".join(re.escape(t) for t in self.titles if len(t) >= 2))
        self.title_then_name = re.compile(
            f"(?P<title>{'|'.join(re.escape(t) for t in self.titles if len(t) >= 2)})"
            f"{_NAME_INTRO.pattern}(?P<name>(?:{sur})[\u4e00-\u9fff]{{1,2}})")
        self._freq = word_freq

    def _word(self, w: str, floor: int) -> bool:
        return self._freq is not None and self._freq(w) >= floor

    def mentions(self, text: str) -> list[ContactMention]:
        """Surname + title: '王主任', '欧阳主任', '周CTO' (not 施工, 高工资, 这周总)."""
        out: list[ContactMention] = []
        for m in self.surname_title.finditer(text):
            sur, title = m.group("sur"), m.group("title")
            s, e = m.start(), m.end()
            prev = text[s - 1] if s > 0 else ""
            nxt = text[e] if e < len(text) else ""
            if len(sur) == 1 and sur == "周" and prev in "这上下本每":
                continue                                   # 这周总共 …
            if len(title) == 1 and (self._word(sur + title, _COMMON_PAIR_FREQ)
                                    or (nxt and self._word(title + nxt, _COMMON_NEXT_FREQ))):
                continue
            if nxt in _BODY and self._word(title + nxt, _COMMON_NEXT_FREQ):
                continue                    # 开万董事会: 董事会 is a board, 万董事 nobody
            if prev and self._word(prev + sur, _COMMON_NEXT_FREQ) and \
                    not self._word(prev + sur + title, 1) and (
                        len(title) == 1 or (len(sur) == 1 and not (
                            s > 1 and self._word(text[s - 2:s], _COMMON_NEXT_FREQ)))):
                continue    # 人工, 加工: 工 is no surname; 新的工程经理: nor is 程 (跟进程经理
                #             names 程经理: 进 is 跟进's)
            out.append(ContactMention(s, e, text[s:e], sur, title))
        taken = [(c.start, c.end) for c in out]
        for m in self.familiar.finditer(text):
            s, e = m.start(), m.end()
            nxt = text[e] if e < len(text) else ""
            if any(a < e and s < b for a, b in taken) or self._word(m.group(0), 350) or (
                    nxt and self._word(m.group("sur") + nxt, _COMMON_NEXT_FREQ)) or (
                    nxt and is_han(nxt) and self.surname_title.match(text, s + 1)):
                continue                           # 老师, 小时, 老公, 老黄牛, 小王主任
            out.append(ContactMention(s, e, m.group(0), m.group("sur"), m.group("title")))
        out.sort(key=lambda c: c.start)
        return out

    def title_mentions(self, text: str) -> list[ContactMention]:
        """'X主任'-shaped spans with any Han character as X (an ASR homophone of a surname)."""
        return [ContactMention(m.start(), m.end(), m.group(0), m.group("sur"), m.group("title"))
                for m in self.any_title.finditer(text)]

    def names_after_titles(self, text: str) -> list[ContactMention]:
        """A full name written after a title: '采购部经理刘洋', '老板叫何志军' (not '店长邱店长',
        where 邱店长 is itself a mention)."""
        out: list[ContactMention] = []
        for m in self.title_then_name.finditer(text):
            ns = m.start("name")
            if self.surname_title.match(text, ns) or self.surname_title.match(text, ns + 1):
                continue
            name = m.group("name")
            end = ns + len(name)
            if self._word(name[:2], _COMMON_WORD_FREQ) and (
                    self._word(text[end - 1:end + 1], _COMMON_NEXT_FREQ)
                    or (len(name) == 2 and (end >= len(text) or not is_han(text[end])))):
                continue        # 跟老板商量一下: 商量 and 一下 are words (经理王国强说 names one);
                #                 跟董事长商量。: a common word ending the clause is no name
            sur = lexicon().surname_of(name) or name[0]
            given = name[len(sur):]
            cut = next((i for i, c in enumerate(given) if c in _GIVEN_STOP), len(given))
            given = given[:cut]
            if not given or not all(is_han(c) for c in given):
                continue
            if any(text.startswith(t, ns + len(sur) + len(given)) for t in self.titles):
                continue                                  # 刘洋经理: the title follows
            name = sur + given
            e = ns + len(name)
            out.append(ContactMention(ns, e, name, sur, m.group("title"), full_name=name))
        return out


@lru_cache(maxsize=1)
def default_people() -> People:
    """Built-in titles only (no catalog), with jieba's word frequencies as guards."""
    return People(word_freq=base_word_freq)
