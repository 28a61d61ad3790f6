"""The in-process caches of the intake path never serve stale routing inputs: every way a
lead or a reference row can change (ORM, Core statements, another connection) is seen."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from crm_core.db import Database
from crm_core.models import Lead, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.services import catalog, intake, routing_rules, routing_state
from crm_core.uow import Actor, UnitOfWork, day_bounds
from tests.integration.routing.conftest import RULES, Company


async def _post(c: Company, i: int) -> intake.IntakeResult:
    async with c.uow() as uow:
        return await intake.intake_lead(uow, {
            "name": "张医生", "company": f"南京第{i}医院", "address": "南京玄武区",
            "phone": f"1390000{i:04d}", "product": "融合器"})


async def _truth(c: Company, rep_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Open leads and today's assignments per rep, counted the slow way."""
    start, _ = day_bounds(c.clock.now().astimezone(c.clock.tz).date(), c.clock)
    out = {}
    async with c.uow() as uow:
        for rid in rep_ids:
            open_n = (await uow.session.execute(select(func.count()).select_from(Lead).where(
                Lead.owner_id == rid, Lead.status.in_(OPEN_LEAD_STATUSES)))).scalar()  # type: ignore[attr-defined]
            today = (await uow.session.execute(select(func.count()).select_from(Lead).where(
                Lead.owner_id == rid, Lead.assigned_at >= start))).scalar()  # type: ignore[arg-type,operator]
            out[rid] = (int(open_n or 0), int(today or 0))
    return out


async def _counts(c: Company, db: Database | None = None) -> dict[int, tuple[int, int]]:
    ids = [u.id for u in c.reps.values() if u.id is not None]
    async with c.uow() as uow:
        if db is not None:
            uow.db = db
        await intake._lookup(uow, None, {})          # reads data_version on SQLite, as intake
        _, loads = await routing_state.live_counts(uow, [c.js.id or 0], ids)
    return loads


async def test_live_counts_follow_every_kind_of_write(company: Company) -> None:
    await _set_rules(company)
    ids = [u.id for u in company.reps.values() if u.id is not None]
    for i in range(5):                               # intakes carry the counts forward
        res = await _post(company, i)
        assert res.owner is not None
        assert await _counts(company) == await _truth(company, ids)
    assert sum(o for o, _ in (await _counts(company)).values()) == 5

    # an ORM change made by another unit of work (a lead dropped)
    async with company.uow() as uow:
        lead = (await uow.session.execute(select(Lead).where(Lead.owner_id.is_not(None))  # type: ignore[union-attr]
                                          .limit(1))).scalars().one()
        lead.status = "dropped"
        uow.add(lead)
        await uow.commit()
    assert await _counts(company) == await _truth(company, ids)

    # a Core UPDATE in this process
    async with company.uow() as uow:
        await uow.session.execute(update(Lead).where(Lead.owner_id.is_not(None))  # type: ignore[union-attr]
                                  .values(status="converted"))
        await uow.commit()
    assert await _counts(company) == await _truth(company, ids)
    assert sum(o for o, _ in (await _counts(company)).values()) == 0

    # another connection (another process, an import from the CLI) writes leads
    other = Database(company.db.url)
    try:
        async with company.uow() as uow:
            uow.db = other
            await uow.session.execute(update(Lead).values(status="assigned"))
            await uow.commit()
    finally:
        await other.dispose()
    truth = await _truth(company, ids)
    assert sum(o for o, _ in truth.values()) == 5
    assert await _counts(company) == truth


async def test_round_robin_survives_cached_cursors(company: Company) -> None:
    await _set_rules(company)
    owners = [(await _post(company, i)).owner for i in range(9)]
    assert owners[:3] == owners[3:6] == owners[6:9]
    assert sorted(set(owners)) == sorted({"王磊", "李娜", "赵敏"})


async def test_reference_sees_changes_even_at_a_frozen_instant(company: Company) -> None:
    """The clock does not move (CRMBOT_NOW): updated_at stays the same, the cache must not."""
    async def weights() -> Any:
        async with company.uow() as uow:
            return (await routing_state.reference(uow)).settings.get("routing.weights")

    for load in (0.7, 0.1):
        async with company.uow(company.admin) as uow:
            await catalog.set_config(uow, "routing.weights", {"load": load})
            await uow.commit()
        assert await weights() == {"load": load}

    async def capacity(login: str) -> int:
        async with company.uow() as uow:
            ref = await routing_state.reference(uow)
            return next(u.max_open_leads for u in ref.users if u.login == login)

    assert await capacity("wang") == 20
    async with company.uow() as uow:                  # a Core UPDATE in this process
        await uow.session.execute(update(User).where(User.login == "wang")  # type: ignore[arg-type]
                                  .values(max_open_leads=3))
        await uow.commit()
    assert await capacity("wang") == 3
    other = Database(company.db.url)                  # another connection
    try:
        async with company.uow() as uow:
            uow.db = other
            await uow.session.execute(update(User).where(User.login == "wang")  # type: ignore[arg-type]
                                      .values(max_open_leads=7))
            await uow.commit()
    finally:
        await other.dispose()
    assert await capacity("wang") == 7


async def test_a_rolled_back_intake_leaves_the_cache_usable(company: Company) -> None:
    await _set_rules(company)
    await _post(company, 1)
    async with company.uow() as uow:                  # reads the reference, then rolls back
        await routing_state.reference(uow)
        await uow.session.rollback()
    res = await _post(company, 2)                     # cached rows were not expired
    assert res.owner in {"王磊", "李娜", "赵敏"}


async def _set_rules(c: Company) -> None:
    async with c.uow(c.admin) as uow:
        await routing_rules.set_routing_rules(uow, RULES, c.admin)
        await uow.commit()


async def test_a_rep_over_the_limits_is_counted_up_to_them_on_both_backends(
        company: Company) -> None:
    """Routing asks whether a rep is full and compares reps that are not: the live counts
    stop at each rep's own limits (a rep can hold more: an account owner's leads come to
    them whatever their load), the same on both backends, and the card says which limit."""
    await _set_rules(company)
    for i in range(5):
        assert (await _post(company, i)).owner is not None
    rep = next(iter(company.reps.values()))
    async with company.uow() as uow:
        await uow.session.execute(update(User).where(User.id == rep.id)  # type: ignore[arg-type]
                                  .values(max_open_leads=3, max_daily_leads=4))
        await uow.session.execute(update(Lead).values(owner_id=rep.id, status="assigned",
                                                      assigned_at=company.clock.now()))
        await uow.commit()
    assert (await _truth(company, [rep.id or 0]))[rep.id or 0] == (5, 5)
    if company.db.dialect == "postgresql":       # the statement itself stops there
        assert (await _counts(company))[rep.id or 0] == (3, 4)
    async with company.uow() as uow:
        _, _, reps = await routing_state.load_state(uow)
    got = reps[rep.id or 0]
    assert (got.open_leads, got.today_leads) == (3, 4)
    assert got.at_capacity and got.why_unavailable() == "在手线索已达上限(3条)"
    async with company.uow() as uow:
        await uow.session.execute(update(User).where(User.id == rep.id)  # type: ignore[arg-type]
                                  .values(max_open_leads=10))
        await uow.commit()
    async with company.uow() as uow:
        _, _, reps = await routing_state.load_state(uow)
    got = reps[rep.id or 0]
    assert (got.open_leads, got.today_leads) == (5, 4)
    assert got.why_unavailable() == "今日分配已达上限(4条)"


async def test_counts_read_after_its_own_writes_are_not_kept_when_it_rolls_back(
        company: Company) -> None:
    """A transaction that moved leads and then read the counts (an admin's re-routing does)
    sees its own changes; if it rolls back, the next reader must not get those counts."""
    await _set_rules(company)
    for i in range(3):
        assert (await _post(company, i)).owner is not None
    ids = [u.id for u in company.reps.values() if u.id is not None]
    before = await _truth(company, ids)
    assert sum(o for o, _ in before.values()) == 3
    async with company.uow() as uow:
        await uow.session.execute(update(Lead).values(status="dropped"))
        await intake._lookup(uow, None, {})
        _, loads = await routing_state.live_counts(uow, [company.js.id or 0], ids)
        assert sum(o for o, _ in loads.values()) == 0       # its own, uncommitted change
        await uow.rollback()
    assert await _counts(company) == await _truth(company, ids) == before


async def test_another_process_s_leads_move_the_counts_this_one_keeps(company: Company) -> None:
    """This process keeps the counts it read and carries its own intakes forward; a lead
    another process routes or moves (its own connections, its own caches) is seen at the
    next read: SQLite by data_version, PostgreSQL by the `leads` version its commit bumped."""
    await _set_rules(company)
    ids = [u.id for u in company.reps.values() if u.id is not None]
    for i in range(3):
        assert (await _post(company, i)).owner is not None
        assert await _counts(company) == await _truth(company, ids)
    other = Database(company.db.url)
    try:
        async with UnitOfWork(other, company.clock, Actor.system("api")) as uow:
            assert (await intake.intake_lead(uow, {
                "name": "钱医生", "company": "南京第9医院", "address": "南京玄武区",
                "phone": "13900009999", "product": "融合器"})).owner is not None
        assert await _counts(company) == await _truth(company, ids)
        assert sum(o for o, _ in (await _counts(company)).values()) == 4
        async with UnitOfWork(other, company.clock, Actor.system("admin")) as uow:
            await uow.session.execute(update(Lead).values(status="dropped"))
            await uow.commit()
        assert sum(o for o, _ in (await _counts(company)).values()) == 0
        assert (await _post(company, 5)).owner is not None
        assert await _counts(company) == await _truth(company, ids)
    finally:
        await other.dispose()
