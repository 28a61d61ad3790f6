from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context
from bot.messages import Card, Reply
from crm_core.services import routing


@command("抢单", aliases=("grab",), button="offer.grab", group="线索",
         usage="/抢单 <抢单编号>")
async def grab_offer(ctx: Context, offer_id: int) -> Reply:
    """抢一条推送给你的线索（先到先得）：/抢单 <抢单编号>"""
    async with ctx.uow() as uow:
        out = await routing.grab_offer(uow, offer_id, ctx.user_id)
    return Card(f"✅ 抢单成功 · 线索 #{out.details.get('lead_id')}",
                body=f"{out.reason}\n黄金 4 小时内联系客户，记得记跟进。")
