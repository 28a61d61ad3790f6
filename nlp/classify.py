"""Rule classifiers: intent markers, channel, attitude, next action, obstacle, stage.

Keyword rules about Chinese sales talk, mapped onto the tenant's preset lists (a concept
the tenant lacks falls back to the closest preset, then to 其他).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "ACTION_RULES",
    "detect_attitude",
    "detect_obstacle",
    "detect_stage",
    "find_action",
    "find_action_in_context",
    "find_strong_action",
    "map_preset",
]

# ------------------------------------------------------------------ channel
CHANNEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("演示", re.compile(r"做了.{0,12}?演示|演示了|演示过|(?:给|为).{0,10}?演示完")),
    ("会议", re.compile(
        r"开了(?:个|一个|一次)?(?:视频|线上|腾讯)?会|开完(?:了)?会|(?<![在去要得])开会(?!中|讨论|研究)|"
        r"(?<![晚宴])会上|会议上|"
        r"视频会|腾讯会议|线上会议|研讨会上")),
    ("电话", re.compile(
        r"打了(?:个|一个|一通|通)?电话|通了(?:个|一个|一通)?(?:电)?话|通话|电话里|电话上|"
        r"电话(?:说|讲|聊|沟通|联系|回复)|打电话(?:过来|来|说)|来电|接到.{0,8}电话|"
        r"跟.{0,14}?打(?:了)?(?:个)?电话|回了?(?:个)?电话")),
    ("微信", re.compile(
        r"发了?(?:个|条)?(?:微信|企业微信|钉钉)|(?:微信|企业微信|企微|钉钉)(?:上|里)?"
        r"(?:聊|说|沟通|联系|回复|回|留言|语音)|加了(?:我的?|他的?)?微信|微信电话")),
    ("邮件", re.compile(r"发了?(?:封|个)?邮件|邮件(?:里|上)?(?:说|回复|回|沟通)|"
                        r"回了?邮件|来了?邮件|"
                        r"发了.{0,12}?邮件")),
    ("拜访", re.compile(
        r"拜访了|拜访过|(?<![意看听])见了|(?<![意看听])见过|去过|去了一?趟|跑了一?趟|过去了一?趟|上门了|上门拜访了|见面了|"
        r"面谈了|碰面了|碰了?个?头|吃了(?:个|顿)?饭|一起吃(?:了)?饭|吃饭聊了|饭桌上|饭局上|喝了(?:个)?茶|从.{0,8}?出来|登门|当面(?:聊|谈|沟通)了|"
        r"(?:去|到|在)[^，,。微电邮会钉]{1,12}?(?:聊了|谈了|送了|坐了)")),
)
# said without 了: a contact only when the clause places it in the past (昨天…, 刚…)
WEAK_CHANNEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("电话", re.compile(r"打(?:个|一个)?电话|电话(?:沟通|联系|交流)")),
    ("微信", re.compile(r"发(?:个|条)?微信|微信(?:沟通|联系)")),
    ("邮件", re.compile(r"发(?:个|封)?邮件")),
    ("拜访", re.compile(r"拜访|见面|上门")),
)
_PAST_BEFORE = re.compile(r"昨天|昨晚|前天|刚才|刚刚|刚|上周|上个?礼拜|上个?星期|之前|已经")
_PLANNED_BEFORE = re.compile(
    r"再|准备|打算|计划|要去|要给|要跟|将要|会去|会给|得给|安排|约好|约了|到时候|记得|提醒|下次|回头|改天")


def detect_channel(text: str, clauses: Sequence[tuple[int, int]],
                   future_starts: Sequence[int], past_starts: Sequence[int] = ()) -> str | None:
    """The channel of a contact that happened (planned contacts don't count)."""
    hits: list[tuple[int, int, str]] = []
    for name, rx in WEAK_CHANNEL_RULES:
        for m in rx.finditer(text):
            cs = _clause_start(clauses, m.start())
            before = text[cs: m.start()]
            if _PLANNED_BEFORE.search(before) or any(cs <= f < m.start() for f in future_starts):
                continue
            if _PAST_BEFORE.search(before) or any(cs <= p < m.start() for p in past_starts):
                hits.append((3, m.start(), name))
                break
    for rank, (name, rx) in enumerate(CHANNEL_RULES):
        for m in rx.finditer(text):
            cs = _clause_start(clauses, m.start())
            before = text[cs: m.start()]
            if _PLANNED_BEFORE.search(before):
                continue
            if any(cs <= f < m.start() for f in future_starts):
                continue
            hits.append((rank if rank < 2 else 2, m.start(), name))
            break
    if not hits:
        return None
    hits.sort()
    return hits[0][2]


def _clause_start(clauses: Sequence[tuple[int, int]], pos: int) -> int:
    for s, e in clauses:
        if s <= pos < e:
            return s
    return 0


# ------------------------------------------------------------------ attitude
_REJECT = re.compile(
    r"不考虑|否了|否决|选了(?:竞品|别家|别的|其他|友商)|用了?别家|定了别家|不需要|不要了|拒绝|没戏|"
    r"不感兴趣|不太(?:感兴趣|认可|同意|需要|考虑)|没兴趣|不同意|不认可|不支持|放弃了|不做了|不采购了|不买了|"
    r"pass了|暂不考虑|不再考虑|没(?:有)?意向|不合适|不(?:采购|买|上|用)[^，。,；;]{0,8}了"
)
_UNDECIDED = re.compile(
    r"再考虑|考虑一下|要考虑|还在考虑|商量|等领导|领导(?:还)?没(?:定|批)|还在比较|比较几家|在比较|对比一下|"
    r"犹豫|还没定|没决定|没拿定|再看看|还要看看|还得看看|看看再说|再研究|要研究|回去研究|再评估|要评估|拿不定|"
    r"在对比|还在对比|对比几家|货比三家|比较一下|再比较|再等等|先等等|等等看|不太确定|请示|汇报后|还得再谈|还要再谈|再谈谈|再定|再决定|考虑考虑|再想想|想一想|内部讨论|(?:要|还要|得|需要)(?:再)?(?:开会)?讨论|开会(?:讨论|研究)|讨论一下|等(?:院长|老板|主任|上面|总经理|董事长|科室|采购|财务).{0,4}?"
    r"(?:定|批|决定|拍板|签字|同意|开会|商量|意见)"
)
_SUPPORT = re.compile(
    r"同意|认可(?!度)|拍板|(?<!技术)(?<!售后)支持(?!力度|一下)|答应|没问题|很满意|比较满意|非常满意|挺满意|愿意|点头|肯定要|没意见|"
    r"定下来了|敲定|(?:定了|决定|确定|选了?)用我们|选了我们|就用我们")


def detect_attitude(text: str) -> str | None:
    if _REJECT.search(text):
        return "已否决"
    if _UNDECIDED.search(text):
        return "需再沟通"
    if _SUPPORT.search(text):
        return "明确支持"
    return None


# ------------------------------------------------------------------ next action
ACTION_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("推进合同", re.compile(r"推进.{0,10}?合同|合同|签约|采购流程")),
    ("参观工厂", re.compile(r"参观|来我们(?:工厂|厂)|来厂里|到厂里看|考察工厂|看工厂")),
    ("送样试用", re.compile(r"送样|寄样|发样|样机|样品|试用(?!情况|效果|反馈)|试一下|试用装")),
    ("报价", re.compile(r"报价|报个价|报一下价|出价|出个价|价格发|发价格|价格单")),
    ("招标跟进", re.compile(r"招标|投标|标书|挂网|开标")),
    ("预约演示", re.compile(r"演示|demo|Demo|DEMO|试讲|讲方案")),
    ("发送资料", re.compile(
        r"资料|手册|彩页|说明书|画册|案例|PPT|ppt|方案发|发方案|方案给|发.{0,8}?(?:文件|材料|参数|规格|介绍|方案)")),
    ("电话回访", re.compile(r"打电话|打个电话|打一个电话|电话回访|回访|打过去|打给|"
                          r"电话(?:问|跟进|联系|沟通|确认)|"
                          r"回个电话|致电|通个电话|电话再")),
    ("安排拜访", re.compile(r"拜访|上门|去一趟|过去一趟|跑一趟|见面|面谈|登门|当面")),
    ("其他", re.compile(r"跟台|对账|回款|催款|收款|开票|培训|吃饭|请.{0,4}吃|送货|发货|"
                      r"安装|维修|验收|"
                      r"签收|盖章|拿合同|取合同")),
)
_WEAK_VISIT = re.compile(r"再去|再过去|过去|去|找|再约|约个时间|约一下|约见")


def find_action(segment_after: str, segment_before: str) -> str | None:
    """The planned step named in a next-step segment (text after the date, then before)."""
    strong = find_strong_action(segment_after, segment_before)
    if strong is not None:
        return strong
    for seg in (segment_after, segment_before):
        if _WEAK_VISIT.search(seg):
            return "安排拜访"
    return None


_CARRY = re.compile(r"[送发带拿寄递交][过给到]|[送发带拿寄]来")
_OBJECT_ACTIONS = ("送样试用", "发送资料", "报价", "推进合同")


def find_action_in_context(segment_after: str, segment_before: str,
                           previous: str) -> str | None:
    """find_action, and for '…下周二送过去' the object named in the clause before."""
    strong = find_strong_action(segment_after, segment_before)
    if strong is None and _CARRY.search(segment_after + segment_before):
        for name, rx in ACTION_RULES:
            if name in _OBJECT_ACTIONS and rx.search(previous):
                return name
    return strong or find_action(segment_after, segment_before)


def find_strong_action(segment_after: str, segment_before: str) -> str | None:
    """Like find_action, without the bare-movement fallback ('去' → 安排拜访)."""
    for seg in (segment_after, segment_before):
        best: tuple[int, str] | None = None
        for name, rx in ACTION_RULES:
            m = rx.search(seg)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), name)
        if best is not None:
            if best[1] == "安排拜访":
                stop = re.search(r"[，,。；;！!？?]", seg[best[0]:])
                near = seg[best[0]: best[0] + (stop.start() if stop else 30)]
                for name in ("预约演示", "送样试用", "参观工厂"):
                    rx = dict(ACTION_RULES)[name]
                    if rx.search(near):
                        return name
            return best[1]
    return None


# ------------------------------------------------------------------ obstacle
OBSTACLE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("招标暂停", re.compile(r"招标.{0,4}?(?:暂停|停了|叫停|中止|取消|停掉)|暂停招标|停止招标")),
    ("招标延迟", re.compile(
        r"招标.{0,4}?(?:推迟|延迟|延期|延后|往后推|推后|拖)|(?:推迟|延迟|延期)招标")),
    ("院长换届", re.compile(r"换届|新.{0,3}院长|院长(?:换了|换人|调整|更换|要换|调走)")),
    ("院长考察期", re.compile(r"考察期|刚上任|新官上任|刚到任")),
    ("预算冻结", re.compile(
        r"预算.{0,4}?(?:冻结|没了|砍了|削减|卡住|卡着|用完|紧张|批不下来|没批)|冻结|没有?预算")),
    ("医保目录调整", re.compile(r"医保目录|医保.{0,2}?调整|医保.{0,2}?政策|集采")),
    ("竞品介入", re.compile(
        r"竞品|竞争对手|友商|别家|低价抢单|抢单|选了别的|别的品牌|其他品牌|其他厂家|"
        r"也在(?:跟|报价|投标|推)")),
    ("决策人变动", re.compile(
        r"调走|离职|退休|换人|(?:主任|科长|负责人|厂长|经理|总监|领导|老板|主管)(?:也)?"
        r"(?:换了|要换|换成|调整了|变了)(?!手机|号|电话|微信|邮箱|地址|办公室)|"
        r"要换.{0,2}?(?:科长|主任|负责人|厂长|经理)|换了.{0,2}?(?:科长|主任|负责人|厂长|经理)|"
        r"重新对接|人事变动")),
    ("其他", re.compile(r"搬迁|搬家|顾不上|等级评审|评审期|在评审|迎检|上级检查|检查组|没时间|"
                      r"停产|放假|装修|审计|整改|"
                      r"暂缓|搁置|疫情|"
                      r"资金紧张|往后放|先停|先放一放|缓一缓")),
)


def detect_obstacle(text: str) -> str | None:
    for name, rx in OBSTACLE_RULES:
        if rx.search(text):
            return name
    return None


# ------------------------------------------------------------------ stage
_STAGE_VERB = re.compile(
    r"(?:改成|改为|改到|改回|退回|回到|设成|设为|设置为|标成|标为|标记为?|记为|记成|更新为|更新成|更新到|调到|调成|调整为|"
    r"调整到|进入|进到|走到|推进到|推到|进展到|发展到|变成|变为|转为|转到|到了|到|→|->|=>)\s*$"
)
_STAGE_CHANGE = re.compile(r"阶段|改成|改为|设成|标成|标记|更新|调到|进入|→|->")
_WIN = re.compile(r"赢了|赢单|(?:合同|单子|这单|那单)(?:已经)?签了|成交了|拿下了|中标了|签下来了")
_LOSE = re.compile(r"丢了|输了|输单|没拿下|丢单|黄了|落标|没中标|(?:竞品|别家|对手|友商).{0,4}中标")
_DEAL = re.compile(r"单|项目|标|合同")


def detect_stage(text: str, stages: Sequence[str]) -> tuple[bool, str | None]:
    """(is a stage update, new stage)."""
    mentions: list[tuple[int, str]] = []
    for st in stages:
        for m in re.finditer(re.escape(st), text):
            mentions.append((m.start(), st))
    mentions.sort()
    if not mentions:
        return False, None
    for pos, st in mentions:
        if _STAGE_VERB.search(text[max(0, pos - 6): pos]):
            return True, st
    for pos, st in mentions:
        after = text[pos + len(st): pos + len(st) + 3]
        if after.startswith(("阶段", "了", "啦")):
            return True, st
    if _STAGE_CHANGE.search(text):
        return True, mentions[-1][1]
    return False, None


def stage_from_outcome(text: str, stages: Sequence[str]) -> str | None:
    win = [s for s in stages if "赢" in s or "成交" in s]
    lose = [s for s in stages if "输" in s or "丢" in s]
    if not _DEAL.search(text):
        return None
    if _LOSE.search(text) and lose:
        return lose[0]
    if _WIN.search(text) and win:
        return win[0]
    return None


# ------------------------------------------------------------------ tenant presets
def map_preset(concept: str | None, presets: Sequence[str]) -> str | None:
    """A rule concept onto the tenant's list: itself, the closest preset, or 其他."""
    if concept is None:
        return None
    if concept in presets:
        return concept
    best, best_n = None, 0
    for p in presets:
        n = len(set(p) & set(concept))
        if n > best_n:
            best, best_n = p, n
    if best is not None and best_n >= 2 and best != "其他":
        return best
    return "其他" if "其他" in presets else None
