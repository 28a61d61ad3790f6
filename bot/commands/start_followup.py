from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context
from bot.dialogs import followup
from bot.messages import Reply


@command("跟进", aliases=("followup", "gj", "记跟进"), button="followup.start", group="常用",
         text=())
async def start_followup(ctx: Context, customer_id: str | None = None) -> list[Reply]:
    """一步步填写跟进记录（也可以直接说一句话）：/跟进"""
    cid = int(customer_id) if customer_id and customer_id.isdecimal() else None
    return await followup.start_form(ctx, cid)
