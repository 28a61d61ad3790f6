"""Fixtures for the scheduler tests: a migrated SQLite file, a frozen clock, people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy.dialects.postgresql  # noqa: F401  (crm_core.models.base needs it loaded)

from crm_core.clock import FrozenClock
from crm_core.db import Database, migrate
from crm_core.models import Team, User, UserIdentity

SH = ZoneInfo("Asia/Shanghai")
_TEMPLATE: dict[str, Path] = {}


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture
def sched_url(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file (migrated once per session, copied per test)."""
    if "db" not in _TEMPLATE:
        tpl = tmp_path_factory.mktemp("tpl") / "template.db"
        migrate(f"sqlite:///{tpl}")
        _TEMPLATE["db"] = tpl
    target = tmp_path / "crm.db"
    target.write_bytes(_TEMPLATE["db"].read_bytes())
    return f"sqlite:///{target}"


@pytest.fixture
async def sched_db(sched_url: str) -> AsyncIterator[Database]:
    db = Database(sched_url)
    yield db
    await db.dispose()


@pytest.fixture
def frozen() -> FrozenClock:
    return FrozenClock(at(2026, 4, 3, 17))          # Friday before 清明


@dataclass
class People:
    rep: User
    rep2: User
    manager: User
    director: User
    admin: User
    team: Team


@pytest.fixture
async def people(sched_db: Database) -> People:
    async with sched_db.sessions() as s:
        team = Team(name="华东一组")
        s.add(team)
        await s.flush()
        director = User(login="director", name="周总监", role="director", team_id=team.id)
        s.add(director)
        await s.flush()
        manager = User(login="manager", name="王经理", role="manager", team_id=team.id,
                       manager_id=director.id)
        s.add(manager)
        await s.flush()
        team.manager_id = manager.id
        rep = User(login="zhangwei", name="张伟", role="rep", team_id=team.id,
                   manager_id=manager.id)
        rep2 = User(login="lina", name="李娜", role="rep", team_id=team.id,
                    manager_id=manager.id)
        admin = User(login="admin", name="管理员", role="admin")
        s.add_all([rep, rep2, admin, team])
        await s.flush()
        for u in (rep, rep2, manager, director, admin):
            s.add(UserIdentity(user_id=u.id, platform="wecom", platform_user_id=u.login))
        await s.commit()
        return People(rep, rep2, manager, director, admin, team)
