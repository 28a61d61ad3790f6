"""SLA policies, clocks and escalations; daily reports; scheduler job runs.

`SlaClock` is the deadline column the scan reads: one row per (rule, subject), `next_at` is
the instant its next level is due (NULL once stopped or exhausted). The scan is an indexed
range query on `next_at`, never a loop over the leads.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, SQLModel, UniqueConstraint

from crm_core.models.base import json_column, new_dict, new_list, ts_column


class SlaPolicy(SQLModel, table=True):
    """A rule's escalation offsets for a team / source channel / lead grade (None = any)."""

    __tablename__ = "sla_policy"
    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(index=True)              # first_contact | claim | next_action | …
    team_id: int | None = Field(default=None, foreign_key="team.id")
    source_channel: str | None = None
    grade: str | None = None
    levels_hours: list[float] = Field(default_factory=new_list, sa_column=json_column(list))
    business: bool = False                     # business hours (calendar) or elapsed time
    params: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    active: bool = True


class SlaClock(SQLModel, table=True):
    __tablename__ = "sla_clock"
    __table_args__ = (UniqueConstraint("rule", "subject_id", name="uq_sla_clock_subject"),)
    id: int | None = Field(default=None, primary_key=True)
    rule: str
    subject_id: int                            # lead / task / deal id, by rule
    lead_id: int | None = Field(default=None, index=True)
    deal_id: int | None = None
    owner_id: int | None = Field(default=None, index=True)
    team_id: int | None = None
    started_at: datetime = Field(sa_column=ts_column(nullable=False))     # the anchor
    next_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    level: int = 0                             # levels fired in this run
    stopped_at: datetime | None = Field(default=None, sa_column=ts_column())
    stop_reason: str | None = None
    updated_at: datetime | None = Field(default=None, sa_column=ts_column())


class Escalation(SQLModel, table=True):
    """One fired level of one breach; `key` is unique so each level fires once."""

    __tablename__ = "sla_escalation"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)              # sla:{rule}:{subject}:{anchor}:L{level}
    clock_id: int | None = Field(default=None, index=True)
    rule: str = Field(index=True)
    subject_id: int
    lead_id: int | None = Field(default=None, index=True)
    owner_id: int | None = Field(default=None, index=True)
    recipient_id: int | None = None
    level: int
    started_at: datetime = Field(sa_column=ts_column(nullable=False))
    deadline_at: datetime = Field(sa_column=ts_column(nullable=False))
    fired_at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    resolved_at: datetime | None = Field(default=None, sa_column=ts_column())
    action: str | None = None                  # urge | reassign | extend (the supervisor's)
    action_by: int | None = None
    # told in the recipient's alert card of a scan (None: not yet — quiet hours, or the scan
    # is still draining a backlog)
    notified_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    title: str | None = None                   # what the card names: "南京鼓楼医院"


class DailyReport(SQLModel, table=True):
    __tablename__ = "daily_report"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_daily_report_user_day"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="crm_user.id", index=True)
    day: date = Field(index=True)
    status: str = "prompted"                   # prompted | answered
    draft: str = ""
    progress: str | None = None
    obstacles: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    prompted_at: datetime | None = Field(default=None, sa_column=ts_column())
    answered_at: datetime | None = Field(default=None, sa_column=ts_column())


class JobRun(SQLModel, table=True):
    """The last run of each scheduled job (for `/系统` and `crmbot jobs list`)."""

    __tablename__ = "job_run"
    name: str = Field(primary_key=True)
    last_started_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_finished_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_status: str | None = None             # ok | error
    last_result: str | None = None
    last_error: str | None = None
    runs: int = 0
    watermark: datetime | None = Field(default=None, sa_column=ts_column())
