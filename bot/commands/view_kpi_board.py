"""/看板 (/kpi): the seeds' three KPIs for managers, the director and admins — thresholds,
this period vs the last, red marks, per team → per rep, channel ROI, a chart."""

from __future__ import annotations

from bot.commands.registry import MANAGERS, command
from bot.context import Context
from bot.messages import Button, Card, Image, Reply
from bot.render.charts import kpi_chart
from bot.render.kpi import board_lines
from crm_core.services import kpi as kpi_service


@command("看板", aliases=("kpi", "指标"), button="kpi.view", roles=MANAGERS, group="管理",
         text=("period",))
async def kpi_board(ctx: Context, period: str | None = None, team: str | None = None
                    ) -> list[Reply]:
    """指标看板：72小时激活率、阶段合规率、档案完整率、渠道回报：/看板 [本月]"""
    per = "month" if period and ("月" in period or period.lower().startswith("m")) \
        else "week"
    team_id = int(team) if team and team.isdigit() else None
    async with ctx.uow() as uow:
        b = await kpi_service.kpi_board(uow, ctx.user, period=per, team_id=team_id)
    keys = list(kpi_service.THRESHOLDS)
    png = kpi_chart([kpi_service.LABELS[k] for k in keys],
                    [getattr(b.total.now, k).value for k in keys],
                    [getattr(b.total.before, k).value for k in keys],
                    [kpi_service.THRESHOLDS[k] for k in keys], title=f"{b.scope} · {b.period}")
    buttons: list[Button] = []
    if b.by == "team":           # drill-down: a team's reps
        buttons += [Button(row.name, "kpi.view", {"team": str(row.key), "period": per})
                    for row in sorted(b.rows, key=lambda r: -len(r.now.below()))[:4]
                    if row.key]
    other = "month" if per == "week" else "week"
    buttons.append(Button("看近30天" if other == "month" else "看近7天", "kpi.view",
                          {"period": other, **({"team": str(team_id)} if team_id else {})}))
    lines = board_lines(b)
    return [Image(png, caption=lines[0]),
            Card("📊 指标看板", body="\n".join(lines), buttons=tuple(buttons))]
