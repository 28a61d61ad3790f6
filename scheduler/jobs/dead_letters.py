"""Tell the admins when pushes went dead (they see the details with /系统)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.models import OutboxMessage
from crm_core.services.sla import notify_once
from crm_core.services.users import admins
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork
from scheduler.registry import every, job
from scheduler.util import in_uow

KIND = "outbox.dead"


@job("dead_letter_alert", every(minutes=10), "tell admins about new dead letters")
async def dead_letter_alert(db: Database, clock: Clock, settings: Settings,
                            now: datetime) -> str:
    async def go(uow: UnitOfWork) -> int:
        s = uow.session
        newest = (await s.execute(sa.select(sa.func.max(OutboxMessage.id)).where(
            col(OutboxMessage.status) == "dead", col(OutboxMessage.kind) != KIND))).scalar()
        if newest is None:
            return 0
        told = 0
        for admin in await admins(uow):
            last = (await s.execute(sa.select(col(OutboxMessage.payload)).where(
                col(OutboxMessage.kind) == KIND, col(OutboxMessage.recipient_id) == admin.id)
                .order_by(col(OutboxMessage.id).desc()).limit(1))).scalar()
            since = int((last or {}).get("max_id", 0))
            count = (await s.execute(sa.select(sa.func.count()).where(
                col(OutboxMessage.status) == "dead", col(OutboxMessage.kind) != KIND,
                col(OutboxMessage.id) > since))).scalar() or 0
            if count:
                told += await notify_once(uow, KIND, admin.id,
                                          {"count": int(count), "max_id": int(newest)},
                                          dedupe_key=f"{KIND}:{admin.id}:{newest}")
        return told

    n = await in_uow(db, clock, go)
    return f"{n} admins told"
