"""Stage 3, times: which time expression is the next step's date.

Every expression was resolved in stage 1; here names heard as times are dropped ('常周一院'
is 常州一院), past and postponed dates are set aside, and the next step's date is chosen:
an expression followed by 再 or a planned step wins, then text order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nlp.pipeline.doc import Doc, clause_of
from nlp.pipeline.entities import Entities
from nlp.pipeline.steps import Step, carried, step_around, step_in
from nlp.presets import OTHER, PresetMatcher
from nlp.timeparse import TimeExpr

__all__ = ["Times", "next_segments", "previous_clause", "read_times", "step_of"]

_ALTERNATIVE = re.compile(r"\s*(?:或者?|还是|到|至|-|~|—)\s*")
_AGAIN = re.compile(r"再(?!考虑|商量|比较|看看|研究|说|定|等)")
_DEADLINE = re.compile(r"\s*(?:前|之前|以前)")      # 'X前…': a deadline is the rep's,
_SAID = re.compile(r"说|讲|表示|答应")                 # unless a customer said it
# a plan said with no preset cue ('下周一再联系', '我周三过去'): the date is still a step
_PLAN = re.compile(r"我|约|到时候|届时|安排|准备|计划|打算|记得|提醒|截止|"
                   r"再(?:去|来|过|打|联系|拜访|约|谈|聊|跟|问|发|送|报|签|见|沟通|确认|催|上门|给)")


_THEIR_PLAN = re.compile(r"(?:他们|他|她|客户|对方|人家)(?:也)?(?:想|要|打算|准备|计划)")
# a date that dates a thing after 的 (下个月的演出, 明年的预算), not a step
_OF_A_THING = re.compile(r"的(?:演出|活动|展会|比赛|会议|晚会|庆典|典礼|预算|项目|计划|工程|"
                         r"订单|节目)")
_NOT_PLANNED = re.compile(r"不打算|不准备|不计划|不想|不会再|先不|暂不|暂时不|不再|不用再")


@dataclass(frozen=True, slots=True)
class Times:
    exprs: list[TimeExpr]                 # every expression, names excluded
    chosen: TimeExpr | None               # the next step's date
    vague: list[TimeExpr]                 # 过几天, 改天 …
    future_starts: list[int]              # where planned (non-weak) dates start
    past_starts: list[int]                # where past dates start

    @property
    def anchor(self) -> TimeExpr | None:
        """The expression the next step hangs on: the chosen date, else the last vague one."""
        if self.chosen is not None:
            return self.chosen
        return self.vague[-1] if self.vague else None


def read_times(doc: Doc, ents: Entities, actions: PresetMatcher) -> Times:
    """Stage 3: the next step's date among the expressions of `doc`."""
    text = doc.text
    # a name heard as a time ('常周一院' → 常州一院) is a name, not 周一
    times = [t for t in doc.times
             if not any(a <= t.start and t.end <= b and (a, b) != (t.start, t.end)
                        for a, b in ents.names)]
    future = [t for t in times
              if t.date is not None and not t.past
              and (not t.postponed or _then_follows(text, t, times))
              and t.kind in ("date", "attached")]
    vague = [t for t in times if t.vague]
    partial = Times(times, None, vague, [], [])
    chosen = _choose_next(doc, ents, partial, future, actions)
    if chosen is not None and chosen.time is None:
        # the same day said again with its clock time ('年检在下周四，…下周四上午八点半到')
        again = next((t for t in future if t.start > chosen.start and t.date == chosen.date
                      and t.time is not None), None)
        if again is not None:
            chosen = replace(chosen, time=again.time, part=again.part)
    return Times(
        exprs=times,
        chosen=chosen,
        vague=vague,
        future_starts=[t.start for t in future if not t.weak],
        past_starts=[t.start for t in times if t.past],
    )


def step_of(doc: Doc, ents: Entities, times: Times, t: TimeExpr,
            actions: PresetMatcher, *, own_clause: bool = False) -> Step | None:
    """The planned step said around the date `t`."""
    text = doc.text
    nxt = _next_date_start(text, t, times.exprs)
    clause = clause_of(doc, t.start)
    prev = [(a, b) for a, b in reversed(doc.clauses) if b <= clause[0]][:3]
    return step_around(text, t.start, t.end, nxt, actions, ents.masked, clause, prev,
                       own_clause=own_clause)


def _said_ahead(doc: Doc, t: TimeExpr, actions: PresetMatcher) -> bool:
    """A step said after the weak date ``t`` in its clause, or the rep carrying or sending
    something then ('我今晚发过去')."""
    cs, ce = clause_of(doc, t.start)
    after = doc.text[t.end:ce]
    return step_in(after, actions) is not None or (carried(after) and "我" in doc.text[cs:t.start])


def _choose_next(doc: Doc, ents: Entities, times: Times, future: list[TimeExpr],
                 actions: PresetMatcher) -> TimeExpr | None:
    """The next step's date: an expression with 再 / a step after it wins, then order."""
    if not future:
        return None
    text = doc.text
    strong = [t for t in future if not t.weak]
    if not strong:
        # '今天' alone is a next step only when a concrete step follows it in its clause, or
        # the rep carries or sends something then (at 23:20, '我今晚发过去': the evening has
        # begun, so 今晚 is weak, but the sending is still ahead)
        strong = [t for t in future if _said_ahead(doc, t, actions)]
        if not strong:
            return None
    # 'X或者Y' / 'X到Y': Y is an alternative or a range end, X is the step
    strong = [t for i, t in enumerate(strong)
              if i == 0 or not _ALTERNATIVE.fullmatch(text[strong[i - 1].end: t.start])]
    # a date is the rep's step only where a step or a plan is said around it ('年后想装',
    # '节后要采购', '下个月开始用' are the customer's plans, not the rep's next step)
    scored: list[tuple[int, int, TimeExpr]] = []
    starts = sorted(u.start for u in times.exprs if u.kind != "clock" and u.kind != "part")
    for i, t in enumerate(strong):
        # up to the next time said, read or not ('明年一月换…，元旦后再联系': 再联系 is 元旦后's)
        nxt = next((s for s in starts if s > t.end), len(text))
        cs, ce = clause_of(doc, t.start)
        seg = text[cs: max(nxt, ce) if nxt > ce else nxt]
        score = 0
        own = step_of(doc, ents, times, t, actions, own_clause=True)
        if own is not None:            # a step one of the tenant's presets names weighs most
            score += 1 if own.generic or own.preset in (None, OTHER) else 2
        if _AGAIN.search(seg) and (own is None or not own.generic):
            score += 1
        if "我" in text[cs:ce]:
            score += 1                 # the rep's own step ('我10月9号把样机送过去')
        elif _SAID.search(text, cs, t.start):
            score -= 1                 # what a customer said will happen ('说…下个月开标')
        if _THEIR_PLAN.search(text, cs, t.start):
            score -= 2                 # the customer's own plan ('他们想年前装好')
        if _OF_A_THING.match(text, t.end):
            score -= 2                 # when a thing of theirs is ('下个月的演出用'), not a step
        if step_of(doc, ents, times, t, actions) is None and not _PLAN.search(seg) \
                and not (_DEADLINE.match(text, t.end) and not _SAID.search(text, cs, t.start)):
            continue
        if _NOT_PLANNED.search(text, cs, ce):
            continue                   # '中秋前不打算进新货了': a plan not to
        scored.append((score, -i, t))
    if not scored:
        return None
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return scored[0][2]


def _then_follows(text: str, t: TimeExpr, times: list[TimeExpr]) -> bool:
    """'招标延期到15号，到时候再跟进': the delayed date is the step when 到时候 points back."""
    nxt = next((u.start for u in times if u.start >= t.end and u.date is not None), len(text))
    return bool(re.search(r"到时候|那天|届时|到那天", text[t.end: nxt]))


def _next_date_start(text: str, t: TimeExpr, times: list[TimeExpr]) -> int:
    end = t.end
    for u in times:
        if u.start < t.end or u.kind in ("clock", "part") or (u.kind == "date" and u.date is None):
            continue                 # (a vague or unread time ends the step too: '…，元旦后再联系')
        if _ALTERNATIVE.fullmatch(text[end: u.start]):
            end = u.end          # an alternative / range end belongs to this step
            continue
        return u.start
    return len(text)


def previous_clause(text: str, pos: int, clauses: list[tuple[int, int]]) -> str:
    """The clause before the one holding `pos`."""
    prev = ""
    for a, b in clauses:
        if a <= pos < b:
            return prev
        prev = text[a:b]
    return prev


def next_segments(text: str, t: TimeExpr, times: list[TimeExpr],
                  clauses: list[tuple[int, int]]) -> tuple[str, str]:
    """(text after `t` up to the next date, its clause before `t`): where its step is said."""
    nxt = _next_date_start(text, t, times)
    cs = next((a for a, b in clauses if a <= t.start < b), 0)
    return text[t.end: nxt], text[cs: t.start]
