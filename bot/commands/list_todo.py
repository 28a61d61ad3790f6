"""/待办: my open tasks (overdue first), with the true total and [下一页]; /完成 #T7."""

from __future__ import annotations

import nlp
from bot.commands.registry import command
from bot.context import Context
from bot.messages import Button, Reply, Text
from bot.render.cards import tasks_reply
from bot.render.paging import NEXT_PAGE, window
from crm_core.services import tasks as task_service

PAGE = 10


@command("待办", aliases=("todo", "任务", "db"), button=("todo.list",), group="常用")
async def list_todo(ctx: Context, day: str | None = None, page: str | None = None) -> Reply:
    """我的待办（含逾期）：/待办 [明天|周四…]"""
    when = nlp.parse_when(day, ctx.now) if day else None
    if day and (when is None or when.date is None):
        return Text("没看懂日期，例如：/待办 明天")
    on = when.date if when else None
    async with ctx.uow() as uow:
        total = await task_service.count_todo(uow, ctx.user, day=on, include_overdue=when is None)
        win = window(page, total, PAGE)
        items = await task_service.todo(uow, ctx.user, day=on, include_overdue=when is None,
                                        limit=PAGE, offset=win.offset)
    title = "今日待办" if when is None else f"{day}的待办"
    more = Button(NEXT_PAGE, "todo.list", {"page": str(win.offset // PAGE + 2),
                                           **({"day": day} if day else {})})
    return tasks_reply(items, tz=ctx.bot.clock.tz, now_ts=ctx.now.timestamp(), title=title,
                       win=win, next_page=more)


@command("完成", aliases=("done",), button="task.done", group="常用", usage="/完成 <#T编号>")
async def complete_task(ctx: Context, task_id: int) -> Reply:
    """把一条待办标记为完成：/完成 #T7"""
    async with ctx.uow() as uow:
        task = await task_service.complete_task(uow, ctx.user, task_id)
    return Text(f"✅ 已完成 #T{task.id}：{task.title}")
