"""Fixtures for the stage / account / manager / admin services: the demo company (shared
templates of tests/conftest.py: SQLite, and PostgreSQL where reachable), a frozen clock, its
people, and one fresh deal of zhangwei's at 需求确认."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Customer, Deal, Stage, User
from crm_core.uow import Actor, UnitOfWork


@dataclass
class Demo:
    db: Database
    clock: FrozenClock
    users: dict[str, User]
    stages: dict[str, Stage]
    deal_id: int
    customer_id: int

    def uow(self, user: User | str | None = None) -> UnitOfWork:
        if isinstance(user, str):
            user = self.users[user]
        actor = Actor(user.id, user.login) if user is not None else Actor.system()
        return UnitOfWork(self.db, self.clock, actor)

    def __getitem__(self, login: str) -> User:
        return self.users[login]


@pytest.fixture
async def demo(demo_db_url: str, clock: FrozenClock) -> AsyncIterator[Demo]:
    db = Database(demo_db_url)
    async with UnitOfWork(db, clock) as uow:
        users = {u.login: u for u in (await uow.session.execute(select(User))).scalars()}
        stages = {s.name: s for s in (await uow.session.execute(select(Stage))).scalars()}
        gulou = (await uow.session.execute(
            select(Customer).where(Customer.name == "南京市鼓楼医院"))).scalars().one()
        deal = Deal(name="鼓楼医院·椎间融合器", customer_id=gulou.id or 0,
                    owner_id=users["zhangwei"].id, stage_id=stages["需求确认"].id or 0,
                    amount=180000, stage_entered_at=clock.now(), created_at=clock.now())
        uow.add(deal)
        await uow.commit()
    yield Demo(db, clock, users, stages, deal.id or 0, gulou.id or 0)
    await db.dispose()
