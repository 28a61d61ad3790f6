"""Learning from corrections: a rep's phrase in force for the rep at once, team-wide after
a second rep or an admin, removable; a correction teaches once; both backends."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.catalog import CatalogCache
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.errors import Forbidden
from crm_core.models import AliasLesson, Customer, LearnedAlias, User
from crm_core.services import learning
from crm_core.services.catalog import catalog_data
from crm_core.services.learning import Lesson
from crm_core.uow import Actor, UnitOfWork
from nlp import Catalog, Extractor, Learned

from ...conftest import NOW


async def _users(db: Database, clock: FrozenClock) -> list[int]:
    async with UnitOfWork(db, clock) as uow:
        rows = [User(login=f"rep{i}", name=f"销售{i}") for i in range(3)]
        for r in rows:
            uow.add(r)
        await uow.flush()
        ids = [int(r.id or 0) for r in rows]
        await uow.commit()
    return ids


async def _admin(uow: UnitOfWork, user_id: int) -> User:
    user = await uow.session.get(User, user_id)
    assert user is not None
    user.role = "admin"
    return user


async def _learn(db: Database, clock: FrozenClock, user: int, lesson: Lesson
                 ) -> LearnedAlias | None:
    async with UnitOfWork(db, clock, Actor(user, f"rep{user}")) as uow:
        row = await learning.learn_alias(uow, user, lesson)
        await uow.commit()
    return row


async def test_a_reps_phrase_then_the_teams(db: Database, clock: FrozenClock) -> None:
    a, b, admin = await _users(db, clock)
    gulou = Lesson("customer", "鼓楼", "南京市鼓楼医院", "correction:1")
    row = await _learn(db, clock, a, gulou)
    assert row is not None and row.owner_id == a and row.status == "active"
    # the same correction read again (another process) teaches nothing more
    assert await _learn(db, clock, a, gulou) is None
    async with UnitOfWork(db, clock) as uow:
        assert await learning.rep_vocabulary(uow, a) == [("customer", "鼓楼", "南京市鼓楼医院")]
        assert await learning.rep_vocabulary(uow, b) == []
        assert await learning.team_vocabulary(uow) == []
        pending = await learning.list_aliases(uow, await _admin(uow, admin), team_only=True)
        assert [(p.phrase, p.status) for p in pending] == [("鼓楼", "pending")]
    # a second rep teaching the same makes it team-wide
    await _learn(db, clock, b, Lesson("customer", "鼓楼", "南京市鼓楼医院", "correction:2"))
    async with UnitOfWork(db, clock) as uow:
        assert await learning.team_vocabulary(uow) == [("customer", "鼓楼", "南京市鼓楼医院")]
        data = await catalog_data(uow)
        assert ["customer", "鼓楼", "南京市鼓楼医院"] in data["learned"]
    # an admin removes it: gone for the team and for the reps; a later lesson keeps it gone
    async with UnitOfWork(db, clock, Actor(admin, "admin")) as uow:
        team = (await learning.list_aliases(uow, await _admin(uow, admin), team_only=True))[0]
        rep_a = await uow.session.get(User, a)
        assert rep_a is not None
        with pytest.raises(Forbidden):          # a rep never removes the team's words
            await learning.remove_alias(uow, rep_a, int(team.id or 0))
        await learning.remove_alias(uow, await _admin(uow, admin), int(team.id or 0))
        await uow.commit()
    await _learn(db, clock, a, Lesson("customer", "鼓楼", "南京市鼓楼医院", "correction:3"))
    async with UnitOfWork(db, clock) as uow:
        assert await learning.team_vocabulary(uow) == []
        removed = (await uow.session.execute(select(LearnedAlias).where(
            LearnedAlias.owner_id == 0))).scalars().one()    # type: ignore[arg-type]
        assert removed.status == "removed"


async def test_admin_approves_and_lessons_are_audited(db: Database, clock: FrozenClock) -> None:
    a, _b, admin = await _users(db, clock)
    await _learn(db, clock, a, Lesson("next_action", "跑流程", "推进合同", "correction:9"))
    async with UnitOfWork(db, clock, Actor(admin, "admin")) as uow:
        pending = (await learning.list_aliases(uow, await _admin(uow, admin),
                                               team_only=True))[0]
        rep_a = await uow.session.get(User, a)
        assert rep_a is not None
        with pytest.raises(Forbidden):          # only an admin approves
            await learning.approve_alias(uow, rep_a, int(pending.id or 0))
        approved = await learning.approve_alias(uow, await _admin(uow, admin),
                                                int(pending.id or 0))
        assert approved.status == "active"
        await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        data = await catalog_data(uow)
    cat = Catalog.from_dict(data)
    assert ("推进合同", ("跑流程",)) in cat.next_action_learned
    rec = Extractor(cat).extract("下周一去跑流程", NOW)
    assert rec.next_action == "推进合同"


async def test_bad_lessons_are_refused(db: Database, clock: FrozenClock) -> None:
    a, _b, _admin = await _users(db, clock)
    for lesson in (Lesson("customer", "x", "y", "c:1"), Lesson("weird", "鼓楼", "y", "c:2"),
                   Lesson("customer", "鼓楼", "", "c:3"),
                   Lesson("customer", "同名", "同名", "c:4")):
        assert await _learn(db, clock, a, lesson) is None
    async with UnitOfWork(db, clock) as uow:
        n = (await uow.session.execute(select(func.count()).select_from(LearnedAlias))).scalar()
    assert n == 0


async def test_concurrent_lessons_keep_one_row_per_owner(db: Database,
                                                          clock: FrozenClock) -> None:
    a, _b, _admin = await _users(db, clock)
    lessons = [Lesson("contact", "老周", "周建华", f"correction:{i}") for i in range(6)]
    results = await asyncio.gather(*(_learn(db, clock, a, les) for les in lessons),
                                   return_exceptions=True)
    assert not [r for r in results if isinstance(r, Exception)]
    async with UnitOfWork(db, clock) as uow:
        rows = list((await uow.session.execute(select(LearnedAlias).where(
            LearnedAlias.owner_id == a))).scalars())          # type: ignore[arg-type]
    assert len(rows) == 1 and rows[0].uses == 6


def test_learned_overlay_in_the_extractor() -> None:
    cat = Catalog.from_dict({"customers": [{"name": "南京市鼓楼医院"}, {"name": "江苏省人民医院"}],
                             "contacts": [{"name": "周建华", "customer": "南京市鼓楼医院"}]})
    ex = Extractor(cat)
    mine = Learned.from_rows([("customer", "楼院", "南京市鼓楼医院"), ("contact", "老周", "周建华"),
                              ("customer", "不存在", "没有这家")])
    rec = ex.extract("楼院老周说下周再谈", NOW, mine)
    assert (rec.customer, rec.contact) == ("南京市鼓楼医院", "周建华")
    plain = ex.extract("楼院老周说下周再谈", NOW)
    assert plain.customer is None


async def test_a_correction_teaches_the_next_reading(db: Database, clock: FrozenClock) -> None:
    """A rep corrects the customer of a card; the same words read right for that rep at once,
    not yet for a colleague; the same correction again counts once."""
    a, b, _admin_id = await _users(db, clock)
    async with UnitOfWork(db, clock) as uow:
        uow.add(Customer(name="南京市鼓楼医院", aliases=["鼓楼医院"]))
        await uow.commit()
    cache = CatalogCache()
    text = "今天去鼓楼江北分院见了王主任，下周一报价"
    async with UnitOfWork(db, clock) as uow:
        first = await cache.read(uow, a, text, NOW)
    assert first.customer != "南京市鼓楼医院"
    for _ in range(2):                                    # a retried save teaches once
        async with UnitOfWork(db, clock, Actor(a, "rep0")) as uow:
            await cache.teach(uow, a, text=text, now=NOW, field="customer", old=first.customer,
                              new="南京市鼓楼医院", key="correction:followup:7:customer")
            await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        mine = await cache.read(uow, a, "鼓楼江北分院的王主任说下周三再谈", NOW)
        theirs = await cache.read(uow, b, "鼓楼江北分院的王主任说下周三再谈", NOW)
        lessons = (await uow.session.execute(select(func.count()).select_from(AliasLesson))).one()
        pending = [(x.phrase, x.status) for x in await learning.list_aliases(
            uow, await _admin(uow, _admin_id), team_only=True)]
    assert mine.customer == "南京市鼓楼医院"
    assert theirs.customer != "南京市鼓楼医院"
    assert lessons[0] == 1
    assert pending == [("鼓楼江北分院", "pending")]          # the team's waits for an admin
