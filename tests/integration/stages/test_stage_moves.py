"""move_stage on real SQLite: missing items are returned (not errors), the move completes
when they are given, overrides are managers' and audited, and the figures add up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_core.errors import Conflict, Forbidden
from crm_core.models import AuditLog, Deal, StageHistory
from crm_core.models.accounts_ext import DealEvidence
from crm_core.services import stages as svc
from tests.integration.stages.conftest import Demo


async def _history(demo: Demo) -> list[StageHistory]:
    async with demo.uow() as uow:
        return list((await uow.session.execute(select(StageHistory).where(
            StageHistory.deal_id == demo.deal_id).order_by(StageHistory.id))).scalars())


async def test_missing_requirements_are_asked_then_the_move_completes(demo: Demo) -> None:
    rep = demo["zhangwei"]
    async with demo.uow(rep) as uow:
        res = await svc.move_stage(uow, rep, demo.deal_id, "方案演示")
    assert not res.moved
    assert [m.key for m in res.missing] == ["meeting_note", "file"]

    async with demo.uow(rep) as uow:          # the note alone: still the file to go
        res = await svc.move_stage(uow, rep, demo.deal_id, "方案演示",
                                   values={"meeting_note": "给骨科王主任做了演示"})
    assert not res.moved
    assert [m.key for m in res.missing] == ["file"]

    async with demo.uow(rep) as uow:
        res = await svc.move_stage(
            uow, rep, demo.deal_id, "方案演示",
            evidence=[svc.EvidenceIn("file", "方案.pdf", content=b"%PDF-1.4 demo")])
    assert res.moved
    assert res.compliant
    assert not res.override
    async with demo.uow() as uow:
        deal = await uow.session.get(Deal, demo.deal_id)
        ev = (await uow.session.execute(select(DealEvidence))).scalars().one()
        assert deal is not None
        assert deal.stage_id == demo.stages["方案演示"].id
        assert deal.fields["meeting_note"] == "给骨科王主任做了演示"
    assert ev.sha256 is not None
    assert len(ev.sha256) == 64
    assert ev.stage_name == "方案演示"
    hist = await _history(demo)
    assert [(h.compliant, h.override) for h in hist] == [(True, False)]


async def test_disallowed_move_refused_for_a_rep_overridden_by_a_manager(demo: Demo) -> None:
    rep, boss = demo["zhangwei"], demo["chengang"]
    async with demo.uow(rep) as uow:
        with pytest.raises(Conflict) as e:
            await svc.move_stage(uow, rep, demo.deal_id, "赢单")
    assert "不能从「需求确认」直接到「赢单」" in e.value.user_message
    async with demo.uow(rep) as uow:
        with pytest.raises(Forbidden):
            await svc.move_stage(uow, rep, demo.deal_id, "赢单", override=True)
    async with demo.uow(boss) as uow:
        res = await svc.move_stage(uow, boss, demo.deal_id, "赢单", override=True)
    assert res.moved
    assert res.override
    assert not res.compliant
    hist = await _history(demo)
    assert [(h.compliant, h.override, h.moved_by) for h in hist] == [(False, True, boss.id)]
    async with demo.uow() as uow:
        audit = (await uow.session.execute(select(AuditLog).where(
            AuditLog.action == "deal.stage_override"))).scalars().one()
    assert audit.actor == "chengang"
    assert audit.entity_id == str(demo.deal_id)
    assert audit.after is not None
    assert audit.after["override"]["disallowed"] is True


async def test_lost_needs_a_reason_from_the_presets(demo: Demo) -> None:
    rep = demo["zhangwei"]
    async with demo.uow(rep) as uow:
        res = await svc.move_stage(uow, rep, demo.deal_id, "输单",
                                   values={"lost_reason": "心情不好"})
    assert not res.moved
    assert res.missing[0].key == "lost_reason"
    assert "价格太高" in res.missing[0].choices
    async with demo.uow(rep) as uow:
        res = await svc.move_stage(uow, rep, demo.deal_id, "输单",
                                   values={"lost_reason": "价格太高"})
    assert res.moved
    async with demo.uow() as uow:
        deal = await uow.session.get(Deal, demo.deal_id)
    assert deal is not None
    assert deal.lost_reason == "价格太高"
    assert deal.closed_at is not None


async def test_someone_elses_deal_is_not_visible(demo: Demo) -> None:
    other = demo["sunhao"]
    async with demo.uow(other) as uow:
        with pytest.raises(Forbidden):
            await svc.move_stage(uow, other, demo.deal_id, "方案演示")


async def test_compliance_rate_and_time_in_stage(demo: Demo) -> None:
    rep, boss = demo["zhangwei"], demo["chengang"]
    start = demo.clock.now()
    demo.clock.advance(timedelta(days=3))
    async with demo.uow(rep) as uow:                      # compliant
        await svc.move_stage(uow, rep, demo.deal_id, "初步接触")
    demo.clock.advance(timedelta(days=2))
    async with demo.uow(boss) as uow:                     # override: not compliant
        await svc.move_stage(uow, boss, demo.deal_id, "方案演示", override=True)
    demo.clock.advance(timedelta(days=1))
    until = demo.clock.now()
    async with demo.uow() as uow:
        rate = await svc.stage_compliance(uow, start, until)
        mine = await svc.stage_compliance(uow, start, until, owner_ids=[rep.id or 0])
        nobody = await svc.stage_compliance(uow, start, until, owner_ids=[demo["sunhao"].id])
        empty = await svc.stage_compliance(uow, until, until + timedelta(days=1))
        days = await svc.time_in_stage(uow, [demo.deal_id])
    assert rate == 0.5
    assert mine == 0.5
    assert nobody is None
    assert empty is None
    d = days[demo.deal_id]
    assert d["需求确认"] == pytest.approx(3.0)
    assert d["初步接触"] == pytest.approx(2.0)
    assert d["方案演示"] == pytest.approx(1.0)
    assert d["_current"] == pytest.approx(1.0)


async def test_time_in_stage_for_all_deals_uses_history_or_entry(demo: Demo) -> None:
    async with demo.uow() as uow:
        days = await svc.time_in_stage(uow)
        n = len((await uow.session.execute(select(Deal.id))).all())
    assert len(days) == n
    assert all(v["_current"] >= 0 for v in days.values())
