"""Words the bot learned from a rep's corrections (issue 13): per rep at once, team-wide
after an admin's approval or once a second rep taught the same."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from crm_core.models.base import ts_column


class LearnedAlias(SQLModel, table=True):
    """A phrase a rep used for a customer, contact, product, next action or obstacle.

    `owner_id` is the rep it applies to, 0 the whole team. One phrase of one kind names one
    thing per owner (the unique constraint: concurrent lessons cannot create two rows)."""

    __tablename__ = "learned_alias"
    __table_args__ = (sa.UniqueConstraint("kind", "phrase", "owner_id",
                                          name="uq_learned_alias_phrase"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)             # customer | contact | product | next_action …
    phrase: str = Field(max_length=40)           # what the rep wrote ('鼓楼', '老周')
    target: str = Field(max_length=200)          # what it names (canonical name or preset)
    owner_id: int = Field(default=0, index=True)  # the rep; 0 = team-wide
    status: str = Field(default="active", max_length=10)   # active | pending | removed
    uses: int = 1                                # corrections that taught it
    taught_by: int | None = Field(default=None, foreign_key="crm_user.id")
    decided_by: int | None = Field(default=None, foreign_key="crm_user.id")
    created_at: datetime = Field(sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(sa_column=ts_column(nullable=False))


class AliasLesson(SQLModel, table=True):
    """One correction that taught an alias: a correction teaches once, however many
    processes read it (the key is its primary key)."""

    __tablename__ = "alias_lesson"
    lesson_key: str = Field(primary_key=True, max_length=80)   # 'correction:123'
    alias_id: int | None = Field(default=None, foreign_key="learned_alias.id")
    user_id: int | None = Field(default=None, foreign_key="crm_user.id")
    created_at: datetime = Field(sa_column=ts_column(nullable=False))
