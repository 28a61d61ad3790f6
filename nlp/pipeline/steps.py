"""The planned step of a message, matched onto the tenant's next-action presets.

Where the step is said, in order: the text after the next step's date (clause by clause,
up to the next date), its clause before the date, the clause before a date said on its own
("想看蒸烤箱的演示，下周三下午三点"). In the clause that says it, a purpose (演示, 报价,
安装…) beats a vehicle (a visit, a call), and the last purpose said is the step
("带样机过去给他们演示" → 演示). A carrying verb with no object takes the object of the
clause before ("要检测报告，今天下班前发他" → 发送资料; "让重新报个价，周五前给他" → 报价).
A bare movement verb (去, 过去, 找) is a visit, the weakest reading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.presets import Hit, PresetMatcher

__all__ = ["Step", "carried", "step_around", "step_in"]

_CLAUSE = re.compile(r"[，,。；;！!？?\n]+")
# (a thing sent, posted or passed there is no trip of the rep's: 让仓库发过去, 寄过去)
# (调去, 调过去: someone transferred there, no trip of ours)
_WEAK_VISIT = re.compile(r"再去|再过去|(?<![发寄传邮调])过去|(?<![过调])去|找|再约|约个时间|"
                         r"约一下|约见")
_CARRY = re.compile(
    r"[送发带拿寄递交拉运传][过给到]|[送发带拿寄拉运传]来|[发传][他她]|[送发带拿寄递拉运]去|"
    # … or installed there (同意先试用十套投光灯，下周二装过去), or driven there (派司机开过去)
    r"装过[去来]|开过[去来]|(?:派|安排)(?:个|辆)?车过[去来]|"
    # … or handed to a courier (明天一早我发顺丰, 走快递寄)
    r"[发寄走](?:个)?(?:顺丰|快递|物流|德邦|中通|圆通|申通|韵达|邮政|京东|跨越|同城)|"
    r"^(?:之?前|以前)?给[他她]们?[\s。！!]*$"
    # a thing carried there that no cue names (我带样机过去 heard 带鸟机过去, 带东西过去)
    r"|[带拿][^，,。；;！!？?\s]{1,4}?过[去来]")
_OBJECT_CONCEPTS = ("sample", "send_material", "quote", "contract", "delivery")
# a document asked for, by the kind of noun its name ends in (规格书, 时效表, 三维图, 套餐明细,
# 名单, 走货流程, 尺寸): said at a phrase's end, after 要 in the same clause
_DOC_ASKED = re.compile(
    r"要(?:了)?[^，,。；;！!？?]{0,16}?(?:书|表|图|册|明细|清单|名单|报告|流程|说明|目录|尺寸|许可证|执照|"
    r"参数|资料|案例|视频|照片|图片|介绍|样本|文件)(?=[和跟及与、，,。；;！!？?\s]|$)")
# a clause of a date and no step of its own: '…铺货，下下周三开始', '…，五一后定具体时间',
# '做了试吃，…下周六再搞一场', '他同意续签，下周三签'
_DATE_ONLY = re.compile(
    r"[\s，,。；;、的]*(?:我们?|咱们)?(?:再|前|之前|以前|(?:时间)?(?:定在|安排在|约在|放在))?[\s，,。；;、的]*"
    r"(?:(?:就|再)?(?:开始|启动|执行|落地|进行|实施)(?:吧|了)?[\s，,。；;！!]*|"
    r"(?:再)?(?:定|确定|约|商量|敲定)(?:一下)?(?:具体)?的?(?:时间|日子|日期)[\s，,。；;！!]*|"
    r"再(?:搞|做|办|来|弄|安排|开)(?:一|两)?[场次回轮批期][\s，,。；;！!]*|"
    r"(?:再|去|来|过去|开始)?(?P<verb>[签谈送装发报修办到寄交拿带做试])(?:一下)?[\s，,。；;！!]*)?")
# a bare verb after a date: one that says the step by itself ('同意先装两台试用 下周一装'),
# and a carrying one that says it only when no clause before does ('要200箱 下周一送';
# '要报价 明天发' is the quote)
_BARE_VERB = {"装": "install", "修": "after_sales", "签": "contract", "报": "quote"}
_CARRIED = {"送": "delivery", "发": "delivery"}
_SAID_BEFORE = re.compile(r".*(?:我说|他说|她说|说)")
# a thing put in a 把-phrase and sent by 发 / 传 / 转, that no cue names ('把新的色卡发给他',
# '把图纸发过去'): material sent. Not goods (把货发过去 is a delivery, a product's name is
# masked), not something made ready first (把账号开好发给他), not sent to us (发给我)
_SENT_THING = re.compile(
    r"把(?P<x>[^，,。；;！!？?\s把]{1,10}?)(?:发|传|转)(?:给(?![我咱])|[他她](?!们?说)|过去|过来|到|"
    r"一下|一份)")
# (goods named in a document's name are the document: 补货数据, 发货清单)
_NOT_MATERIAL = re.compile(r"[好完了出]|货(?!单|数据|清单|记录|报表|计划|明细)|东西|钱|款")


# a thing asked for over a chat or by mail (微信上要桌面机的驱动和打印模板, 在微信上问扫码盒子的
# 对接说明): what is then sent back by chat is material, unless it is goods — a product's
# name alone or a quantity (微信上要了二十箱)
_CHAT_ASKED = re.compile(
    r"(?:微信|邮件|邮箱|钉钉|飞书|短信|企业微信|QQ)(?:上|里)?[^，,。；;！!？?]{0,3}?"
    r"(?:要|问|索要|讨)(?:了|下|一下)?(?P<x>[^，,。；;！!？?]{2,16})")
_GOODS_QTY = re.compile(r"[\d一二两三四五六七八九十百千几]+[箱台件套个吨包袋瓶桶卷批斤车托]")
_PRICE_ASKED = re.compile(r"价|多少钱")     # a price asked for is the quote's, no material


def _chat_asked(seg: str, at: int, masked: Sequence[tuple[int, int]]) -> bool:
    """Something asked for by chat or mail in ``seg`` (`_CHAT_ASKED`) that is no goods."""
    asked = _CHAT_ASKED.search(seg)
    if asked is None or _GOODS_QTY.search(asked.group("x")) or \
            _PRICE_ASKED.search(asked.group("x")):
        return False
    a = at + asked.start("x")
    left = "".join(ch for k, ch in enumerate(seg[asked.start("x"):asked.end("x")], a)
                   if not any(x <= k < y for x, y in masked))
    return len(left.strip("的和跟及与、 ")) >= 2


def _sent_material(seg: str, at: int, masked: Sequence[tuple[int, int]]) -> bool:
    """A thing put in a 把-phrase and sent (`_SENT_THING`) in ``seg`` (which starts at ``at``
    in the message): no goods, no name but one that says whose it is (饮料机的补货数据)."""
    sent = _SENT_THING.search(seg)
    return (sent is not None and not _NOT_MATERIAL.search(sent.group("x"))
            and not any(a < at + sent.end("x") and at + sent.start("x") < b
                        and not (b < at + sent.end("x") and seg.startswith("的", b - at))
                        for a, b in masked))


@dataclass(frozen=True, slots=True)
class Step:
    preset: str | None            # the tenant's preset, 其他, or None (no 其他 in the list)
    concept: str | None
    words: str                    # the rep's words for the step
    strong: bool                  # a cue was said (not only a movement verb)

    @property
    def generic(self) -> bool:
        """Only a generic plan ('再联系', '再谈') or a movement verb was said."""
        return not self.strong or self.concept == "follow_up"


def carried(seg: str) -> bool:
    """Something is carried, sent or brought in ``seg`` (发过去, 送到, 带过去, 发顺丰)."""
    return _CARRY.search(seg) is not None


def step_in(seg: str, matcher: PresetMatcher,
            masked: Sequence[tuple[int, int]] = ()) -> Step | None:
    """The step said in one stretch of text (cues only, no movement fallback)."""
    hits = matcher.hits(seg, masked)
    if not hits:
        return None
    return _step(_choose(hits, seg), matcher, seg)


def _choose(hits: list[Hit], seg: str = "") -> Hit:
    """A purpose beats a vehicle (visit, call) beats a generic 再联系; the last one said wins
    (unless it is the noun object of an earlier one: 演示…的安装), except that where a thing
    is sent by mail or chat (把报价发她邮箱), the medium said last names no purpose of its
    own: the thing sent is the step."""
    for kinds in (("purpose",), ("vehicle",)):
        chosen = [h for h in hits if h.kind in kinds]
        # a purpose named as the topic of a talk is no step of its own: '当面谈安装的事' is the
        # visit (谈合同, 谈价格 stay: talking them is the step)
        topics = [h for h in chosen if _TALKED_ABOUT.search(seg, 0, h.start)
                  and h.concept not in _TALKED_STEPS]
        if topics and len(topics) == len(chosen) and kinds == ("purpose",) and any(
                h.kind == "vehicle" for h in hits):
            continue        # every purpose said is a talk's topic: the talk is the step
        chosen = [h for h in chosen if h not in topics] or chosen
        # a purpose said as a noun after 的, the object of one said before it, is no step of
        # its own: '演示一下铝合金电缆的安装' is the demo
        chosen = [h for k, h in enumerate(chosen)
                  if not (k and h.start and seg[h.start - 1] == "的")] or chosen
        if chosen:
            said = [h for h in chosen if seg[h.start:h.end] not in _MEDIA]
            return (said or chosen)[-1]
    return hits[-1]


# a talk about a topic right before it (谈安装的事, 聊一下培训的安排)
_TALKED_ABOUT = re.compile(r"(?:谈|聊|商量|讨论|沟通)(?:一下|谈|聊)?$")
_TALKED_STEPS = frozenset(("contract", "quote", "payment", "tender"))
# a clause that is only a talk and its topic (聊下花生油进货的事, 谈谈鲜奶长期供货)
_TOPIC_CLAUSE = re.compile(r"(?:再|跟[他她]|和[他她])?(?:谈|聊|商量|讨论|沟通)"
                           r"(?:一下|下|谈|聊|一聊)?[^，,。；;！!？?]{1,12}$")


# how a thing is sent, not what: a cue of sending material on its own (发他邮箱), none beside
# another purpose (把报价发她邮箱 is the quote)
_MEDIA = frozenset(("邮箱", "邮件", "微信", "链接"))


def _step(hit: Hit, matcher: PresetMatcher, seg: str) -> Step:
    return Step(matcher.preset_for(hit), hit.concept, _words(seg), True)


def _words(seg: str) -> str:
    return seg.strip(" ，,。；;！!？?\n")[:40]


def step_around(text: str, start: int, end: int, next_start: int, matcher: PresetMatcher,
                masked: Sequence[tuple[int, int]], clause: tuple[int, int],
                previous: Sequence[tuple[int, int]], *, own_clause: bool = False) -> Step | None:
    """The step of the date at [start, end): after it (up to `next_start`), then before it in
    its clause, then the clauses before when the date stands alone (`previous`: the earlier
    clauses, nearest first). `own_clause`: look in the date's clause only (to weigh one date
    against another). Goods delivered right after a trial was agreed are the trial's
    ('同意先拿五百米试一下，礼拜三把货送到' → 送样试用); going or bringing the unit right after
    a demo, a survey or training was asked is that purpose ('能不能先给他们演示一下，我周五带
    样机过去' → 预约演示), unless it was given already or the step says a trial itself."""
    step = _step_around(text, start, end, next_start, matcher, masked, clause, previous,
                        own_clause=own_clause)
    if step is None or own_clause or not previous:
        return step
    if step.concept in ("sample", "visit") and not _TRIED.search(step.words):
        a, b = previous[0]      # '能不能先给他们演示一下，我周五带样机过去': the demo asked;
        #                         '能不能先派人过去看看现场，我后天带技术员过去': the survey
        # … and going there right after a trial was asked is the trial's step ('保安外包能
        # 不能先试做一个月，这周五我们派两个人过去'), unless the trial is told done
        trial_asked = step.concept == "visit" and not _VISIT_SAID.search(step.words) \
            and _TRIAL_ASKED.search(text, a, b) is not None \
            and not _TRIAL_DONE.search(text, a, b)
        purposes = _ASKED_PURPOSES | {"sample"} if trial_asked else _ASKED_PURPOSES
        asked = [h for h in matcher.hits(text[a:b], _local(masked, a, b))
                 if h.concept in purposes and not _HELD.match(text, a + h.end)]
        if asked and not _DEMO_HELD.search(text, a, b):
            return _step(asked[-1], matcher, text[a:b])
    if step.concept == "install" and _BROUGHT.search(step.words):
        a, b = previous[0]      # '想先在大堂放一组副柜试用，下周五送过去装上': set up for
        #                         the trial asked, not an installation of an order
        if _TRIAL_ASKED.search(text, a, b) and _TRIED.search(text, a, b) \
                and not _TRIAL_DONE.search(text, a, b):
            return Step(matcher.preset_of_concept("sample"), "sample", _words(text[a:b]),
                        True)
    if step.concept != "delivery":
        return step
    a, b = previous[0]
    if _TRIAL_DONE.search(text, a, b):
        return step         # '样品检测合格，下周一开始安排发货': the order's delivery
    trial = [h for h in matcher.hits(text[a:b], _local(masked, a, b)) if h.concept == "sample"]
    return _step(trial[-1], matcher, text[a:b]) if trial else step


# a trial said in the step's own words ('带样机过去试用'): the trial, whatever came before
_TRIED = re.compile(r"试")
# the unit brought there (送过去装上)
_BROUGHT = re.compile(r"送|[带拿运]过去")
# a trial asked for, not a trial talked about (消泡剂的试用得跟新厂长重新谈); a visit said in
# its own words stays one (下周二我过去拜访)
_TRIAL_ASKED = re.compile(r"能不能|可不可以|能否|想先|要先|先")
_VISIT_SAID = re.compile(r"拜访|见|谈|聊|沟通|签")
# purposes a customer asks for that the rep's going or bringing then serves
_ASKED_PURPOSES = frozenset(("demo", "site_survey", "training"))
# … not where the purpose is reported done ('看了现场，下周送样机过去')
_HELD = re.compile(r"(?:一下)?(?:了|过|完)")
# a demo already given: what is brought after it is no demo ('演示完了，下周送样机过去')
_DEMO_HELD = re.compile(r"(?:演示|展示|讲解)(?:了|过|完)|(?:做|搞|进行)了.{0,8}?(?:演示|展示)")
# a trial reported done, not agreed: what is delivered after it is the order
_TRIAL_DONE = re.compile(r"合格|通过|效果|不错|满意|没问题|[测试用]过|[测试用]完|结束")


def _local(masked: Sequence[tuple[int, int]], a: int, b: int) -> list[tuple[int, int]]:
    return [(x - a, y - a) for x, y in masked if x < b and a < y]


def _step_around(text: str, start: int, end: int, next_start: int, matcher: PresetMatcher,
                 masked: Sequence[tuple[int, int]], clause: tuple[int, int],
                 previous: Sequence[tuple[int, int]], *, own_clause: bool) -> Step | None:
    def local(a: int, b: int) -> list[tuple[int, int]]:
        return _local(masked, a, b)

    pos = end
    after = text[end: min(next_start, clause[1]) if own_clause else next_start]
    found: Step | None = None
    for m in [*_CLAUSE.finditer(after), None]:
        stop = end + (m.start() if m is not None else len(after))
        if stop > pos:
            found = step_in(text[pos:stop], matcher, local(pos, stop))
            if found is not None:
                break
        if m is None:
            break
        pos = end + m.end()
    if found is not None and not found.generic:
        if (found.concept is not None and found.concept not in _TALKED_STEPS
                and _TOPIC_CLAUSE.match(found.words)
                and _WEAK_VISIT.search(text, end, pos)):
            # the topic of a talk said in a clause of its own after the trip ('去鲁润超市找谢
            # 姐，聊下花生油进货的事'): the trip is the step
            return Step(matcher.preset_of_concept("visit"), "visit", _words(text[end:pos]),
                        False)
        return found
    cs = clause[0]
    said = _SAID_BEFORE.match(text, cs, start)
    if said is not None and said.end() <= start:
        cs = said.end()           # what was said before the date's own words is no step
    before = text[cs:start]
    step = step_in(before, matcher, local(cs, start))
    if step is not None and (found is None or not step.generic):
        return step          # '招标延期到15号，到时候再跟进': the tender is the step
    if found is not None:
        return found
    first_after = text[end: min(next_start, clause[1])]
    if not first_after.strip(" ，,、") and not own_clause:
        # a date said as a clause of its own, the step in the next ('泡沫机的事下周二，我先去
        # 车队看看'): that clause's movement or carrying verb is the date's
        nxt = _CLAUSE.search(text, clause[1] - 1 if clause[1] else end)
        if nxt is not None and nxt.end() < next_start:
            until = _CLAUSE.search(text, nxt.end())
            first_after = text[nxt.end(): min(next_start, until.start() if until else len(text))]
    carry = _CARRY.search(first_after) or _CARRY.search(before)
    if previous and not own_clause:
        prev = text[previous[0][0]:previous[0][1]]
        hits = matcher.hits(prev, local(*previous[0]))
        if carry is not None:
            objects = [h for h in hits if h.concept in _OBJECT_CONCEPTS]
            if objects:
                return _step(objects[-1], matcher, first_after or prev)
            if _DOC_ASKED.search(prev) or (
                    carry.group(0).startswith(("发", "传"))
                    and _chat_asked(prev, previous[0][0], masked)):
                # a document asked for that no cue names (要了规格书和三维图, 要套餐明细和合作医院
                # 名单), then carried: the material
                return Step(matcher.preset_of_concept("send_material"), "send_material",
                            _words(prev), True)
        only = _DATE_ONLY.fullmatch(text[cs:start] + text[end:clause[1]])
        if only:
            verb = only.group("verb") or ""
            concept = _BARE_VERB.get(verb)
            if concept is not None:      # the verb says the step
                return Step(matcher.preset_of_concept(concept), concept, _words(prev), True)
            if verb == "发" and _sent_material(prev, previous[0][0], masked):
                # a thing to be sent, said in the clause before ('把补货数据每周发他一份，
                # 我说下周一开始发'): the material, not a delivery
                return Step(matcher.preset_of_concept("send_material"), "send_material",
                            _words(prev), True)
            for a, b in previous:        # else the nearest clause that says a step
                hits = matcher.hits(text[a:b], local(a, b))
                if hits:
                    return _step(_choose(hits, text[a:b]), matcher, text[a:b])
            concept = _CARRIED.get(verb)
            if concept is not None:
                return Step(matcher.preset_of_concept(concept), concept, _words(prev), True)
    for seg, at in ((first_after, end), (before, cs)):
        if _sent_material(seg, at, masked):
            return Step(matcher.preset_of_concept("send_material"), "send_material",
                        _words(seg), True)
    if carry is not None and carry.group(0).startswith(("送", "寄", "递", "交")):
        # something carried there with no object said: a delivery, not a visit
        return Step(matcher.preset_of_concept("delivery"), "delivery",
                    _words(first_after or before), False)
    if _WEAK_VISIT.search(first_after) or _WEAK_VISIT.search(before):
        preset = matcher.preset_of_concept("visit")
        return Step(preset, "visit", _words(first_after or before), False)
    if carry is not None and carry.group(0).startswith(("发", "传")):
        # something sent there, what it is unsaid (让仓库发过去): a step, but no trip
        return Step(matcher.preset_of_concept("delivery"), "delivery",
                    _words(first_after or before), False)
    return None
