"""One commit per admin change: a failure injected in the database after the first half of
each multi-step change (a trigger that refuses the second half's write) leaves nothing
half-done: no change record, no audit row, no first half — on both backends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from crm_core.models import Lead, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.services import admin as svc
from crm_core.uow import UnitOfWork
from tests.integration.stages.conftest import Demo

# what a half-done change could leave behind
WATCHED = ("config_change", "crm_user", "lead", "assignment_rule", "user_identity", "stage",
           "config_entry", "lead_event", "outbox", "team", "region")


async def _snapshot(demo: Demo) -> dict[str, Any]:
    async with demo.uow() as uow:
        out: dict[str, Any] = {}
        for table in WATCHED:
            rows = (await uow.session.execute(text(f"SELECT * FROM {table}"))).all()
            out[table] = sorted(repr(tuple(r)) for r in rows)
        out["audit"] = (await uow.session.execute(text("SELECT COUNT(*) FROM audit_log"))
                        ).scalar_one()
        return out


async def _refuse(demo: Demo, event: str, table: str) -> Callable[[], Awaitable[None]]:
    """A trigger that makes every `event` on `table` fail; returns its removal."""
    pg = demo.db.dialect == "postgresql"
    async with demo.db.engine.begin() as conn:
        if pg:
            await conn.execute(text(
                "CREATE OR REPLACE FUNCTION test_injected_failure() RETURNS trigger"
                " LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"))
            await conn.execute(text(
                f"CREATE TRIGGER test_refuse BEFORE {event} ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION test_injected_failure()"))
        else:
            await conn.execute(text(
                f"CREATE TRIGGER test_refuse BEFORE {event} ON {table}"
                " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"))

    async def remove() -> None:
        async with demo.db.engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER test_refuse" + (f" ON {table}" if pg else "")))
    return remove


Make = Callable[[UnitOfWork, User], Awaitable[svc.Proposal]]


async def _apply(demo: Demo, make: Make) -> None:
    admin = demo["linxiao"]
    async with demo.uow(admin) as uow:
        p = await make(uow, admin)
    async with demo.uow(admin) as uow:          # the entry point: one commit, at the end
        await svc.apply(uow, admin, p)
        await uow.commit()


async def _undo(demo: Demo) -> None:
    admin = demo["linxiao"]
    async with demo.uow(admin) as uow:
        await svc.undo_last(uow, admin)
        await uow.commit()


async def _rep_with_leads(demo: Demo) -> str:
    async with demo.uow() as uow:
        owner = (await uow.session.execute(
            select(User.login).join(Lead, Lead.owner_id == User.id)  # type: ignore[arg-type]
            .where(Lead.status.in_(OPEN_LEAD_STATUSES), User.role == "rep")  # type: ignore[attr-defined]
            .group_by(User.login).order_by(func.count().desc()).limit(1))).scalar_one()
    return str(owner)


async def _routing_rules(uow: UnitOfWork, admin: User) -> svc.Proposal:
    rules = await svc.read_state(uow, admin, "routing", "routing")
    if rules:
        rules = [{**r, "name": f"{r['name']}（新）"} for r in rules]
    else:
        rules = [{"name": "全部进公海", "fallback": True, "pool": True}]
    return await svc.change_routing(uow, admin, rules, "分配规则改名")


async def _stage_requirement(uow: UnitOfWork, admin: User) -> svc.Proposal:
    stages = await svc.read_state(uow, admin, "stages", "stages")
    for s in stages:
        s["requirements"] = {"leave": {"fields": ["budget_note"]}}
    return await svc.change_stages(uow, admin, stages, "每个阶段离开需预算")


@pytest.mark.parametrize("case", ["deactivate", "routing", "binding", "stages", "undo"])
async def test_a_failure_halfway_leaves_nothing_half_done(demo: Demo, case: str) -> None:
    if case == "deactivate":         # the rep switched off, then their leads re-routed
        login = await _rep_with_leads(demo)
        change: Callable[[], Awaitable[None]] = lambda: _apply(  # noqa: E731
            demo, lambda uow, a: svc.user_change(uow, a, login, "active", "停用"))
        failing = ("UPDATE", "lead")
    elif case == "routing":          # the old table deleted, then the new rules written
        change = lambda: _apply(demo, _routing_rules)  # noqa: E731
        failing = ("INSERT", "assignment_rule")
    elif case == "binding":          # the old binding removed, then the new one added
        async with demo.uow() as uow:
            rebind = (await uow.session.execute(text(
                "SELECT u.login, i.platform FROM user_identity i JOIN crm_user u"
                " ON u.id = i.user_id ORDER BY i.id LIMIT 1"))).one()
        change = lambda: _apply(demo, lambda uow, a: svc.change_binding(  # noqa: E731
            uow, a, rebind[0], rebind[1], "new-account-id"))
        failing = ("INSERT", "user_identity")
    elif case == "stages":           # a change record, then one stage row after another
        change = lambda: _apply(demo, _stage_requirement)  # noqa: E731
        failing = ("UPDATE", "stage")
    else:                            # undo: the record marked reverted, then the rules back
        await _apply(demo, _routing_rules)
        change = lambda: _undo(demo)  # noqa: E731
        failing = ("DELETE", "assignment_rule")
    before = await _snapshot(demo)
    remove = await _refuse(demo, *failing)
    try:
        with pytest.raises(DBAPIError, match="injected failure"):
            await change()
    finally:
        await remove()
    assert await _snapshot(demo) == before
    await change()                   # without the failure the same change goes through
    assert await _snapshot(demo) != before
