"""Accounts: customers (hospitals, companies, schools…), departments, contacts, products."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from crm_core.models.base import json_column, new_list, ts_column

CUSTOMER_KINDS: dict[str, str] = {
    "hospital": "医院", "company": "企业", "school": "学校", "distributor": "经销商",
    "government": "政府机构", "other": "其他",
}

DECISION_ROLES: tuple[str, ...] = (
    "院长", "分管副院长", "设备科", "采购科", "临床科室主任", "使用科室", "财务",
    "总经理", "技术负责人", "采购经理", "其他",
)


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)           # canonical: 南京市鼓楼医院
    kind: str = "hospital"
    grade: str | None = None                             # 三甲 / 规上企业 …
    industry: str | None = None
    province: str | None = Field(default=None, index=True)
    city: str | None = None
    district: str | None = None
    address: str | None = None
    aliases: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    owner_id: int | None = Field(default=None, foreign_key="crm_user.id", index=True)
    past_models: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    created_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_activity_at: datetime | None = Field(default=None, sa_column=ts_column())


class Department(SQLModel, table=True):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("customer_id", "name", name="uq_department_name"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str                                            # 骨科 / 设备科 / 采购科


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = {"sqlite_autoincrement": True}          # #C numbers are never reused
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    name: str
    title: str | None = None                             # 骨科主任
    decision_role: str | None = None                     # 临床科室主任 / 设备科 / 院长 …
    phone: str | None = Field(default=None, index=True)  # normalised: 13812345678
    email: str | None = Field(default=None, index=True)  # lower-case
    wechat: str | None = None
    aliases: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    name_incomplete: bool = False                        # only surname + title known: 王主任
    created_at: datetime | None = Field(default=None, sa_column=ts_column())


class Product(SQLModel, table=True):
    __tablename__ = "product"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)           # 椎间融合器
    line: str = Field(default="", index=True)            # 脊柱类
    aliases: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    model_codes: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    list_price: float | None = None
    active: bool = True
