from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context
from bot.messages import Button, Card, Reply, Text
from bot.render.cards import lead_card, lead_line
from crm_core.services import leads as lead_service

STATUS_WORDS = {
    "新": "new", "已分配": "assigned", "已认领": "claimed", "已联系": "contacted",
    "已确认": "qualified", "已转化": "converted", "已放弃": "dropped", "全部": "all",
}


@command("线索", aliases=("leads", "lead", "xs"), button="lead.show", group="线索",
         usage="/线索 [编号|待补全|未分配|新|已联系|全部|关键词]", text=("filters",))
async def leads_list(ctx: Context, filters: str | None = None, lead_id: str | None = None) -> Reply:
    """查看我的线索，红色（风险高）排在前面：/线索 [筛选]"""
    arg = (lead_id or filters or "").strip().lstrip("#＃")
    async with ctx.uow() as uow:
        if arg.isdigit():
            lead = await lead_service.get_lead(uow, ctx.user, int(arg))
            names = await lead_service.owner_names(uow, {lead.owner_id} if lead.owner_id else set())
            can_claim = lead.status in ("new", "assigned") and lead.owner_id in (None, ctx.user_id)
            return lead_card(lead, owner=names.get(lead.owner_id or 0), masked=ctx.in_group,
                             can_claim=can_claim)
        f = lead_service.LeadFilter(limit=10)
        if arg in ("待补全", "pending"):
            f = lead_service.LeadFilter(pending=True, limit=10)
        elif arg in ("未分配", "unassigned"):
            f = lead_service.LeadFilter(unassigned=True, limit=10)
        elif arg in STATUS_WORDS:
            f = lead_service.LeadFilter(status=STATUS_WORDS[arg], limit=10)
        elif arg:
            f = lead_service.LeadFilter(text=arg, status="all", limit=10)
        leads = await lead_service.list_leads(uow, ctx.user, f)
        names = await lead_service.owner_names(uow, {x.owner_id for x in leads if x.owner_id})
    if not leads:
        return Text("没有符合条件的线索。")
    show_owner = ctx.role != "rep"
    lines = [lead_line(x, names.get(x.owner_id or 0) if show_owner else None) for x in leads]
    buttons = tuple(Button(f"#{x.id}", "lead.show", {"lead_id": str(x.id)}) for x in leads[:3])
    return Card(f"线索（{len(leads)}）", body="\n".join(lines) + "\n发 /线索 编号 看详情",
                buttons=buttons)
