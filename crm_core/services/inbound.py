"""Inbound bookkeeping: duplicate deliveries (the platform event ids already seen)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from crm_core.models import ProcessedEvent
from crm_core.uow import UnitOfWork


async def first_time(uow: UnitOfWork, platform: str, event_id: str) -> bool:
    """Record a platform event id; False if it was seen before (a retried delivery)."""
    uow.add(ProcessedEvent(platform=platform, event_id=str(event_id)[:255],
                           received_at=uow.now))
    try:
        await uow.commit()
    except IntegrityError:
        await uow.rollback()
        return False
    return True
