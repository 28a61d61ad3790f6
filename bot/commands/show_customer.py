"""/客户: a customer's 360° card; 「/客户 鼓楼医院 改 [项目 值]」 edits its profile."""

from __future__ import annotations

import nlp
from bot.commands.registry import command
from bot.context import Context
from bot.dialogs import profile_edit
from bot.messages import Button, Card, Reply, Text
from bot.render.cards import customer_card
from crm_core.services import customers as customer_service
from crm_core.uow import UnitOfWork

EDIT_WORDS = ("改", "修改", "编辑")


@command("客户", aliases=("customer", "kh"), button=("customer.show", "customer.edit"),
         group="客户", usage="/客户 <客户名> [改 项目 值]", text=("name",))
async def show_customer(ctx: Context, name: str | None = None, customer_id: str | None = None,
                        edit: str | None = None) -> Reply | list[Reply]:
    """客户 360°：联系人、商机、最近跟进、待办；加「改」修改资料：/客户 鼓楼医院"""
    if customer_id and customer_id.isdecimal():
        if edit:
            return await profile_edit.edit_customer(ctx, int(customer_id))
        async with ctx.uow() as uow:
            view = await customer_service.customer_360(uow, ctx.user, int(customer_id))
        return customer_card(view, masked=ctx.in_group, tz=ctx.bot.clock.tz)
    if not name:
        return Text("用法：/客户 <客户名>，例如 /客户 鼓楼医院；改资料：/客户 鼓楼医院 改")
    query, change = name.strip(), None
    for word in EDIT_WORDS:
        head, sep, rest = query.partition(f" {word}")
        if sep and (not rest or rest.startswith(" ")):
            query, change = head.strip(), rest.strip()
            break
    async with ctx.uow() as uow:
        found = await _find(ctx, uow, query)
        if not found:
            return Text(f"没有找到「{query}」。换个叫法试试，比如全称或简称。")
        if len(found) > 1:
            buttons = tuple(Button(c.name, "customer.show", {"customer_id": str(c.id)})
                            for c in found[:6])
            return Card("找到几家，选一个：", buttons=buttons)
        if change is None:
            view = await customer_service.customer_360(uow, ctx.user, found[0].id or 0)
    if change is not None:
        return await profile_edit.edit_customer(ctx, found[0].id or 0, change)
    return customer_card(view, masked=ctx.in_group, tz=ctx.bot.clock.tz)


async def _find(ctx: Context, uow: UnitOfWork, query: str) -> list[customer_service.Customer]:
    found = await customer_service.search(uow, query)
    if found:
        return found
    catalog = await ctx.bot.catalog.get(uow)
    ranked = nlp.match_customers(query, catalog, limit=3)
    return await customer_service.by_names(uow, [n for n, s in ranked if s >= 0.6])
