"""Inbound bookkeeping: duplicate deliveries and dialog state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from crm_core.models import DialogState, ProcessedEvent
from crm_core.sql import rowcount
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


async def prune_events(uow: UnitOfWork, older_than: timedelta = timedelta(days=3)) -> int:
    res = await uow.session.execute(
        delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < uow.now - older_than)
    )
    await uow.commit()
    return int(rowcount(res) or 0)


async def load_dialog(uow: UnitOfWork, key: str, ttl: timedelta) -> DialogState | None:
    """The live dialog for a chat key; an expired one is removed lazily."""
    row = await uow.session.get(DialogState, key)
    if row is None:
        return None
    if row.updated_at + ttl < uow.now:
        await uow.session.delete(row)
        await uow.commit()
        return None
    return row


async def save_dialog(
    uow: UnitOfWork, key: str, name: str, data: dict[str, Any], user_id: int | None
) -> None:
    row = await uow.session.get(DialogState, key)
    if row is None:
        row = DialogState(key=key, name=name, data=data, user_id=user_id, updated_at=uow.now)
    else:
        row.name, row.data, row.updated_at, row.user_id = name, dict(data), uow.now, user_id
    uow.add(row)
    await uow.commit()


async def clear_dialog(uow: UnitOfWork, key: str) -> None:
    row = await uow.session.get(DialogState, key)
    if row is not None:
        await uow.session.delete(row)
        await uow.commit()
