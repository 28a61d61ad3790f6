"""Stage 5, intent: log_followup, create_lead, update_stage, query or other.

The rules are tried in the order of `decide_intent`; each names the pattern it covers.
"""

from __future__ import annotations

import re

from nlp.pipeline.doc import Doc
from nlp.pipeline.entities import CREATE, Entities
from nlp.pipeline.signals import Signals
from nlp.pipeline.times import Times
from nlp.types import Intent

__all__ = ["decide_intent", "is_question"]

# Ways of asking for information, each named by the pattern it covers.
QUESTION_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("wh-word", re.compile(
        r"哪些|哪个|哪天|哪家|哪几|哪位|哪里|哪儿|多少|谁|什么时候|是什么|说的啥|是啥|啥时候|啥情况|"
        r"什么(?:进度|情况|阶段|状态|安排|任务|价|时间)|如何|怎么样|咋样|怎么联系|干啥|做啥|几号|几点|"
        r"几月|几楼|在哪|进展到哪|进展如何|推进得怎么样|到哪一?步|走到哪|卡在哪|到什么程度|多久|"
        r"多长时间")),
    ("asks to look up", re.compile(
        # (排查一下, 检查一下: work on site, no lookup)
        r"(?<![排检核调清审巡勘抽])查一下|(?<![排检核调清审巡勘抽])查查|帮我查|帮忙查|查询|列一下|列出|列出来|给我看|帮我看|统计|导出|我想知道|告诉我|"
        r"看一下.{0,4}(?:记录|跟进)|(?:记录|跟进).{0,4}看一下|翻一下|找出来|"
        r"(?<![去来])找一下")),     # (去找一下副厂长: a visit)
    ("asks to be sent something", re.compile(
        r"(?:号码|手机号?|电话|座机|微信号?|邮箱|地址|联系方式|名片|记录|资料|手册|彩页|价格表|报价单|"
        r"联系人|名单|清单|列表)"
        r"[^，,。]{0,4}?(?:推给我|发给我|发我|给我|转给我|推我)|(?:推给我|发给我|转给我)")),
    ("A-not-A", re.compile(r"有没有|是不是|能不能|可不可以|要不要|在不在|还有没有|是否")),
    # how many, at the end of the message ('还有几条没动', '送了几次货'; not '有几个门店…')
    ("how many", re.compile(
        r"(?:有|还有|一共|总共|共|到底|卖出去|[\u4e00-\u9fff]了)\s*几\s*"
        r"[个条单家次位天台套件期批场箱吨张][\u4e00-\u9fff]{0,4}[？?。]?\s*$|"
        r"(?:一共|总共|到底|累计)[^，,。；;]{0,4}?几\s*[个条单家次位天台套件期批场箱吨张]")),
)
# what is not known yet, said as a fact: '具体哪天还没定', '多少钱还不清楚', or left to be
# talked over: '订多少要跟社员商量', '买几台得看预算'
_UNKNOWN = re.compile(
    r"[^，,。；;]{0,6}?(?:还没定|没定|待定|不确定|还不确定|不知道|还不知道|不清楚|还不清楚|没准信|"
    r"没个准信|没准|没谱|没个准|不好说|说不准|没消息|没信儿|没通知|"
    r"(?:要|得|还得|还要|需要)(?:跟[^，,。；;]{1,6}?)?(?:商量|讨论|研究|再定|看))")
# … or said as not known before the word that asks: '还不知道找谁', '说不准啥时候重新挂网'
_UNKNOWN_BEFORE = re.compile(
    r"(?:不知道|不清楚|说不准|说不好|不确定|不晓得|搞不清|没说|没讲)[^，,。；;]{0,10}$")
# the customer's request passed on, not a question to the bot: can it be brought there, and
# when ('王主任想先拿两台试用，能不能后天送过去'): the CRM holds no answer to it
_ERRAND_ASKED = re.compile(
    r"(?:送|拿|带|发|寄|运|拉|装)[^，,。；;？?]{0,6}?(?:过去|过来|到)|上门|派人")
_QUESTION_END = re.compile(r"(?:[？?]|吗|呢|了没有|了没|没有呢)\s*$")
_COUNT_AT_END = re.compile(r"几\s*[个条单家次位天台套件][\s。.！!]*$")
_REPORTED = re.compile(r"问|咨询|想知道|了解|反馈|表示|(?<!帮我)(?<!给我)(?<![帮给])看看|"
                       r"评估|测试|试试")
_CRM_WORDS = re.compile(
    r"客户|联系人|跟进|记录|手机|电话|微信|待办|任务|阶段|商机|项目|[几签赢输丢这那订]单|单子|库存|业绩|"
    r"线索|拜访|报价|合同|回款|提醒|日程|行程|安排|产品|价格|主任|科长|经理|哪几家|跑|卖了|卖出|销量"
)
# a catalog contact's words or wish reported ('黄所长说明年三月采购', '姜总想先拿几瓶'): a
# follow-up, even with no step
_CONTACT_SAID = re.compile(r"说|讲|表示|反馈|答复|回复|想|希望|问|要求")
_ASKS_LIST = re.compile(r"[？?]\s*$|多少|哪些|查")


def decide_intent(doc: Doc, ents: Entities, times: Times, sig: Signals) -> Intent:
    """Stage 5: the first rule that fits decides."""
    text, phone = doc.text, ents.phone
    question = is_question(text, doc.clauses)
    if CREATE.search(text) and not (question and _ASKS_LIST.search(text)):
        return "create_lead"
    if question and (ents.any or _CRM_WORDS.search(text)) and sig.channel is None:
        return "query"
    if sig.is_stage and sig.stage is not None:
        return "update_stage"
    if phone and sig.channel is None and (
        (ents.customer is not None and not ents.customer_known)
        or (ents.contact is not None and not ents.contact_known)
    ):
        return "create_lead"      # a number for someone the CRM does not know yet
    signal = bool(sig.channel or sig.attitude or sig.obstacle or sig.step or times.chosen
                  or sig.activity or (phone and ents.contact)
                  or (ents.contact_known and _CONTACT_SAID.search(text)))
    if (ents.any and signal) or _dated_concrete_step(times, sig):
        return "log_followup"
    if phone and _CRM_WORDS.search(text):
        return "create_lead"
    return "other"


def _dated_concrete_step(times: Times, sig: Signals) -> bool:
    """A dated concrete step with no entity ('明天下午三点去拜访') is still a follow-up."""
    return times.chosen is not None and sig.step is not None and sig.step.strong


def _own_errand_asked(text: str, last: int) -> bool:
    """The last clause is the rep's own errand said as a question (星期四我拉过去吗？): the
    rep's plan — no answer in the CRM — not a question to the bot."""
    seg = text[last:]
    i = seg.find("我")
    return i >= 0 and _ERRAND_ASKED.search(seg, i) is not None and not _CRM_WORDS.search(seg)


def is_question(text: str, clauses: list[tuple[int, int]]) -> bool:
    """A request for information (not a reported question: '他问价格多少', '想看看能不能对接').
    An A-not-A question asks only in the last clause: before it, it is what was discussed
    ('…能不能跟OA对接，下周四安排一次演示')."""
    last = clauses[-1][0] if clauses else 0
    for cs, ce in clauses:
        seg = text[cs:ce]
        for name, rx in QUESTION_RULES:
            if name == "A-not-A" and (cs < last or (
                    _ERRAND_ASKED.search(seg) and not _CRM_WORDS.search(seg))):
                continue
            for m in rx.finditer(seg):
                if not _REPORTED.search(seg[: m.start()]) and not _UNKNOWN.match(seg, m.end()) \
                        and not _UNKNOWN_BEFORE.search(seg, 0, m.start()):
                    return True
    stripped = text.strip()
    if _QUESTION_END.search(stripped) and not _REPORTED.search(stripped) \
            and not _own_errand_asked(text, last):
        return True
    return bool(_COUNT_AT_END.search(stripped)) and not _REPORTED.search(stripped)
