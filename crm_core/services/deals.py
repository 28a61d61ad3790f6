"""Deals and their stages (basic moves; stage requirements live in services/stages when
present)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from crm_core.errors import NotFound
from crm_core.models import Deal, Stage, User
from crm_core.services import access
from crm_core.uow import UnitOfWork


async def open_deals_of(uow: UnitOfWork, user: User, customer_id: int) -> list[tuple[Deal, str]]:
    rows = (await uow.session.execute(
        select(Deal, col(Stage.name)).join(Stage, col(Stage.id) == col(Deal.stage_id)).where(
            col(Deal.customer_id) == customer_id, col(Stage.is_won).is_(False),
            col(Stage.is_lost).is_(False))
    )).all()
    out = []
    for deal, name in rows:
        if await access.allowed(uow, user, "view", deal):
            out.append((deal, name))
    return out


async def stage_by_name(uow: UnitOfWork, name: str) -> Stage:
    stage = (await uow.session.execute(
        select(Stage).where(col(Stage.name) == name))).scalars().first()
    if stage is None:
        raise NotFound(f"stage {name}", f"没有「{name}」这个阶段")
    return stage
