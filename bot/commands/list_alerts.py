"""/预警: my open SLA alerts, most urgent first, paged — what the alert card's [全部] opens."""

from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context
from bot.messages import Button, Card, Reply, Text
from bot.render.alerts import alert_line
from bot.render.paging import NEXT_PAGE, window
from crm_core.services import alert_cards

PAGE = 10


@command("预警", aliases=("alerts", "yj"), button=("sla.all",), group="常用")
async def alerts_list(ctx: Context, page: str | None = None) -> Reply:
    """我收到的未处理超时预警（最紧急在前）：/预警"""
    async with ctx.uow() as uow:
        items = await alert_cards.list_open_alerts(uow, ctx.user)
    if not items:
        return Text("没有待处理的超时预警。")
    win = window(page, len(items), PAGE)
    shown = items[win.offset:win.offset + PAGE]
    more = (Button(NEXT_PAGE, "sla.all", {"page": str(win.offset // PAGE + 2)}),) \
        if win.has_next else ()
    return Card(f"超时预警 {len(items)} 条 · 第 {win.offset + 1}–{win.offset + len(shown)} 条",
                body="\n".join(alert_line(x) for x in shown)
                + "\n处理：/催办 #A编号，/延期 #A编号，/转派 #L编号", buttons=more)
