"""Catalog names as a scan table: exact strings, derived short forms, model codes and
folded pinyin keys → canonical names.

`NameTable` is built once per catalog (a first-character dictionary: fast to build) and
scanned per message; `derived_aliases` gives the short forms a rep says for a catalog
customer that the catalog may not list (字号 after the region, 鼓楼 for 鼓楼医院, X市N院).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from nlp.lexicon import lexicon
from nlp.pinyin import is_han, py_variants
from nlp.segment import base_word_freq, plain_words
from nlp.timeparse import cn_to_int

__all__ = [
    "P_DERIVED",
    "P_EXACT",
    "P_PINYIN",
    "P_SOUND",
    "Mention",
    "NameTable",
    "derived_aliases",
    "overlaps",
    "product_short_forms",
    "select_mentions",
]

P_EXACT, P_DERIVED, P_PINYIN, P_SOUND = 3, 2, 1, 0


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    text: str
    names: tuple[str, ...]          # canonical names (several = ambiguous)
    priority: int


class PersonAt(Protocol):
    def __call__(self, text: str, pos: int) -> bool: ...


_ASCII_ANY = re.compile(r"[A-Za-z0-9]")
_CODE_LIKE = re.compile(r"[A-Za-z0-9\s_-]+")
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]+")
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+(?:[-_ ][A-Za-z0-9]+)*")
# a model code said with Chinese numerals: 'PB三十' = PB-30, 'ESP八' = ESP-8
_CODE_CN = re.compile(
    r"(?<![A-Za-z])(?P<a>[A-Za-z]{1,6})-?(?P<n>[零〇一二两三四五六七八九十]{1,4})")


def _compact(code: str) -> str:
    return re.sub(r"[^a-z0-9]", "", code.lower())


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _same_class(a: str, b: str) -> bool:
    """Two ASCII characters that would run together into one token (PLC|X, 200|0)."""
    if not (_is_ascii_alnum(a) and _is_ascii_alnum(b)):
        return False
    return a.isdigit() == b.isdigit()


@dataclass(slots=True)
class NameTable:
    """Exact strings and pinyin keys → (canonical names, priority)."""

    exact: dict[str, dict[str, int]] = field(default_factory=dict)
    first_lens: dict[str, list[int]] = field(default_factory=dict)
    pinyin: dict[str, dict[str, int]] = field(default_factory=dict)
    py_first_lens: dict[str, list[int]] = field(default_factory=dict)
    codes: dict[str, dict[str, int]] = field(default_factory=dict)
    pinyin2: dict[str, dict[str, int]] = field(default_factory=dict)
    # names said after a count (一批稻种, 两台X): products. There a two-character toneless
    # homophone counts too (一批道种 → 稻种), as it does where a customer is expected
    counted: bool = False

    _fl: dict[str, set[int]] = field(default_factory=dict)
    _pl: dict[str, set[int]] = field(default_factory=dict)

    def add(self, key: str, canonical: str, priority: int) -> None:
        key = key.strip()
        if not key:
            return
        low = key.lower()
        slot = self.exact.get(low)
        if slot is None:
            slot = self.exact[low] = {}
            self._fl.setdefault(low[0], set()).add(len(low))
        if slot.get(canonical, 0) < priority:
            slot[canonical] = priority
        if _ASCII_ANY.search(key):
            comp = _compact(key)
            if len(comp) >= 2 and _CODE_LIKE.fullmatch(key):
                cs = self.codes.setdefault(comp, {})
                cs[canonical] = max(cs.get(canonical, 0), priority)
            return
        if not _HAN_ONLY.fullmatch(key):
            return
        n = len(key)
        if n < 2 or n > 10:
            return
        # a character's first two readings: a rare third (台 read sì) makes false homophones
        # (会议台 would sound like 会议室)
        variants = [py_variants(c)[:2] for c in key]
        table = self.pinyin2 if n == 2 else self.pinyin
        if all(len(v) == 1 for v in variants):
            keys = [" ".join(v[0] for v in variants)]
        else:
            keys = [" ".join(c) for c in itertools.islice(itertools.product(*variants), 4)]
        for k in keys:
            slot = table.get(k)
            if slot is None:
                table[k] = {canonical: P_PINYIN}
            else:
                slot[canonical] = P_PINYIN
        if n > 2:
            pl = self._pl
            for v0 in variants[0]:
                if v0 in pl:
                    pl[v0].add(n)
                else:
                    pl[v0] = {n}

    def finish(self) -> None:
        self.first_lens = {c: sorted(v, reverse=True) for c, v in self._fl.items()}
        self.py_first_lens = {c: sorted(v, reverse=True) for c, v in self._pl.items()}

    def scan(self, text: str, low: str, syl: list[str] | None,
             protected: list[tuple[int, int]], person_at: PersonAt | None = None
             ) -> list[Mention]:
        """Catalog names in `text`: exact and derived strings, model codes, pinyin keys."""
        found: list[Mention] = []
        n = len(text)
        for i in range(n):
            lens = self.first_lens.get(low[i])
            if not lens:
                continue
            for ln in lens:
                if i + ln > n:
                    continue
                key = low[i: i + ln]
                hit = self.exact.get(key)
                if hit is None:
                    continue
                if i > 0 and _same_class(key[0], low[i - 1]):
                    continue
                if i + ln < n and _same_class(key[-1], low[i + ln]):
                    continue
                if ln <= 2 and overlaps(i, i + ln, protected):
                    continue
                found.append(_mention(i, i + ln, text, hit))
        for m in _ASCII_RUN.finditer(text):
            comp = _compact(m.group(0))
            hit = self.codes.get(comp)
            if hit:
                found.append(_mention(m.start(), m.end(), text, hit))
        if self.codes:
            for m in _CODE_CN.finditer(text):
                v = cn_to_int(m.group("n"))
                hit = self.codes.get(_compact(m.group("a")) + str(v)) if v is not None else None
                if hit:
                    found.append(_mention(m.start(), m.end(), text, hit))
        if syl is not None and (self.pinyin or self.pinyin2):
            run = [0] * (n + 1)            # Han characters in a row from i
            for i in range(n - 1, -1, -1):
                run[i] = run[i + 1] + 1 if is_han(text[i]) else 0
            for i in range(n):
                if run[i] < 2:
                    continue
                lens = self.py_first_lens.get(syl[i])
                if lens:
                    for ln in lens:
                        if ln > run[i]:
                            continue
                        hit = self.pinyin.get(" ".join(syl[i: i + ln]))
                        if hit:
                            found.append(Mention(i, i + ln, text[i: i + ln], tuple(hit),
                                                 P_PINYIN))
                hit = self.pinyin2.get(syl[i] + " " + syl[i + 1]) if self.pinyin2 else None
                if hit and (short_context(text, i, person_at, going=not self.counted) or (
                        self.counted and after_count(text, i))) and \
                        not overlaps(i, i + 2, protected):
                    found.append(Mention(i, i + 2, text[i: i + 2], tuple(hit), P_PINYIN))
        return select_mentions(found)


_SHORT_NEXT = re.compile(r"那边|这边|公司|厂|的|项目|那个|这个|这单|那单")


def short_context(text: str, i: int, person_at: PersonAt | None = None,
                  going: bool = True) -> bool:
    """A two-character homophone counts only where a name is expected: before a person or
    '那边/的' ('华藤陈总', '博源那边'), or after a verb of going ('去流院', '从流院出来'),
    where one goes to a customer, never to a product (``going`` False: 送到梧州 names no
    五轴)."""
    pos = i + 2
    if _SHORT_NEXT.match(text, pos) or (person_at is not None and person_at(text, pos)):
        return True
    return going and i > 0 and text[i - 1] in "去到在从跟给和找" and \
        bool(_SHORT_AFTER_GO.match(text, pos))


# a count right before: a number (digits, numerals, 几) and a measure word
_COUNT_BEFORE = re.compile(r"(?:[0-9]+|[零一二两三四五六七八九十百千万几]+)\s*"
                           r"(?:批|台|套|箱|吨|件|盒|支|瓶|袋|包|桶|罐|卷|组|车|片|张|块|亩|斤|公斤|千克)$")


def after_count(text: str, i: int) -> bool:
    """`text[i:]` follows a count (一批, 两台, 50吨): where a product is named."""
    return bool(_COUNT_BEFORE.search(text, max(0, i - 8), i))


_SHORT_AFTER_GO = re.compile(r"拜访|见|出来|开会|谈|聊|签|送|演示|做|，|,|。|$")


def _mention(s: int, e: int, text: str, hit: dict[str, int]) -> Mention:
    best = max(hit.values())
    names = tuple(k for k, v in hit.items() if v == best)
    return Mention(s, e, text[s:e], names, best)


def overlaps(s: int, e: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < b and a < e for a, b in spans)


def select_mentions(found: list[Mention]) -> list[Mention]:
    """Non-overlapping mentions: a catalog string beats a pinyin match that overlaps it
    unless the pinyin match is 2+ characters longer ('机滤一起' is 机滤, not 记录仪;
    '海悦弯酒店' is 海悦湾酒店, not 海悦); then longer first, higher priority, earlier."""
    exact = [m for m in found if m.priority > P_PINYIN]
    found = [m for m in found if m.priority > P_PINYIN or not any(
        m.start < x.end and x.start < m.end and (m.end - m.start) - (x.end - x.start) < 2
        for x in exact)]
    found.sort(key=lambda m: (-(m.end - m.start), -m.priority, m.start))
    chosen: list[Mention] = []
    for m in found:
        if any(m.start < c.end and c.start < m.end for c in chosen):
            continue
        chosen.append(m)
    chosen.sort(key=lambda m: m.start)
    return chosen


def _strip_region(name: str, region: str) -> list[str]:
    parts = re.findall(r".+?(?:自治区|自治州|省|市|区|县)", region or "")
    out: list[str] = []
    cur = name
    changed = True
    while changed:
        changed = False
        for p in parts:
            for form in (p, _REGION_TAIL.sub("", p)):
                if form and len(form) >= 2 and cur.startswith(form) and len(cur) - len(form) >= 2:
                    cur = cur[len(form):]
                    out.append(cur)
                    changed = True
                    break
    return out


def derived_aliases(name: str, region: str, aliases: Iterable[str] = ()) -> set[str]:
    """Short forms a rep would say for a catalog customer that the catalog may not list:
    the name without 市/省 or its region, without its organisation suffix (鼓楼医院 → 鼓楼,
    鹭岛大酒店 → 鹭岛) and without the industry words before it (海辰水产食品 → 海辰, an alias
    万科物业 → 万科), the 字号 after the region, and X市N院 / X人医 for numbered and people's
    hospitals."""
    return set(_derived(name, region or "", tuple(aliases)))


@lru_cache(maxsize=32768)
def _derived(name: str, region: str, aliases: tuple[str, ...]) -> frozenset[str]:
    """`derived_aliases`, kept per customer (the name index and the sound matcher both ask)."""
    lex = lexicon()
    out: set[str] = set()
    if "市" in name or "省" in name:
        out.add(_CITY_WORD.sub("", name))
    stripped = _strip_region(name, region)
    for core in [name, *stripped, *aliases]:
        out.add(core)
        tail = lex.org_tail(core)
        if tail is None:
            bare = _strip_industry(core)     # 万科物业 → 万科, 德胜建设 → 德胜
            if bare != core and len(bare) >= 2:
                out.add(bare)
            continue
        body = core[: -len(tail)]
        for form in (body, _strip_industry(body)):
            if len(form) >= 2 and (not _PLACE_ONLY.search(form) or _GOVERNMENT.search(tail)):
                out.add(form)       # 宝山区 of 宝山区妇幼保健院 is the district, no short form;
                #                     小榄镇 of 小榄镇人民政府 is the place's own government
        if core in stripped and len(body) >= 4 and _COMPANY_TAIL.search(core):
            out.add(body[:2])                # 字号 (trade name): two characters after the region
            out.add(body[:4])
    regions = set(re.findall(r".+?(?:自治区|自治州|省|市|区|县)", region or ""))
    regions |= {_REGION_TAIL.sub("", r) for r in regions}
    out -= regions
    m = _HOSP_NTH.match(name)
    if m:
        city, n = m.group("city"), m.group("n")
        out |= {f"{city}{n}院", f"{city}市{n}院", f"{city}第{n}医院"}
    m = _HOSP_PEOPLE.match(name)
    if m:
        city = m.group("city")
        out |= {f"{city}人医", f"{city}{m.group('shi') or ''}人医", f"{city}人民医院"}
    out.discard(name)
    out.difference_update(aliases)
    return frozenset(a for a in out if len(a) >= 2 and _distinctive(a))


_PRODUCT_HEADS = ("系统", "模块", "平台", "软件", "服务", "设备", "产品", "课程")
_TAIL_MIN = 3              # a product's kind said alone: 计量泵, never 轮胎 of 雪地轮胎
_SHORT_FREQ = 100          # what is left must be a word jieba hardly knows (收银, not 学习)
# how a product is delivered, not which one it is (线上平台 is no 线上)
_MODE_WORDS = frozenset(("线上", "线下", "在线", "云端", "移动", "远程", "微信", "手机", "网上",
                         "数字", "智慧", "电子", "网络"))


def product_short_forms(name: str, aliases: Iterable[str] = ()) -> set[str]:
    """Short forms a rep says for a catalog product: its name or an alias without the generic
    head word (收银系统 → 收银, 班组长课程 → 班组长), where what is left has two or more
    characters and is specific (a word jieba hardly knows: never 学习 of 学习平台); and the
    name's kind without its leading words, three characters or more (隔膜计量泵 → 计量泵,
    全钢子午线轮胎 → 子午线轮胎; never a common word, 机器人 of 骨科手术机器人, nor a
    generic head's, 营销模块 of 会员营销模块). The caller keeps a form only where one
    product has it."""
    aliases = tuple(aliases)
    out: set[str] = set()
    words = plain_words(name)
    for k in range(1, len(words)):      # the kind without its first modifier: 隔膜计量泵 → 计量泵
        tail = "".join(words[k:])
        if len(tail) >= _TAIL_MIN and len(words[k]) >= 2 and is_han(tail[0]) \
                and not tail.endswith(_PRODUCT_HEADS) and base_word_freq(tail) < _SHORT_FREQ:
            out.add(tail)
    for form in (name, *aliases):
        for head in _PRODUCT_HEADS:
            rest = form[: -len(head)]
            if form.endswith(head) and len(rest) >= 2 and not rest.isascii() \
                    and base_word_freq(rest) < _SHORT_FREQ and rest not in _MODE_WORDS \
                    and rest not in lexicon().industry_words:
                out.add(rest)
    out.discard(name)
    out.difference_update(aliases)
    return out


def product_de_forms(name: str) -> set[str]:
    """A product's name said with 的 before its kind (永磁变频的空压机 for 永磁变频空压机):
    between two of its words, each side two characters or more."""
    words = plain_words(name)
    out: set[str] = set()
    for k in range(1, len(words)):
        head, tail = "".join(words[:k]), "".join(words[k:])
        if len(head) >= 2 and len(tail) >= 2 and is_han(head[-1]) and is_han(tail[0]):
            out.add(f"{head}的{tail}")
    return out


def _strip_industry(body: str) -> str:
    """'海辰水产食品' → '海辰': industry words at the end say what, not who."""
    lex = lexicon()
    while True:
        w = lex.industry_tail(body)
        if w is None or len(body) - len(w) < 2:
            return body
        body = body[: -len(w)]


_REGION_TAIL = re.compile(r"(省|市|区|县|自治区|自治州)$")
_PLACE_ONLY = re.compile(r"(?:省|市|区|县|镇|乡|自治州)$")
_GOVERNMENT = re.compile(r"政府|管委会|办事处|委员会")
_CITY_WORD = re.compile(r"[省市](?![政场民容区辖])")       # not 市政, 市场 …
_COMPANY_TAIL = re.compile(
    r"(股份有限公司|有限责任公司|集团有限公司|有限公司|股份公司|集团公司|公司|集团|厂)$")
_HOSP_NTH = re.compile(r"^(?P<city>.+?)(?P<shi>市)?第(?P<n>[一二三四五六七八九十]+)人民医院$")
_HOSP_PEOPLE = re.compile(r"^(?P<city>.+?)(?P<shi>市|省)?人民医院$")
_ORDINAL = re.compile(r"第?[一二三四五六七八九十0-9]+$")


def _distinctive(alias: str) -> bool:
    """A derived alias must keep a proper-name part: not '人民医院', '第一人民医院', '中心'."""
    lex = lexicon()
    core = alias
    changed = True
    while changed and core:
        changed = False
        t = lex.generic_tail(core)
        if t is not None or core in lex.org_suffixes or core in lex.industry_words:
            core = core[: -len(t)] if t is not None else ""
            changed = True
        core2 = _ORDINAL.sub("", core)
        if core2 != core:
            core, changed = core2, True
    for w in ("人民", "附属", "中心", "第"):
        core = core.replace(w, "")
    return len(core) - sum(core.count(c) for c in "省市区县") >= 2
