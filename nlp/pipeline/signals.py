"""Stage 4, classify: channel, attitude, obstacle, stage and the planned step.

The rule tables live in `nlp.classify`; this stage decides where each rule looks (the
clause of the next step's date, the clause before it, the whole message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.classify import (
    detect_attitude,
    detect_channel,
    detect_obstacle,
    detect_stage,
    find_action,
    find_action_in_context,
    stage_from_outcome,
)
from nlp.pipeline.doc import Doc
from nlp.pipeline.times import Times, next_segments, previous_clause
from nlp.timeparse import TimeExpr

__all__ = ["Signals", "classify", "find_planned_step"]

_NEXT_MARK = re.compile(
    r"再(?!考虑|商量|比较|看看|说|研究|评估)|准备|打算|计划|下一步|接下来|回头|改天")
_COMPETITOR_CHOSEN = re.compile(r"选了(?:竞品|别家|别的)")


@dataclass(frozen=True, slots=True)
class Signals:
    channel: str | None = None
    attitude: str | None = None
    obstacle: str | None = None           # a concept of the rule table
    is_stage: bool = False
    stage: str | None = None
    action: str | None = None             # a concept of the rule table


def classify(doc: Doc, times: Times, stages: tuple[str, ...]) -> Signals:
    """Stage 4: what the message says happened, what blocks, what comes next."""
    text = doc.text
    channel = detect_channel(text, doc.clauses, times.future_starts, times.past_starts)
    obstacle = detect_obstacle(text)
    if obstacle is None and _COMPETITOR_CHOSEN.search(text):
        obstacle = "竞品介入"
    is_stage, stage = detect_stage(text, stages)
    if not is_stage:
        st = stage_from_outcome(text, stages)
        if st is not None:
            is_stage, stage = True, st
    return Signals(
        channel=channel,
        attitude=detect_attitude(text),
        obstacle=obstacle,
        is_stage=is_stage,
        stage=stage,
        action=find_planned_step(doc, times),
    )


def find_planned_step(doc: Doc, times: Times) -> str | None:
    """The planned step: around the next step's date, else after a planning word (再, 准备)."""
    text, clauses = doc.text, doc.clauses
    anchor: TimeExpr | None = times.anchor
    if anchor is not None:
        after, before = next_segments(text, anchor, times.exprs, clauses)
        return find_action_in_context(after, before,
                                      previous_clause(text, anchor.start, clauses))
    for cs, ce in clauses:
        seg = text[cs:ce]
        mk = _NEXT_MARK.search(seg)
        if not mk:
            continue
        concept = find_action(seg[mk.start():], "")
        if concept and concept != "安排拜访":
            return concept
        if concept == "安排拜访" and re.search(r"拜访|上门|一趟", seg):
            return concept
    return None
