"""Organisation names as written in a message: a name part plus an organisation suffix
("临沂金鼎建材有限公司", "乐山市市场监督管理局", "向阳家庭农场", "鱼丸店").

Suffixes, sub-units and departments come from nlp/data/org_suffixes.txt. Where the name
starts is decided on word boundaries (jieba, through the catalog's tokenizer): the name
runs back from the suffix to the last function word, lead-in verb or CRM word
("帮我加个线索啊|乐山市…", "联系|宁波新华医院"), so a name that contains 建, 和 or 向
(金鼎建材, 和平医院, 向阳农场) is not cut there. Without jieba the old character stops apply.

- a department after an organisation is not the organisation ("…管理局信息科的冉科长",
  "漳州海湾大酒店餐饮部", "某大学 后勤处 孙老师" → the first organisation);
- a sub-unit stays part of the name ("…税务局第二税务所", "蜀通银行绵阳分行");
- a name of industry words only is no name ("一家纺织厂"), and "一家纺织厂叫华美" names 华美.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from nlp.lexicon import lexicon
from nlp.pinyin import is_han
from nlp.segment import base_word_freq

__all__ = ["Cut", "OrgFinder", "OrgSpan", "default_orgs"]

Cut = Callable[[str], list[tuple[int, int, str]]]     # text → (start, end, token)


@dataclass(frozen=True, slots=True)
class OrgSpan:
    start: int
    end: int
    text: str
    suffix: str = ""


# Words that end the run of words before an organisation name: function words, pronouns,
# lead-in verbs and the CRM's own words ("帮我加个线索啊|…", "去了|…", "联系|…").
STOP_TOKENS = frozenset((
    "是", "就是", "叫", "叫做", "名叫", "在", "去", "去了", "到", "跟", "给", "和", "同",
    "从", "的", "了", "把", "对", "向", "找", "见", "约", "说", "有", "有个", "有家", "有一家",
    "这", "那", "这个", "那个", "这家", "那家", "一家", "一个", "帮", "帮我", "帮忙", "我", "你",
    "他", "她", "们", "我们", "他们", "你们", "咱们", "问", "请", "为", "被", "让", "往", "刚",
    "刚才", "刚刚", "就", "也", "都", "还", "再", "又", "嗯", "啊", "呢", "吧", "哦", "呀", "哈",
    "个", "趟", "次", "下", "一下", "记", "记一下", "录", "录个", "录入", "建", "建个", "新建",
    "新增", "添加", "加", "加个", "加新", "登记", "创建", "新", "客户", "新客户", "线索", "新线索",
    "商机", "单位", "名字", "叫做", "今天", "明天", "昨天", "上午", "下午", "晚上", "早上",
    "联系", "联络", "电联", "看看", "看", "约好", "约见", "对接", "走访", "拜会", "回访",
    "通知", "告诉", "推荐", "介绍", "签约", "签", "谈", "谈谈", "聊聊", "聊", "接触",
    "跑", "跑了", "跟进", "考察", "参观", "调研", "沟通", "打", "问问", "见见", "送",
    "送到", "运到", "拉到", "寄到", "发到", "发给", "去过", "拜访", "认识", "接洽", "想", "要",
    "想要", "需要", "来", "得",
    "过去", "回来", "出来", "离开", "一起", "顺便", "然后", "所以", "因为", "但是", "不过",
    "不是", "并", "而且", "或者", "还是", "该", "新开", "开了", "附近", "隔壁", "对面",
    "分管", "负责", "主抓", "从事", "做", "搞", "管", "等", "要等", "等着", "等到", "由", "经",
    "来看", "去看", "查看", "看到", "参观", "来访", "过来",
    # what a person reports: 靳处长反映|门诊楼那台客梯… holds no organisation 反映门诊
    "反映", "反馈", "表示", "提到", "讲", "觉得", "认为", "抱怨", "投诉", "提出", "嫌",
    # what a customer leans to or uses: 更倾向于用|集团推荐的品牌 (a word of its own: 用友 stays)
    "倾向", "倾向于", "于", "用", "选用", "采用", "使用", "改用",
    # a verb and its 在 / 到 / 给, one jieba word: 审批卡在|供电公司, 样品寄到|…, 转给|…
    "卡在", "放在", "停在", "住在", "落在", "定在", "压在", "堵在", "搁在", "留在", "排在",
    "约在", "改在", "处在", "位于", "发到", "寄到", "转到", "交到", "拿到", "搬到", "调到",
    "交给", "卖给", "转给", "寄给", "送给", "报给",
))
# … and any verb jieba glued to its 在 (装在|仓库顶上, 摆在, 挂在): where a thing goes, no name
_VERB_AT = re.compile(r"[\u4e00-\u9fff]在")
_INNER_AND = frozenset(("和", "与", "同"))
# prepositions after a verb that jieba's HMM may glue to the name's first character
_GLUED_STOPS = frozenset("在到给说")
_VERB_ENDINGS = frozenset((
    "上", "下", "下来", "过", "好", "到", "完", "通", "进", "成", "掉", "起", "回", "来", "住",
    "了", "着", "一下", "一趟",
))
# without jieba: single characters that end the run (the old behaviour)
_STOP_CHARS = set("是叫在去跟给和与到从的了把对向找见约趟次个说有这那我你他她们问帮建录加增要想"
                  "刚嗯啊呢吧哦呀就也访陪请送带为被让往等")
_LEAD_JUNK = re.compile(
    r"[0-9零〇一二两三四五六七八九十几多每各某]+[家个所间座]|[这那哪][家个所间座]")
_GENERIC = re.compile(
    r"(?:三甲|二甲|公立|民营|私立|大型|小型|中型|社区|附近|本地|当地|其他|别的|各大|省级|市级|县级|"
    r"区级|基层|乡镇|县城|城里|外地|合作|竞品|对方|他们|我们|你们|咱们|新的|老的|大的|小的|这种|那种|"
    r"别家|别的|另一家|另外一家|另外的|其它|"
    r"一些|有些|好多|很多|所有|同行|友商|今年|明年|去年|今天|明天|昨天|本月|这个月|下个月|上个月|"
    r"本周|这周|下周|上周|最近|目前|现在|"
    # a kind, not a name: 同类洗涤厂的案例, 类似的医院; a park's own office (园区管委会)
    r"同类|同类型的?|类似的?|这类|那类|园区)+")
# the CRM's own things, said as the whole name (说设计方案基地已经通过了 names no 设计方案基地;
# 绿能合同能源管理有限公司 and 智慧方案设计院 are names)
_CRM_THINGS = frozenset(("方案", "设计方案", "报价", "报价单", "合同", "资料", "样品", "样机"))
# a kind named inside what was heard as a name (能耗数据合同类洗涤厂: 和同类 heard 合同类)
_A_KIND = re.compile(r"同类|类似")
# a count of more than one: several of a kind (几个, 三家), not one named
_SEVERAL = re.compile(r"[几两三四五六七八九十多各]")
# … or counted inside what was taken for a name (设计稿和几家工厂的照片: 几 names nothing, and a
# count after 和 starts a kind)
_SEVERAL_INSIDE = re.compile(r"几[家个所间座]|(?:和|与|及|、)[两三四五六七八九十多]+[家个所间座]$")
# 'another' right before the suffix: 价格比别的厂贵 names no 价格比别的厂
_OTHER_ONE = re.compile(r"(?:别的|其他|其它|另外的?|另一|别家|别人家)$")
# … or at its start (选了另一家劳务公司 names another vendor, not one called so), or, for
# these, anywhere inside it (选了茅台镇另一家酒厂的: a place, then another one of its kind)
_ANOTHER_ONE = re.compile(r"其他|其它|另外的?|另一|别人家")
_ANOTHER_INSIDE = re.compile(r"另一家|另外一家|别的|别家")
# a day said inside what was taken for a name (后天寿五代样品气船厂: 去 heard 气 after a
# garbled 上午带), or what a rep brings: a plan, not an organisation
_WHEN_INSIDE = re.compile(r"今天|明天|后天|昨天|前天|上午|下午|晚上|[这下本]周[一二三四五六日天]|"
                          # … or what a rep brings (寿五代样品气船厂: 带样品去 garbled)
                          r"样品|样机|报价单|"
                          # … or a span of time (直臂车租半年得报公司: a rental's term)
                          r"半年|一年|[一二两三四五六七八九十几]个月")
_NAME_CHAR = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbfA-Za-z0-9·]")
_CALLED = re.compile(r"(?:叫做?|名叫|名字叫)(?P<n>[\u4e00-\u9fffA-Za-z0-9·]{2,16})")
_CALLED_END = re.compile(r"的|说|想|要|在|是|电话|手机|号码|联系|老板|负责|他们|她们|那个|这个|"
                         r"那边|这边|，|,|。|\s")
_INDEFINITE = re.compile(r"(?:[一有某]家|[一有某]个|一所|有所)$")
_SOME_ONE = re.compile(r"(?:的|那边的?|这边的?)?(?:[一有某]家|[一有某]个|一所|有所)")
_SURNAME_BOSS = re.compile(r"[\u4e00-\u9fff](?:总|工|经理|老板|主任|部长|科长)")
_MAX_NAME = 24
_NOT_AFTER_UNIT = frozenset("费价款租")     # 进店费, 出厂价, 入园费: no organisation ends there
# a customer's own site, said right after its name (恒达鞋业仓库, 宏图重工车间): where the
# rep was, not another organisation
_SITES = frozenset(("仓库", "库房", "车间", "厂区", "工地", "门店", "食堂", "机房", "码头",
                    "项目部", "工厂", "厂里", "总部", "办公室"))
_WORD_FREQ = 30          # 现场, 布局, 店里: a one-character suffix inside an ordinary word
# a person asked along to our own place: what is shown there is ours, no organisation
# (约她来厂里参观充装站, 带他到我们公司看看展厅)
_OUR_PLACE = re.compile(r"[来到去](?:我们|咱们|我司)?(?:厂里|公司|工厂|厂区|基地)|"
                        r"[来到去](?:我们|咱们)(?:厂|这边|这里)|"
                        # ours, named so right before it (带她去我们的样板洗衣厂参观)
                        r"(?:我们|咱们|我司)的?$")
# one character that makes a department of an industry word before it (设备部, 技术科,
# 工程处): a trade name ending in that word (XX设备, XX技术) names no firm there
_DEPT_MARKS = frozenset("部科处室组")
_CLAUSE_MARK = re.compile(r"[，,。；;！!？?\s]")


class OrgFinder:
    """Organisation spans for the built-in suffixes (and a catalog's tokenizer, if given)."""

    def __init__(self) -> None:
        lex = lexicon()
        self._suffix = re.compile("|".join(re.escape(s) for s in lex.org_suffixes))
        self._single = frozenset(s for s in lex.org_suffixes if len(s) == 1)
        self._words = frozenset(s for s in lex.org_suffixes if len(s) >= 2)
        self._depts = lex.departments
        self._subs = lex.sub_units
        self._industry = lex.industry_words
        self._industry_long = sorted(lex.industry_words, key=len, reverse=True)
        self._industry_rx = re.compile("|".join(
            re.escape(w) for w in self._industry_long if len(w) >= 2))
        self._titles = lex.titles

    # ------------------------------------------------------------------ public
    def find(self, text: str, protected: Iterable[tuple[int, int]] = (),
             cut: Cut | None = None) -> list[OrgSpan]:
        """Organisation names in `text`, left to right, none overlapping. `protected`:
        spans that are no part of a name (times, products, people): a suffix inside one is
        no suffix ('墒情站'), and a name never runs back across one ('韩站长…')."""
        protected = list(protected)
        stops = {b for _a, b in protected}
        found: list[OrgSpan] = []
        for m in self._suffix.finditer(text):
            if not self._ends_word(text, m.start(), m.end()) or any(
                    a <= m.start() < b for a, b in protected):
                continue
            end = m.end()
            nxt = self._suffix.match(text, end)
            while nxt is not None and nxt.end() > end and self._ends_word(text, end, nxt.end()):
                end = nxt.end()                      # 中心+医院, 集团+有限公司
                nxt = self._suffix.match(text, end)
            start = self._name_start(text, m.start(), stops, cut)
            if start is not None:
                compared = _COMPARED_WITH.search(text, start, m.start())
                if compared is not None:        # 一卷比批发市场贵: what it is compared with
                    start = compared.end() if compared.end() < m.start() else None
            called = self._called(text, end)
            if called is not None and (start is None or _INDEFINITE.search(
                    text, max(0, (start or m.start()) - 3), start or m.start())):
                found.append(called)               # '一家模板厂叫恒达' → 恒达
                continue
            if start is not None and not _COUNTED.search(text, start, m.start()):
                found.append(OrgSpan(start, end, text[start:end], m.group(0)))
        found += self._trade_names(text, found, protected, stops, cut)
        merged = self._merge(text, found)
        # '烟台开发区的一家机械厂叫恒力重工': the organisation is the one named, not where it is
        named = [o for o in merged if not o.suffix]
        return [o for o in merged if not (o.suffix and _SOME_ONE.match(text, o.end) and any(
            n.start > o.end for n in named)) and not _common_noun(o)
            and not _at_our_place(text, o)
            and not (text.endswith("在", 0, o.start) and _VENUE.match(text, o.end))]

    def suffix_at(self, text: str, pos: int) -> str | None:
        """The organisation suffix of two characters or more that starts at `pos` (中心 of
        史工中心), if any."""
        m = self._suffix.match(text, pos)
        return m.group(0) if m is not None and len(m.group(0)) >= 2 else None

    def is_unit_suffix(self, tail: str) -> bool:
        """Text after a catalog name that names a unit of that customer ('旗舰店',
        '能源站', '信息科'), not another organisation ('绵阳分行', '印染有限公司')."""
        if not tail or len(tail) > 5 or any(w in tail for w in self._industry):
            return False
        if any(tail.endswith(s) for s in self._subs):
            return False
        return tail.endswith(self._depts) or tail[-1:] in self._single or tail in _SITES

    # ------------------------------------------------------------------ internals
    def _ends_word(self, text: str, s: int, e: int) -> bool:
        """A one-character suffix must end a word: not 现场, 布局, 店里, 厂家, and not the
        start of a title (龙店长, 韩站长)."""
        if e - s != 1 or text[s:e] not in self._single:
            return e - s >= 1
        if any(text.startswith(t, s) for t in self._titles if len(t) >= 2):
            return False
        before = text[s - 1: e] if s > 0 else ""
        if before and before not in self._words and base_word_freq(before) >= _WORD_FREQ:
            return False
        after = text[s: e + 1]
        if text[e: e + 1] and text[e] in _NOT_AFTER_UNIT:
            return False                 # 进店费, 出厂价: a fee or price, not a name
        return not (len(after) == 2 and base_word_freq(after) >= _WORD_FREQ)

    def _name_start(self, text: str, s: int, stops: set[int], cut: Cut | None) -> int | None:
        """Where the name before the suffix at `s` starts (None: no name there)."""
        i = s
        while i > 0 and s - i < _MAX_NAME and i not in stops and _NAME_CHAR.match(text[i - 1]):
            i -= 1
        start = self._by_words(text, i, s, cut) if cut is not None else None
        if start is None:
            start = self._by_chars(text, i, s)
        lead = _LEAD_JUNK.match(text, start, s)       # '三家医院', '两个公司'
        if lead:
            if _SEVERAL.match(lead.group(0)):
                return None     # 几个番茄基地的案例, 三家医院: a kind, counted, names none
            start = lead.end()
        name = text[start:s]
        generic = _GENERIC.match(name)             # '别的物流公司', '其他医院'
        rest = name[generic.end():] if generic else name
        if len(name) < 2 or not rest or (generic and self._only_industry(rest)) \
                or _ANOTHER_ONE.match(name) or _ANOTHER_INSIDE.search(name) \
                or _WHEN_INSIDE.search(name) \
                or _OTHER_ONE.search(name) or _A_KIND.search(name) or name in _CRM_THINGS \
                or _SEVERAL_INSIDE.search(name) \
                or self._only_industry(name):
            return None
        return start

    def _by_words(self, text: str, i: int, s: int, cut: Cut) -> int | None:
        toks = cut(text[i:s])
        if not toks:
            return None
        start = i
        for k, (_a, b, tok) in enumerate(toks):
            if tok in _INNER_AND and k > 0 and len(toks[k - 1][2]) == 1 \
                    and toks[k - 1][2] not in STOP_TOKENS and is_han(toks[k - 1][2]):
                continue                 # '利和灯饰': 和 after a lone character is in the name
            if tok == "新" and k + 1 < len(toks) and len(toks[k + 1][2]) == 2 \
                    and toks[k + 1][2][-1] in "区县市镇乡":
                continue                 # '无锡新吴区…': 新 of a district's name (新|吴区)
            if tok in STOP_TOKENS or _VERB_AT.fullmatch(tok) or (tok in _VERB_ENDINGS and k > 0
                                      and toks[k - 1][2] in STOP_TOKENS) or (
                    len(tok) > 1 and base_word_freq(tok) == 0
                    and all(ch in STOP_TOKENS for ch in tok)):
                start = i + b            # (a word jieba's HMM made of two: 倾向|于用|集团)
            elif len(tok) > 1 and base_word_freq(tok) == 0 and any(
                    ch in _GLUED_STOPS for ch in tok[:-1]):
                # a word jieba's HMM made across a preposition (压在鑫 of 压在|鑫达物流):
                # the name starts after it; a dictionary word (自在, 周到) stays whole
                start = i + _a + max(tok.rfind(ch) for ch in _GLUED_STOPS) + 1
        return start

    @staticmethod
    def _by_chars(text: str, i: int, s: int) -> int:
        j = s
        while j > i and text[j - 1] not in _STOP_CHARS and is_han(text[j - 1]):
            j -= 1
        return j

    def _trade_names(self, text: str, found: list[OrgSpan],
                     protected: list[tuple[int, int]], stops: set[int],
                     cut: Cut | None) -> list[OrgSpan]:
        """A trade name plus what the firm does, with no legal suffix, where a person of it
        follows ('芜湖新城建设的采购经理刘洋', '恒力纺织王总'): the way reps name a firm."""
        out: list[OrgSpan] = []
        for m in self._industry_rx.finditer(text):
            s, e = m.start(), m.end()
            if any(a < e and s < b for a, b in protected) or any(
                    o.start < e and s < o.end for o in (*found, *out)):
                continue
            if not self._person_after(text, e) or text[e:e + 1] in _DEPT_MARKS:
                continue        # 涪城热电设备部: the department is 设备部, no firm 热电设备
            start = self._name_start(text, s, stops, cut)
            if start is not None and s - start >= 2 and not any(
                    o.start < e and start < o.end for o in found):
                out.append(OrgSpan(start, e, text[start:e], m.group(0)))
        return out

    def _person_after(self, text: str, e: int) -> bool:
        """Does a title or a department follow, within four characters ('的采购经理',
        '王总', '人事部')?"""
        if text.startswith("的", e):
            e += 1
        for k in range(5):
            rest = text[e + k: e + k + 8]
            if not rest:
                return False
            if rest.startswith(self._titles) or rest.startswith(self._depts) \
                    or _SURNAME_BOSS.match(rest):
                return True
            if not is_han(rest[0]):
                return False
        return False

    def _only_industry(self, name: str) -> bool:
        """'纺织', '食品机械': what an organisation does, not who it is."""
        rest = name
        while rest:
            w = next((w for w in self._industry_long if rest.startswith(w)), None)
            if w is None:
                return False
            rest = rest[len(w):]
        return True

    @staticmethod
    def _called(text: str, end: int) -> OrgSpan | None:
        """'一家纺织厂叫华美' → 华美 (the name said after a bare type of organisation)."""
        m = _CALLED.match(text, end)
        if m is None:
            return None
        name = m.group("n")
        stop = _CALLED_END.search(name)
        if stop is not None:
            name = name[: stop.start()]
        if len(name) < 2:
            return None
        s = m.start("n")
        return OrgSpan(s, s + len(name), name, "")

    def _merge(self, text: str, found: list[OrgSpan]) -> list[OrgSpan]:
        """Nested spans: the longest wins ('苏州大学附属第二医院' over '苏州大学'), except a
        department glued after an organisation ('…医院信息中心' → '…医院')."""
        out: list[OrgSpan] = []
        for o in sorted(found, key=lambda o: (o.start, -(o.end - o.start))):
            o = self._drop_department(text, o)
            if out and o.start < out[-1].end:
                if o.end > out[-1].end and o.start <= out[-1].start:
                    out[-1] = o
                elif o.end > out[-1].end and o.start >= out[-1].start:
                    out[-1] = OrgSpan(out[-1].start, o.end, text[out[-1].start:o.end], o.suffix)
                continue
            out.append(o)
        return out

    def _drop_department(self, text: str, o: OrgSpan) -> OrgSpan:
        for dept in self._depts:
            if len(dept) >= 2 and o.text.endswith(dept) and len(o.text) > len(dept) + 2:
                head = o.text[: -len(dept)]
                inner = self._suffix.search(head)
                if inner is not None and head.endswith(inner.group(0)):
                    return OrgSpan(o.start, o.start + len(head), head, inner.group(0))
        return o


# a count compared with something (一卷比批发市场贵, 每台比厂家): the name starts after 比
_COMPARED_WITH = re.compile(r"(?:[一两二三四五六七八九十几每]|\d)[^\s，,。；;比]{0,2}比")
# a number of them right before the suffix: stores counted, no name (放两家门店, 跑了三个工地)
_COUNTED = re.compile(r"(?:[一二两三四五六七八九十几多数百0-9]+|好几)[家个间座所处]$")


@lru_cache(maxsize=1)
def _common_noun(org: OrgSpan) -> bool:
    """A kind of place the dictionary holds as one word (搅拌站, 加油站, 派出所: two characters
    and a one-character suffix), not an organisation's name: 月底前运到搅拌站 names none."""
    return len(org.text) == 3 and len(org.suffix) == 1 and base_word_freq(org.text) > 0


# where two meet, said right after the place (约他在园区管委会见面): a venue, not the customer
_VENUE = re.compile(r"(?:见面|碰面|碰头|碰个面|见个面|碰一下面|吃饭|喝茶)")


def _at_our_place(text: str, org: OrgSpan) -> bool:
    """The span is what is shown at our own place, said after asking someone along there
    in its clause (约她来厂里参观充装站: 充装站 is ours)."""
    marks = [m.end() for m in _CLAUSE_MARK.finditer(text, 0, org.start)]
    return _OUR_PLACE.search(text, marks[-1] if marks else 0, org.start) is not None


def default_orgs() -> OrgFinder:
    return OrgFinder()
