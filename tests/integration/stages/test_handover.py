"""Handover: everything of the rep moves to substitutes customer by customer, each gets a
brief in the outbox, it is audited, and it can be reverted (keeping what changed since)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core.errors import Forbidden, InvalidInput, NotFound
from crm_core.models import AuditLog, Customer, Lead, OutboxMessage, Task
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.services import handover as svc
from tests.integration.stages.conftest import Demo


async def _owned(demo: Demo, user_id: int) -> tuple[int, int, int]:
    async with demo.uow() as uow:
        s = uow.session
        c = len((await s.execute(select(Customer.id).where(Customer.owner_id == user_id))).all())
        lead = len((await s.execute(select(Lead.id).where(
            Lead.owner_id == user_id, Lead.status.in_(OPEN_LEAD_STATUSES)))).all())
        t = len((await s.execute(select(Task.id).where(Task.owner_id == user_id,
                                                       Task.status == "open"))).all())
    return c, lead, t


async def test_handover_moves_everything_briefs_substitutes_and_reverts(demo: Demo) -> None:
    boss, wang, zhang, li = (demo[x] for x in ("chengang", "wanglei", "zhangwei", "lina"))
    before = {u.login: await _owned(demo, u.id or 0) for u in (wang, zhang, li)}
    assert before["wanglei"][0] > 1
    async with demo.uow(boss) as uow:
        plan = await svc.plan_handover(uow, boss, wang, [zhang, li])
    assert plan.count("customer", zhang.id) >= 1
    assert plan.count("customer", li.id) >= 1
    async with demo.uow(boss) as uow:
        h = await svc.hand_over(uow, boss, wang, [zhang, li], reason="leave")
    assert await _owned(demo, wang.id or 0) == (0, 0, 0)
    got = {u.login: await _owned(demo, u.id or 0) for u in (zhang, li)}
    moved = tuple(got["zhangwei"][i] + got["lina"][i] - before["zhangwei"][i]
                  - before["lina"][i] for i in range(3))
    assert moved == before["wanglei"]
    async with demo.uow() as uow:
        briefs = list((await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "handover.brief"))).scalars())
        audit = (await uow.session.execute(select(AuditLog).where(
            AuditLog.action == "handover.create"))).scalars().one()
    assert {b.recipient_id for b in briefs} == {zhang.id, li.id}
    for b in briefs:
        assert b.payload["from"] == "王磊"
        for c in b.payload["customers"]:
            assert c["name"]
            assert "contacts" in c
            assert "followups" in c
            assert "next" in c
    assert audit.actor == "chengang"
    assert len(audit.after["items"]) == len(h.items)

    # the rep comes back; one customer was re-assigned to someone else meanwhile
    first = next(i for i in h.items if i["entity"] == "customer")
    async with demo.uow() as uow:
        c = await uow.session.get(Customer, first["id"])
        assert c is not None
        c.owner_id = demo["zhaomin"].id
        uow.add(c)
        await uow.commit()
    async with demo.uow(boss) as uow:
        _h, back, kept = await svc.revert_handover(uow, boss, wang)
    assert kept == 1
    assert back == len(h.items) - 1
    c_, l_, t_ = await _owned(demo, wang.id or 0)
    assert (c_ + 1, l_, t_) == before["wanglei"]
    async with demo.uow(boss) as uow:
        with pytest.raises(NotFound):
            await svc.revert_handover(uow, boss, wang)


async def test_handover_is_for_managers_of_the_team(demo: Demo) -> None:
    rep, wang, zhang = demo["zhangwei"], demo["wanglei"], demo["zhangwei"]
    async with demo.uow(rep) as uow:
        with pytest.raises(Forbidden):
            await svc.hand_over(uow, rep, wang, [zhang])
    async with demo.uow(rep) as uow:
        with pytest.raises(Forbidden):
            await svc.revert_handover(uow, rep, wang)
    other_boss = demo["liufang"]                      # manages another team
    async with demo.uow(other_boss) as uow:
        with pytest.raises(InvalidInput):
            await svc.hand_over(uow, other_boss, wang, [zhang])
    boss = demo["chengang"]
    async with demo.uow(boss) as uow:
        with pytest.raises(InvalidInput):
            await svc.hand_over(uow, boss, wang, [wang])
