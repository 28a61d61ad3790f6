"""Intake → routed with a reason; rules, fallback, offers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core.errors import Conflict
from crm_core.models import ClaimOffer, Lead, OutboxMessage
from crm_core.services import intake, routing, routing_rules
from tests.integration.routing.conftest import RULES, Company


async def _rules(c: Company, rules: list[dict[str, object]] = RULES) -> None:
    async with c.uow(c.admin) as uow:
        await routing_rules.set_routing_rules(uow, rules, c.admin)
        await uow.commit()


async def _post(c: Company, **payload: object) -> intake.IntakeResult:
    async with c.uow() as uow:
        return await intake.intake_lead(uow, {"name": "张医生", **payload})


async def test_rule_routes_with_reason(company: Company) -> None:
    await _rules(company)
    res = await _post(company, company="苏州大学附属第一医院", address="苏州姑苏区",
                      phone="13800000001", product="椎间融合器")
    assert res.owner in {"王磊", "李娜", "赵敏"}
    assert res.reason is not None
    assert res.reason.startswith("按规则「江苏·脊柱类」分配")
    async with company.uow() as uow:
        lead = await uow.session.get(Lead, res.lead_id)
        assert lead is not None
        assert (lead.province, lead.city, lead.district) == ("江苏省", "苏州市", "姑苏区")
        assert lead.product_line == "脊柱类"
        assert lead.grade in ("red", "yellow", "green")
        kinds = (await uow.session.execute(select(OutboxMessage.kind))).scalars().all()
        assert "lead.assigned" in kinds


async def test_round_robin_spreads(company: Company) -> None:
    await _rules(company)
    owners = []
    for i in range(6):
        res = await _post(company, company=f"南京第{i}医院", address="南京玄武区",
                          phone=f"1380000010{i}", product="融合器")
        owners.append(res.owner)
    assert sorted(set(owners)) == sorted({"王磊", "李娜", "赵敏"})
    assert owners[:3] == owners[3:]


async def test_affinity_wins(company: Company) -> None:
    await _rules(company)
    res = await _post(company, company="南京市鼓楼医院", phone="13800000201", product="膝关节")
    assert res.owner == "王磊"
    assert "负责人" in (res.reason or "")


async def test_no_match_goes_to_fallback_and_managers_told_in_a_batch(company: Company
                                                                     ) -> None:
    from datetime import timedelta

    from crm_core.models import LeadEvent, User
    from crm_core.services import routing_notices

    await _rules(company)
    for i in range(3):
        res = await _post(company, company=f"成都华西医院{i}", address="四川成都武侯区",
                          phone=f"1380000030{i}", product="听诊器")
        assert res.owner in {"王磊", "李娜", "赵敏"}
        assert "兜底" in (res.reason or "")
    async with company.uow() as uow:
        assert (await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "routing.fallback"))).scalars().all() == []
        events = (await uow.session.execute(select(LeadEvent).where(
            LeadEvent.kind == "routing_problem"))).scalars().all()
        assert len(events) == 3
        bosses = {u.id for u in (await uow.session.execute(select(User).where(
            User.role.in_(("manager", "admin")), User.active.is_(True)))).scalars()}  # type: ignore[attr-defined]
    company.clock.advance(timedelta(minutes=2))
    later = company.clock.now()
    async with company.uow() as uow:
        sent, _ = await routing_notices.send_batch(uow, later - timedelta(hours=1))
        await uow.commit()
    assert sent == len(bosses) > 0
    async with company.uow() as uow:    # the same window again: nothing new
        again, _ = await routing_notices.send_batch(uow, later - timedelta(hours=1))
        await uow.commit()
        rows = (await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "routing.batch"))).scalars().all()
    assert again == 0
    assert {r.recipient_id for r in rows} == bosses
    assert rows[0].payload["count"] == 3
    assert "没有匹配的规则" in rows[0].payload["reasons"][0][0]


async def test_weighted_team_opens_offer_and_grab(company: Company) -> None:
    await _rules(company)
    res = await _post(company, company="浙江大学医学院附属第二医院", address="杭州萧山",
                      phone="13800000401", product="人工膝关节")
    assert res.owner is None
    assert len(res.offered_to) == 3
    async with company.uow() as uow:
        offer_id = (await uow.session.execute(select(ClaimOffer.id))).scalars().one()
        cand_names = set(res.offered_to)
    winner = next(u for u in company.reps.values() if u.name in cand_names)
    loser = next(u for u in company.reps.values() if u.name in cand_names and u is not winner)
    async with company.uow(winner) as uow:
        out = await routing.grab_offer(uow, offer_id, winner.id or 0)
    assert out.owner_id == winner.id
    with pytest.raises(Conflict) as e:
        async with company.uow(loser) as uow:
            await routing.grab_offer(uow, offer_id, loser.id or 0)
    assert winner.name in e.value.user_message
    async with company.uow() as uow:
        lead = await uow.session.get(Lead, res.lead_id)
        assert lead is not None
        assert lead.owner_id == winner.id
        assert lead.status == "claimed"


async def test_full_team_goes_to_pool_never_to_a_rep_no_rule_named(company: Company) -> None:
    """The rule's team and the fallback's are at their daily cap: the lead waits in the pool
    with its reason, though another team has reps free — and that is what deciding over the
    whole company's state says too (routing reads the live counts once, for the targets)."""
    from crm_core.models import User
    from crm_core.policies.routing import decide
    from crm_core.services import routing_state

    await _rules(company, [RULES[0], {"name": "兜底", "fallback": True, "team": "江苏组"}])
    async with company.uow() as uow:
        for login in ("wang", "li", "zhao"):
            user = await uow.session.get(User, company.reps[login].id)
            assert user is not None
            user.max_daily_leads = 1
            uow.add(user)
        await uow.commit()
    owners = []
    for i in range(4):
        res = await _post(company, company=f"苏州第{i}医院", address="苏州姑苏区",
                          phone=f"1380000040{i}", product="椎间融合器")
        owners.append(res.owner)
    assert sorted(o for o in owners[:3] if o) == sorted(["王磊", "李娜", "赵敏"])
    assert owners[3] is None
    assert res.reason is not None and "无人可接" in res.reason and "满额" in res.reason
    async with company.uow() as uow:
        lead = await uow.session.get(Lead, res.lead_id)
        assert lead is not None and lead.owner_id is None
        facts = await routing_state.lead_facts(uow, lead)
        config, teams, reps = await routing_state.load_state(uow)      # everything
        assert any(r.available for r in reps.values() if r.team_id == company.zj.id)
        assert decide(facts, config, teams, reps).reason == res.reason
