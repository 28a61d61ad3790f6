"""/漏斗: deals and amount per stage, as a chart image and a short text."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.registry import MANAGERS, command
from bot.context import Context
from bot.messages import Card, Image, Reply
from bot.render.charts import Bar, pipeline_chart
from bot.render.format import money
from crm_core.services import stages as stage_service
from crm_core.services import team as team_service


@command("漏斗", aliases=("pipeline", "销售漏斗"), button="pipeline.view", roles=MANAGERS,
         group="管理")
async def view_pipeline(ctx: Context) -> list[Reply]:
    """销售漏斗：各阶段商机数与金额（附图）：/漏斗"""
    async with ctx.uow() as uow:
        buckets = await team_service.pipeline_by_stage(uow, ctx.user)
        since = ctx.now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        owners = await team_service.visible_owner_ids(uow, ctx.user)
        rate = await stage_service.stage_compliance(uow, since, ctx.now + timedelta(minutes=1),
                                                   owners)
    bars = [Bar(b.name, b.deals, b.amount, "won" if b.is_won else "lost" if b.is_lost
                else "open") for b in buckets]
    png = pipeline_chart(bars, title="销售漏斗")
    open_amount = sum(b.amount for b in buckets if not (b.is_won or b.is_lost))
    lines = [f"{b.name}：{b.deals} 单 · {money(b.amount)}" for b in buckets]
    caption = "销售漏斗：" + "；".join(lines)
    rate_text = "—" if rate is None else f"{rate * 100:.0f}%"
    return [Image(png, caption=caption),
            Card("销售漏斗", fields=(("进行中金额", money(open_amount)),
                                    ("本月阶段合规率", rate_text)),
                 body="\n".join(lines))]
