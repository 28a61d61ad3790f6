"""/看板's definitions on both backends (issue 15, item 5): 72 h activation of the cohort,
stage compliance counting overrides and failed evidence, profile completeness by the seeds'
rule (contacts' titles and decision roles, 历史合作型号), scope by role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_core.errors import Forbidden
from crm_core.models import Contact, Customer, Deal, Lead, StageHistory
from crm_core.services import kpi
from tests.integration.stages.conftest import Demo


async def _fresh_rep_world(demo: Demo) -> int:
    """张伟's records replaced by a known set; returns his id."""
    rep = demo["zhangwei"]
    assert rep.id is not None
    now = demo.clock.now()
    async with demo.uow() as uow:
        s = uow.session
        for lead in (await s.execute(select(Lead).where(Lead.owner_id == rep.id))).scalars():
            lead.owner_id = None
        for c in (await s.execute(select(Customer).where(Customer.owner_id == rep.id))).scalars():
            c.owner_id = None
        await s.flush()
        # cohort: created 4–10 days ago (this week shifted back by 72 h)
        for i, hours in enumerate((2, 50, 80, None)):
            created = now - timedelta(days=5, hours=i)
            s.add(Lead(company=f"测试单位{i}", owner_id=rep.id, status="contacted",
                       created_at=created, assigned_at=created,
                       first_contacted_at=None if hours is None
                       else created + timedelta(hours=hours)))
        full = Customer(name="完整医院", owner_id=rep.id, past_models=["X1"])
        no_models = Customer(name="缺型号医院", owner_id=rep.id)
        no_title = Customer(name="缺职务医院", owner_id=rep.id, past_models=["X2"])
        s.add_all([full, no_models, no_title])
        await s.flush()
        s.add_all([Contact(customer_id=full.id, name="甲", title="主任", decision_role="院长"),
                   Contact(customer_id=no_models.id, name="乙", title="主任",
                           decision_role="设备科"),
                   Contact(customer_id=no_title.id, name="丙", decision_role="设备科")])
        deal = await s.get(Deal, demo.deal_id)
        assert deal is not None
        stage_ids = [st.id for st in demo.stages.values()]
        for j, (ok, override) in enumerate(((True, False), (True, True), (False, False),
                                            (True, False))):
            s.add(StageHistory(deal_id=deal.id or 0, from_stage_id=stage_ids[0],
                               to_stage_id=stage_ids[1], moved_at=now - timedelta(days=1, hours=j),
                               compliant=ok, override=override))
        await uow.commit()
    return rep.id


async def test_definitions_and_thresholds(demo: Demo) -> None:
    rep_id = await _fresh_rep_world(demo)
    async with demo.uow() as uow:
        board = await kpi.kpi_board(uow, demo["chengang"])
    row = next(r for r in board.rows if r.key == rep_id)
    assert (row.now.activation.num, row.now.activation.den) == (2, 4)     # 2 h and 50 h
    assert (row.now.completeness.num, row.now.completeness.den) == (1, 3)
    # four moves: one override and one whose evidence failed count against it
    assert (row.now.compliance.num, row.now.compliance.den) == (2, 4)
    assert set(row.now.below()) == {"activation", "compliance", "completeness"}
    assert board.by == "rep"


async def test_scope_by_role(demo: Demo) -> None:
    async with demo.uow() as uow:
        with pytest.raises(Forbidden):
            await kpi.kpi_board(uow, demo["zhangwei"])
        admin_board = await kpi.kpi_board(uow, demo["linxiao"])
        director_board = await kpi.kpi_board(uow, demo["zhoujianhua"], period="month")
    assert admin_board.by == "team" and admin_board.scope == "全公司"
    assert director_board.days == 30
    assert len(admin_board.rows) >= 3


async def test_director_and_admins_get_daily_and_weekly_digests(demo: Demo) -> None:
    from bot.render import render_notification
    from crm_core.models import OutboxMessage, User

    now = demo.clock.now()
    async with demo.uow() as uow:
        daily = await kpi.queue_leader_digests(uow, now, "daily")
        weekly = await kpi.queue_leader_digests(uow, now, "weekly")
        again = await kpi.queue_leader_digests(uow, now, "daily")
        await uow.commit()
        leaders = {u.id for u in (await uow.session.execute(select(User).where(
            User.role.in_(("director", "admin")), User.active.is_(True)))).scalars()}  # type: ignore[attr-defined]
        rows = (await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "digest.kpi"))).scalars().all()
    assert daily == weekly == len(leaders) > 0
    assert again == 0
    assert {r.recipient_id for r in rows} == leaders
    [card] = render_notification("digest.kpi", rows[0].payload)
    assert "72小时激活率" in card.body
    assert "指标" in card.title


async def test_the_manager_is_told_of_each_stage_change(demo: Demo) -> None:
    from crm_core.models import OutboxMessage
    from crm_core.services import stages as stage_service

    rep = demo["zhangwei"]
    async with demo.uow(rep) as uow:
        res = await stage_service.move_stage(uow, rep, demo.deal_id, "输单",
                                             values={"lost_reason": "价格太高"})
    assert res.moved
    async with demo.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "deal.stage_changed"))).scalars().all()
    assert [r.recipient_id for r in rows] == [rep.manager_id]
    assert rows[0].payload["to"] == "输单"
    assert rows[0].payload["from"] == "需求确认"


async def test_a_blocked_move_asked_of_the_manager_approved_once_and_audited(demo: Demo) -> None:
    from crm_core.errors import Conflict
    from crm_core.models import AuditLog, Deal, OutboxMessage
    from crm_core.services import stages as stage_service

    rep, manager = demo["zhangwei"], demo["chengang"]
    async with demo.uow(rep) as uow:
        with pytest.raises(Conflict):                     # 需求确认 → 赢单 is not allowed
            await stage_service.move_stage(uow, rep, demo.deal_id, "赢单")
    async with demo.uow(rep) as uow:
        req = await stage_service.request_approval(uow, rep, demo.deal_id, "赢单", "跳过阶段")
    async with demo.uow(rep) as uow:                      # a second tap: the same request
        again = await stage_service.request_approval(uow, rep, demo.deal_id, "赢单")
    assert again.id == req.id and req.manager_id == manager.id
    async with demo.uow(rep) as uow:                      # a rep cannot approve
        with pytest.raises(Forbidden):
            await stage_service.decide_approval(uow, rep, req.id or 0, True)
    async with demo.uow(manager) as uow:
        _, moved = await stage_service.decide_approval(uow, manager, req.id or 0, True)
    assert moved is not None and moved.moved and moved.override
    async with demo.uow(manager) as uow:                  # decided once
        with pytest.raises(Conflict):
            await stage_service.decide_approval(uow, manager, req.id or 0, False)
    async with demo.uow() as uow:
        deal = await uow.session.get(Deal, demo.deal_id)
        assert deal is not None
        assert demo.stages["赢单"].id == deal.stage_id
        kinds = [m.kind for m in (await uow.session.execute(select(OutboxMessage))).scalars()]
        actions = set((await uow.session.execute(select(AuditLog.action))).scalars())
    assert "stage.approval" in kinds and "stage.approval_decided" in kinds
    assert {"deal.stage_request", "deal.stage_approved", "deal.stage_override"} <= actions
