"""The pipeline: leads and their history, deals and stages, follow-ups, tasks."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from crm_core.models.base import json_column, new_dict, new_list, ts_column


class LeadStatus(StrEnum):
    pending = "pending"        # 待补全: invalid, parked with reasons, never dropped silently
    new = "new"
    assigned = "assigned"
    claimed = "claimed"
    contacted = "contacted"
    qualified = "qualified"
    converted = "converted"
    dropped = "dropped"


LEAD_STATUS_LABELS: dict[str, str] = {
    "pending": "待补全", "new": "新线索", "assigned": "已分配", "claimed": "已认领",
    "contacted": "已联系", "qualified": "已确认", "converted": "已转化", "dropped": "已放弃",
}
OPEN_LEAD_STATUSES: tuple[str, ...] = ("new", "assigned", "claimed", "contacted", "qualified")


class Lead(SQLModel, table=True):
    __tablename__ = "lead"
    __table_args__ = (
        # routing reads per lead: a team's last assignment (round robin) and a rep's load
        Index("ix_lead_team_assigned", "team_id", "assigned_at", "id",
              postgresql_include=["owner_id"]),
        Index("ix_lead_owner_status", "owner_id", "status"),
        Index("ix_lead_owner_assigned", "owner_id", "assigned_at"),
        # /看板's 72 h activation reads the period's leads from the index alone (issue 15)
        Index("ix_lead_created_owner_contacted", "created_at", "owner_id",
              "first_contacted_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=LeadStatus.new.value, index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    owner_id: int | None = Field(default=None, foreign_key="crm_user.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    # as the form sent it (normalised where we can)
    company: str | None = None
    name: str | None = None
    title: str | None = None
    phone: str | None = Field(default=None, index=True)
    email: str | None = Field(default=None, index=True)
    address: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    product_text: str | None = None
    product_line: str | None = None
    budget: float | None = None
    message: str | None = None
    source_channel: str = Field(default="web", index=True)   # web | import | chat | …
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_content: str | None = None
    utm_term: str | None = None
    client_id: str | None = Field(default=None, unique=True)
    raw_payload: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    invalid_reasons: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    score: int = 50
    grade: str | None = None                                  # A/B/C or red/yellow/green
    score_reasons: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    assignment_reason: str | None = None
    in_pool: bool = Field(default=False, index=True)           # 公海
    previous_owner_id: int | None = Field(default=None, foreign_key="crm_user.id")
    dropped_reason: str | None = None
    created_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    updated_at: datetime | None = Field(default=None, sa_column=ts_column())
    assigned_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    claimed_at: datetime | None = Field(default=None, sa_column=ts_column())
    first_contacted_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_activity_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    pooled_at: datetime | None = Field(default=None, sa_column=ts_column())


class LeadEvent(SQLModel, table=True):
    """The lead's history: created, merged inquiry, assigned, claimed, pooled, …"""

    __tablename__ = "lead_event"
    __table_args__ = (Index("ix_lead_event_kind_at", "kind", "at"),)   # routing_notices
    id: int | None = Field(default=None, primary_key=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    kind: str                                                  # created | inquiry | assigned …
    at: datetime = Field(sa_column=ts_column(nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="crm_user.id")
    detail: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))


class Stage(SQLModel, table=True):
    """Stages are tenant data (odoo crm.stage), not an enum."""

    __tablename__ = "stage"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    sequence: int = 10
    is_won: bool = False
    is_lost: bool = False
    allowed_next: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    requirements: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    active: bool = True


class Deal(SQLModel, table=True):
    __tablename__ = "deal"
    id: int | None = Field(default=None, primary_key=True)
    name: str
    customer_id: int = Field(foreign_key="customer.id", index=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id")
    owner_id: int | None = Field(default=None, foreign_key="crm_user.id", index=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    amount: float = 0.0
    products: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    expected_close: date | None = None
    lost_reason: str | None = None
    fields: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    stage_entered_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime | None = Field(default=None, sa_column=ts_column())
    updated_at: datetime | None = Field(default=None, sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column())


class StageHistory(SQLModel, table=True):
    __tablename__ = "stage_history"
    __table_args__ = (Index("ix_stage_history_moved_at", "moved_at"),)   # /看板 compliance
    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True)
    from_stage_id: int | None = Field(default=None, foreign_key="stage.id")
    to_stage_id: int = Field(foreign_key="stage.id")
    moved_at: datetime = Field(sa_column=ts_column(nullable=False))
    moved_by: int | None = Field(default=None, foreign_key="crm_user.id")
    compliant: bool = True
    override: bool = False
    note: str | None = None


class FollowUp(SQLModel, table=True):
    __tablename__ = "followup"
    # numbers shown to users (#F12) are never reused after an undo deletes a row
    __table_args__ = {"sqlite_autoincrement": True}
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="crm_user.id", index=True)        # the rep
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deal.id")
    channel: str | None = None                  # 电话 拜访 微信 会议 邮件 演示
    summary: str = ""
    attitude: str | None = None                 # 明确支持 需再沟通 已否决
    products: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    obstacle: str | None = None
    next_action: str | None = None
    next_due_at: datetime | None = Field(default=None, sa_column=ts_column())
    source: str = "chat"                        # chat | voice | form | import | demo
    # what saving changed besides the row (lead status, task, new customer/contact): undo
    # and edits put exactly that back (crm_core.services.followups)
    effects: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    occurred_at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    created_at: datetime = Field(sa_column=ts_column(nullable=False))


class Task(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = {"sqlite_autoincrement": True}          # #T numbers are never reused
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="crm_user.id", index=True)
    title: str
    kind: str = "next_action"                   # next_action | reminder | handover
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    lead_id: int | None = Field(default=None, foreign_key="lead.id")
    deal_id: int | None = Field(default=None, foreign_key="deal.id")
    followup_id: int | None = Field(default=None, foreign_key="followup.id")
    due_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    has_time: bool = False                      # due_at carries a clock time the rep said
    remind_at: datetime | None = Field(default=None, sa_column=ts_column(index=True))
    status: str = Field(default="open", index=True)     # open | done | cancelled
    reminded_at: datetime | None = Field(default=None, sa_column=ts_column())
    done_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime | None = Field(default=None, sa_column=ts_column())
