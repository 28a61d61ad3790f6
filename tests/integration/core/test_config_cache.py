"""Configuration values are kept per process and validated by the reference cache's version
(crm_core.services.catalog.get_config); the versions are read once per chat message and
read again after a commit of that message (UnitOfWork(shared=…))."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.services.catalog import get_config, set_config
from crm_core.uow import UnitOfWork


def _count(db: Database) -> list[str]:
    seen: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_: seen.append(sql))
    return seen


async def _get(db: Database, clock: FrozenClock, key: str, **kw: Any) -> Any:
    async with UnitOfWork(db, clock, **kw) as uow:
        return await get_config(uow, key, "unset")


async def test_a_change_by_another_process_is_seen_by_the_next_read(
        db_url: str, clock: FrozenClock) -> None:
    one, other = Database(db_url), Database(db_url)       # two processes' caches
    try:
        assert await _get(one, clock, "presets.obstacles") == "unset"
        async with UnitOfWork(other, clock) as uow:
            await set_config(uow, "presets.obstacles", ["预算冻结"])
            await uow.commit()
        assert await _get(one, clock, "presets.obstacles") == ["预算冻结"]
        seen = _count(one)
        assert await _get(one, clock, "presets.obstacles") == ["预算冻结"]
        assert not any("config_entry" in s for s in seen)    # held: only the version read
        async with UnitOfWork(other, clock) as uow:          # in place, same key
            await set_config(uow, "presets.obstacles", ["竞品介入", "其他"])
            await uow.commit()
        assert await _get(one, clock, "presets.obstacles") == ["竞品介入", "其他"]
    finally:
        await one.dispose()
        await other.dispose()


async def test_own_uncommitted_change_and_callers_changes_stay_out_of_the_cache(
        db: Database, clock: FrozenClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        await set_config(uow, "presets.obstacles", ["预算冻结"])
        await uow.flush()
        assert await get_config(uow, "presets.obstacles") == ["预算冻结"]
        # rolled back: never committed
    assert await _get(db, clock, "presets.obstacles") == "unset"
    async with UnitOfWork(db, clock) as uow:
        await set_config(uow, "presets.obstacles", ["预算冻结"])
        await uow.commit()
    got = await _get(db, clock, "presets.obstacles")
    got.append("改了")                                    # a caller changing its copy
    assert await _get(db, clock, "presets.obstacles") == ["预算冻结"]


async def test_versions_are_read_once_per_message_and_again_after_its_commit(
        db: Database, clock: FrozenClock) -> None:
    shared: dict[str, Any] = {}
    seen = _count(db)
    for _ in range(3):
        await _get(db, clock, "presets.obstacles", shared=shared)
    assert sum("cache_version" in s for s in seen) == 1
    async with UnitOfWork(db, clock, shared=shared) as uow:   # the message's write
        await set_config(uow, "presets.obstacles", ["预算冻结"])
        await uow.commit()
    # the commit moved the version: the message's next read sees it, and the new value
    assert await _get(db, clock, "presets.obstacles", shared=shared) == ["预算冻结"]
    assert sum("cache_version" in s for s in seen) == 2


async def test_the_chat_user_is_kept_until_another_process_changes_users(
        demo_db_url: str, clock: FrozenClock) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from crm_core.models import User
    from crm_core.services import binding
    from crm_core.services.users import user_for_message

    one, other = Database(demo_db_url), Database(demo_db_url)
    try:
        async with UnitOfWork(one, clock) as uow:
            first = await user_for_message(uow, "console", "zhangwei")
        assert first is not None and first.active
        seen = _count(one)
        clock.advance(timedelta(minutes=5))
        async with UnitOfWork(one, clock) as uow:
            again = await user_for_message(uow, "console", "zhangwei")
            assert again is not None and again is not first and again.id == first.id
            # the kept user is the row: touching it updates it (no second row)
            await binding.touch(uow, again)
        assert not any("user_identity" in s for s in seen)
        async with UnitOfWork(other, clock) as uow:
            rows = list((await uow.session.execute(
                select(User).where(User.login == "zhangwei"))).scalars())
            assert len(rows) == 1 and rows[0].last_seen_at == clock.now()
            rows[0].active = False                         # an admin on the other process
            uow.add(rows[0])
            await uow.commit()
        async with UnitOfWork(one, clock) as uow:
            gone = await user_for_message(uow, "console", "zhangwei")
        assert gone is not None and not gone.active
    finally:
        await one.dispose()
        await other.dispose()


async def test_a_colleagues_name_is_kept_until_a_user_changes(demo_db_url: str,
                                                              clock: FrozenClock) -> None:
    """The owner a note's card names (「这是李娜的客户」) is read once per process, and read
    again after any process changes a user."""
    from sqlalchemy import select

    from crm_core.models import User
    from crm_core.services.customers import user_name

    one, other = Database(demo_db_url), Database(demo_db_url)
    try:
        async with UnitOfWork(one, clock) as uow:
            lina = (await uow.session.execute(
                select(User).where(User.login == "lina"))).scalars().one()
            assert await user_name(uow, lina.id) == "李娜"
        seen = _count(one)
        async with UnitOfWork(one, clock) as uow:
            assert await user_name(uow, lina.id) == "李娜"
        assert not any("crm_user" in s for s in seen)          # held: only the version read
        async with UnitOfWork(other, clock) as uow:
            row = await uow.session.get(User, lina.id)
            assert row is not None
            row.name = "李娜娜"                                  # renamed on another process
            uow.add(row)
            await uow.commit()
        async with UnitOfWork(one, clock) as uow:
            assert await user_name(uow, lina.id) == "李娜娜"
            assert await user_name(uow, None) is None
    finally:
        await one.dispose()
        await other.dispose()
