"""Offer expiry locks to the best-ranked rep; /转派; re-routing after a rep leaves; rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm_core.errors import Conflict, Forbidden, InvalidInput
from crm_core.models import (
    AssignmentRule,
    ClaimOffer,
    ClaimOfferCandidate,
    Lead,
    OutboxMessage,
    User,
)
from crm_core.services import intake, routing, routing_rules
from tests.integration.routing.conftest import RULES, Company


async def _setup(c: Company) -> None:
    async with c.uow(c.admin) as uow:
        await routing_rules.set_routing_rules(uow, RULES, c.admin)
        await uow.commit()


async def _post(c: Company, **payload: object) -> intake.IntakeResult:
    async with c.uow() as uow:
        return await intake.intake_lead(uow, {"name": "张医生", **payload})


async def test_offer_expires_to_best_ranked(company: Company) -> None:
    await _setup(company)
    res = await _post(company, company="宁波市第一医院", address="宁波海曙区",
                      phone="13700000001", product="膝关节")
    assert len(res.offered_to) == 3
    async with company.uow() as uow:
        assert await routing.expire_claim_offers(uow) == 0
    company.clock.advance(timedelta(minutes=31))
    async with company.uow() as uow:
        assert await routing.expire_claim_offers(uow) == 1
    async with company.uow() as uow:
        best = (await uow.session.execute(select(ClaimOfferCandidate.user_id).where(
            ClaimOfferCandidate.rank == 1))).scalar()
        lead = await uow.session.get(Lead, res.lead_id)
        offer = (await uow.session.execute(select(ClaimOffer))).scalars().one()
        assert lead is not None
        assert lead.owner_id == best
        assert offer.status == "expired"
        assert "锁定给排名第一" in (lead.assignment_reason or "")
    async with company.uow() as uow:
        assert await routing.expire_claim_offers(uow) == 0


async def test_offer_sends_cards_to_candidates(company: Company) -> None:
    await _setup(company)
    await _post(company, company="温州医科大学附属第一医院", phone="13700000002",
                product="膝关节", page_dwell_seconds=400, pricing_page_visit=True)
    async with company.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "lead.offer"))).scalars().all()
        assert len(rows) == 3
        assert all(r.payload["offer_id"] for r in rows)
        assert "访问了价格页" in rows[0].payload["score_reasons"]


async def test_reassign_by_manager_only(company: Company) -> None:
    await _setup(company)
    res = await _post(company, company="南京市第一医院", phone="13700000003", product="融合器")
    li = company.reps["li"]
    with pytest.raises(Forbidden):
        async with company.uow(li) as uow:
            await routing.reassign_lead(uow, res.lead_id or 0, to_user_id=li.id, by=li)
    async with company.uow(company.manager) as uow:
        out = await routing.reassign_lead(uow, res.lead_id or 0, to_user_id=company.reps["chen"].id,
                                          by=company.manager.id or 0)
    assert out.reason == "由钱经理转派给陈杰"
    with pytest.raises(Forbidden):      # now a lead of the other team: out of his hands
        async with company.uow(company.manager) as uow:
            await routing.reassign_lead(uow, res.lead_id or 0, team_id=company.js.id,
                                        by=company.manager)
    async with company.uow(company.admin) as uow:
        out = await routing.reassign_lead(uow, res.lead_id or 0, team_id=company.js.id,
                                          by=company.admin)
    assert out.owner_id in {company.reps[k].id for k in ("wang", "li", "zhao")}


async def test_reroute_after_rep_leaves(company: Company) -> None:
    await _setup(company)
    wang = company.reps["wang"]
    gulou = []
    for i in range(3):
        r = await _post(company, company="南京市鼓楼医院", phone=f"1370000010{i}", product="融合器")
        gulou.append(r.lead_id)
    async with company.uow() as uow:
        u = await uow.session.get(User, wang.id)
        assert u is not None
        u.active = False
        uow.add(u)
        await uow.commit()
    async with company.uow(company.manager) as uow:
        assert await routing.reroute_leads_of(uow, wang.id or 0) == 3
        await uow.commit()
    async with company.uow() as uow:
        for lead_id in gulou:
            lead = await uow.session.get(Lead, lead_id)
            assert lead is not None
            assert lead.owner_id not in (None, wang.id)
            assert (lead.assignment_reason or "").startswith("王磊离岗, 重新分配")


async def test_leave_and_capacity_skip(company: Company) -> None:
    await _setup(company)
    async with company.uow() as uow:
        for login in ("wang", "li"):
            u = (await uow.session.execute(select(User).where(User.login == login))).scalars().one()
            u.leave_from, u.leave_until = date(2026, 3, 1), date(2026, 3, 5)
            uow.add(u)
        await uow.commit()
    res = await _post(company, company="常州第二人民医院", phone="13700000201", product="融合器")
    assert res.owner == "赵敏"


async def test_bad_rules_rejected_with_clear_message(company: Company) -> None:
    bad = [
        {"name": "预算反了", "when": {"budget": [500000, 100000]}, "team": "江苏组"},
        {"name": "A", "when": {"province": "江苏"}, "team": "江苏组"},
        {"name": "B", "when": {"city": "南京"}, "team": "江苏组"},
        {"name": "空团队", "when": {"province": "安徽"}, "team": "空组"},
    ]
    async with company.uow(company.admin) as uow:
        with pytest.raises(InvalidInput) as e:
            await routing_rules.set_routing_rules(
                uow, bad, company.admin,
                weights={"open_deals": 30, "won_amount": 25, "conversion": 25, "online": 10})
    msg = e.value.user_message
    assert "预算下限" in msg
    assert "被前面的规则「A」完全覆盖" in msg
    assert "团队「空组」不存在" in msg
    assert "兜底规则" in msg
    assert "权重之和必须为 100(当前为 90)" in msg
    async with company.uow() as uow:
        assert (await uow.session.execute(select(AssignmentRule))).first() is None
    async with company.uow(company.reps["li"]) as uow:
        with pytest.raises(Forbidden):
            await routing_rules.set_routing_rules(uow, RULES, company.reps["li"])


async def test_overlap_is_a_warning(company: Company) -> None:
    rules = [
        {"name": "江苏·脊柱类", "when": {"province": "江苏", "product_line": "脊柱类"},
         "team": "江苏组"},
        {"name": "南京", "when": {"city": "南京"}, "team": "浙江组"},
        {"name": "兜底", "fallback": True, "pool": True},
    ]
    async with company.uow(company.admin) as uow:
        warnings = await routing_rules.set_routing_rules(uow, rules, company.admin)
        await uow.commit()
    assert warnings == ["规则「江苏·脊柱类」与「南京」有重叠, 重叠部分按顺序由「江苏·脊柱类」处理"]
    res = await _post(company, company="成都华西医院", phone="13700000301")
    assert res.owner is None
    async with company.uow() as uow:
        lead = await uow.session.get(Lead, res.lead_id)
        assert lead is not None
        assert lead.in_pool


async def test_grab_after_lead_taken_elsewhere_is_refused(company: Company) -> None:
    await _setup(company)
    res = await _post(company, company="嘉兴市第一医院", address="嘉兴南湖区",
                      phone="13700000501", product="膝关节")
    async with company.uow() as uow:
        offer_id = (await uow.session.execute(select(ClaimOffer.id))).scalars().one()
        cands = (await uow.session.execute(select(ClaimOfferCandidate.user_id).order_by(
            ClaimOfferCandidate.rank))).scalars().all()
        lead = await uow.session.get(Lead, res.lead_id)
        other = await uow.session.get(User, company.reps["wang"].id)
        assert lead is not None
        assert other is not None
        await routing.assign_lead(uow, lead, other, "测试: 别处认领")
        await uow.commit()
    with pytest.raises(Conflict):
        async with company.uow() as uow:
            await routing.grab_offer(uow, offer_id, cands[0])
    async with company.uow() as uow:
        offer = await uow.session.get(ClaimOffer, offer_id)
        lead = await uow.session.get(Lead, res.lead_id)
        assert offer is not None
        assert lead is not None
        assert offer.status == "cancelled"
        assert lead.owner_id == company.reps["wang"].id
