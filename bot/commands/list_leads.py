"""/线索: my leads (a manager's: the team's), red first, with the true total and [下一页]."""

from __future__ import annotations

from dataclasses import replace

from bot import refs
from bot.commands.registry import command
from bot.context import Context
from bot.messages import Button, Card, Reply, Text
from bot.render.cards import lead_card, lead_line
from bot.render.paging import NEXT_PAGE, window
from crm_core.services import leads as lead_service

PAGE = 10
STATUS_WORDS = {
    "新": "new", "已分配": "assigned", "已认领": "claimed", "已联系": "contacted",
    "已确认": "qualified", "已转化": "converted", "已放弃": "dropped", "全部": "all",
}


def _filter(arg: str) -> lead_service.LeadFilter:
    if arg in ("待补全", "pending"):
        return lead_service.LeadFilter(pending=True)
    if arg in ("未分配", "unassigned"):
        return lead_service.LeadFilter(unassigned=True)
    if arg in STATUS_WORDS:
        return lead_service.LeadFilter(status=STATUS_WORDS[arg])
    if arg:
        return lead_service.LeadFilter(text=arg, status="all")
    return lead_service.LeadFilter()


@command("线索", aliases=("leads", "lead", "xs"), button=("lead.show", "lead.list"),
         group="线索", usage="/线索 [#L编号|待补全|未分配|新|已联系|全部|关键词]",
         text=("filters",))
async def list_leads(ctx: Context, filters: str | None = None, lead_id: str | None = None,
                     page: str | None = None) -> Reply:
    """查看我的线索，红色（风险高）排在前面：/线索 [筛选]"""
    arg = (lead_id or filters or "").strip()
    number = refs.maybe(arg, "lead")
    async with ctx.uow() as uow:
        if number is not None:
            lead = await lead_service.get_lead(uow, ctx.user, number)
            names = await lead_service.owner_names(uow, {lead.owner_id} if lead.owner_id else set())
            can_claim = lead.status in ("new", "assigned") and lead.owner_id in (None, ctx.user_id)
            return lead_card(lead, owner=names.get(lead.owner_id or 0), masked=ctx.in_group,
                             can_claim=can_claim,
                             can_drop=await lead_service.may_drop(uow, ctx.user, lead))
        f = _filter(arg)
        total = await lead_service.count_leads(uow, ctx.user, f)
        win = window(page, total, PAGE)
        leads = await lead_service.list_leads(
            uow, ctx.user, replace(f, limit=PAGE, offset=win.offset))
        names = await lead_service.owner_names(uow, {x.owner_id for x in leads if x.owner_id})
    if not total:
        return Text("没有符合条件的线索。")
    show_owner = ctx.role != "rep"
    lines = [lead_line(x, names.get(x.owner_id or 0) if show_owner else None) for x in leads]
    buttons = [Button(f"#L{x.id}", "lead.show", {"lead_id": str(x.id)}) for x in leads[:3]]
    if win.has_next:
        buttons.append(Button(NEXT_PAGE, "lead.list",
                              {"filters": arg, "page": str(win.offset // PAGE + 2)}))
    return Card(win.heading("线索"), body="\n".join(lines) + "\n发 /线索 #L编号 看详情",
                buttons=tuple(buttons))
