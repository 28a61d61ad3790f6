"""The names a rep is most likely to say: their recently followed-up customers first, those
customers' contacts, the products of open deals; products offered per customer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Customer, Deal, FollowUp, Stage, User
from crm_core.services.voice_hints import load_voice_hints
from crm_core.uow import UnitOfWork


async def test_recent_customers_first_and_open_deal_products(
    demo_db: Database, clock: FrozenClock
) -> None:
    async with UnitOfWork(demo_db, clock) as uow:
        s = uow.session
        customers = list((await s.execute(
            select(Customer).where(Customer.owner_id.is_not(None)).order_by(Customer.id)  # type: ignore[union-attr]
        )).scalars())
        rep_id = customers[0].owner_id
        assert rep_id is not None
        mine = [c for c in customers if c.owner_id == rep_id]
        target = mine[-1]
        stage = (await s.execute(select(Stage).order_by(Stage.sequence))).scalars().first()
        assert stage is not None
        uow.add(FollowUp(owner_id=rep_id, customer_id=target.id, summary="x",
                         products=["监护仪"], occurred_at=uow.now - timedelta(hours=1),
                         created_at=uow.now))
        uow.add(Deal(name="d", customer_id=target.id or 0, owner_id=rep_id,
                     stage_id=stage.id or 0, products=["超声刀"], created_at=uow.now,
                     updated_at=uow.now))
        other = (await s.execute(select(User).where(User.id != rep_id))).scalars().first()
        assert other is not None
        await uow.commit()
    async with UnitOfWork(demo_db, clock) as uow:
        hints = await load_voice_hints(uow, rep_id)
        empty = await load_voice_hints(uow, 10_000_000)
    spoken = target.aliases[0] if target.aliases else target.name
    assert hints["likely"][0] == spoken                     # followed up an hour ago
    assert set(hints["customer_products"][target.name]) >= {"监护仪", "超声刀"}
    likely = hints["likely"]
    assert len(likely) == len(set(likely))
    others = {c.name for c in customers if c.owner_id != rep_id} - {c.name for c in mine}
    assert not others & set(likely)                         # only this rep's book
    assert empty == {"likely": [], "customer_products": {}}
