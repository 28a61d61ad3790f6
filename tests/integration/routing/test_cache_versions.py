"""Caches are validated by a version that triggers bump with every change to what they hold
(crm_core.infra.cache_versions), seen by another process at once: the changes a checksum of
columns missed (a rule edited in place, two reps swapping teams, leave and capacity moved
between reps) route the next lead taken in by a second process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from crm_core.infra import cache_versions
from crm_core.models import AssignmentRule, Customer, Lead, LearnedAlias, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.services import routing_rules
from crm_core.uow import UnitOfWork
from tests.integration.routing.conftest import RULES, Company

ROOT = Path(__file__).resolve().parents[3]


class Worker:
    """The other process: takes leads in with its own long-lived caches."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.n = 0

    @classmethod
    async def start(cls, c: Company) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.integration.routing.intake_worker", c.db.url,
            c.clock.now().isoformat(), cwd=ROOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
        return cls(proc)

    async def lead(self, province: str = "江苏省") -> dict[str, Any]:
        self.n += 1
        payload = {"name": "张医生", "company": f"第{self.n}人民医院", "province": province,
                   "phone": f"1390001{self.n:04d}", "product": "融合器"}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps(payload, ensure_ascii=False) + "\n").encode())
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        assert line, "the worker process died"
        return json.loads(line)  # type: ignore[no-any-return]

    async def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        await asyncio.wait_for(self.proc.wait(), 30)


async def _edit(c: Company, model: type, ident: int, **values: Any) -> None:
    """An admin's change made in this process, in place (same rows, same ids)."""
    async with c.uow(c.admin) as uow:
        row = await uow.session.get(model, ident)
        assert row is not None
        for k, v in values.items():
            setattr(row, k, v)
        uow.add(row)
        await uow.commit()


async def test_another_process_routes_by_the_changed_rules_teams_leave_and_capacity(
        company: Company) -> None:
    c = company
    async with c.uow(c.admin) as uow:
        await routing_rules.set_routing_rules(uow, RULES, c.admin)
        await uow.commit()
        await uow.commit()
    async with c.uow() as uow:
        first = (await uow.session.execute(select(AssignmentRule).where(
            AssignmentRule.name == "江苏·脊柱类"))).scalars().one()
    js = {"wang", "li", "zhao"}
    worker = await Worker.start(c)
    try:
        assert (await worker.lead())["owner"] in js            # caches warm in the worker

        # a rule edited in place: same rows, ids and positions, another target
        await _edit(c, AssignmentRule, first.id or 0, target_kind="rep",
                    target_id=c.reps["sun"].id)
        assert (await worker.lead())["owner"] == "sun"
        await _edit(c, AssignmentRule, first.id or 0, target_kind="team", target_id=c.js.id)
        assert (await worker.lead())["owner"] in js

        # two reps swap teams: wang leaves 江苏组, chen joins it
        await _edit(c, User, c.reps["wang"].id or 0, team_id=c.zj.id)
        await _edit(c, User, c.reps["chen"].id or 0, team_id=c.js.id)
        js = {"chen", "li", "zhao"}
        owners = [(await worker.lead())["owner"] for _ in range(3)]
        assert set(owners) == js, owners

        # leave: zhao first, then li for the very same days
        today = c.clock.now().date()
        span = {"leave_from": today, "leave_until": today + timedelta(days=2)}
        await _edit(c, User, c.reps["zhao"].id or 0, **span)
        assert (await worker.lead())["owner"] in {"chen", "li"}
        await _edit(c, User, c.reps["li"].id or 0, **span)
        assert [(await worker.lead())["owner"] for _ in range(2)] == ["chen", "chen"]

        # capacity moved between two reps (the team's total unchanged): chen is full
        await _edit(c, User, c.reps["zhao"].id or 0, leave_from=None, leave_until=None)
        await _edit(c, User, c.reps["li"].id or 0, leave_from=None, leave_until=None)
        async with c.uow() as uow:
            chen_open = (await uow.session.execute(select(func.count()).select_from(Lead)
                         .where(Lead.owner_id == c.reps["chen"].id,
                                Lead.status.in_(OPEN_LEAD_STATUSES)))).scalar_one()  # type: ignore[attr-defined]
            chen = await uow.session.get(User, c.reps["chen"].id)
            li = await uow.session.get(User, c.reps["li"].id)
            assert chen is not None and li is not None
            moved = chen.max_open_leads - chen_open
            chen.max_open_leads -= moved
            li.max_open_leads += moved
            uow.add(chen)
            uow.add(li)
            await uow.commit()
        owners = [(await worker.lead())["owner"] for _ in range(4)]
        assert "chen" not in owners and set(owners) <= {"li", "zhao"}, owners
    finally:
        await worker.stop()


async def _versions(c: Company) -> dict[str, int]:
    async with c.uow() as uow:
        return {n: await cache_versions.version(uow, n) for n in cache_versions.SOURCES}


async def test_versions_move_with_what_the_caches_hold_and_only_then(company: Company) -> None:
    c = company
    v0 = await _versions(c)
    # a customer's last activity is not in the catalog; its name is
    await _edit(c, Customer, c.gulou.id or 0, last_activity_at=c.clock.now())
    assert await _versions(c) == v0
    await _edit(c, Customer, c.gulou.id or 0, name="鼓楼医院（本部）")
    v1 = await _versions(c)
    assert v1 == {**v0, "catalog": v0["catalog"] + 1}

    # a rep's own learned word: the rep overlay only; the team's: the catalog too
    async with c.uow() as uow:
        for owner in (c.reps["li"].id or 0, 0):
            uow.add(LearnedAlias(kind="customer", phrase=f"老鼓楼{owner}",
                                 target="鼓楼医院（本部）", owner_id=owner, status="active",
                                 taught_by=c.reps["li"].id or 0, created_at=c.clock.now(),
                                 updated_at=c.clock.now()))
            await uow.commit()
    v2 = await _versions(c)
    assert v2 == {**v1, "learned": v1["learned"] + 2, "catalog": v1["catalog"] + 1}

    # many rows in one transaction: a step (one on PostgreSQL); a rolled-back change: none
    async with c.uow() as uow:
        await uow.session.execute(text("UPDATE crm_user SET max_daily_leads = max_daily_leads"))
        await uow.commit()
    v3 = await _versions(c)
    assert {**v3, "reference": 0} == {**v2, "reference": 0}
    assert v3["reference"] == v2["reference"] + 1 if c.db.dialect == "postgresql" \
        else v3["reference"] > v2["reference"]
    async with c.uow() as uow:
        await uow.session.execute(text("UPDATE team SET strategy = 'weighted'"))
        await uow.rollback()
    assert await _versions(c) == v3


async def test_a_reps_activity_moves_presence_and_leaves_the_reference_alone(
        company: Company) -> None:
    """`last_seen_at` moves with every rep's messages: it bumps `presence` only, so the
    users, teams and rules every process keeps stay valid; routing's "online now" still
    sees a rep another process has just seen."""
    from crm_core.db import Database
    from crm_core.services import binding, routing_state

    c = company
    other = Database(c.db.url)              # another process, with its own caches
    try:
        async with UnitOfWork(other, c.clock) as uow:
            ref = await routing_state.reference(uow)
            assert (await routing_state.presence(uow)).get(c.reps["li"].id or 0) is None
        async with c.uow() as uow:                  # this process keeps it too
            assert (await routing_state.presence(uow)).get(c.reps["li"].id or 0) is None
        v0 = await _versions(c)
        c.clock.advance(timedelta(minutes=5))
        async with c.uow() as uow:
            li = await uow.session.get(User, c.reps["li"].id)
            assert li is not None
            await binding.touch(uow, li)
        async with c.uow() as uow:                  # its own touch, seen at once
            assert (await routing_state.presence(uow))[c.reps["li"].id or 0] == c.clock.now()
        v1 = await _versions(c)
        assert v1 == {**v0, "presence": v0["presence"] + 1}
        async with UnitOfWork(other, c.clock) as uow:
            if c.db.dialect == "postgresql":     # (SQLite: any other writer's commit)
                assert await routing_state.reference(uow) is ref   # kept: nothing it holds
            assert (await routing_state.presence(uow))[c.reps["li"].id or 0] == c.clock.now()
        # within two minutes, from this process or another, the activity is not written again
        c.clock.advance(timedelta(minutes=1))
        for db in (c.db, other):
            async with UnitOfWork(db, c.clock) as uow:
                li = await uow.session.get(User, c.reps["li"].id)
                assert li is not None
                await binding.touch(uow, li)
        assert await _versions(c) == v1
    finally:
        await other.dispose()


def test_the_reference_triggers_cover_every_user_column_but_the_activity() -> None:
    """A column added to crm_user is held by the reference caches (a user's row is): the
    triggers must then name it (a migration recreating them, as presence_1 did)."""
    columns = {c.name for c in User.__table__.columns}  # type: ignore[attr-defined]
    reference = cache_versions.SOURCES["reference"]["crm_user"]
    assert reference is not None
    assert set(reference) == columns - {"last_seen_at"}
    assert cache_versions.SOURCES["presence"] == {"crm_user": ("last_seen_at",)}
