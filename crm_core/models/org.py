"""People: users with roles, teams, regions, the manager chain, chat identities."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, SQLModel, UniqueConstraint

from crm_core.models.base import json_column, new_dict, new_list, ts_column


class Role(StrEnum):
    rep = "rep"
    manager = "manager"
    director = "director"
    admin = "admin"


ROLE_LABELS: dict[str, str] = {
    "rep": "销售", "manager": "经理", "director": "总监", "admin": "管理员",
}


class Region(SQLModel, table=True):
    __tablename__ = "region"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)          # 苏南大区
    provinces: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    cities: list[str] = Field(default_factory=new_list, sa_column=json_column(list))


class Team(SQLModel, table=True):
    __tablename__ = "team"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    manager_id: int | None = None          # crm_user.id (no FK: team ⇄ user would be a cycle)
    strategy: str = "round_robin"                        # round_robin | weighted
    product_lines: list[str] = Field(default_factory=new_list, sa_column=json_column(list))
    settings: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))


class User(SQLModel, table=True):
    __tablename__ = "crm_user"
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(index=True, unique=True)          # stable handle: "zhangwei"
    name: str                                            # 张伟
    role: str = Field(default=Role.rep.value, index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="crm_user.id")
    phone: str | None = Field(default=None, index=True)
    email: str | None = Field(default=None, index=True)
    active: bool = True
    leave_from: date | None = None
    leave_until: date | None = None
    max_open_leads: int = 60
    max_daily_leads: int = 15
    last_seen_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime | None = Field(default=None, sa_column=ts_column())

    def on_leave(self, day: date) -> bool:
        return bool(self.leave_from and self.leave_until
                    and self.leave_from <= day <= self.leave_until)


class UserIdentity(SQLModel, table=True):
    """One identity per chat platform: (platform, platform_user_id) → user."""

    __tablename__ = "user_identity"
    __table_args__ = (
        UniqueConstraint("platform", "platform_user_id", name="uq_identity_platform_user"),
        UniqueConstraint("user_id", "platform", name="uq_identity_user_platform"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="crm_user.id", index=True)
    platform: str                                        # wecom | dingtalk | feishu | console
    platform_user_id: str
    chat_id: str | None = None                           # 1:1 conversation id where needed
