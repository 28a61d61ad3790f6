"""/附件: attach a file, photo or link to a deal as stage evidence (outside a stage move)."""

from __future__ import annotations

from bot import refs
from bot.commands.registry import command
from bot.context import Context
from bot.dialogs.stage_move import URL
from bot.messages import Reply, Text
from bot.render.format import clip
from crm_core.services import customers as customer_service
from crm_core.services import deals as deal_service
from crm_core.services import stages as stage_service

USAGE = "用法：/附件 客户 文件名或链接（如 /附件 鼓楼医院 方案.pdf），或 /附件 #D商机编号 文件名"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".webp")


def evidence_of(name: str) -> stage_service.EvidenceIn:
    if URL.search(name):
        return stage_service.EvidenceIn("link", name)
    photo = name.lower().endswith(PHOTO_SUFFIXES) or name.startswith(("照片", "图片"))
    return stage_service.EvidenceIn("photo" if photo else "file", name)


@command("附件", aliases=("evidence", "attach"), group="客户", usage="/附件 <客户|#商机> <名称>",
         text=("text",))
async def add_evidence(ctx: Context, text: str | None = None) -> Reply:
    """给商机加附件（方案、照片、链接），作为阶段凭证：/附件 鼓楼医院 方案.pdf"""
    head, _, name = (text or "").strip().partition(" ")
    if not head or not name.strip():
        return Text(USAGE)
    async with ctx.uow() as uow:
        number = refs.maybe(head, "deal")
        if number is not None:
            deal_id = number
        else:
            found = await customer_service.search(uow, head, limit=2)
            if len(found) != 1:
                return Text(f"没有唯一对应「{head}」的客户，请用全称。")
            deals = await deal_service.open_deals_of(uow, ctx.user, found[0].id or 0)
            if not deals:
                return Text(f"{found[0].name}没有你能看到的进行中商机。")
            if len(deals) > 1:
                lines = "\n".join(f"#D{d.id} {clip(d.name, 16)}（{s}）" for d, s in deals[:5])
                return Text(f"有几个商机，请用编号：\n{lines}\n如 /附件 #D{deals[0][0].id} {name}")
            deal_id = deals[0][0].id or 0
        ev = evidence_of(name.strip())
        row = await stage_service.add_evidence(uow, ctx.user, deal_id, ev)
    label = {"file": "文件", "photo": "照片", "link": "链接"}[row.kind]
    return Text(f"📎 已把{label}「{clip(row.name, 30)}」加到商机 #D{deal_id}。")
