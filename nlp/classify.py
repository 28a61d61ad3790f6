"""Rule tables: channel (a contact that happened) and attitude.

Next actions and obstacles are tenant presets matched by meaning (`nlp.presets`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache

from nlp.lexicon import lexicon

# a call that came in (X打电话过来, 打电话进来, 打来电话, 来电, 接到…电话): a call the note
# reports, a new lead's own included (`nlp.pipeline.masking`)
CALLED_IN = r"打(?:了)?(?:个)?电话(?:过来|进来|来)|打来(?:了)?(?:个)?电话|来电|接到.{0,8}电话"
__all__ = ["attitude_words", "detect_attitude", "detect_channel"]

# ------------------------------------------------------------------ channel
# A contact that happened, by the words that report it; rank 0 beats rank 1 beats the rest.
CHANNEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # a demo held: 做了/搞了/进行了…演示, 演示了, 给X演示完
    ("演示", re.compile(
        r"(?:做|搞|进行|安排|开)(?:了|完)(?:了)?.{0,12}?演示|演示了|演示过|演示完|"
        r"(?:给|为|跟).{0,12}?演示(?:完|了)")),
    # a meeting held: 开了会, 开完会, 会上, 视频会议 (not 要开会 / 等…开会, not a fair: 展会上;
    # not 会 "will" before a word with 上: 会上午过来, 会上报领导, 反馈会上批货 — 在会上 is)
    ("会议", re.compile(
        r"开了(?:个|一个|一次|场|一场)?(?:视频|线上|腾讯)?会(?![员计所展])|开完(?:了)?会|"
        # a meeting of a kind: 开了个协调会, 开了一次评审会, 开了个碰头会 (not 开了个会员卡)
        r"开了(?:个|一个|一次|场|一场)[\u4e00-\u9fff]{2,4}?会(?![员所展计])|"
        # (not the customer's own meeting that decided: 合作社已经开会同意采购了)
        r"(?<![在去要得等])开会(?!中|讨论|研究|定|订|决定|商量|同意|通过|批)|"
        r"(?<![晚宴展])(?:(?<=[在的])会上|会上(?![午门批次个周月回年半报级来去班线课]))|会议上|"
        r"视频会|腾讯会议|线上会议|研讨会上|视频(?:沟通|聊|通话|连线)了|视频了")),
    # a call: 打了电话, 通了话, 电话里说, X打电话过来, 来电, 回了电话
    ("电话", re.compile(
        r"打了(?:个|一个|一通|通)?电话|通了(?:个|一个|一通)?(?:电)?话|通话|电话里|电话上|电话中|"
        r"电话(?:说|讲|聊|沟通|联系|回复|确认|通知|答复|反馈|表示|同意|拍板|催)|"
        r"打(?:了)?(?:个)?电话说|" + CALLED_IN + "|"
        r"跟[^，,。；;！!？?]{0,14}?打(?:了)?(?:个)?电话|回了(?:个)?电话")),
    # a chat message: 发了微信, 微信上聊, 微信问/讲/说
    ("微信", re.compile(
        r"(?:发了?|回了?)(?:我|了我)?(?:个|条)?(?:微信|企业微信|钉钉|消息)|(?:微信|企业微信|企微|钉钉)(?:上|里|中)?"
        r"(?:聊|说|讲|问|沟通|联系|回复|回|留言|语音|确认|发来|通知|表示|同意|拍板|反馈|要|发了|发过来了|"
        r"传了|找我|让我)|"
        r"加了(?:我的?|他的?|她的?)?微信|微信电话")),
    # a mail: 发了邮件, 邮件里说, 邮件确认, 回了邮件
    ("邮件", re.compile(
        r"发了?(?:封|个)?邮件|(?:邮件|邮箱)(?:里|上|中)?(?:说|讲|问|回复|回|沟通|确认|通知|表示|同意|反馈)|"
        r"回了?邮件|来了?邮件|发了.{0,12}?邮件|邮件(?:已经?|都)发|已经?发(?:了)?邮件")),
    # a visit: 拜访了, 见了, 去了一趟, 跑了一趟, 上门了, 吃了饭, 从X出来, 当面谈了
    ("拜访", re.compile(
        r"拜访了|拜访过|(?<![意看听没不])见了|(?<![意看听没不])见过|去过|去了一?趟|跑了一?趟|过去了一?趟|"
        r"上门了|上门拜访了|见面了|面谈了|碰面了|碰(?:了|完|过)?个?[头面]|吃了(?:个|顿)?饭|一起吃(?:了)?饭|"
        r"吃饭聊了|饭桌上|饭局上|喝了(?:个)?茶|从.{0,8}?(?:出来|回来)|登门|当面(?:聊|谈|沟通)了|"
        # (a place's name may hold 电: 北方热电, 供电局; 电话 it may not); measured or tried
        # there only where we went (在大棚里试了 is theirs)
        r"(?:去|到)(?:[^，,。微电邮会钉]|电(?!话)){1,16}?(?:量了|试了|测了)|"
        r"(?:去|到|在)(?:[^，,。微电邮会钉]|电(?!话)){1,16}?(?:聊了|谈了|送了|坐了|看了|做了|转了一?圈|"
        r"走了一?圈|"
        r"看完|聊完|谈完)|"
        # at a place with someone doing something: 在悦来酒楼跟马老板试喝了
        r"(?:去|到|在)(?:[^，,。微电邮会钉群线]|电(?!话)){2,12}?(?:跟|和|与|给)[^，,。微电邮会钉群线]{1,10}?"
        r"[\u4e00-\u9fff]了(?!一?个?电话|一?条?微信)|"
        # the customer came to us: 来我们厂参观了, 来公司考察了, 来访了
        r"来(?:我们|我司|咱们)?(?:公司|厂|厂里|工厂|车间|展厅|门店|店里|办公室|这边)"
        r"[^，,。；;]{0,8}?(?:参观|考察|看|坐|谈|聊)[^，,。；;]{0,6}?了|来访了|到访了|"
        # walked a place with someone: 下井跟仝科长看了工作面, 陪王总转了一圈车间
        r"(?:跟|陪|和)[^，,。；;微电邮会钉群线视]{1,14}?(?:一起)?(?:看了|转了|走了|查看了|巡了)"
        r"(?:一?圈|一下|一遍)?(?:现场|工作面|车间|工地|厂房|厂区|场地|仓库|库房|塘口|机房|产线|生产线|"
        r"样板间|展厅|门店|店面|矿井|井下|矿区|农场|基地|田|园区)|"
        # the customer showed us round: 带我们看了新楼盘
        r"带(?:我们|我)[^，,。；;]{0,8}?(?:看|参观|转|走)了")),
)
# said without 了: a contact only when the clause places it in the past (昨天…, 刚…) or the
# next clause reports what was said ('给葛总打电话拜年，顺便提了…', '打电话，他说…')
WEAK_CHANNEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("电话", re.compile(r"[打回](?:个|一个)?电话|电话(?:沟通|联系|交流)")),
    ("微信", re.compile(r"发(?:个|条)?微信|微信(?:沟通|联系)")),
    ("邮件", re.compile(r"发(?:个|封)?邮件")),
    ("拜访", re.compile(r"拜访|见面|上门|去[^，,。；;]{1,12}?(?:找|见)")),
)
# a bare channel word as a token of a terse note ('康和 黎总 电话 维C片…', '史工 上门 …')
BARE_CHANNEL_WORDS: dict[str, str] = {
    "电话": "电话", "通话": "电话", "微信": "微信", "企微": "微信", "钉钉": "微信", "邮件": "邮件",
    "上门": "拜访", "拜访": "拜访", "见面": "拜访", "面谈": "拜访", "会议": "会议", "开会": "会议",
    "视频会": "会议", "演示": "演示",
}
_TOKEN = re.compile(r"(?:(?<=\s)|^)(\S{2,3})(?=\s)")


@lru_cache(maxsize=1)
def _terse_start() -> re.Pattern[str]:
    """A note that opens with a person and a bare channel word, set off by a pause
    ('刘经理电话，循环水设备调试好了', '王店长 微信、样品收到了')."""
    titles = "|".join(re.escape(t) for t in lexicon().titles)
    words = "|".join(sorted(BARE_CHANNEL_WORDS, key=len, reverse=True))
    return re.compile(rf"\s*[\u4e00-\u9fff]{{1,2}}?(?:{titles})\s*({words})(?:\s*[，,、]|\s+)")
_PAST_BEFORE = re.compile(r"昨天|昨晚|前天|刚才|刚刚|刚|上周|上个?礼拜|上个?星期|之前|已经")
# today, and a later clause plans the next step: the note reports today's contact
# ('今天去味之源找孟经理，…，下周一把样品送过去')
_TODAY_BEFORE = re.compile(r"今天|今儿|上午|中午|下午|早上")
_PLANNED_BEFORE = re.compile(
    r"再|准备|打算|计划|要去|要给|要跟|将要|会去|会给|得给|安排|约好|约了|到时候|记得|提醒|下次|回头|"
    r"改天|等")
_REPORTED_NEXT = re.compile(r"说|讲|提了|聊了|表示|答应|同意|反馈|回复|告诉我")
_WENT_TO = re.compile(r"(?:去了|到了|去过)$")


def detect_channel(text: str, clauses: Sequence[tuple[int, int]],
                   future_starts: Sequence[int], past_starts: Sequence[int] = (),
                   places: Sequence[int] = ()) -> str | None:
    """The channel of a contact that happened (planned contacts don't count). `places`:
    where customer and organisation names start ('去了聚位轩施总那边' is a visit)."""
    hits: list[tuple[int, int, str]] = []
    for name, rx in WEAK_CHANNEL_RULES:
        for m in rx.finditer(text):
            cs, ce = _clause_at(clauses, m.start())
            before = text[cs: m.start()]
            if _PLANNED_BEFORE.search(before) or any(cs <= f < ce for f in future_starts):
                continue
            if _PAST_BEFORE.search(before) or any(cs <= p < m.start() for p in past_starts) \
                    or _reported_after(text, clauses, ce, future_starts) \
                    or (_TODAY_BEFORE.search(before) and any(f >= ce for f in future_starts)):
                hits.append((3, m.start(), name))
                break
    for rank, (name, rx) in enumerate(CHANNEL_RULES):
        for m in rx.finditer(text):
            cs, _ce = _clause_at(clauses, m.start())
            before = text[cs: m.start()]
            if _PLANNED_BEFORE.search(before):
                continue
            if any(cs <= f < m.start() for f in future_starts):
                continue
            hits.append((rank if rank < 2 else 2, m.start(), name))
            break
    for p in places:
        if _WENT_TO.search(text, 0, p):
            hits.append((2, p, "拜访"))
    terse = _terse_start().match(text)
    if terse is not None:
        hits.append((2, terse.start(1), BARE_CHANNEL_WORDS[terse.group(1)]))
    for m in _TOKEN.finditer(text):
        word = BARE_CHANNEL_WORDS.get(m.group(1))
        if word and not re.match(r"\s*[0-9+(（]", text[m.end():]):
            hits.append((2, m.start(), word))
    if not hits:
        return None
    hits.sort()
    return hits[0][2]


def _clause_at(clauses: Sequence[tuple[int, int]], pos: int) -> tuple[int, int]:
    for s, e in clauses:
        if s <= pos < e:
            return s, e
    return 0, 0


def _reported_after(text: str, clauses: Sequence[tuple[int, int]], ce: int,
                    future_starts: Sequence[int]) -> bool:
    """Does the next clause report what was said ('…，他说预算批了')?"""
    nxt = next(((a, b) for a, b in clauses if a >= ce), None)
    if nxt is None or any(nxt[0] <= f < nxt[1] for f in future_starts):
        return False
    return bool(_REPORTED_NEXT.search(text, nxt[0], min(nxt[1], nxt[0] + 8)))


# ------------------------------------------------------------------ attitude
# The decision maker's stance; a refusal beats an open question beats a yes.
# someone else than us, and another maker by its word (别的牌子, 其他厂家)
_ELSEWHERE = "别家|别人|其他家|另一家|另外一家"
_OTHER_MAKER = "(?:别的|其他)(?:家|品牌|厂家|牌子|公司)"
_REJECT = re.compile(
    r"不考虑|否了|否决|选了(?:竞品|别家|别的|其他|友商|另外|另一家)|用了?别家|定了别家|不需要|不要了|拒绝|没戏|"
    r"(?:这次|这单|这回)?没(?:有)?机会了|计划(?:也|都|全)?取消了|"
    r"不感兴趣|不太(?:感兴趣|认可|同意|需要|考虑)|没兴趣|不同意|不认可|不支持|放弃了|不做了|不采购了|"
    r"不买了|pass了|暂不考虑|不再考虑|没(?:有)?意向|不合适|"
    # (the 了 of a 不了 is can't, not any more: 换不换…他定不了)
    r"不(?:采购|买|上|用|订|续|进|换|建|装|租|签|搞|弄|印|修|外包)[^，。,；;]{0,8}(?<!不)了|"
    # given to another firm: 今年给了公安系统的保安公司 (给了我们 is ours)
    r"(?<![转让])给了(?!我们|咱们|我司|你们)[^，,。；;]{1,10}?的[^，,。；;]{0,6}?(?:公司|厂家|厂|那家)|"
    # … or to another firm said so: 最后给了佛山一家厂做, 委托了大连本地一家律所
    r"(?<![转让])(?:给|委托|委托给|交给)了(?!我们|咱们|我司|你们)[^，,。；;]{0,6}?(?:一家|另一家|另外一家)"
    r"[^，,。；;]{0,4}?(?:公司|厂家|厂|店|所|机构|事务所)|"
    # no more of it: 天幕帐篷先不加了 (不加班 is none)
    r"(?:先|暂时|就|也)不(?:再)?(?:加|增加|追加|添)了|"
    # not ours any more, or bought online: 不要我们的了, 在网上买了便宜的
    r"不要我们(?:家)?的了|(?:在)?网上(?:买|订|采购|团购)了|"
    # no plan to buy any more: 今年不打算换了, 不准备再采购了
    r"不(?:打算|准备|想)(?:再)?(?:采购|买|上|用|订|续|换)[^，。,；;]{0,6}了|"
    r"就算了|算了吧|这单算了|"
    # … or bought from another one: 改从澄海另一家厂拿货了
    r"(?:从|在|找)[^，,。；;]{0,6}?(?:另一家|另外一家)[^，,。；;]{0,4}?(?:订|定|买|采购|进|拿)(?:货)?了|"
    r"被[^，,。；;]{1,12}?(?:拿走|抢走|抢了|拿下|截胡|挖走)|"
    r"不敢(?:再)?用|不会再用|不再(?:用|采购|合作|买)|"
    # no longer bought from us: 以后不从我们这儿拿了, 不在我们家订了
    r"不(?:再)?(?:从|在|找)(?:我们|咱们|我司)(?:这儿|这里|这边|家)?(?:拿|进|买|订|采购|要)(?:货)?了|"
    r"(?:以后|再也)不(?:再)?找(?:我们|咱们|我司)(?:了|做了|合作了)|"
    # (转给别人, the business handed over, is a change of hands, not a refusal)
    rf"(?<![转让])(?:给|签|交给|包给|签给)了?(?:{_ELSEWHERE}|别的|原来的|之前的|其他)|"
    # the contract signed over to them (合同已经签给人家了)
    r"签给(?:了)?人家|"
    # bought, signed or ordered elsewhere: 已经买了别的牌子, 跟别家签了年框, 从别的厂家订好了
    rf"(?:买|换|订|签|上)了(?:别家|{_OTHER_MAKER}|另外一家|竞品|友商)|"
    # … or took another vendor's goods (转头进了另一家代理商的货; 进了另一家公司 is a job)
    r"(?:进|拿)了(?:另一家|另外一家|别家)[^，,。；;]{0,8}?的?货|"
    # the order not kept (纸尿裤没保住)
    r"没(?:能)?保住|"
    # … or found another supplier: 已经找了别家 (找了别家比价 is a comparison)
    rf"找了(?:别家|{_OTHER_MAKER}|另外一家|另一家)(?![^，,。；;]{{0,4}}?(?:比|对比|报价|问价|询价|看看))|"
    # switched to another maker's: 已经改用别人家的了, 换成别家的了
    rf"(?:改用|换用|改成|换成)了?(?:{_ELSEWHERE}|{_OTHER_MAKER})|"
    rf"(?<![想要会])(?:跟|和|与)(?:(?:{_ELSEWHERE})[^，,。；;]{{0,5}}?|{_OTHER_MAKER})"
    r"(?:签了|签约了|合作了|定了)|"
    # … or at another vendor's: 在别的贸易商那儿订了, 在别家定了
    rf"(?<![想要会])(?:从|在|找)(?:别家|{_OTHER_MAKER}|别的[^，,。；;]{{1,5}}?(?:那儿|那里|那边))"
    r"[^，,。；;]{0,8}?(?:订|定|买|采购|进|拿)(?:货|好|完)?了|"
    # the customer's final choice, not us: 最后选了北森, 还是定了海康的
    r"(?:最后|最终|还是)(?:还是)?(?:选|定|用|选择|选用|找|交给|委托)了(?!我们|咱们|我司|你们|我家)|"
    # … or settled on another one (定了出版社直供的另一家)
    r"(?<![没未])定了[^，,。；;]{0,10}?(?:另一家|另外一家|别家)(?:的)?(?=[，,。；;！!？?]|$)"
)
_UNDECIDED = re.compile(
    # thinking it over, comparing, consulting someone
    r"再考虑|考虑一下|没想好|要考虑|还在考虑|考虑考虑|商量|合计合计|合计一下|再合计|要合计|得合计|再想想|想一想|犹豫|拿不定|没拿定|没决定|"
    r"(?<![人间算天期时的候])还没定|不太确定|还在比较|比较几家|在比较|对比一下|在对比|还在对比|对比几家|货比三家|"
    # talked over (还得跟老板碰一碰, 他得拿去跟老板碰一碰; 碰个头 is a meeting), someone's view
    # asked first (还得问问书记的意见)
    r"(?:还得|还要|得|要)[^，,。；;]{0,4}?(?:跟|和)[^，,。；;]{1,6}?碰(?:一碰|碰|一下)(?!头)|"
    # … with the boss, the modal lost (多跟老板碰一下 heard for 得跟)
    r"(?:跟|和)(?:老板|领导|老总|总经理|董事长|上面|股东)碰(?:一碰|碰|一下)(?!头)|"
    r"(?:还得|还要|得|要)(?:先)?(?:问问|听听)|还得问(?!题|清楚|价)|"
    r"还在(?:跟|和)[^，,。；;]{1,8}?比|还在比(?=[，,。；;！!？?]|$)|在比价|比比价|"
    r"比较一下|再比较|再看看|还要看看|还得看看|看看再说|再研究|要研究|回去研究|再评估|要评估|"
    r"再算算|算一算|再算一下|再等等|先等等|等等看|请示|汇报后|要汇报|还得再谈|还要再谈|再谈谈|再定|"
    # can't decide alone (他定不了, 做不了主; 时间定不了 is when), or it must go up for
    # approval (装不装得报街道批)
    r"(?<![间期时候])定不了|做不了主|做不得主|拿不了主意|说了不算|拍不了板|"
    r"(?:得|要|需要|还得)(?:先)?报[^，,。；;]{1,8}?(?:批|审批|批准)|"
    # something to happen first (跟老总汇报完才能定, 要等老板点头才能定); a time (估计6月份才能定)
    # is when it is known, no stance
    r"(?:完|了|过|后|点头|同意|批)才能(?:定|决定|拍板)|"
    r"不好(?:签|定|说|办|拍板)|"
    r"再决定|内部讨论|开[^，,。；;]{0,4}?会(?:研究|讨论|商量|决定)|(?:要|还要|得|需要)(?:再)?(?:开会|上会)?讨论|开会(?:讨论|研究)|讨论一下|再议|上会|"
    r"汇报一下|跟.{0,6}?汇报|再说吧|(?:年|节|月|后|周|天|期|度)再(?:说|看|议)|(?:跟|向).{0,6}?申请|"
    r"要申请|打报告|"
    r"等.{1,10}?再(?:说|定|订|买|决定|考虑|采购)|"
    # waiting on a superior or a body to decide: 等领导批, 要等集团批, 等管委会开会定
    r"等领导|领导(?:还)?没(?:定|批)|等.{0,8}?(?:定|批|决定|拍板|签字|审批|批复|同意|开会|商量|投票|表决|再看|"
    r"意见|点头)|"
    # … 定 heard as its homophone 订 right after the one who decides (等新校长订)
    r"等.{0,6}?(?:长|领导|老板|总|董事会|开会)订|"
    # put up to a superior to approve: 要报给老板批, 得报领导审批
    r"(?:要|得|需要|还要|还得)(?:先)?(?:报给|报|交给|上报给?|提交给?)(?:领导|老板|上面|集团|总部|公司|"
    r"院里|局里|校长|院长|董事会|"
    r"老总|总经理|董事长|总裁|厂长|总监|一把手)[^，,。；;]{0,3}?(?:批|审批|审|定|订|决定|签字)|"
    # waiting for a purchase made centrally: 要等省公司统一采购
    r"等[^，,。；;]{0,8}?(?:统一采购|统一招标|集中采购|集采)|"
    # an approval still to go through: 还要走内部审批, 合同在走流程
    r"(?:还要|要|得|需要|还得|在|正在)走(?:内部|公司)?(?:的)?(?:审批|流程)|还在审批|审批中|"
    # a party of theirs still going over it: 合同条款他们法务还在看
    r"(?:法务|财务|领导|老板|采购|技术|合同|他们|她们|对方)[^，,。；;]{0,4}?还在(?:看|审|研究|评估|核)"
    r"(?=呢|中|[，,。；;！!？?]|$)"
)
# an order placed, a yes (先要两百箱, 先定两台): 先 + one of these verbs + a count in one of
# these units
ORDER_VERBS = "进订定拿要上"
ORDER_UNITS = "箱台吨件瓶袋套批车盒包桶罐米卷根支辆条片张把双"
ORDER_COUNT = "[0-9一二两三四五六七八九十几百千]+"
# a unit of weight, area or volume said in two characters too: 三百公斤, 五百平方
ORDER_UNIT = rf"(?:公斤|千克|平方米?|平米|立方米?|[{ORDER_UNITS}斤])"
# … with 了 only the verbs of ordering (先订了二十个); 我先拿了两台样机过去 is our errand
_ORDERED_VERBS = "订定要进"
# … with 个, or a count taken again or taken at all, right before a catalog name: 先要八十个应急灯,
# 又要了五台干式变压器, 要了三台装载机 (先拿一个小区试点, 要了两张名片, 需要了解三台 are none)
# (the unit may go unsaid there: 先定三紫外杀菌器); a wish or a question right before it is
# none (想先拿, 能不能先拿, 可否先订)
_ASKED = "".join(f"(?<!{w})" for w in
                 ("想", "能不能", "可不可以", "能否", "可否", "是否", "要不要"))
ORDER_NAMED_LEAD = rf"(?:{_ASKED}先[{ORDER_VERBS}]|[先又][{_ORDERED_VERBS}]了|" \
    rf"又[{_ORDERED_VERBS}]|(?<![没未不需想只])要了|(?:又|再)加了|追加了?)"  # 又加了: more
_ORDER_NAMED = re.compile(rf"{ORDER_NAMED_LEAD}{ORDER_COUNT}(?:{ORDER_UNIT}|个)?")
# a count taken to try, in the same clause (先拿二十袋强筋麦种试种): no order
_TRY_AFTER = r"[^，,。；;]{0,12}?试"
_TO_TRY = re.compile(_TRY_AFTER)
_SUPPORT = re.compile(
    r"同意|认可(?!度)|拍板|(?<!技术)(?<!售后)支持(?!力度|一下)|答应|(?:^|(?<=[说都也就他她们]))没问题|"
    r"很满意|比较满意|非常满意|挺满意|愿意|点头|肯定要|没意见|"
    # satisfied, said with any or no degree word (还算满意, 对方案满意; a degree word heard
    # as another character: 挺 heard 谌): not 不满意, 没满意, 满意度
    r"(?<![不没])满意(?!度)|"
    # a superior's or a body's yes, reported by the contact ('领导已经批了')
    r"(?:领导|老板|上面|集团|总部|董事会|院里|局里|校领导|行里|总行|厂长|院长|局长|校长|总经理|"
    r"董事长|老总|矿长|场长|项目部|甲方|业主|采购部|总包)[^，,。；;]{0,4}?"
    r"(?:批了|批准|同意了|通过了|点头了|拍板了|签字了|签了字|签了(?=[，,。；;！!]|$))|"
    # … or the customer's side: 金陵汽车城那边签字了 (我们签字了 is ours)
    r"(?<=那边|这边|对方)(?:已经)?(?:签字了|签了字|批下来了)|"
    r"(?:定了|决定|确定|选了?)用我们|选了我们|就用我们|定了?我们(?:家)?的|"
    r"[定订选]了我们家(?=[，,。；;！!]|$)|"
    # taken a fancy to it: 组合滑梯她看中了 (没看中 is none)
    r"(?<![没不未])(?:看中|看上|相中)了(?!别家|别的|其他|另外|人家)|"
    # ours, the one we proposed, chosen: 就要我们推荐的那款
    r"就(?:定|订|要|选|用|买)(?:我们|你们)[^，,。；;]{0,6}?的(?:那|这)?一?(?:款|个|种|型号|套|家)|"
    # the contract stamped or signed: 合同已经盖章了
    r"合同(?:已经|都)?(?:盖章|盖了章|签字|签了字|签好)了|"
    # a meeting of theirs passed it: 社员大会通过了, 股东会通过了
    r"(?:大会|股东会|董事会|办公会|评审会|常委会|职代会|院务会|校务会)(?:已经|都)?(?:通过|表决通过)了|"
    # the customer's budget approved: 儿童公园那边预算批了
    r"(?:那边|他们|对方|院里|厂里|公司|学校)(?:的)?预算(?:已经|都)?批(?:了|下来了)|"
    # the tender won: 民乐套装是我们中标, 中标的是我们
    r"(?<![没未不])(?:是)?我们(?:家)?中(?:了)?标(?!的?(?:可能|概率|机会|希望))|中标的?(?:是|单位是)我们|"
    r"(?<![不没])按我们的(?:方案|报价|设计|标准)|"
    # the customer's side decided, said as the clause's end (科学城宾馆那边定了, 江汉水务那边定下
    # 来了; 时间定了, 还没定 are none)
    r"(?:那边|他们|她们|对方|客户|厂里|院里|局里|学校|公司|医院|集团)(?:已经|都)?"
    r"(?:定了|定下来了|敲定了|决定了|通过了|(?:(?![没不未还])[\u4e00-\u9fff]){2,6}?通过了)"
    r"(?=[，,。；;！!]|$)|"
    # ours chosen, said as the clause's end (调光玻璃用我们的; 想用我们的, 在用我们的 are none)
    r"(?<![不没想试会要能可在再别])用我们(?:家)?的(?=[，,。；;！!]|$)|"
    # the plan or the customer's own purchase process gone through (改造方案过了, 采购流程走完
    # 了); an authority's approval (并网审批下来了) is nobody's yes
    r"方案(?:已经|都)?过了(?![一两几遍])|方案[^，,。；;]{0,4}?(?:已经|都)?(?:通过了|批了)|"
    r"(?<![没未不])(?:采购|内部)?流程(?:已经|都)?走完了|"
    # a purchase approved, whoever approved it: 矿上已经批了采购单, 采购申请批下来了
    r"(?<![没未不])批(?:了|下了)(?:采购|购买|订单)|(?:采购单|采购申请|订单)(?:已经?)?批(?:了|下来了?)|"
    # an order form placed: 厂里已经下了采购单
    r"(?<![没未不])下了(?:采购单|订单|采购合同)|"
    # a count approved or ordered: 批了三百件的采购, 按八百套订
    rf"(?<![没未不])批了{ORDER_COUNT}{ORDER_UNIT}的?采购|按{ORDER_COUNT}{ORDER_UNIT}[订定]|"
    # an order placed: 先进10箱, 先订两台 (a wish or a question is none: 想先拿几瓶, 能不能先拿
    # 几瓶给客人试喝; nor a count taken to try in the same clause: 先拿二十袋麦种试种)
    rf"{_ASKED}先(?:[{ORDER_VERBS}]|[{_ORDERED_VERBS}]了){ORDER_COUNT}{ORDER_UNIT}(?!{_TRY_AFTER})|"
    # this one chosen: 窖藏白酒就定这款了, 就要这个型号
    r"(?<![不没想])就(?:定|订|要|选|用|买)(?:这|那)一?(?:款|个|种|家|台|套|型号|批)|"
    # an order placed: 定了二十把, 订了三百米, 下单了两台
    rf"(?<![没未不])(?:[订定购]了|下单了?|下了单){ORDER_COUNT}{ORDER_UNIT}|"
    # decided to take a count: 院里已经定了要二十台, 决定采购五十套
    rf"(?<![没未不还])(?:定了|决定|定下来)(?:要|买|订|采购|上)了?{ORDER_COUNT}{ORDER_UNIT}")


@lru_cache(maxsize=1)
def attitude_words() -> tuple[str, ...]:
    """The plain words the attitude is read by (没意见, 再考虑, 不感兴趣 …): the top-level
    alternatives of the patterns above that are three to five Han characters and nothing
    else (for respelling a transcript's homophones of them, `nlp.asr.snap.cue_words`; two
    characters sound like too many other words: 再定 / 再订, 同意 / 统一)."""
    return _plain_alternatives((_REJECT, _UNDECIDED, _SUPPORT), r"[\u4e00-\u9fff]{3,5}")


@lru_cache(maxsize=1)
def stance_verbs() -> tuple[str, ...]:
    """The two-character verbs a decision maker's stance is read by (同意, 答应, 拒绝 …):
    the top-level alternatives of the yes and no patterns that are exactly two Han
    characters and nothing else. A transcript hears them as another word of their sound
    (同一, 统一) right after the person who decides (`nlp.asr.snap`)."""
    return _plain_alternatives((_REJECT, _SUPPORT), r"[\u4e00-\u9fff]{2}")


def _plain_alternatives(patterns: tuple[re.Pattern[str], ...], shape: str) -> tuple[str, ...]:
    """The top-level alternatives of ``patterns`` that are plain words of ``shape``."""
    return tuple(dict.fromkeys(
        part for pattern in patterns for part in _alternatives(pattern.pattern)
        if re.fullmatch(shape, part)))


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern (a part of a group or a context is none)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(pattern):
        if ch == "\\":
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


@lru_cache(maxsize=1)
def _poached_pattern() -> re.Pattern[str]:
    titles = "|".join(re.escape(t) for t in lexicon().titles if t and "\\" not in t)
    return re.compile(rf"(?:{titles}|人|他|她)被[^，,。；;]{{0,10}}?挖走")


def poached(text: str) -> list[tuple[int, int]]:
    """Where a person is said to be poached by another firm (林工被别的厂挖走了): the contact
    gone, a change of who decides — no order lost to a competitor, no refusal."""
    return [m.span() for m in _poached_pattern().finditer(text)]


# not now, with a call back asked for later (知产那块也先不做了，让我九月份再打电话): a put-off,
# not a refusal; 先不做了 alone is one
_FOR_NOW = re.compile(r"(?:先|暂时|暂且)(?:也)?不")
_CALL_BACK = re.compile(r"再(?:给(?:他|她|我|他们|她们|对方))?"
                        r"(?:打(?:个)?电话|打给|打过去|联系|约)")
# when something happens asked and not known (啥时候挂网还没定): no one's stance
_WHEN_UNKNOWN = re.compile(r"(?:啥|什么|哪个)时候|哪天|几号|多久|啥时间")
_CLAUSE_MARK = re.compile(r"[，,。；;！!？?]")


def _a_not_a(text: str, pos: int) -> bool:
    """The 不 at ``pos`` asks a question with the verb said twice (换不换, 装不装): whether,
    not a no."""
    return text.startswith("不", pos) and 0 < pos < len(text) - 1 \
        and text[pos - 1] == text[pos + 1]


def clause_begin(text: str, pos: int) -> int:
    """Where the clause holding ``pos`` begins: after the last clause mark before it."""
    return max((m.end() for m in _CLAUSE_MARK.finditer(text, 0, pos)), default=0)


def detect_attitude(text: str, named: Collection[int] = (),
                    customer_end: int | None = None, blocker: str | None = None) -> str | None:
    """The decision maker's stance; ``named``: where catalog names start in ``text``;
    ``customer_end``: where the customer's name ends (锦华织造定了: the customer decided);
    ``blocker``: the kind of the note's blocker. With a tender put off or stopped
    (``"tender"``) a wait said with it (要等集团批复, 等总部通知再说, 让我再等等) is the
    tender's, not a stance on us; with money frozen or cut (``"money"``) a put-off to a time
    with a call back asked for (下个月再说，到时候再打给他) is the money's."""
    gone = poached(text)
    put_off = _CALL_BACK.search(text) is not None
    if any(_decider(text, m.start()) and not any(a <= m.start() and m.end() <= b for a, b in gone)
           and not (put_off and _FOR_NOW.search(text, max(0, m.start() - 3), m.start() + 1))
           and not _a_not_a(text, m.start())
           for m in _REJECT.finditer(text)):
        return "已否决"
    if any(_decider(text, m.start()) and not _WHEN_UNKNOWN.search(
            text, clause_begin(text, m.start()), m.start()) and (
            not _OWN_ERRAND.search(text[max(0, m.start() - 8): m.start()])
            or (m.group() in _WAIT_WORDS and _TOLD_ME.search(text, 0, m.start())))
           and not (blocker == "tender" and _is_wait(m.group()))
           and not (blocker == "money" and put_off and _TIME_WAIT.fullmatch(m.group()))
           for m in _UNDECIDED.finditer(text)):
        return "需再沟通"
    if any(_decider(text, m.start()) and not _NEGATED.search(text, 0, m.start())
           for m in _SUPPORT.finditer(text)) or any(
            m.end() in named and _decider(text, m.start()) and not _TO_TRY.match(text, m.end())
            for m in _ORDER_NAMED.finditer(text)) \
            or (customer_end is not None and _CUSTOMER_DECIDED.match(text, customer_end)):
        return "明确支持"
    return None


# the customer named, then decided, as the clause's end: 锦华织造定了, 凤山茶业那边已经敲定了
# (锦华织造定了别家的, 还没定 are none: the clause goes on, or a negation stands before it)
_CUSTOMER_DECIDED = re.compile(
    r"(?:那边|这边)?(?:已经|都)?(?:定了|定下来了|敲定了|决定了)(?=[，,。；;！!]|$)")


# a yes said with a negation right before it is none: 不是很满意, 不太满意, 并不认可, 没同意
_NEGATED = re.compile(r"(?:不|没|未)[是太怎么很算够大那有]{0,3}$")


# some people, not the decision maker: '有三户居民不同意' is no refusal of the customer's
# (all of them are: '居民那边都同意了')
_OTHERS_BEFORE = re.compile(
    r"(?:有人|个别|部分|有些|少数|[一二三四五六七八九十几两\d]+(?:户|家人|个人|位))"
    r"(?:居民|业主|住户|家长|员工|工人|人)?[^，,。；;]{0,3}$")


def _decider(text: str, pos: int) -> bool:
    return not _OTHERS_BEFORE.search(text[max(0, pos - 10): pos])


# told to wait: the customer's stance, though 我 stands before it (让我再等等)
_WAIT_WORDS = frozenset(("再等等", "先等等", "等等看"))
_TOLD_ME = re.compile(r"[让叫要]我们?$")


# a put-off to a time: 下个月再说 (its cue: 月再说), 等九月份再说
_TIME_WAIT = re.compile(r"(?:等)?[^，,。；;]{0,6}?(?:年|节|月|月份|号|底|初|周|礼拜|星期|天|期|度)"
                        r"(?:以后|之后)?再(?:说|看|议)")


def _is_wait(said: str) -> bool:
    """An undecided cue that only waits: 再等等, 等集团批复, 等总部通知再说."""
    return said in _WAIT_WORDS or said.startswith("等")


# the rep's own errand, not the customer's stance: '我说回去请示一下'
_OWN_ERRAND = re.compile(
    r"我(?:们)?(?:说|这边|先|就|得|要|还)?(?:回去|回公司|跟公司|向公司|跟领导|向领导|找领导)?\s*$|"
    # talking it over with the contact is the rep's errand ('让我过去跟他商量方案')
    r"(?:跟|和|与|同)(?:他|她|您)们?(?:一起)?(?:再)?\s*$")
