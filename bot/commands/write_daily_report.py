"""/日报 /report: answer today's daily report — the dialog (draft from today's follow-ups,
obstacles, 提交), or at once with the text given; the pushed prompt's buttons."""

from __future__ import annotations

from datetime import date

from bot.commands.registry import command
from bot.context import Context
from bot.dialogs import daily_report as dialog
from bot.messages import Reply, Text
from crm_core.errors import CrmError
from crm_core.services import digests


@command("日报", aliases=("report", "rb"), button="daily_report.open", group="常用",
         usage="/日报 [今天的进展]")
async def write_daily_report(ctx: Context, text: str | None = None) -> Reply | list[Reply]:
    """写今日日报：/日报 今天的进展（不带内容则显示草稿和障碍选项）"""
    if not text:
        return await dialog.start(ctx)
    day = ctx.now.astimezone(ctx.bot.clock.tz).date()
    async with ctx.uow() as uow:
        row = await digests.submit_daily_report(uow, ctx.user, day, progress=text)
        await uow.commit()
    return _done(row.progress or "", list(row.obstacles or []))


@command("提交日报", aliases=("report_submit",), button="daily_report.submit", group="常用",
         hidden=True)
async def submit_daily_report(ctx: Context, day: str | None = None) -> Reply:
    """按草稿提交今日日报"""
    async with ctx.uow() as uow:
        row = await digests.submit_daily_report(uow, ctx.user, _day(ctx, day), use_draft=True)
        await uow.commit()
    return _done(row.progress or "", list(row.obstacles or []))


@command("日报障碍", aliases=("report_obstacle",), button="daily_report.obstacle", group="常用",
         hidden=True)
async def record_obstacle(ctx: Context, day: str | None = None,
                                obstacle: str | None = None) -> Reply:
    """给今日日报加一个推进障碍"""
    if not obstacle:
        return Text("请选择一个推进障碍。")
    async with ctx.uow() as uow:
        row = await digests.submit_daily_report(uow, ctx.user, _day(ctx, day),
                                                obstacle=obstacle)
        await uow.commit()
    return _done(row.progress or "", list(row.obstacles or []))


def _day(ctx: Context, day: str | None) -> date:
    if day:
        try:
            return date.fromisoformat(day)
        except ValueError as e:
            raise CrmError(f"bad day {day!r}", "日期格式不对") from e
    return ctx.now.astimezone(ctx.bot.clock.tz).date()


def _done(progress: str, obstacles: list[str]) -> Reply:
    return dialog.done_card(progress, obstacles)
