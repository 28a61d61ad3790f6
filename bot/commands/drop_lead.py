"""/放弃 (drop): give up a lead with a reason; the owner's manager is told."""

from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context
from bot.messages import Button, Card, Reply, Text
from crm_core.services import leads as lead_service


@command("放弃", aliases=("drop", "作废"), button="lead.drop", group="线索",
         usage="/放弃 <#L线索编号> <原因>", text=("lead_id", "reason"))
async def drop_lead(ctx: Context, lead_id: int, reason: str | None = None,
                    status: str | None = None) -> Reply:
    """放弃一条线索（要写原因，经理会收到通知）：/放弃 #L编号 原因"""
    if not reason or not reason.strip():
        async with ctx.uow() as uow:
            lead = await lead_service.get_lead(uow, ctx.user, lead_id)
        buttons = tuple(Button(r, "lead.drop", {"lead_id": str(lead_id), "reason": r,
                                                "status": lead.status})
                        for r in lead_service.DROP_REASONS)
        return Card(f"放弃线索 #L{lead_id}？", body=f"选一个原因，或发「/放弃 #L{lead_id} 原因」。"
                    "\n放弃后不再提醒，经理会收到通知。", buttons=buttons)
    async with ctx.uow() as uow:
        out = await lead_service.drop_lead(uow, ctx.user, lead_id, reason,
                                           expected_status=status)
        await uow.commit()
    told = f"，已通知{'、'.join(out.told)}" if out.told else ""
    return Text(f"🗑 已放弃线索 #L{lead_id}（{out.reason}）{told}。\n"
                "客户再次咨询时会自动重新打开。")
