"""/团队: per rep — open leads, overdue tasks, SLA breaches, pipeline by stage; the team's
totals on every page, eight people a page with [下一页]."""

from __future__ import annotations

from bot.commands.registry import MANAGERS, command
from bot.context import Context
from bot.messages import Button, Card, Reply, Text
from bot.render.format import money
from bot.render.paging import NEXT_PAGE, window
from crm_core.services import team as team_service

PAGE = 8


@command("团队", aliases=("team", "团队看板"), button="team.view", roles=MANAGERS,
         group="管理")
async def view_team(ctx: Context, page: str | None = None) -> Reply:
    """团队看板：每人在手线索、逾期待办、超时预警、各阶段商机：/团队"""
    async with ctx.uow() as uow:
        rows = await team_service.team_overview(uow, ctx.user)
    if not rows:
        return Text("你的团队里还没有销售。")
    win = window(page, len(rows), PAGE)
    lines = []
    for r in rows[win.offset:win.offset + PAGE]:
        stages = " ".join(f"{k[:2]}{v}" for k, v in r.pipeline.items()) or "无商机"
        leave = "（休假）" if r.on_leave else ""
        warn = "⚠️" if r.overdue_tasks or r.sla_breaches else "•"
        lines.append(f"{warn} {r.name}{leave} 线索{r.open_leads} 逾期{r.overdue_tasks} "
                     f"超时{r.sla_breaches}\n   {stages} · {money(r.pipeline_amount)}")
    total = (sum(r.open_leads for r in rows), sum(r.overdue_tasks for r in rows),
             sum(r.sla_breaches for r in rows))
    buttons = [Button("销售漏斗", "pipeline.view")]
    if win.has_next:
        buttons.append(Button(NEXT_PAGE, "team.view", {"page": str(win.offset // PAGE + 2)}))
    heading = (f"团队看板（{len(rows)} 人）" if len(rows) <= PAGE
               else f"团队看板（共 {len(rows)} 人 · {win.offset + 1}–"
                    f"{min(win.offset + PAGE, len(rows))}）")
    return Card(heading,
                fields=(("在手线索", str(total[0])), ("逾期待办", str(total[1])),
                        ("近7天超时", str(total[2]))),
                body="\n".join(lines), buttons=tuple(buttons))
