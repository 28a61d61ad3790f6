"""Configuration written by one part is the configuration read by another."""

from __future__ import annotations

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.services.catalog import get_config, set_config
from crm_core.services.digests import obstacle_presets
from crm_core.uow import UnitOfWork


async def test_daily_report_offers_the_obstacle_presets_the_admin_set(
    db: Database, clock: FrozenClock
) -> None:
    async with UnitOfWork(db, clock) as uow:
        await set_config(uow, "presets.obstacles", ["招标延迟", "科室搬迁"])
        await uow.commit()
    async with UnitOfWork(db, clock) as uow:
        assert await obstacle_presets(uow) == ["招标延迟", "科室搬迁"]


async def test_demo_working_hours_are_the_sla_calendars(
    demo_db: Database, clock: FrozenClock
) -> None:
    async with UnitOfWork(demo_db, clock) as uow:
        hours = await get_config(uow, "business_hours")
    assert hours["hours"] == [["09:00", "12:00"], ["13:30", "18:00"]]
