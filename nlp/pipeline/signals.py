"""Stage 4, classify: channel, attitude, obstacle, stage and the planned step.

The channel, attitude and stage rule tables live in `nlp.classify`; presets (next actions,
obstacles) are matched by meaning through the tenant's `PresetMatcher`s (`nlp.presets`).
This stage decides where each rule looks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.classify import detect_attitude, detect_channel, poached
from nlp.learned import LearnedIndex
from nlp.pipeline.doc import Doc, clause_of
from nlp.pipeline.entities import Entities
from nlp.pipeline.steps import Step, step_in
from nlp.pipeline.times import Times, step_of
from nlp.presets import PresetMatcher
from nlp.resolve import CatalogIndex
from nlp.stage import detect_stage, stage_from_outcome

__all__ = ["Signals", "classify", "find_obstacle", "find_planned_step"]

_NEXT_MARK = re.compile(
    r"再(?!考虑|商量|比较|看看|说|研究|评估)|准备|打算|计划|下一步|接下来|回头|改天"
    # our own duty said with 要/得 and whom it is for: '要给他报价', '还得帮他们改方案',
    # '得去一趟'. Not '需要'/'主要'/'不要', not their duty ('他要去', '客户得把…'), not '要跟
    # 领导商量' (a talk is no step); the action itself must follow in the clause
    r"|(?<![需主不只重想他她们家方户])(?:要|得)(?=(?:尽快|抓紧|赶紧|马上|先|再)?(?:给|帮|替|去|把))"
    # what the customer asks of us is ours to do: '让我们盯着招标公告', '叫我把清单发过去'
    r"|(?:让|叫)(?:我|咱)们?(?=(?:尽快|抓紧|赶紧|马上|先|再)?[^，,。；;！!？?\s])")


@dataclass(frozen=True, slots=True)
class Signals:
    channel: str | None = None
    attitude: str | None = None
    obstacle: str | None = None           # the tenant's preset (or 其他)
    obstacle_words: str | None = None
    is_stage: bool = False
    stage: str | None = None
    step: Step | None = None              # the planned step
    activity: bool = False                # a sales activity is reported ('寄了资料')


def classify(doc: Doc, ents: Entities, times: Times, index: CatalogIndex,
             learned: LearnedIndex | None = None) -> Signals:
    """Stage 4: what the message says happened, what blocks, what comes next."""
    text = doc.text
    stages = index.catalog.stages
    actions = learned.actions if learned is not None else index.actions
    obstacles = learned.obstacles if learned is not None else index.obstacles
    channel = detect_channel(text, doc.clauses, times.future_starts, times.past_starts,
                             ents.places)
    obstacle, words = find_obstacle(doc, ents, obstacles)
    is_stage, stage = detect_stage(text, index.stages, ents.masked)
    attitude = detect_attitude(text, {s for s, _e in ents.masked},
                               ents.customer_span[1] if ents.customer_span else None,
                               blocker=_blocker_kind(obstacle, obstacles))
    if not is_stage:
        st = stage_from_outcome(text, stages)
        # a contact's refusal told, then the deal called lost (佟主任说…选了别的牌子，这个单子
        # 黄了): a follow-up that logs the refusal, as 这单就算了 is; the outcome alone
        # (鼓楼医院的单子黄了) moves the stage
        if st is not None and not (attitude == "已否决" and ents.contact is not None):
            is_stage, stage = True, st
    return Signals(
        channel=channel,
        attitude=attitude,
        obstacle=obstacle,
        obstacle_words=words,
        is_stage=is_stage,
        stage=stage,
        step=find_planned_step(doc, ents, times, actions),
        activity=_did(doc, ents, actions),
    )


_BLOCKER_KINDS = {"tender_delay": "tender", "tender_pause": "tender",
                  "budget_freeze": "money", "funds": "money"}


def _blocker_kind(obstacle: str | None, matcher: PresetMatcher) -> str | None:
    """The kind of blocker the stance reader knows of (tender, money), by the tenant's preset."""
    if obstacle is None:
        return None
    return next((kind for concept, kind in _BLOCKER_KINDS.items()
                 if matcher.concept_preset.get(concept) == obstacle), None)


_DONE = re.compile(r"了|过")


def _did(doc: Doc, ents: Entities, actions: PresetMatcher) -> bool:
    """An activity the rep reports as done: a step's cue in a clause with 了/过
    ('给冉医生寄了麻醉机的资料', '做了操作培训')."""
    for h in actions.hits(doc.text, ents.masked):
        if h.kind == "generic":
            continue
        cs, ce = clause_of(doc, h.start)
        if _DONE.search(doc.text, cs, ce):
            return True
    return False


# a purchase said after a hold's cue in its clause (…审计要囤一批, 整改要采购; a batch wanted,
# its verb misheard: 要对一批)
_BUYING = re.compile(r"(?:要|得|准备|想|打算)(?:先)?"
                     r"(?:囤|备|订|买|采购|进|补|[\u4e00-\u9fff]?一批)")


def find_obstacle(doc: Doc, ents: Entities,
                  matcher: PresetMatcher) -> tuple[str | None, str | None]:
    """The blocker: the first specific one said ('招标暂停'), else a generic one ('先放一放')."""
    hits = matcher.hits(doc.text, ents.masked)
    # a person poached (林工被别的厂挖走了) is who decides changed, not a competitor's order
    gone = poached(doc.text)
    if gone:
        hits = [h for h in hits if not (h.concept == "competitor" and any(
            a <= h.start and h.end <= b for a, b in gone))]
        changed = matcher.concept_preset.get("decision_maker_change")
        if not hits and changed is not None:
            cs, ce = clause_of(doc, gone[0][0])
            return changed, doc.text[cs:ce].strip()[:40] or None
    # a generic hold said as the occasion of a purchase (年底审计要囤一批复印纸, 整改要买一批)
    # holds nothing up
    hits = [h for h in hits if not (
        h.concept is not None and matcher.concepts[h.concept].generic
        and _BUYING.search(doc.text, h.end, clause_of(doc, h.start)[1]))]
    if not hits:
        return None, None
    specific = [h for h in hits
                if h.concept is None or not matcher.concepts[h.concept].generic]
    # a blocker one of the tenant's presets names beats one that only fits 其他
    named = [h for h in specific if h.preset is not None]
    first = (named or specific or hits)[0]
    # two cues on one verb: the nearer noun is what it says of (水利工程的招标推迟: the tender
    # is put off, not the works)
    hit = max((h for h in (named or specific or hits) if h.end == first.end),
              key=lambda h: h.start)
    cs, ce = clause_of(doc, hit.start)
    return matcher.preset_for(hit), doc.text[cs:ce].strip()[:40] or None


def find_planned_step(doc: Doc, ents: Entities, times: Times,
                      actions: PresetMatcher) -> Step | None:
    """The planned step: around the next step's date, else after a planning word (再, 准备)."""
    anchor = times.anchor
    if anchor is not None and not (anchor is not times.chosen and anchor.postponed):
        return step_of(doc, ents, times, anchor, actions)
    # (an unread date of their event is no step of ours: '下个月中旬才挂网')
    text = doc.text
    for cs, ce in doc.clauses:
        mk = _NEXT_MARK.search(text, cs, ce)
        if mk is None:
            continue
        masked = [(a - mk.start(), b - mk.start()) for a, b in ents.masked
                  if a < ce and mk.start() < b]
        step = step_in(text[mk.start(): ce], actions, masked)
        if step is not None and not step.generic:   # '她说看完再联系' is no step of ours
            return step
    return None
