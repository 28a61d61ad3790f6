"""Deals and their stages (basic moves; stage requirements live in services/stages when
present)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from crm_core.errors import Conflict, NotFound
from crm_core.models import Deal, Stage, StageHistory, User
from crm_core.services import access
from crm_core.uow import UnitOfWork, snapshot


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


async def move_deal(
    uow: UnitOfWork, user: User, deal_id: int, stage_name: str, *, note: str | None = None,
    override: bool = False,
) -> Deal:
    deal = await uow.session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(f"deal {deal_id}", "没有找到这个商机")
    await access.authorize(uow, user, "act", deal, "这个商机不在你的名下")
    target = await stage_by_name(uow, stage_name)
    current = await uow.session.get(Stage, deal.stage_id)
    if current is not None and current.id == target.id:
        raise Conflict("same stage", f"已经是「{target.name}」阶段了")
    allowed = current.allowed_next if current is not None else []
    if allowed and target.name not in allowed and not override:
        raise Conflict(f"{current.name if current else '?'} -> {target.name} not allowed",
                       f"不能从「{current.name if current else ''}」直接到「{target.name}」")
    before = snapshot(deal)
    uow.add(StageHistory(deal_id=deal.id or 0, from_stage_id=deal.stage_id,
                         to_stage_id=target.id or 0, moved_at=uow.now, moved_by=user.id,
                         compliant=not override, override=override, note=note))
    deal.stage_id = target.id or 0
    deal.stage_entered_at = uow.now
    deal.updated_at = uow.now
    if target.is_won or target.is_lost:
        deal.closed_at = uow.now
    uow.add(deal)
    uow.audit("deal.stage", "deal", deal.id, before=before, after=snapshot(deal))
    await uow.commit()
    return deal
