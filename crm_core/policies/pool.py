"""The public pool (公海): when an idle lead goes back, who may claim it. Pure.

- A lead not followed up within N days returns to the pool. N comes from the lead's grade
  (`idle_days_by_grade`), else its team (`idle_days_by_team`, or the team's
  `settings["pool_idle_days"]`), else `idle_days` (default 7). The owner is warned
  `warn_before_hours` (24) before.
- Claiming: at most `daily_claim_limit` claims per rep per day, at most `holding_cap` open
  leads held (and never more than the rep's own `max_open_leads`), and the previous owner
  waits `cooling_off_days` after the lead was pooled before taking it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class PoolSettings:
    idle_days: float = 7
    idle_days_by_grade: Mapping[str, float] = field(default_factory=dict)
    idle_days_by_team: Mapping[int, float] = field(default_factory=dict)
    warn_before_hours: float = 24
    daily_claim_limit: int = 5
    holding_cap: int = 60
    cooling_off_days: float = 3

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> PoolSettings:
        d = d or {}
        return cls(
            idle_days=float(d.get("idle_days", 7)),
            idle_days_by_grade={str(k): float(v)
                                for k, v in (d.get("idle_days_by_grade") or {}).items()},
            idle_days_by_team={int(k): float(v)
                               for k, v in (d.get("idle_days_by_team") or {}).items()},
            warn_before_hours=float(d.get("warn_before_hours", 24)),
            daily_claim_limit=int(d.get("daily_claim_limit", 5)),
            holding_cap=int(d.get("holding_cap", 60)),
            cooling_off_days=float(d.get("cooling_off_days", 3)),
        )


@dataclass(frozen=True, slots=True)
class IdleLead:
    lead_id: int
    owner_id: int
    team_id: int | None
    grade: str | None
    assigned_at: datetime | None
    claimed_at: datetime | None
    last_activity_at: datetime | None
    team_idle_days: float | None = None        # team.settings["pool_idle_days"]


def idle_limit(lead: IdleLead, s: PoolSettings) -> float:
    if lead.grade and lead.grade in s.idle_days_by_grade:
        return s.idle_days_by_grade[lead.grade]
    if lead.team_id is not None and lead.team_id in s.idle_days_by_team:
        return s.idle_days_by_team[lead.team_id]
    if lead.team_idle_days is not None:
        return lead.team_idle_days
    return s.idle_days


def idle_since(lead: IdleLead) -> datetime | None:
    stamps = [t for t in (lead.assigned_at, lead.claimed_at, lead.last_activity_at) if t]
    return max(stamps) if stamps else None


def reclaim_at(lead: IdleLead, s: PoolSettings) -> datetime | None:
    since = idle_since(lead)
    return since + timedelta(days=idle_limit(lead, s)) if since else None


def classify(lead: IdleLead, now: datetime, s: PoolSettings) -> str:
    """"reclaim" (due now), "warn" (due within the warning window) or "ok"."""
    due = reclaim_at(lead, s)
    if due is None:
        return "ok"
    if now >= due:
        return "reclaim"
    if now >= due - timedelta(hours=s.warn_before_hours):
        return "warn"
    return "ok"


def can_claim(
    *, user_id: int, previous_owner_id: int | None, pooled_at: datetime | None,
    claims_today: int, holding: int, max_open_leads: int, now: datetime, s: PoolSettings,
) -> str | None:
    """None when the rep may claim; else the reason in Chinese."""
    if claims_today >= s.daily_claim_limit:
        return f"今天已从公海认领 {claims_today} 条, 达到每日上限 {s.daily_claim_limit} 条"
    cap = min(s.holding_cap, max_open_leads)
    if holding >= cap:
        return f"在手线索 {holding} 条, 已达上限 {cap} 条, 请先跟进或释放"
    if previous_owner_id == user_id and pooled_at is not None:
        until = pooled_at + timedelta(days=s.cooling_off_days)
        if now < until:
            return (f"这条线索是从你名下回收的, 冷静期到 {until.astimezone(now.tzinfo):%m-%d %H:%M}"
                    " 之后才能重新认领")
    return None
