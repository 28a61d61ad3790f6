"""/推进: move a deal to a stage; the bot asks for whatever that stage requires."""

from __future__ import annotations

from bot import refs
from bot.commands.registry import command
from bot.context import Context
from bot.dialogs import stage_move
from bot.messages import Reply, Text
from crm_core.services import stages as stage_service

USAGE = "用法：/推进 客户 阶段（如 /推进 鼓楼医院 方案演示），或 /推进 #D商机编号 阶段"


@command("推进", aliases=("stage", "推进阶段"), button="deal.stage", group="客户",
         usage="/推进 <客户|#商机编号> <阶段>", text=("text",))
async def move_stage(ctx: Context, text: str | None = None, deal_id: str | None = None,
                         stage: str | None = None) -> list[Reply]:
    """推进商机阶段，缺什么问什么：/推进 鼓楼医院 方案演示"""
    if deal_id and stage:
        return await stage_move.start(ctx, int(deal_id), stage)
    body = (text or "").strip()
    async with ctx.uow() as uow:
        names = [s.name for s in await stage_service.all_stages(uow)]
    target = next((n for n in sorted(names, key=len, reverse=True) if body.endswith(n)), None)
    if not body or target is None:
        return [Text(f"{USAGE}\n阶段：{'、'.join(names)}")]
    who = body[: -len(target)].strip()
    for word in ("进入", "推进到", "到"):
        who = who.removesuffix(word).strip()
    number = refs.maybe(who, "deal")
    if number is not None:
        return await stage_move.start(ctx, number, target)
    return await stage_move.start_from_intent(ctx, who or None, target)
