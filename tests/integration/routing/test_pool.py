"""Pool: reclaim with a warning the day before, claim limits, cooling-off, history kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_core.errors import Conflict
from crm_core.models import ConfigEntry, Lead, LeadEvent, OutboxMessage, User
from crm_core.services import pool, routing
from tests.integration.routing.conftest import Company


async def _give(c: Company, owner: User, n: int, grade: str | None = None) -> list[int]:
    ids = []
    async with c.uow() as uow:
        for i in range(n):
            lead = Lead(company=f"无锡第{i}医院", name="刘主任",
                        phone=f"1390000{owner.id:02d}{i:02d}", created_at=uow.now, grade=grade)
            uow.add(lead)
            await uow.flush()
            await routing.assign_lead(uow, lead, owner, "测试")
            ids.append(lead.id or 0)
        await uow.commit()
    return ids


async def _outbox(c: Company, kind: str) -> list[OutboxMessage]:
    async with c.uow() as uow:
        rows = list((await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )).scalars())
        await uow.commit()              # keep the rows loaded after the block
        return rows


async def _reclaim(c: Company) -> int:
    async with c.uow() as uow:
        return await pool.reclaim_idle_leads(uow)


async def test_warning_the_day_before_then_reclaim(company: Company) -> None:
    wang = company.reps["wang"]
    ids = await _give(company, wang, 3)
    company.clock.advance(timedelta(days=5))
    assert await _reclaim(company) == 0
    assert await _outbox(company, "pool.warning") == []

    company.clock.advance(timedelta(days=1, hours=1))          # 6 days 1 hour idle
    assert await _reclaim(company) == 0
    warnings = await _outbox(company, "pool.warning")
    assert len(warnings) == 1
    assert warnings[0].recipient_id == wang.id
    assert warnings[0].payload["count"] == 3
    assert await _reclaim(company) == 0                        # same day: no second message
    assert len(await _outbox(company, "pool.warning")) == 1

    company.clock.advance(timedelta(days=1))
    assert await _reclaim(company) == 3
    async with company.uow() as uow:
        for lead_id in ids:
            lead = await uow.session.get(Lead, lead_id)
            assert lead is not None
            assert lead.in_pool
            assert lead.owner_id is None
            assert lead.previous_owner_id == wang.id
            kinds = (await uow.session.execute(select(LeadEvent.kind).where(
                LeadEvent.lead_id == lead_id).order_by(LeadEvent.id))).scalars().all()
            assert kinds == ["assigned", "pool_warned", "pooled"]       # history stays
    assert await _reclaim(company) == 0


async def test_never_reclaimed_without_warning(company: Company) -> None:
    await _give(company, company.reps["li"], 1)
    company.clock.advance(timedelta(days=30))                  # the job never ran until now
    assert await _reclaim(company) == 0                        # warn first
    assert len(await _outbox(company, "pool.warning")) == 1
    company.clock.advance(timedelta(hours=23))
    assert await _reclaim(company) == 0
    company.clock.advance(timedelta(hours=1))
    assert await _reclaim(company) == 1


async def test_grade_specific_idle_days(company: Company) -> None:
    async with company.uow() as uow:
        uow.add(ConfigEntry(key="pool.settings", value={"idle_days_by_grade": {"red": 3}}))
        await uow.commit()
    await _give(company, company.reps["zhao"], 1, grade="red")
    await _give(company, company.reps["zhao"], 1, grade="green")
    company.clock.advance(timedelta(days=2, hours=1))
    await _reclaim(company)
    assert (await _outbox(company, "pool.warning"))[0].payload["count"] == 1
    company.clock.advance(timedelta(days=1))
    assert await _reclaim(company) == 1


async def _pool_of(c: Company, owner: User, n: int) -> list[int]:
    ids = await _give(c, owner, n)
    c.clock.advance(timedelta(days=6, hours=1))
    await _reclaim(c)
    c.clock.advance(timedelta(days=1))
    assert await _reclaim(c) == n
    return ids


async def test_claim_limits_and_cooling_off(company: Company) -> None:
    async with company.uow() as uow:
        uow.add(ConfigEntry(key="pool.settings",
                            value={"daily_claim_limit": 2, "cooling_off_days": 3}))
        await uow.commit()
    wang, li = company.reps["wang"], company.reps["li"]
    ids = await _pool_of(company, wang, 4)
    async with company.uow() as uow:
        listed = await pool.list_pool(uow)
        assert {x.id for x in listed} == set(ids)
        await uow.commit()

    with pytest.raises(Conflict) as e:                          # cooling-off
        async with company.uow(wang) as uow:
            await pool.claim_from_pool(uow, ids[0], wang.id or 0)
    assert "冷静期" in e.value.user_message

    for lead_id in ids[:2]:
        async with company.uow(li) as uow:
            lead = await pool.claim_from_pool(uow, lead_id, li.id or 0)
            assert lead.owner_id == li.id
            assert lead.status == "claimed"
    with pytest.raises(Conflict) as e:                          # daily limit
        async with company.uow(li) as uow:
            await pool.claim_from_pool(uow, ids[2], li.id or 0)
    assert "每日上限" in e.value.user_message
    with pytest.raises(Conflict):                               # already taken
        async with company.uow(company.reps["zhao"]) as uow:
            await pool.claim_from_pool(uow, ids[0], company.reps["zhao"].id or 0)

    company.clock.advance(timedelta(days=3, minutes=1))         # cooling-off over
    async with company.uow(wang) as uow:
        lead = await pool.claim_from_pool(uow, ids[3], wang.id or 0)
        assert lead.owner_id == wang.id


async def test_holding_cap(company: Company) -> None:
    async with company.uow() as uow:
        uow.add(ConfigEntry(key="pool.settings", value={"holding_cap": 2}))
        await uow.commit()
    ids = await _pool_of(company, company.reps["wang"], 1)
    li = company.reps["li"]
    await _give(company, li, 2)
    with pytest.raises(Conflict) as e:
        async with company.uow(li) as uow:
            await pool.claim_from_pool(uow, ids[0], li.id or 0)
    assert "已达上限" in e.value.user_message


async def test_rescore_all_applies_decay(company: Company) -> None:
    from crm_core.services import scoring

    ids = await _give(company, company.reps["wang"], 2)
    async with company.uow() as uow:
        for lead_id in ids:
            lead = await uow.session.get(Lead, lead_id)
            assert lead is not None
            await scoring.score_lead(uow, lead)
        await uow.commit()
        before = lead.score
    company.clock.advance(timedelta(days=7, hours=1))
    async with company.uow() as uow:
        assert await scoring.rescore_all(uow) == 2
    async with company.uow() as uow:
        lead = await uow.session.get(Lead, ids[-1])
        assert lead is not None
        # a week without a first call: the response part falls and the decay starts
        assert lead.score <= before - 25
        assert lead.grade == "red"
        assert lead.score_reasons[0] == "7天未联系，请尽快联系"
        assert any("天未跟进" in r for r in lead.score_reasons)
    async with company.uow() as uow:
        assert await scoring.rescore_all(uow) == 0
