"""Data in and out: spreadsheet imports waiting for their confirmation, and their outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from crm_core.models.base import json_column, new_dict, ts_column

__all__ = ["ImportBatch"]


class ImportBatch(SQLModel, table=True):
    """One uploaded customer or contact file: previewed, then applied once (or cancelled).

    The file itself is kept until the batch is applied or cancelled (then emptied), so the
    confirmation re-reads exactly what was previewed, in any process."""

    __tablename__ = "import_batch"
    id: int | None = Field(default=None, primary_key=True)
    kind: str                                   # customers | contacts
    # awaiting (an upload link, no file yet) | staged | done | cancelled | expired
    status: str = Field(default="staged", index=True)
    filename: str
    size: int = 0
    sha256: str
    content: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary(),
                                                                     nullable=True))
    mode: str | None = None                     # rows (skip bad rows) | all (all or nothing)
    summary: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    ticket: str | None = Field(default=None, unique=True, index=True)  # sha256 of the link's token
    created_by: int | None = Field(default=None, foreign_key="crm_user.id")
    created_at: datetime = Field(sa_column=ts_column(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=ts_column())
