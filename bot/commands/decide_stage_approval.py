"""[申请经理同意] on a blocked stage move, and the manager's [同意][驳回] (issue 15)."""

from __future__ import annotations

from bot.commands.registry import MANAGERS, command
from bot.context import Context
from bot.messages import Reply, Text
from bot.render.format import clip
from crm_core.services import stages as stage_service


@command("申请推进", aliases=("stage_request",), button="stage.request", group="客户",
         hidden=True)
async def stage_request(ctx: Context, deal_id: int, stage: str) -> Reply:
    """请经理同意一次被拦下的阶段推进"""
    async with ctx.uow() as uow:
        row = await stage_service.request_approval(uow, ctx.user, deal_id, stage)
    return Text(f"📨 已发给经理审批（申请 #{row.id}）：商机 #D{deal_id} → {clip(stage, 8)}。"
                "经理同意后自动推进，结果会通知你。")


@command("同意推进", aliases=("stage_approve",), button="stage.approve", roles=MANAGERS,
         group="管理", hidden=True)
async def stage_approve(ctx: Context, approval_id: int) -> Reply:
    """同意销售的阶段推进申请（记为经理强制推进）"""
    async with ctx.uow() as uow:
        row, moved = await stage_service.decide_approval(uow, ctx.user, approval_id, True)
    name = moved.deal.name if moved is not None else f"#D{row.deal_id}"
    return Text(f"✅ 已同意：{clip(name, 16)} 进入「{row.stage_name}」（记为经理强制推进）。")


@command("驳回推进", aliases=("stage_reject",), button="stage.reject", roles=MANAGERS,
         group="管理", hidden=True)
async def stage_reject(ctx: Context, approval_id: int) -> Reply:
    """驳回销售的阶段推进申请"""
    async with ctx.uow() as uow:
        row, _ = await stage_service.decide_approval(uow, ctx.user, approval_id, False)
    return Text(f"已驳回申请 #{row.id}（商机 #D{row.deal_id} → {row.stage_name}），已通知销售。")
