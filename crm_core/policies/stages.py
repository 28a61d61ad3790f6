"""The stage state machine as pure functions of plain values.

Stages are tenant data: a name, an order, won / lost flags, the stages allowed next, and what
must be there to enter or to leave a stage (deal fields, evidence kinds, a lost reason from a
preset list). Nothing here touches the database or the clock.

Requirements JSON (the `Stage.requirements` column):
    {"enter": {"fields": ["meeting_note"], "evidence": ["file"]},
     "leave": {"fields": ["quote_note"]}}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_LOST_REASONS: tuple[str, ...] = (
    "选了竞品", "价格太高", "预算取消", "招标失败", "需求变化", "决策人变动", "联系不上", "其他",
)


@dataclass(frozen=True, slots=True)
class FieldDef:
    key: str
    label: str
    kind: str                      # text | date | money | choice
    question: str


FIELDS: dict[str, FieldDef] = {f.key: f for f in (
    FieldDef("meeting_note", "会议纪要", "text", "这次会议/演示的纪要？几句话即可。"),
    FieldDef("expected_close", "预计签约日期", "date", "预计哪天签约？（如 12月20日）"),
    FieldDef("legal_feedback", "法务反馈", "text", "对方法务有什么反馈？"),
    FieldDef("lost_reason", "输单原因", "choice", "输单原因是？"),
    FieldDef("amount", "金额", "money", "预计金额多少？（如 35万）"),
    FieldDef("decision_maker", "关键决策人", "text", "关键决策人是谁？"),
    FieldDef("competitor", "竞争对手", "text", "主要竞争对手是哪家？"),
    FieldDef("quote_note", "报价说明", "text", "报价情况怎样？（价格、折扣）"),
    FieldDef("budget_note", "预算情况", "text", "对方预算情况如何？"),
    FieldDef("contract_no", "合同编号", "text", "合同编号是？"),
)}
FIELD_BY_LABEL: dict[str, str] = {f.label: f.key for f in FIELDS.values()}

EVIDENCE_KINDS: dict[str, str] = {"file": "文件或照片", "photo": "照片", "link": "链接",
                                  "any": "任意附件"}
# which stored evidence kinds satisfy a required kind
EVIDENCE_ACCEPTS: dict[str, frozenset[str]] = {
    "file": frozenset({"file", "photo"}),
    "photo": frozenset({"photo"}),
    "link": frozenset({"link"}),
    "any": frozenset({"file", "photo", "link"}),
}
EVIDENCE_BY_LABEL: dict[str, str] = {"文件": "file", "照片": "photo", "图片": "photo",
                                     "链接": "link", "附件": "any", "文件或照片": "file"}


@dataclass(frozen=True, slots=True)
class Requirement:
    fields: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> Requirement:
        raw = raw or {}
        return cls(tuple(str(x) for x in raw.get("fields") or ()),
                   tuple(str(x) for x in raw.get("evidence") or ()))

    def to_json(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if self.fields:
            out["fields"] = list(self.fields)
        if self.evidence:
            out["evidence"] = list(self.evidence)
        return out

    def describe(self) -> str:
        parts = [FIELDS[f].label if f in FIELDS else f for f in self.fields]
        parts += [evidence_label(e) for e in self.evidence]
        return "、".join(parts)


def split_evidence(entry: str) -> tuple[str, str]:
    """"file:PPT" → ("file", "PPT"); "photo" → ("photo", "")."""
    kind, _, label = entry.partition(":")
    return kind, label.strip()


def evidence_label(entry: str) -> str:
    """"file:PPT" → 文件「PPT」; "photo" → 照片."""
    kind, label = split_evidence(entry)
    base = {"file": "文件", "photo": "照片", "link": "链接", "any": "附件"}.get(kind, kind)
    return f"{base}「{label}」" if label else EVIDENCE_KINDS.get(kind, kind)


# --- file-name rule: "客户名_日期_版本号" (issue 15) ----------------------------------------
NAME_PARTS: dict[str, str] = {
    "客户名": r"[^_\-/\\]+", "客户": r"[^_\-/\\]+", "日期": r"(?:\d{8}|\d{4}-\d{2}-\d{2}|\d{6})",
    "版本号": r"[vV]?\d+(?:\.\d+)*", "版本": r"[vV]?\d+(?:\.\d+)*",
    "阶段": r"[^_\-/\\]+", "产品": r"[^_\-/\\]+",
}
NAME_EXAMPLE: dict[str, str] = {"客户名": "鼓楼医院", "客户": "鼓楼医院", "日期": "20261123",
                                "版本号": "v1", "版本": "v1", "阶段": "方案演示",
                                "产品": "融合器"}


def compile_name_rule(rule: str) -> tuple[re.Pattern[str] | None, str]:
    """"客户名_日期_版本号" → (the pattern a file name (without extension) must match, an
    example name); (None, the reason) when the rule is not a valid pattern: every part must
    be one of 客户名/日期/版本号/阶段/产品, joined by _ - or 空格, at least two parts."""
    text = rule.strip()
    if not text:
        return None, "命名规则不能为空（不要规则请回复「关闭」）"
    tokens = re.split(r"([_\- ])", text)
    parts = tokens[0::2]
    seps = tokens[1::2]
    unknown = [p for p in parts if p not in NAME_PARTS]
    if unknown or len(parts) < 2:
        return None, (f"不认识「{'、'.join(unknown) or text}」。命名规则由 客户名、日期、"
                      "版本号、阶段、产品 用 _ 或 - 连接，如「客户名_日期_版本号」")
    regex = "".join(NAME_PARTS[p] + (re.escape(seps[i]) if i < len(seps) else "")
                    for i, p in enumerate(parts))
    example = "".join(NAME_EXAMPLE[p] + (seps[i] if i < len(seps) else "")
                      for i, p in enumerate(parts))
    return re.compile(f"^{regex}(?:\\.[A-Za-z0-9]{{1,5}})?$"), example


def name_follows(name: str, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.match(name.strip().rsplit("/", 1)[-1]))


@dataclass(frozen=True, slots=True)
class StageDef:
    name: str
    sequence: int = 10
    is_won: bool = False
    is_lost: bool = False
    allowed_next: tuple[str, ...] = ()
    enter: Requirement = field(default_factory=Requirement)
    leave: Requirement = field(default_factory=Requirement)
    active: bool = True

    @property
    def terminal(self) -> bool:
        return self.is_won or self.is_lost

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> StageDef:
        req = raw.get("requirements") or {}
        return cls(name=str(raw["name"]).strip(), sequence=int(raw.get("sequence", 10)),
                   is_won=bool(raw.get("is_won")), is_lost=bool(raw.get("is_lost")),
                   allowed_next=tuple(str(x) for x in raw.get("allowed_next") or ()),
                   enter=Requirement.from_json(req.get("enter")),
                   leave=Requirement.from_json(req.get("leave")),
                   active=bool(raw.get("active", True)))

    def requirements_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.enter.to_json():
            out["enter"] = self.enter.to_json()
        if self.leave.to_json():
            out["leave"] = self.leave.to_json()
        return out

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sequence": self.sequence, "is_won": self.is_won,
                "is_lost": self.is_lost, "allowed_next": list(self.allowed_next),
                "requirements": self.requirements_json(), "active": self.active}


@dataclass(frozen=True, slots=True)
class DealFacts:
    """What a deal has now, as plain values."""

    fields: Mapping[str, Any]                  # field key → value (None/"" = missing)
    evidence_kinds: frozenset[str] = frozenset()   # kinds attached in the current stage
    evidence: tuple[tuple[str, str], ...] = ()     # (kind, name) attached in the stage


@dataclass(frozen=True, slots=True)
class Missing:
    kind: str                      # field | evidence
    key: str                       # field key or evidence kind
    label: str
    question: str
    choices: tuple[str, ...] = ()
    value_kind: str = "text"


@dataclass(frozen=True, slots=True)
class Transition:
    allowed: bool
    reason: str = ""               # Chinese, when not allowed


def check_transition(current: StageDef | None, target: StageDef) -> Transition:
    """May a deal go from `current` to `target` without a manager override?"""
    if not target.active:
        return Transition(False, f"「{target.name}」已停用")
    if current is None:
        return Transition(True)
    if current.name == target.name:
        return Transition(False, f"已经是「{target.name}」阶段了")
    if target.name in current.allowed_next:
        return Transition(True)
    nxt = "、".join(current.allowed_next) or "无（已结束）"
    return Transition(False, f"不能从「{current.name}」直接到「{target.name}」。可去：{nxt}")


def _has(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def missing_for_move(
    current: StageDef | None, target: StageDef, deal: DealFacts,
    lost_reasons: Sequence[str] = DEFAULT_LOST_REASONS,
) -> list[Missing]:
    """Everything the move still needs, in the order the bot should ask for it."""
    need_fields: list[str] = []
    need_evidence: list[str] = []
    reqs: list[Requirement] = [target.enter]
    if current is not None and not target.is_lost:   # giving up needs no exit paperwork
        reqs.insert(0, current.leave)
    if target.is_lost and "lost_reason" not in target.enter.fields:
        reqs.append(Requirement(fields=("lost_reason",)))
    for r in reqs:
        need_fields.extend(f for f in r.fields if f not in need_fields)
        need_evidence.extend(e for e in r.evidence if e not in need_evidence)
    out: list[Missing] = []
    for key in need_fields:
        value = deal.fields.get(key)
        fd = FIELDS.get(key) or FieldDef(key, key, "text", f"请补充「{key}」。")
        if key == "lost_reason":
            if _has(value) and str(value) in lost_reasons:
                continue
            out.append(Missing("field", key, fd.label, fd.question, tuple(lost_reasons),
                               "choice"))
            continue
        if not _has(value):
            out.append(Missing("field", key, fd.label, fd.question, value_kind=fd.kind))
    used: set[int] = set()                    # each named item needs its own attachment
    for entry in need_evidence:
        kind, name = split_evidence(entry)
        accepts = EVIDENCE_ACCEPTS.get(kind, frozenset({kind}))
        if name:
            hit = next((i for i, (k, n) in enumerate(deal.evidence)
                        if i not in used and k in accepts and name.lower() in n.lower()), None)
            if hit is not None:
                used.add(hit)
                continue
        elif deal.evidence_kinds & accepts:
            continue
        label = evidence_label(entry)
        hint = f"（文件名里要有「{name}」）" if name else "（演示照片、方案文件等）"
        out.append(Missing("evidence", entry, label,
                           f"请上传{label}{hint}。控制台里发「:file 文件名」或发一个链接。",
                           value_kind="evidence"))
    return out


def stage_map(stages: Iterable[StageDef]) -> dict[str, StageDef]:
    return {s.name: s for s in stages}


def _reach(start: str, graph: Mapping[str, Sequence[str]]) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for n in graph.get(stack.pop(), ()):
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return seen


def validate_stages(stages: Sequence[StageDef]) -> list[str]:
    """Problems with a whole stage configuration, in Chinese; empty means it may be stored."""
    errors: list[str] = []
    active = [s for s in stages if s.active]
    if not active:
        return ["至少需要一个启用的阶段"]
    names = [s.name for s in active]
    for n in sorted({n for n in names if names.count(n) > 1}):
        errors.append(f"阶段「{n}」重复了")
    if any(not n for n in names):
        errors.append("阶段名称不能为空")
    by_name = stage_map(active)
    won = [s for s in active if s.is_won]
    if not won:
        errors.append("至少需要一个「赢单」阶段")
    if not any(s.is_lost for s in active):
        errors.append("至少需要一个「输单」阶段")
    for s in active:
        if s.is_won and s.is_lost:
            errors.append(f"「{s.name}」不能既是赢单又是输单")
        for n in s.allowed_next:
            if n not in by_name:
                errors.append(f"「{s.name}」的下一阶段「{n}」不存在")
            elif n == s.name:
                errors.append(f"「{s.name}」不能流转到自己")
        if not s.terminal and not s.allowed_next:
            errors.append(f"「{s.name}」没有可去的下一阶段")
        for part, req in (("进入", s.enter), ("离开", s.leave)):
            for f in req.fields:
                if f not in FIELDS:
                    known = "、".join(fd.label for fd in FIELDS.values())
                    errors.append(f"「{s.name}」{part}要求的字段「{f}」不存在（可用：{known}）")
            for e in req.evidence:
                if split_evidence(e)[0] not in EVIDENCE_ACCEPTS:
                    errors.append(f"「{s.name}」{part}要求的附件类型「{e}」不存在"
                                  "（可用：文件、照片、链接、附件）")
    if errors:
        return errors
    graph = {s.name: [n for n in s.allowed_next if n in by_name] for s in active}
    open_stages = sorted((s for s in active if not s.terminal), key=lambda s: s.sequence)
    if not open_stages:
        return ["至少需要一个进行中的阶段（非赢单/输单）"]
    start = open_stages[0].name
    reachable = _reach(start, graph)
    for s in sorted(active, key=lambda s: s.sequence):
        if s.name not in reachable:
            errors.append(f"从「{start}」出发到不了「{s.name}」：没有阶段能流转到它")
    won_names = {s.name for s in won}
    for s in open_stages:
        if not (_reach(s.name, graph) & won_names):
            errors.append(f"从「{s.name}」出发永远到不了赢单（阶段之间形成了死循环）")
    return errors


def parse_requirement_words(words: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """Chinese labels or keys → (field keys, evidence kinds, unknown words)."""
    fields: list[str] = []
    evidence: list[str] = []
    unknown: list[str] = []
    for w in (x.strip() for x in words):
        if not w:
            continue
        if w in FIELDS:
            fields.append(w)
        elif w in FIELD_BY_LABEL:
            fields.append(FIELD_BY_LABEL[w])
        elif w in EVIDENCE_ACCEPTS:
            evidence.append(w)
        elif w in EVIDENCE_BY_LABEL:
            evidence.append(EVIDENCE_BY_LABEL[w])
        elif re.match(r"^(文件|照片|图片|链接|附件)[:：]\S", w):   # 文件:PPT, 照片：签字页
            base, label = re.split(r"[:：]", w, maxsplit=1)
            evidence.append(f"{EVIDENCE_BY_LABEL[base]}:{label.strip()[:20]}")
        else:
            unknown.append(w)
    return fields, evidence, unknown


def compliance_rate(flags: Iterable[bool]) -> float | None:
    """Moves that met the conditions ÷ all moves; None when there were no moves."""
    values = list(flags)
    if not values:
        return None
    return sum(1 for v in values if v) / len(values)
