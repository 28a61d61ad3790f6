"""Stage evidence, procurement projects, admin change records and handovers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel, UniqueConstraint

from crm_core.models.base import json_column, new_list, ts_column

__all__ = ["ConfigChange", "DealEvidence", "Handover", "ProcurementContact", "ProcurementProject",
           "StageApproval"]


class DealEvidence(SQLModel, table=True):
    """A file, photo or link attached to a deal (the proof a stage asks for).

    We keep a reference, not the file: the platform's media id, or a hash of the bytes.
    """

    __tablename__ = "deal_evidence"
    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True)
    kind: str                                   # file | photo | link
    name: str                                   # 方案.pdf / 演示照片 / https://…
    media_id: str | None = None                 # platform media id
    sha256: str | None = None                   # hash of the bytes when we had them
    size: int | None = None
    stage_name: str | None = None               # the stage it was given for
    added_by: int | None = Field(default=None, foreign_key="crm_user.id")
    added_at: datetime = Field(sa_column=ts_column(nullable=False, index=True))


class ProcurementProject(SQLModel, table=True):
    """A hospital's purchase: one customer, contacts in roles, products and a deal."""

    __tablename__ = "procurement_project"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deal.id", index=True)
    name: str
    products: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    budget: float | None = None
    status: str = "open"                        # open | won | lost | closed
    created_by: int | None = Field(default=None, foreign_key="crm_user.id")
    created_at: datetime | None = Field(default=None, sa_column=ts_column())


class ProcurementContact(SQLModel, table=True):
    __tablename__ = "procurement_contact"
    __table_args__ = (UniqueConstraint("project_id", "contact_id", "role",
                                       name="uq_procurement_contact_role"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="procurement_project.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    role: str                                   # 临床科室主任 / 设备科 / 采购科 / 院长 …
    stance: str | None = None                   # 支持 / 中立 / 反对


class ConfigChange(SQLModel, table=True):
    """One admin change: what it was before and after, so `/管理 撤销` can revert it."""

    __tablename__ = "config_change"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)               # user.role | stages | config | …
    target: str                                 # login / key / rule name
    summary: str
    before: Any = Field(default=None, sa_column=json_column(None))
    after: Any = Field(default=None, sa_column=json_column(None))
    by_id: int | None = Field(default=None, foreign_key="crm_user.id")
    at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    reverted_at: datetime | None = Field(default=None, sa_column=ts_column())
    reverted_by: int | None = Field(default=None, foreign_key="crm_user.id")


class Handover(SQLModel, table=True):
    """A rep's leads, customers and tasks moved to substitutes; `items` makes it revertible."""

    __tablename__ = "handover"
    id: int | None = Field(default=None, primary_key=True)
    from_user_id: int = Field(foreign_key="crm_user.id", index=True)
    to_user_ids: list[int] = Field(default_factory=new_list, sa_column=json_column(list))
    reason: str = "leave"                       # leave | departure
    items: list[dict[str, Any]] = Field(default_factory=new_list, sa_column=json_column(list))
    status: str = Field(default="active", index=True)   # active | reverted
    created_by: int | None = Field(default=None, foreign_key="crm_user.id")
    created_at: datetime = Field(sa_column=ts_column(nullable=False))
    reverted_at: datetime | None = Field(default=None, sa_column=ts_column())
    reverted_by: int | None = Field(default=None, foreign_key="crm_user.id")


class StageApproval(SQLModel, table=True):
    """A rep's request for a manager's approval of a blocked stage move ([申请经理同意]);
    decided once ([同意] moves the deal as the manager's override, [驳回] refuses), audited."""

    __tablename__ = "stage_approval"
    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True)
    stage_name: str
    requested_by: int = Field(foreign_key="crm_user.id")
    manager_id: int | None = Field(default=None, foreign_key="crm_user.id", index=True)
    status: str = "pending"                    # pending | approved | rejected
    reason: str | None = None                  # why the move was blocked
    requested_at: datetime = Field(sa_column=ts_column(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=ts_column())
    decided_by: int | None = None
