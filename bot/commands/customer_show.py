from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context
from bot.messages import Button, Card, Reply, Text
from bot.render.cards import customer_card
from crm_core.services import customers as customer_service


@command("客户", aliases=("customer", "kh"), button="customer.show", group="客户",
         usage="/客户 <客户名>", text=("name",))
async def customer_show(ctx: Context, name: str | None = None,
                        customer_id: str | None = None) -> Reply:
    """客户 360°：联系人、商机、最近跟进、待办：/客户 <客户名>"""
    async with ctx.uow() as uow:
        if customer_id and customer_id.isdigit():
            view = await customer_service.customer_360(uow, ctx.user, int(customer_id))
            return customer_card(view, masked=ctx.in_group, tz=ctx.bot.clock.tz)
        if not name:
            return Text("用法：/客户 <客户名>，例如 /客户 鼓楼医院")
        found = await customer_service.search(uow, name)
        if not found:
            import nlp

            catalog = await ctx.bot.catalog.get(uow)
            ranked = nlp.match_customers(name, catalog, limit=3)
            found = await customer_service.by_names(uow, [n for n, s in ranked if s >= 0.6])
        if not found:
            return Text(f"没有找到「{name}」。换个叫法试试，比如全称或简称。")
        if len(found) > 1:
            buttons = tuple(Button(c.name, "customer.show", {"customer_id": str(c.id)})
                            for c in found[:6])
            return Card("找到几家，选一个：", buttons=buttons)
        view = await customer_service.customer_360(uow, ctx.user, found[0].id or 0)
    return customer_card(view, masked=ctx.in_group, tz=ctx.bot.clock.tz)
