"""Fixtures for the routing tests: a migrated SQLite file, a frozen clock, a small company."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy.dialects.postgresql  # noqa: F401  (crm_core.models.base needs it loaded)

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Customer, Product, Team, User
from crm_core.uow import Actor, UnitOfWork

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture
async def rdb(db_url: str) -> AsyncIterator[Database]:
    """An empty migrated database: SQLite, and PostgreSQL when it answers (tests/conftest)."""
    db = Database(db_url)
    yield db
    await db.dispose()


@pytest.fixture
def rclock() -> FrozenClock:
    return FrozenClock(at(2026, 3, 2, 10))          # a Monday morning


@dataclass
class Company:
    db: Database
    clock: FrozenClock
    js: Team                    # 江苏组, round robin
    zj: Team                    # 浙江组, weighted
    reps: dict[str, User]
    manager: User
    admin: User
    gulou: Customer             # owned by reps["wang"]

    def uow(self, user: User | None = None) -> UnitOfWork:
        actor = Actor(user.id, user.login) if user is not None else Actor.system()
        return UnitOfWork(self.db, self.clock, actor)


REPS: tuple[tuple[str, str, str], ...] = (
    ("wang", "王磊", "js"), ("li", "李娜", "js"), ("zhao", "赵敏", "js"),
    ("chen", "陈杰", "zj"), ("zhou", "周婷", "zj"), ("wu", "吴昊", "zj"), ("sun", "孙悦", "zj"),
)


async def seed(db: Database, clock: FrozenClock) -> Company:
    async with UnitOfWork(db, clock) as uow:
        js = Team(name="江苏组", strategy="round_robin", product_lines=["脊柱类"])
        zj = Team(name="浙江组", strategy="weighted", product_lines=["关节类"])
        uow.add(js)
        uow.add(zj)
        await uow.flush()
        admin = User(login="admin", name="系统管理员", role="admin")
        manager = User(login="boss", name="钱经理", role="manager", team_id=js.id)
        uow.add(admin)
        uow.add(manager)
        reps: dict[str, User] = {}
        for login, name, team in REPS:
            u = User(login=login, name=name, team_id=(js if team == "js" else zj).id,
                     max_open_leads=20, max_daily_leads=10)
            uow.add(u)
            reps[login] = u
        await uow.flush()
        uow.add(Product(name="椎间融合器", line="脊柱类", aliases=["融合器"]))
        uow.add(Product(name="人工膝关节", line="关节类", aliases=["膝关节"]))
        gulou = Customer(name="南京市鼓楼医院", kind="hospital", province="江苏省",
                         city="南京市", district="鼓楼区", owner_id=reps["wang"].id)
        uow.add(gulou)
        await uow.commit()
    return Company(db, clock, js, zj, reps, manager, admin, gulou)


@pytest.fixture
async def company(rdb: Database, rclock: FrozenClock) -> Company:
    return await seed(rdb, rclock)


RULES: list[dict[str, object]] = [
    {"name": "江苏·脊柱类", "when": {"province": "江苏", "product_line": ["脊柱类"]},
     "team": "江苏组"},
    {"name": "浙江", "when": {"province": ["浙江省"]}, "team": "浙江组"},
    {"name": "兜底", "fallback": True, "team": "江苏组"},
]

MakeUow = Callable[..., UnitOfWork]
