"""Alerts that are read (issue 15, item 2): one card per recipient and scan, quiet hours,
the claim SLA's first level to the supervisor, [全部] lists them all."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import ConfigEntry, Lead, OutboxMessage
from crm_core.models.sla import Escalation
from crm_core.services import alert_cards
from crm_core.uow import UnitOfWork
from tests.integration.scheduler.conftest import People, at
from tests.integration.scheduler.test_sla_jobs import new_lead, run


async def _cards(db: Database) -> list[OutboxMessage]:
    async with db.sessions() as s:
        return list((await s.execute(sa.select(OutboxMessage).where(
            OutboxMessage.kind.in_(("sla.alert", "sla.digest")))  # type: ignore[attr-defined]
            .order_by(OutboxMessage.id))).scalars())


async def test_many_breaches_make_one_card_per_recipient(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    for i in range(40):
        await new_lead(sched_db, frozen, people.rep if i % 2 else people.rep2, f"医院{i}")
    await run("sla_sync", sched_db, frozen, at(2026, 4, 3, 17, 1))
    await run("sla_scan", sched_db, frozen, at(2026, 4, 7, 12))      # first contact L1 ×40
    cards = await _cards(sched_db)
    per = Counter(c.recipient_id for c in cards)
    assert set(per.values()) == {1}                   # one card each, however many alerts
    rep_card = next(c for c in cards if c.recipient_id == people.rep.id)
    assert rep_card.kind == "sla.digest"
    assert rep_card.payload["count"] == 20
    assert len(rep_card.payload["top"]) == 5
    async with sched_db.sessions() as s:
        n_esc = (await s.execute(sa.select(sa.func.count()).select_from(Escalation))).scalar()
    assert n_esc and n_esc > 40                       # claims and first contacts all recorded
    await run("sla_scan", sched_db, frozen, at(2026, 4, 7, 12, 1))   # nothing new: no card
    assert len(await _cards(sched_db)) == len(cards)


async def test_claim_sla_tells_the_supervisor_at_24_hours(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await new_lead(sched_db, frozen, people.rep)                     # Fri 17:00
    await run("sla_sync", sched_db, frozen, at(2026, 4, 3, 17, 1))
    await run("sla_scan", sched_db, frozen, at(2026, 4, 4, 17, 1))   # 24 h later
    async with sched_db.sessions() as s:
        esc = (await s.execute(sa.select(Escalation).where(
            Escalation.rule == "claim"))).scalar_one()
    assert (esc.level, esc.recipient_id) == (1, people.manager.id)
    [card] = await _cards(sched_db)
    assert card.recipient_id == people.manager.id
    assert card.payload["rule"] == "claim"


async def test_quiet_hours_hold_the_cards_until_morning(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    async with sched_db.sessions() as s:
        s.add(ConfigEntry(key=alert_cards.QUIET_KEY, value={"from": "20:00", "to": "08:00"}))
        await s.commit()
    await new_lead(sched_db, frozen, people.rep)
    await run("sla_sync", sched_db, frozen, at(2026, 4, 3, 17, 1))
    await run("sla_scan", sched_db, frozen, at(2026, 4, 4, 23, 0))   # claim L1 fires at night
    assert await _cards(sched_db) == []
    await run("sla_scan", sched_db, frozen, at(2026, 4, 5, 7, 59))
    assert await _cards(sched_db) == []
    await run("sla_scan", sched_db, frozen, at(2026, 4, 5, 8, 0))
    cards = await _cards(sched_db)
    assert [c.recipient_id for c in cards] == [people.manager.id]    # claim L1+L2: one card
    assert cards[0].kind == "sla.digest"


async def test_all_button_lists_every_open_alert(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    for i in range(12):
        await new_lead(sched_db, frozen, people.rep, f"医院{i}")
    await run("sla_sync", sched_db, frozen, at(2026, 4, 3, 17, 1))
    await run("sla_scan", sched_db, frozen, at(2026, 4, 7, 12))
    frozen.set(at(2026, 4, 7, 12, 5))
    async with UnitOfWork(sched_db, frozen) as uow:
        items = await alert_cards.list_open_alerts(uow, people.rep)
    assert len(items) == 12
    assert all(i["rule"] == "first_contact" for i in items)
    async with sched_db.sessions() as s:
        lead = (await s.execute(sa.select(Lead).limit(1))).scalar_one()
    assert any(i["lead_id"] == lead.id for i in items)


def test_quiet_hours_are_validated() -> None:
    import pytest

    from crm_core.errors import InvalidInput

    q = alert_cards.parse_quiet({"from": "22:00", "to": "07:30"})
    assert q is not None
    assert q.covers(at(2026, 1, 1, 23).time())
    assert q.covers(at(2026, 1, 1, 7).time())
    assert not q.covers(at(2026, 1, 1, 12).time())
    assert alert_cards.parse_quiet(None) is None
    for bad in ({"from": "25:00", "to": "07:00"}, {"from": "08:00", "to": "08:00"}, "晚上"):
        with pytest.raises(InvalidInput):
            alert_cards.parse_quiet(bad)
