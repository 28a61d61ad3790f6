"""The supervisor's buttons on an SLA alert: [催办] and [延期] ([转派] is /转派)."""

from __future__ import annotations

from bot.commands.registry import MANAGERS, command
from bot.context import Context
from bot.messages import Reply, Text
from crm_core.services import sla


@command("催办", aliases=("urge",), button="sla.urge", roles=MANAGERS, group="管理",
         usage="/催办 <预警编号>", text=("escalation",))
async def sla_urge(ctx: Context, escalation: str) -> Reply:
    """催办一条 SLA 预警：提醒负责人立即处理"""
    async with ctx.uow() as uow:
        esc = await sla.act_on_escalation(uow, ctx.user, escalation, "urge")
        await uow.commit()
    return Text(f"📣 已催办（预警 #{esc.id}），负责人会收到提醒。")


@command("延期", aliases=("extend",), button="sla.extend", roles=MANAGERS, group="管理",
         usage="/延期 <预警编号> [小时]", text=("escalation", "hours"))
async def sla_extend(ctx: Context, escalation: str, hours: int | None = None) -> Reply:
    """把一条 SLA 预警的下一级上报延后（默认 24 小时）"""
    async with ctx.uow() as uow:
        esc = await sla.act_on_escalation(uow, ctx.user, escalation, "extend",
                                          hours=float(hours or 24))
        await uow.commit()
    return Text(f"⏳ 已延期 {hours or 24} 小时（预警 #{esc.id}）。")
