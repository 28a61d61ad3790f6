"""/联系人: a customer's contacts (#C…), adding one, editing one (full name, title,
department, decision role, phone), and the contacts still known only as 「王主任」."""

from __future__ import annotations

from bot import refs
from bot.commands.registry import command
from bot.context import Context
from bot.dialogs import profile_edit
from bot.messages import Button, Card, Reply, Text
from crm_core.policies.contact_info import mask_phone
from crm_core.services import profiles

USAGE = ("用法：/联系人 鼓楼医院（看联系人）｜/联系人 #C12 [电话 138…]（修改）｜"
         "/联系人 添加 鼓楼医院 王建军 骨科主任｜/联系人 待补全")
ADD_WORDS = ("添加", "新增", "加", "add")
PAGE = 8


@command("联系人", aliases=("contact", "contacts", "lxr"), button=("contact.edit", "contact.add"),
         group="客户", usage="/联系人 <客户|#C编号|添加 客户 姓名|待补全>", text=("text",))
async def edit_contact(ctx: Context, text: str | None = None, contact_id: str | None = None,
                       customer_id: str | None = None) -> list[Reply]:
    """联系人：查看、添加、修改（姓名、职务、科室、决策角色、电话）：/联系人 鼓楼医院"""
    if contact_id and contact_id.isdecimal():
        return await profile_edit.edit_contact(ctx, int(contact_id))
    if customer_id and customer_id.isdecimal():
        async with ctx.uow() as uow:
            customer = await profiles.visible_customer(uow, ctx.user, int(customer_id))
        return await profile_edit.add_contact(ctx, customer.id or 0, customer.name)
    body = (text or "").strip()
    if not body:
        return [Text(USAGE)]
    head, _, rest = body.partition(" ")
    number = refs.maybe(head, "contact")
    if number is not None:
        return await profile_edit.edit_contact(ctx, number, rest)
    if head in ("待补全", "补全"):
        return [await _incomplete(ctx)]
    if head in ADD_WORDS:
        words = rest.split()
        if not words:
            return [Text(USAGE)]
        found = await _one_customer(ctx, words[0])
        if isinstance(found, Text):
            return [found]
        return await profile_edit.add_contact(ctx, found[0], found[1], words[1:])
    found = await _one_customer(ctx, body)
    if isinstance(found, Text):
        return [found]
    return [await _list(ctx, found[0])]


async def _one_customer(ctx: Context, name: str) -> tuple[int, str] | Text:
    found = await profile_edit.find_customer(ctx, name)
    if not found:
        return Text(f"没有找到客户「{name}」。")
    if len(found) > 1 and found[0].name != name:
        names = "、".join(c.name for c in found[:4])
        return Text(f"「{name}」对应多家客户（{names}），请说全称。")
    return found[0].id or 0, found[0].name


async def _list(ctx: Context, customer_id: int) -> Card:
    async with ctx.uow() as uow:
        customer, rows = await profiles.contacts_of(uow, ctx.user, customer_id)
    lines = []
    for c in rows[:PAGE * 3]:
        phone = mask_phone(c.phone) if ctx.in_group and c.phone else (c.phone or "")
        flag = "（待补全名）" if c.name_incomplete else ""
        role = f" · {c.decision_role}" if c.decision_role else ""
        lines.append(f"#C{c.id} {profiles.contact_shown(c)}{flag} {c.title or ''}{role} "
                     f"{phone}".rstrip())
    more = f"\n…共 {len(rows)} 位，只列出前 {PAGE * 3} 位" if len(rows) > PAGE * 3 else ""
    buttons = [Button("添加联系人", "contact.add", {"customer_id": str(customer_id)},
                      style="primary"),
               *(Button(f"改 #C{c.id}", "contact.edit", {"contact_id": str(c.id)})
                 for c in rows[:3])]
    return Card(f"{customer.name} 的联系人（{len(rows)}）",
                body=("\n".join(lines) or "还没有联系人。") + more
                + "\n发「/联系人 #C编号」修改。", buttons=tuple(buttons))


async def _incomplete(ctx: Context) -> Reply:
    async with ctx.uow() as uow:
        rows = await profiles.incomplete_contacts(uow, ctx.user)
    if not rows:
        return Text("没有待补全姓名的联系人。")
    lines = [f"#C{c.id} {profiles.contact_shown(c)}（{cust.name}）" for c, cust in rows]
    return Card(f"待补全姓名的联系人（{len(rows)}）", body="\n".join(lines)
                + "\n发「/联系人 #C编号 姓名 全名」补全。",
                buttons=tuple(Button(f"改 #C{c.id}", "contact.edit", {"contact_id": str(c.id)})
                              for c, _ in rows[:3]))
