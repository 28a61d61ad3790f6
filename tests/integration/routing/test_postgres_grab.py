"""50 concurrent grabs of one claim offer on PostgreSQL → exactly one winner."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
import sqlalchemy.dialects.postgresql  # noqa: F401
from sqlalchemy import select, text

from crm_core.clock import FrozenClock
from crm_core.db import Database, migrate
from crm_core.errors import Conflict
from crm_core.models import ClaimOffer, ClaimOfferCandidate, Lead, LeadEvent, Team, User
from crm_core.services import routing
from crm_core.uow import UnitOfWork
from tests.conftest import PG_ADMIN_URL, postgres_available
from tests.integration.routing.conftest import at
from tests.resources import missing

pytestmark = pytest.mark.postgres
DB_NAME = f"crmbot_routing_test_{os.getpid()}"
URL = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    reason = postgres_available()
    if reason:
        missing(reason)
    admin = Database(PG_ADMIN_URL)
    async with admin.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
        await conn.execute(text(f"CREATE DATABASE {DB_NAME}"))
    await admin.dispose()
    await asyncio.to_thread(migrate, URL)
    db = Database(URL)
    yield db
    await db.dispose()
    admin = Database(PG_ADMIN_URL)
    async with admin.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
    await admin.dispose()


async def make_offer(db: Database, clock: FrozenClock, n: int,
                     tag: str = "") -> tuple[int, list[int]]:
    async with UnitOfWork(db, clock) as uow:
        team = Team(name=f"浙江组{tag}", strategy="weighted")
        uow.add(team)
        await uow.flush()
        users = [User(login=f"rep{tag}{i}", name=f"销售{i:02d}", team_id=team.id) for i in range(n)]
        for u in users:
            uow.add(u)
        lead = Lead(company="杭州市第一人民医院", phone=f"136{tag}0000000"[:11],
                    created_at=uow.now)
        uow.add(lead)
        await uow.flush()
        offer = ClaimOffer(lead_id=lead.id or 0, team_id=team.id, reason="加权评分前50名抢单",
                           created_at=uow.now, expires_at=uow.now)
        uow.add(offer)
        await uow.flush()
        for rank, u in enumerate(users, start=1):
            uow.add(ClaimOfferCandidate(offer_id=offer.id or 0, user_id=u.id or 0, rank=rank))
        await uow.commit()
        return offer.id or 0, [u.id or 0 for u in users]


async def grab_all(db: Database, clock: FrozenClock, offer_id: int,
                   user_ids: list[int]) -> tuple[list[int], int]:
    start = asyncio.Event()

    async def one(uid: int) -> int | None:
        await start.wait()
        async with UnitOfWork(db, clock) as uow:
            try:
                out = await routing.grab_offer(uow, offer_id, uid)
            except Conflict:
                return None
            return out.owner_id

    tasks = [asyncio.create_task(one(u)) for u in user_ids]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*tasks)
    winners = [r for r in results if r is not None]
    return winners, sum(1 for r in results if r is None)


async def test_fifty_concurrent_grabs_one_winner(pg: Database) -> None:
    clock = FrozenClock(at(2026, 3, 2, 10))
    offer_id, users = await make_offer(pg, clock, 50)
    winners, losers = await grab_all(pg, clock, offer_id, users)
    assert len(winners) == 1
    assert losers == 49
    async with UnitOfWork(pg, clock) as uow:
        offer = await uow.session.get(ClaimOffer, offer_id)
        assert offer is not None
        assert offer.winner_id == winners[0]
        lead = await uow.session.get(Lead, offer.lead_id)
        assert lead is not None
        assert lead.owner_id == winners[0]
        events = (await uow.session.execute(select(LeadEvent).where(
            LeadEvent.lead_id == lead.id, LeadEvent.kind == "assigned"))).scalars().all()
        assert len(events) == 1


async def test_fifty_concurrent_pool_claims_one_winner(pg: Database) -> None:
    from crm_core.models import PoolClaim
    from crm_core.services import pool

    clock = FrozenClock(at(2026, 3, 2, 10))
    async with UnitOfWork(pg, clock) as uow:
        users = [User(login=f"p{i}", name=f"公海{i:02d}") for i in range(50)]
        for u in users:
            uow.add(u)
        lead = Lead(company="合肥市第二人民医院", phone="13600000001", created_at=uow.now,
                    in_pool=True, pooled_at=uow.now)
        uow.add(lead)
        await uow.commit()
        ids = [u.id or 0 for u in users]
        lead_id = lead.id or 0
    start = asyncio.Event()

    async def one(uid: int) -> bool:
        await start.wait()
        async with UnitOfWork(pg, clock) as uow:
            try:
                await pool.claim_from_pool(uow, lead_id, uid)
            except Conflict:
                return False
            return True

    tasks = [asyncio.create_task(one(u)) for u in ids]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*tasks)
    assert sum(results) == 1
    async with UnitOfWork(pg, clock) as uow:
        claims = (await uow.session.execute(select(PoolClaim))).scalars().all()
        assert len(claims) == 1
        got = await uow.session.get(Lead, lead_id)
        assert got is not None
        assert got.owner_id == claims[0].user_id
