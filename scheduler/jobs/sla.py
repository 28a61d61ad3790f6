"""SLA clocks: start them (sync) and fire the due levels (scan)."""

from __future__ import annotations

from datetime import datetime

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.services import alert_cards, sla
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork
from scheduler.registry import daily_at, every, job
from scheduler.runner import get_watermark, set_watermark
from scheduler.util import OVERLAP, in_uow

SCAN_BATCH = 1000
MAX_BATCHES = 200


@job("sla_sync", every(minutes=1), "start SLA clocks for newly assigned leads, tasks and deals")
async def sla_sync(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    last = await get_watermark(db, "sla_sync")

    async def go(uow: UnitOfWork) -> sla.SyncResult:
        return await sla.sync_clocks(uow, last - OVERLAP if last else None)

    res = await in_uow(db, clock, go)
    await set_watermark(db, "sla_sync", now)
    return f"{res.created} clocks started"


@job("sla_sync_full", daily_at(at="03:10"), "nightly full SLA clock sync (safety net)")
async def sla_sync_full(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    res = await in_uow(db, clock, lambda uow: sla.sync_clocks(uow, None))
    return f"{res.created} clocks started"


@job("sla_scan", every(minutes=1), "fire due SLA escalation levels (each once)")
async def sla_scan(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    total = sla.ScanResult()
    for _ in range(MAX_BATCHES):
        res: sla.ScanResult = await in_uow(
            db, clock, lambda uow: sla.scan_clocks(uow, limit=SCAN_BATCH))
        total.due += res.due
        total.fired += res.fired
        total.restarted += res.restarted
        total.stopped += res.stopped
        total.skipped += res.skipped
        for lv, n in res.by_level.items():
            total.by_level[lv] = total.by_level.get(lv, 0) + n
        if res.due < SCAN_BATCH:
            # drained: one card per recipient for what fired (a backlog still draining
            # waits, so that it arrives as one summary, not one card per run)
            total.cards = await in_uow(db, clock, alert_cards.send_alert_cards)
            break
    levels = " ".join(f"L{lv}={n}" for lv, n in sorted(total.by_level.items()))
    return (f"{total.due} due, {total.fired} fired ({levels or '-'}), {total.restarted} "
            f"restarted, {total.stopped} stopped, {total.cards} cards")
