"""/项目: a hospital procurement project — one customer, contacts in roles, products, a deal."""

from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context
from bot.messages import Reply, Text
from crm_core.models.accounts import DECISION_ROLES
from crm_core.services import accounts as account_service
from crm_core.services import customers as customer_service
from crm_core.services import deals as deal_service

USAGE = ("用法：/项目 客户 项目名 联系人[=角色]… [产品=A、B]\n"
         "如 /项目 鼓楼医院 2027骨科集采 王建国=临床科室主任 周晓东 产品=椎间融合器")


@command("项目", aliases=("project",), group="客户", usage="/项目 <客户> <项目名> <联系人…>",
         text=("text",))
async def add_project(ctx: Context, text: str | None = None) -> Reply:
    """建采购项目：客户、各角色联系人、产品、商机：/项目 鼓楼医院 骨科集采 王建国"""
    words = (text or "").split()
    if len(words) < 2:
        return Text(USAGE)
    products: list[str] = []
    people: list[tuple[str, str | None]] = []
    for w in words[2:]:
        key, eq, value = w.partition("=")
        if eq and key == "产品":
            products = [p for p in value.replace("，", "、").split("、") if p]
        else:
            people.append((key, value if eq else None))
    async with ctx.uow() as uow:
        found = await customer_service.search(uow, words[0], limit=2)
        if len(found) != 1:
            return Text(f"没有唯一对应「{words[0]}」的客户，请用全称。")
        customer = found[0]
        view = await customer_service.customer_360(uow, ctx.user, customer.id or 0)
        contacts = {c.name: c for c, _ in view.contacts}
        links: list[tuple[int, str]] = []
        for name, role in people:
            c = contacts.get(name)
            if c is None:
                return Text(f"{customer.name}没有联系人「{name}」。")
            role = role or c.decision_role
            if not role or role not in DECISION_ROLES:
                return Text(f"「{name}」的角色不对，可选：{'、'.join(DECISION_ROLES)}")
            links.append((c.id or 0, role))
        deals = await deal_service.open_deals_of(uow, ctx.user, customer.id or 0)
        deal_id = deals[0][0].id if len(deals) == 1 else None
        p = await account_service.create_project(uow, ctx.user, customer.id or 0, words[1],
                                                 contacts=links, products=products,
                                                 deal_id=deal_id)
        await uow.commit()
    roles = "、".join(r for _, r in links) or "暂无"
    tail = f"，关联商机 #D{deal_id}" if deal_id else ""
    return Text(f"✅ 已建采购项目「{p.name}」（{customer.name}）：角色 {roles}{tail}。"
                "\n/客户 里可以看到决策链。")
