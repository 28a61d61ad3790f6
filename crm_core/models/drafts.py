"""Drafts (what a rep said but has not confirmed yet) and corrections (what a rep fixed).

A draft is the typed state of one dialog (`bot.dialogs.engine`): a follow-up card waiting
for 确认, an admin change waiting for its preview, a stage move collecting its requirements.
It is a row, so a restart, a second message or a second process loses nothing; its
`version` goes up with every step, so a button from an older card is recognised and refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from crm_core.models.base import json_column, new_dict, ts_column

__all__ = ["DRAFT_STATUS_LABELS", "Correction", "Draft"]

DRAFT_STATUS_LABELS: dict[str, str] = {
    "open": "待确认", "saved": "已保存", "dropped": "已丢弃", "expired": "已过期",
    "undone": "已撤销",
}


class Draft(SQLModel, table=True):
    __tablename__ = "draft"
    __table_args__ = (Index("ix_draft_user_status", "user_id", "status"),
                      Index("ix_draft_status_expires", "status", "expires_at"))
    id: int | None = Field(default=None, primary_key=True)       # shown as 草稿 #R12
    user_id: int = Field(foreign_key="crm_user.id")
    chat_key: str = Field(index=True)                             # platform:chat:user
    dialog: str                                                   # the dialog's name
    kept: bool = False            # a record in the making: listed, reminded, counted
    status: str = "open"          # open | saved | dropped | expired | undone
    version: int = 1              # +1 per step: buttons of older cards are refused
    data: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    step: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    summary: str = ""             # one line for /草稿 and reminders
    record_kind: str | None = None                                # what saving created
    record_id: int | None = None
    created_at: datetime = Field(sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(sa_column=ts_column(nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=ts_column())
    reminded_at: datetime | None = Field(default=None, sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column())


class Correction(SQLModel, table=True):
    """One field a rep corrected after the bot read it: the hook alias learning reads.

    Written by `crm_core.services.corrections.record_correction` next to the audit row."""

    __tablename__ = "correction"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    user_id: int | None = Field(default=None, foreign_key="crm_user.id", index=True)
    entity: str                                   # followup | draft | contact | customer
    entity_id: str
    field_name: str                               # customer | contact | next_date …
    old_value: Any = Field(default=None, sa_column=json_column(None))
    new_value: Any = Field(default=None, sa_column=json_column(None))
    phrase: str = ""                              # what the rep typed, as typed
