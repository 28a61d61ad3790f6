"""/管理 预设: an admin's cue words per preset, validated and audited, previewed on the recent
notes before they are stored (both backends)."""

from __future__ import annotations

from sqlalchemy import select

from bot.catalog import CatalogCache
from bot.presets_preview import preview_cue_words
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import AuditLog
from crm_core.services import catalog as catalog_service
from crm_core.uow import Actor, UnitOfWork
from nlp import Catalog


async def test_cue_words_are_checked_stored_and_read(db: Database, clock: FrozenClock) -> None:
    async with UnitOfWork(db, clock, Actor(None, "admin")) as uow:
        assert await catalog_service.set_cue_words(uow, "next_actions", "不存在", ["走访"])
        assert await catalog_service.set_cue_words(uow, "next_actions", "其他", ["走访"])
        assert await catalog_service.set_cue_words(uow, "next_actions", "安排拜访", ["x" * 21])
        assert await catalog_service.set_cue_words(uow, "weird", "安排拜访", ["走访"])
        assert await catalog_service.set_cue_words(
            uow, "next_actions", "安排拜访", [" 走访 ", "走访", "串门"]) == []
        await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        data = await catalog_service.catalog_data(uow)
        audits = list((await uow.session.execute(select(AuditLog).where(
            AuditLog.entity == "config"))).scalars())          # type: ignore[arg-type]
    assert data["next_action_cues"] == {"安排拜访": ["走访", "串门"]}
    assert any(a.entity_id == catalog_service.NEXT_ACTION_CUES_KEY for a in audits)
    cat = Catalog.from_dict(data)
    assert dict(cat.next_action_cues) == {"安排拜访": ("走访", "串门")}
    # an empty list gives the built-in cue words back
    async with UnitOfWork(db, clock, Actor(None, "admin")) as uow:
        assert await catalog_service.set_cue_words(uow, "next_actions", "安排拜访", []) == []
        await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        assert (await catalog_service.catalog_data(uow))["next_action_cues"] == {}


async def test_preview_lists_the_notes_that_would_change(demo_db: Database,
                                                         clock: FrozenClock) -> None:
    cache = CatalogCache()
    async with UnitOfWork(demo_db, clock) as uow:
        changes = await preview_cue_words(uow, cache, "obstacles", "预算冻结", ["暂缓"])
        none = await preview_cue_words(uow, cache, "obstacles", "预算冻结", [])
    assert changes and all(c.after == "预算冻结" and c.before != "预算冻结" for c in changes)
    assert all("暂缓" in c.text for c in changes)
    assert none == []
