"""The correction rate per field (issue 13), from the corrections the dialog records: a read
value the rep changed counts, an unread value answered later does not, a contact shown by its
alias then by its name is the same person; admins only; the weekly digest goes once to each
admin (both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.errors import Forbidden
from crm_core.models import Contact, Correction, FollowUp, OutboxMessage, User
from crm_core.services import accuracy
from crm_core.uow import UnitOfWork

from ...conftest import NOW


async def _setup(db: Database, clock: FrozenClock) -> tuple[int, int]:
    async with UnitOfWork(db, clock) as uow:
        rep, admin = User(login="rep", name="张伟"), User(login="boss", name="林晓", role="admin")
        uow.add(rep)
        uow.add(admin)
        await uow.flush()
        assert rep.id is not None and admin.id is not None
        uow.add(Contact(name="王建国", aliases=["王主任"]))
        notes = [FollowUp(owner_id=rep.id, source="chat" if i < 8 else "form", summary=f"n{i}",
                          occurred_at=NOW, created_at=NOW) for i in range(10)]
        for n in notes:
            uow.add(n)
        await uow.flush()
        ids = [str(n.id) for n in notes]

        def fix(i: int, name: str, old: object, new: object) -> None:
            uow.add(Correction(at=NOW, user_id=rep.id, entity="followup", entity_id=ids[i],
                               field_name=name, old_value=old, new_value=new))

        fix(0, "customer", "鼓楼江北分院", "南京市鼓楼医院")      # counts
        fix(0, "next_action", "安排拜访", "报价")                  # counts (same note)
        fix(1, "next_action", "其他", "报价")                      # counts
        fix(2, "next_date", None, "2026-11-30")                    # a question answered
        fix(3, "contact", "王主任", "王建国")                       # the same person
        fix(9, "customer", "A", "B")                               # a /跟进 form note
        await uow.commit()
        return rep.id, admin.id


async def test_rates_per_field(db: Database, clock: FrozenClock) -> None:
    rep_id, admin_id = await _setup(db, clock)
    async with UnitOfWork(db, clock) as uow:
        admin = await uow.session.get(User, admin_id)
        rep = await uow.session.get(User, rep_id)
        assert admin is not None and rep is not None
        acc = await accuracy.correction_rates(uow, admin, NOW - timedelta(days=7),
                                              NOW + timedelta(hours=1))
        with pytest.raises(Forbidden):
            await accuracy.correction_rates(uow, rep, NOW - timedelta(days=7), NOW)
    assert acc.notes == 8                           # chat and voice only
    assert acc.corrected == {"customer": 1, "next_action": 2}
    assert acc.any_corrected == 2
    assert acc.rate("next_action") == pytest.approx(0.25)
    assert acc.fully_right == pytest.approx(0.75)


async def test_weekly_digest_goes_once_to_each_admin(db: Database, clock: FrozenClock) -> None:
    _rep, admin_id = await _setup(db, clock)
    for _ in range(2):                               # a re-run queues nothing more
        async with UnitOfWork(db, clock) as uow:
            await accuracy.queue_accuracy_digests(uow, NOW + timedelta(hours=1))
            await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        rows = list((await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "digest.accuracy"))).scalars())   # type: ignore[arg-type]
    assert [(r.recipient_id, r.payload["notes"]) for r in rows] == [(admin_id, 8)]
