"""Catalog resolution: customers, contacts, products (exact, aliases, model codes, pinyin).

`CatalogIndex` compiles a `Catalog` once: a first-character dictionary scan over names and
aliases (fast to build), a folded-pinyin index for ASR homophones
(股楼医院 → 鼓楼医院, 私服驱动器 → 伺服驱动器) and model-code keys (VS300 = VS-300).
Organisation names written in the message (…医院, …有限公司) are detected so that a
near miss (无锡市第二人民医院 vs 无锡市人民医院) stays a new organisation.

Word boundaries that a dictionary scan cannot see come from jieba: each index owns a
`jieba.Tokenizer()` (never jieba's global default one) whose user dictionary holds the
catalog's customer names and aliases, contacts and products at high frequency. It is
built on first need only (a message with a full name before a title, "李明主任", an
organisation span that starts with a verb, "联系宁波新华医院", or an unknown product
behind filler words), so most messages never load jieba; the main dictionary is shared
read-only between tokenizers and read lazily by first character (`nlp/segment.py`).
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nlp.pinyin import is_han, py_keys, py_variants
from nlp.segment import USER_WORD_FREQ, base_word_freq, new_tokenizer
from nlp.types import Catalog, CatalogContact

__all__ = [
    "USER_WORD_FREQ",
    "CatalogIndex",
    "ContactMention",
    "Mention",
    "OrgSpan",
]

_HAN_ANY = re.compile(r"[\u4e00-\u9fff]")
_CLAUSE_PUNCT = re.compile(r"[，,。；;！!？?、\s：:（）()]")


log = logging.getLogger(__name__)

P_EXACT, P_DERIVED, P_PINYIN = 3, 2, 1


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    text: str
    names: tuple[str, ...]          # canonical names (several = ambiguous)
    priority: int


@dataclass(frozen=True, slots=True)
class OrgSpan:
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ContactMention:
    start: int
    end: int
    text: str
    surname: str
    title: str
    full_name: str | None = None    # '李明' in '李明主任' (a name the catalog may not know)


_SURNAMES_2 = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "闻人",
    "轩辕", "澹台", "公冶", "太史", "申屠", "钟离",
)
_SURNAMES_1 = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝封"
)
_TITLES = (
    "副院长", "副主任", "副科长", "副厂长", "副总经理", "副总", "总经理", "总工", "总监",
    "董事长", "护士长",
    "主任", "科长", "院长", "处长", "部长", "经理", "厂长", "老师", "医生", "大夫", "教授",
    "博士", "主管", "书记", "组长", "老板", "助理", "秘书", "总", "工", "董",
)
_CONTACT_RE = re.compile(
    "(?P<sur>" + "|".join(_SURNAMES_2) + "|[" + "".join(sorted(_SURNAMES_1)) + "])"
    "(?P<title>" + "|".join(_TITLES) + ")"
)
_TITLE_BAD_NEXT = {
    "总": set("共是结算体部之计数额量价和裁线包工监经"),
    "工": set("作厂程资人具艺业序作期地会"),
}
_BAD_PAIRS = {"施工", "包工", "童工", "开工", "加工", "复工", "分工", "用工", "全总",
              "单工", "时工", "明工", "和总", "时总", "成工"}

_ORG_SUFFIX = re.compile(
    r"(?:股份有限公司|有限责任公司|集团有限公司|有限公司|股份公司|集团公司|公司|集团|"
    r"附属医院|人民医院|中医医院|中医院|妇幼保健院|保健院|卫生院|医院|研究所|研究院|中心|诊所|门诊部|"
    r"大药房|药房|工作室|(?<![工药])厂(?![长里家区房商址子]))"
)
_ORG_STOP_CHARS = set("是叫在去跟给和与到从的了把对向找见约趟次个说有这那我你他她们问帮建录加增要想"
                      "刚嗯啊呢吧哦呀就也访陪请送带为被让往")
_ORG_STOP_WORDS = ("客户", "线索", "新建", "新增", "叫做", "名字", "单位")
_ORG_LEAD_JUNK = re.compile(
    r"[0-9零〇一二两三四五六七八九十几多每各某]+[家个所间座]|[这那哪][家个所间座]"
)
_GENERIC_ORG = re.compile(
    r"(?:三甲|二甲|公立|民营|私立|大型|小型|社区|附近|本地|当地|其他|别的|各大|省级|市级|县级|区级|"
    r"基层|乡镇|县城|城里|外地|合作|竞品|对方|他们|我们|你们|新的|老的|大的|小的)+"
)
_ORG_TAIL = re.compile(
    r"(?:股份有限公司|有限责任公司|集团有限公司|有限公司|股份公司|集团公司|公司|集团|医院|院)$"
)
_REGION_TAIL = re.compile(r"(省|市|区|县|自治区|自治州)$")
_COMPANY_TAIL = re.compile(
    r"(股份有限公司|有限责任公司|集团有限公司|有限公司|股份公司|集团公司|公司|集团|厂)$"
)
_HOSP_NTH = re.compile(r"^(?P<city>.+?)(?P<shi>市)?第(?P<n>[一二三四五六七八九十]+)人民医院$")
_HOSP_PEOPLE = re.compile(r"^(?P<city>.+?)(?P<shi>市|省)?人民医院$")
_ASCII_ANY = re.compile(r"[A-Za-z0-9]")
_CODE_LIKE = re.compile(r"[A-Za-z0-9\s_-]+")
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]+")
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+(?:[-_ ][A-Za-z0-9]+)*")


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
class _Table:
    """Exact strings and pinyin keys → (canonical names, priority)."""

    exact: dict[str, dict[str, int]] = field(default_factory=dict)
    first_lens: dict[str, list[int]] = field(default_factory=dict)
    pinyin: dict[str, dict[str, int]] = field(default_factory=dict)
    py_first_lens: dict[str, list[int]] = field(default_factory=dict)
    codes: dict[str, dict[str, int]] = field(default_factory=dict)
    pinyin2: dict[str, dict[str, int]] = field(default_factory=dict)

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
        variants = [py_variants(c) for c in key]
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
             protected: list[tuple[int, int]]) -> list[Mention]:
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
                if ln <= 2 and _overlaps(i, i + ln, protected):
                    continue
                found.append(_mention(i, i + ln, text, hit))
        for m in _ASCII_RUN.finditer(text):
            comp = _compact(m.group(0))
            hit = self.codes.get(comp)
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
                if hit and _short_context(text, i) and not _overlaps(i, i + 2, protected):
                    found.append(Mention(i, i + 2, text[i: i + 2], tuple(hit), P_PINYIN))
        return _select(found)


_SHORT_NEXT = re.compile(r"那边|这边|公司|厂|的|项目|那个|这个|这单|那单")


def _short_context(text: str, i: int) -> bool:
    """A two-character homophone counts only where a name is expected: before a person or
    '那边/的' ('华藤陈总', '博源那边'), or after a verb of going ('去流院', '从流院出来')."""
    pos = i + 2
    if _SHORT_NEXT.match(text, pos) or _CONTACT_RE.match(text, pos):
        return True
    return i > 0 and text[i - 1] in "去到在从跟给和找" and \
        bool(_SHORT_AFTER_GO.match(text, pos))


_SHORT_AFTER_GO = re.compile(r"拜访|见|出来|开会|谈|聊|签|送|演示|做|，|,|。|$")


def _mention(s: int, e: int, text: str, hit: dict[str, int]) -> Mention:
    best = max(hit.values())
    names = tuple(k for k, v in hit.items() if v == best)
    return Mention(s, e, text[s:e], names, best)


def _overlaps(s: int, e: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < b and a < e for a, b in spans)


def _select(found: list[Mention]) -> list[Mention]:
    """Non-overlapping mentions: longer first, then higher priority, then earlier."""
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


def derived_aliases(name: str, region: str) -> set[str]:
    """Short forms a rep would say for a catalog customer that the catalog may not list."""
    out: set[str] = set()
    if "市" in name or "省" in name:
        out.add(name.replace("市", "").replace("省", ""))
    stripped = _strip_region(name, region)
    for core in [name, *stripped]:
        out.add(core)
        m = _COMPANY_TAIL.search(core)
        if m:
            body = core[: m.start()]
            if len(body) >= 2:
                out.add(body)
                # 字号 (trade name): the two characters after the region
                if core is not name and len(body) >= 4:
                    out.add(body[:2])
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
    return {a for a in out if len(a) >= 2 and _distinctive(a)}


_GENERIC_TAIL = re.compile(
    r"(?:第[一二三四五六七八九十]+)?(?:人民医院|中医医院|中医院|附属医院|医院|股份有限公司|有限责任公司|"
    r"有限公司|公司|集团|科技|电子|机械|设备|自动化)*$"
)


def _distinctive(alias: str) -> bool:
    """A derived alias must keep a proper-name part: not '人民医院', '第一人民医院'."""
    core = _GENERIC_TAIL.sub("", alias)
    return len(core) - sum(core.count(c) for c in "省市区县") >= 2


class CatalogIndex:
    """Compiled catalog: build once per catalog, reuse for every message."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.customers = _Table()
        self.products = _Table()
        self.regions: dict[str, str] = {}
        self._refs: dict[str, str] = {
            c.name: c.name + c.region + "".join(c.aliases) for c in catalog.customers
        }
        seen_alias: dict[str, set[str]] = {}
        for c in catalog.customers:
            self.regions[c.name] = c.region
            self.customers.add(c.name, c.name, P_EXACT)
            for a in c.aliases:
                self.customers.add(a, c.name, P_EXACT)
            for a in derived_aliases(c.name, c.region):
                seen_alias.setdefault(a, set()).add(c.name)
        for a, owners in seen_alias.items():
            if a.lower() in self.customers.exact or len(owners) > 2:
                continue
            for o in owners:
                self.customers.add(a, o, P_DERIVED)
        for p in catalog.products:
            self.products.add(p.name, p.name, P_EXACT)
            for a in p.aliases:
                self.products.add(a, p.name, P_EXACT)
        self.customers.finish()
        self.products.finish()
        self.contacts_by_customer: dict[str, list[CatalogContact]] = {}
        self.contact_names: dict[str, list[CatalogContact]] = {}
        self.contact_aliases: dict[str, list[CatalogContact]] = {}
        for ct in catalog.contacts:
            self.contacts_by_customer.setdefault(ct.customer, []).append(ct)
            self.contact_names.setdefault(ct.name, []).append(ct)
            for a in ct.aliases:
                self.contact_aliases.setdefault(a, []).append(ct)
        self._cname_first: dict[str, list[int]] = {}
        for nm in self.contact_names:
            if nm:
                self._cname_first.setdefault(nm[0], []).append(len(nm))
        for k, v in self._cname_first.items():
            self._cname_first[k] = sorted(set(v), reverse=True)
        self.customer_names = [c.name for c in catalog.customers]
        self._py_names_cache: list[tuple[str, str, str]] | None = None
        self._tokenizer: Any = None
        self._tk_lock = threading.Lock()
        self._jieba_failed = False

    # ---------------------------------------------------------------- jieba
    def user_words(self) -> list[str]:
        """The catalog's words for jieba: customers (names, aliases, derived short forms),
        contacts (names, aliases) and products (names, aliases)."""
        words: list[str] = list(self.customers.exact)
        words += self.products.exact
        for ct in self.catalog.contacts:
            words.append(ct.name)
            words.extend(ct.aliases)
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
        if self._jieba_failed:
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

    def _catalog_word(self, w: str) -> bool:
        return w in self.customers.exact or w in self.products.exact

    def _name_like(self, w: str, *, common_ok: bool = False) -> bool:
        """A person's full name: surname + 1-2 given-name characters, not an ordinary word."""
        if w in self.contact_names:
            return True
        if not 2 <= len(w) <= 4 or not all(is_han(c) for c in w):
            return False
        if w[:2] in _SURNAMES_2 and len(w) >= 3:
            given = w[2:]
        elif w[0] in _SURNAMES_1 and len(w) <= 3:
            given = w[1:]
        else:
            return False
        if any(c in _NAME_BAD_CHARS for c in given) or self._catalog_word(w):
            return False
        return common_ok or base_word_freq(w) <= _COMMON_WORD_FREQ

    def named_contacts(self, text: str,
                       protected: Iterable[tuple[int, int]] = ()) -> list[ContactMention]:
        """'李明主任', '张晓红主任': a full name written right before a title (jieba finds
        where the name starts: 李明 + 主任, not 李 + 明主任)."""
        return self._title_names(text, protected)[0]

    def _title_names(self, text: str, protected: Iterable[tuple[int, int]] = ()
                     ) -> tuple[list[ContactMention], list[tuple[int, int]]]:
        """Full names before titles, and the common words that end right before a title
        ('安全' in 安全主任: 全 is no surname there)."""
        spans = list(protected)
        out: list[ContactMention] = []
        words: list[tuple[int, int]] = []
        for m in _TITLE_RE.finditer(text):
            ts = m.start()
            if not _name_hint(text, ts):
                continue
            ws = ts
            while ws > 0 and not _CLAUSE_PUNCT.match(text[ws - 1]) and ts - ws < 12:
                ws -= 1
            toks = self.cut(text[ws: m.end()])
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
            if _overlaps(s, ts, spans):
                continue
            sur = name[:2] if name[:2] in _SURNAMES_2 and len(name) >= 3 else name[0]
            out.append(ContactMention(s, m.end(), text[s: m.end()], sur, m.group(0),
                                      full_name=name))
        return out, words

    def homophone_contact(self, name: str, customer: str) -> str | None:
        """The contact at `customer` whose full name sounds like `name` (ASR: 陈丽 → 陈立)."""
        hits = [c.name for c in self.contacts_by_customer.get(customer, [])
                if len(c.name) == len(name) and c.name[0] == name[0] and all(
                    set(py_variants(x)) & set(py_variants(y))
                    for x, y in zip(c.name[1:], name[1:], strict=True))]
        return hits[0] if len(hits) == 1 else None

    def contact_mentions(self, text: str,
                         protected: Iterable[tuple[int, int]] = ()) -> list[ContactMention]:
        """'王主任'-style mentions, widened to the full name where one is written."""
        plain = find_contact_mentions(text)
        named, words = self._title_names(text, protected)
        if not named and not words:
            return plain
        out = [cm for cm in plain if not any(n.start <= cm.start < n.end for n in named)
               and not any(a <= cm.start < b for a, b in words)]
        out.extend(named)
        out.sort(key=lambda c: c.start)
        return out

    def trim_org(self, text: str, org: OrgSpan) -> OrgSpan:
        """Drop the verb or verb ending that the character scan took into an organisation
        name ('联系宁波新华医院', '约好宁波新华医院', '跟进宁波新华医院' → 宁波新华医院;
        '合肥…医院', '上海…', '通州…' keep their place name: jieba tells the words apart)."""
        if org.text[:1] not in _ORG_SUSPECT_FIRST or self._catalog_word(org.text):
            return org
        ctx = max(0, org.start - 2)            # the word the scan cut into: 约|好, 跟|进
        toks = self.cut(text[ctx: org.end])
        start = org.start
        for a, b, _tok in toks:
            if ctx + a < org.start < ctx + b:
                start = ctx + b
                break
        for a, b, tok in toks:
            if ctx + a < start:
                continue
            if ctx + a == start and (tok in _LEAD_VERBS or (
                    tok in _VERB_ENDINGS and start > 0 and is_han(text[start - 1]))):
                start = ctx + b
        if start == org.start:
            return org
        body = _ORG_SUFFIX.search(text, start, org.end)
        if body is None or body.start() - start < 2:
            return org
        return OrgSpan(start, org.end, text[start: org.end])

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

    # ---------------------------------------------------------------- customers
    def find_customers(self, text: str, low: str, syl: list[str],
                       protected: list[tuple[int, int]]) -> list[Mention]:
        return self.customers.scan(text, low, syl, protected)

    def find_products(self, text: str, low: str, syl: list[str],
                      protected: list[tuple[int, int]]) -> list[Mention]:
        return self.products.scan(text, low, syl, protected)

    def consistent_with(self, mention: Mention, org: OrgSpan, canonical: str) -> bool:
        """Is the organisation span `org` (containing `mention`) really that customer?"""
        if org.text in (canonical,) or org.text.lower() in self.customers.exact:
            return True
        ref = self._refs.get(canonical, canonical)
        prefix = org.text[: mention.start - org.start]
        suffix = org.text[mention.end - org.start:]
        suffix = _ORG_TAIL.sub("", suffix)
        if suffix and suffix not in ref:
            return False
        if not prefix or all(ch in ref for ch in prefix):
            return True
        if mention.end == org.end:
            # the whole name was matched: words before it are the sentence, unless they
            # end in another place name ('北京市' + 中山医院)
            m = re.search(r"[\u4e00-\u9fff]{1,4}(?:省|市|区|县)$", prefix)
            return m is None or m.group(0) in ref
        return False

    # ---------------------------------------------------------------- contacts
    def find_contact_names(self, text: str) -> list[tuple[int, int, str]]:
        out: list[tuple[int, int, str]] = []
        n = len(text)
        i = 0
        while i < n:
            lens = self._cname_first.get(text[i])
            hit = False
            if lens:
                for ln in lens:
                    if text[i: i + ln] in self.contact_names and i + ln <= n:
                        out.append((i, i + ln, text[i: i + ln]))
                        i += ln
                        hit = True
                        break
            if not hit:
                i += 1
        return out

    def resolve_contact(self, cm: ContactMention, customer: str | None,
                        customer_known: bool) -> str | None:
        """Canonical contact name for a '王主任'-style mention, or None."""
        if customer is not None and not customer_known:
            return None
        pool = (self.contacts_by_customer.get(customer, []) if customer_known and customer
                else list(self.catalog.contacts))
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
        homo = [c for c in pool
                if _title_ok(cm.title, c) and _keyset(_surname(c)) & sk]
        if len(homo) == 1:
            return homo[0].name
        return None

    # ---------------------------------------------------------------- fuzzy
    def _py_names(self) -> list[tuple[str, str, str]]:
        """(pinyin, surface, canonical) of every customer name and alias, built on first use."""
        if self._py_names_cache is None:
            self._py_names_cache = [
                ("".join(py_keys(s)), s, c.name)
                for c in self.catalog.customers for s in (c.name, *c.aliases)
            ]
        return self._py_names_cache

    def rank_customers(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """Ranked customer names for a short answer (aliases, fuzzy, pinyin)."""
        from rapidfuzz import fuzz  # only the dialog's short answers need it

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


def _surname(c: CatalogContact) -> str:
    for s2 in _SURNAMES_2:
        if c.name.startswith(s2):
            return s2
    return c.name[:1]


def _keyset(s: str) -> set[str]:
    return {"".join(p) for p in itertools.product(*(py_variants(ch) for ch in s))} if s else set()


def _title_ok(title: str, c: CatalogContact) -> bool:
    if title in c.title or (c.title and c.title in title):
        return True
    for a in c.aliases:
        at = a[1:] if a else ""
        for s2 in _SURNAMES_2:
            if a.startswith(s2):
                at = a[2:]
        if at and (at == title or at.startswith(title) or title.startswith(at)):
            return True
    return title in ("总",) and ("总" in c.title or "经理" in c.title)


def is_surname_start(name: str) -> bool:
    return name[:1] in _SURNAMES_1 or name[:2] in _SURNAMES_2


_TITLE_RE = re.compile("|".join(t for t in _TITLES if len(t) >= 2))
_NAME_BAD_CHARS = set(
    "科部处室委院组办局厅司厂所站队班会校系车间线区市省县镇村医护员人们的了是在和与跟给把被让"
    "对向从到说问找约见去来个位这那每各某其他她我你咱"
)
_NOT_NAME_START = set("和于向")     # function words first: no jieba for 和王主任
_COMMON_WORD_FREQ = 2000      # an ordinary word in jieba's dictionary, not a name (白雪 1572)
_LEAD_VERBS = frozenset((
    "联系", "联络", "电联", "看看", "看", "约", "约好", "约见", "对接", "走访",
    "拜会", "回访", "通知", "告诉", "咨询", "推荐", "介绍", "签约", "签", "谈",
    "谈谈", "聊聊", "聊", "接触", "跑", "跑了", "跟进", "考察", "参观", "调研",
    "沟通", "合作", "打", "问问", "见见", "送", "送到", "发给", "去过", "拜访",
    "认识", "接洽", "对口", "服务",
))
_PRODUCT_MODIFIERS = frozenset((
    "新", "新款", "新型", "最新", "新一代", "高端", "低端", "中端", "好", "好点", "便宜", "贵",
    "大", "小", "国产", "进口", "一批", "一套", "一台", "几台", "两台", "一些", "一点",
))
_VERB_ENDINGS = frozenset((
    "上", "下", "下来", "过", "好", "到", "完", "通", "进", "成", "掉", "起", "回", "来", "住",
    "了", "着", "一下", "一趟",
))
_ORG_SUSPECT_FIRST = frozenset(w[0] for w in _LEAD_VERBS) | frozenset(
    w[0] for w in _VERB_ENDINGS) | frozenset("接")


def _name_hint(text: str, ts: int) -> bool:
    """Cheap test before jieba: could a 2-4 character full name end at `ts`?"""
    for k in (2, 3, 4):
        s = ts - k
        if s < 0:
            return False
        seg = text[s:ts]
        if not is_han(seg[0]):
            return False
        if seg[:2] in _SURNAMES_2 and k >= 3:
            return True
        if k <= 3 and seg[0] in _SURNAMES_1 and seg[0] not in _NOT_NAME_START:
            return True
    return False


def find_contact_mentions(text: str) -> list[ContactMention]:
    out: list[ContactMention] = []
    for m in _CONTACT_RE.finditer(text):
        sur, title = m.group("sur"), m.group("title")
        s, e = m.start(), m.end()
        nxt = text[e] if e < len(text) else ""
        prev = text[s - 1] if s > 0 else ""
        if title in _TITLE_BAD_NEXT and nxt in _TITLE_BAD_NEXT[title]:
            continue
        if sur + title in _BAD_PAIRS or prev + sur in _BAD_PAIRS:
            continue
        if len(sur) == 1 and prev in "这上下本每" and sur == "周":
            continue
        if title in ("总", "工", "董") and prev and prev in _SURNAMES_1 and s >= 1 and \
                text[s - 1: s + 1] in ("人工",):
            continue
        out.append(ContactMention(s, e, text[s:e], sur, title))
    return out


_ANY_TITLE_RE = re.compile("(?P<sur>[\u4e00-\u9fff])(?P<title>" + "|".join(_TITLES) + ")")


def find_title_mentions(text: str) -> list[ContactMention]:
    """'X主任'-shaped spans with any Han character as X (for ASR homophones of a surname)."""
    out: list[ContactMention] = []
    for m in _ANY_TITLE_RE.finditer(text):
        out.append(ContactMention(m.start(), m.end(), m.group(0), m.group("sur"), m.group("title")))
    return out


def find_org_spans(text: str,
                   protected: Iterable[tuple[int, int]] = ()) -> list[OrgSpan]:
    """Organisation names as written: '…医院', '…有限公司' with a name part before them."""
    out: list[OrgSpan] = []
    stops = {b for _a, b in protected}
    for m in _ORG_SUFFIX.finditer(text):
        end = m.end()
        nxt = _ORG_SUFFIX.match(text, end)
        while nxt is not None and nxt.end() > end:       # 中心+医院, 集团+有限公司
            end = nxt.end()
            nxt = _ORG_SUFFIX.match(text, end)
        i = m.start()
        while i > 0:
            ch = text[i - 1]
            if not is_han(ch) or ch in _ORG_STOP_CHARS or i in stops:
                break
            if any(text[max(0, i - len(w)): i] == w for w in _ORG_STOP_WORDS):
                break
            i -= 1
        # numerals and measure words are not part of a name ('三家医院', '两个公司')
        lead = _ORG_LEAD_JUNK.match(text, i, m.start())
        if lead:
            i = lead.end()
        # the suffix itself may hold stop characters ('有限公司'); the name part needs 2+ chars
        if m.start() - i < 2 or _GENERIC_ORG.fullmatch(text, i, m.start()):
            continue
        if out and out[-1].end > i:
            continue
        out.append(OrgSpan(i, end, text[i:end]))
    return out
