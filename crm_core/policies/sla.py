"""SLA rules as pure functions of plain values and `now`.

A *clock* starts at an anchor instant (assignment, offer, task due time, stage entry, last
activity). A policy lists the escalation levels as offsets from the anchor — in business time
(working hours and the Chinese official calendar) or in plain elapsed time. Level 1 goes to the
owner, level 2 to the supervisor (with [催办] [转派] [延期]), level 3 to the director. Each level
fires once per clock run; acting on the lead moves or stops the anchor, which restarts or
stops the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm_core.policies.calendar import BusinessCalendar

FIRST_CONTACT = "first_contact"
CLAIM = "claim"
NEXT_ACTION = "next_action"
STAGE_STUCK = "stage_stuck"
DORMANT = "dormant"
RULES: tuple[str, ...] = (FIRST_CONTACT, CLAIM, NEXT_ACTION, STAGE_STUCK, DORMANT)

RULE_LABELS: dict[str, str] = {
    FIRST_CONTACT: "首次联系超时", CLAIM: "认领超时", NEXT_ACTION: "下一步行动逾期",
    STAGE_STUCK: "阶段停滞", DORMANT: "客户沉睡",
}
LEVEL_LABELS: dict[int, str] = {1: "提醒负责人", 2: "上报主管", 3: "上报总监"}
DORMANT_FROM_STAGE = "方案演示"


@dataclass(frozen=True, slots=True)
class RulePolicy:
    """One rule's clock: level offsets from the anchor (hours), business or elapsed time."""

    rule: str
    levels_hours: tuple[float, ...]
    business: bool = False
    team_id: int | None = None
    source_channel: str | None = None
    grade: str | None = None
    active: bool = True

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown SLA rule {self.rule!r}")
        if not self.levels_hours or len(self.levels_hours) > 3:
            raise ValueError("an SLA policy has one to three levels")
        if any(h < 0 for h in self.levels_hours) or list(self.levels_hours) != sorted(
                self.levels_hours):
            raise ValueError("level offsets must be non-negative and increasing")

    @property
    def specificity(self) -> int:
        return sum(x is not None for x in (self.team_id, self.source_channel, self.grade))

    def matches(self, team_id: int | None, source_channel: str | None,
                grade: str | None) -> bool:
        return ((self.team_id is None or self.team_id == team_id)
                and (self.source_channel is None or self.source_channel == source_channel)
                and (self.grade is None or self.grade == grade))


# The defaults when a tenant configured nothing: the golden 4 business hours, claim in 24 h,
# next action overdue, 30 days in one stage, 30 days dormant.
DEFAULT_POLICIES: tuple[RulePolicy, ...] = (
    RulePolicy(FIRST_CONTACT, (4.0, 8.0, 16.0), business=True),
    RulePolicy(CLAIM, (24.0, 28.0, 48.0)),
    RulePolicy(NEXT_ACTION, (1.0, 8.0, 24.0), business=True),
    RulePolicy(STAGE_STUCK, (30 * 24.0, 37 * 24.0, 44 * 24.0)),
    RulePolicy(DORMANT, (30 * 24.0, 37 * 24.0, 44 * 24.0)),
)


def pick_policy(policies: Iterable[RulePolicy], rule: str, *, team_id: int | None = None,
                source_channel: str | None = None, grade: str | None = None) -> RulePolicy | None:
    """The most specific active policy of `rule` matching team / source / grade; a tenant's
    policies replace the defaults only where they match."""
    candidates = [p for p in policies if p.rule == rule and p.active
                  and p.matches(team_id, source_channel, grade)]
    if not candidates:
        candidates = [p for p in DEFAULT_POLICIES if p.rule == rule]
    if not candidates:
        return None
    return max(candidates, key=lambda p: p.specificity)


def deadline(policy: RulePolicy, anchor: datetime, level: int, cal: BusinessCalendar) -> datetime:
    """When `level` (1-based) is breached for a clock started at `anchor`."""
    hours = policy.levels_hours[level - 1]
    delta = timedelta(hours=hours)
    return cal.add(anchor, delta) if policy.business else anchor + delta


def deadlines(policy: RulePolicy, anchor: datetime, cal: BusinessCalendar) -> list[datetime]:
    return [deadline(policy, anchor, lv, cal) for lv in range(1, len(policy.levels_hours) + 1)]


def due_level(policy: RulePolicy, anchor: datetime, now: datetime,
              cal: BusinessCalendar) -> int:
    """The highest level whose deadline has passed at `now` (0 = within SLA)."""
    level = 0
    for i, d in enumerate(deadlines(policy, anchor, cal), start=1):
        if d <= now:
            level = i
    return level


def next_check(policy: RulePolicy, anchor: datetime, fired: int,
               cal: BusinessCalendar) -> datetime | None:
    """The deadline of the next level after `fired` levels, or None when all have fired."""
    if fired >= len(policy.levels_hours):
        return None
    return deadline(policy, anchor, fired + 1, cal)


def remaining(policy: RulePolicy, anchor: datetime, now: datetime,
              cal: BusinessCalendar) -> timedelta:
    """Time left before level 1 (negative when breached): business time for business rules."""
    d1 = deadline(policy, anchor, 1, cal)
    if policy.business:
        return cal.between(now, d1) if d1 > now else -cal.between(d1, now)
    return d1 - now


@dataclass(frozen=True, slots=True)
class Breach:
    rule: str
    subject_id: int
    level: int
    anchor: datetime
    deadline: datetime


def overdue(items: Iterable[tuple[int, datetime | None]], policy: RulePolicy, now: datetime,
            cal: BusinessCalendar, fired: Mapping[int, int] | None = None) -> list[Breach]:
    """The breaches to fire now for (subject_id, anchor) pairs: every level past due that has
    not fired yet (a restart after downtime fires the missed levels once each, in order)."""
    fired = fired or {}
    out: list[Breach] = []
    for subject_id, anchor in items:
        if anchor is None:
            continue
        done = fired.get(subject_id, 0)
        for lv, d in enumerate(deadlines(policy, anchor, cal), start=1):
            if lv > done and d <= now:
                out.append(Breach(policy.rule, subject_id, lv, anchor, d))
    return out


def breach_key(rule: str, subject_id: int, anchor: datetime, level: int) -> str:
    """Unique per subject + rule + clock run + level: the dedupe key of the alert."""
    return f"sla:{rule}:{subject_id}:{int(anchor.timestamp())}:L{level}"


def escalation_target(level: int, owner_id: int | None, chain: Sequence[int]) -> int | None:
    """Level 1 → the owner, level 2 → the supervisor, level 3 → the director (the next one up
    the chain; a missing supervisor is skipped upwards, never back down to the owner)."""
    if level <= 1:
        return owner_id
    ups = list(chain)
    if not ups:
        return None
    return ups[min(level - 2, len(ups) - 1)]
