"""/认领 goes through the same doors as the pool and the claim offers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.errors import Forbidden
from crm_core.models import ClaimOffer, ClaimOfferCandidate, Lead, PoolClaim, User
from crm_core.services.leads import claim_lead
from crm_core.uow import Actor, UnitOfWork


async def user(db: Database, login: str) -> User:
    async with db.session() as s:
        return (await s.execute(select(User).where(User.login == login))).scalar_one()


async def new_lead(db: Database, clock: FrozenClock, **kw: object) -> int:
    async with db.session() as s:
        lead = Lead(company="宁波市第一医院", phone="13600009999", status="new",
                    created_at=clock.now(), **kw)
        s.add(lead)
        await s.commit()
        assert lead.id is not None
        return lead.id


async def test_a_pool_lead_is_claimed_under_the_pool_rules(
    demo_db: Database, clock: FrozenClock
) -> None:
    lead_id = await new_lead(demo_db, clock, in_pool=True, pooled_at=clock.now())
    rep = await user(demo_db, "hujie")
    async with UnitOfWork(demo_db, clock, Actor(rep.id, rep.login)) as uow:
        lead = await claim_lead(uow, rep, lead_id)
    assert lead.owner_id == rep.id and lead.status == "claimed" and not lead.in_pool
    async with demo_db.session() as s:
        claims = list((await s.execute(select(PoolClaim).where(
            PoolClaim.lead_id == lead_id))).scalars())
    assert [c.user_id for c in claims] == [rep.id]


async def test_a_lead_on_offer_can_only_be_taken_by_a_candidate(
    demo_db: Database, clock: FrozenClock
) -> None:
    lead_id = await new_lead(demo_db, clock)
    offered, other = await user(demo_db, "sunhao"), await user(demo_db, "zhangwei")
    async with demo_db.session() as s:
        offer = ClaimOffer(lead_id=lead_id, status="open", created_at=clock.now(),
                           expires_at=clock.now())
        s.add(offer)
        await s.flush()
        s.add(ClaimOfferCandidate(offer_id=offer.id or 0, user_id=offered.id or 0))
        await s.commit()
    async with UnitOfWork(demo_db, clock, Actor(other.id, other.login)) as uow:
        with pytest.raises(Forbidden, match="outside the pool") as refused:
            await claim_lead(uow, other, lead_id)
        assert "没有推送给你" in refused.value.user_message
    async with UnitOfWork(demo_db, clock, Actor(offered.id, offered.login)) as uow:
        lead = await claim_lead(uow, offered, lead_id)
    assert lead.owner_id == offered.id


async def test_deactivating_a_rep_reroutes_their_open_leads(
    demo_db: Database, clock: FrozenClock
) -> None:
    from crm_core.models.pipeline import OPEN_LEAD_STATUSES
    from crm_core.services import admin as admin_service

    admin, rep = await user(demo_db, "linxiao"), await user(demo_db, "wujing")
    async with demo_db.session() as s:
        before = list((await s.execute(select(Lead.id).where(
            Lead.owner_id == rep.id, Lead.status.in_(OPEN_LEAD_STATUSES)))).scalars())
    assert before
    async with UnitOfWork(demo_db, clock, Actor(admin.id, admin.login)) as uow:
        proposal = await admin_service.user_change(uow, admin, "wujing", "active", "停用")
        await admin_service.apply(uow, admin, proposal)
        await uow.commit()
    async with demo_db.session() as s:
        left = list((await s.execute(select(Lead.id).where(
            Lead.owner_id == rep.id, Lead.status.in_(OPEN_LEAD_STATUSES)))).scalars())
        moved = list((await s.execute(select(Lead).where(Lead.id.in_(before)))).scalars())
    assert left == []
    assert all(x.owner_id != rep.id for x in moved)
