from __future__ import annotations

import nlp
from bot.commands.registry import command
from bot.context import Context
from bot.messages import Reply, Text
from bot.render.cards import tasks_reply
from crm_core.services import tasks as task_service


@command("待办", aliases=("todo", "任务", "db"), button="todo.list", group="常用")
async def todo_list(ctx: Context, day: str | None = None) -> Reply:
    """我的待办（含逾期）：/待办 [明天|周四…]"""
    when = nlp.parse_when(day, ctx.now) if day else None
    if day and (when is None or when.date is None):
        return Text("没看懂日期，例如：/待办 明天")
    async with ctx.uow() as uow:
        items = await task_service.todo(uow, ctx.user, day=when.date if when else None,
                                        include_overdue=when is None)
    title = "今日待办" if when is None else f"{day}的待办"
    return tasks_reply(items, tz=ctx.bot.clock.tz, now_ts=ctx.now.timestamp(), title=title)


@command("完成", aliases=("done",), button="task.done", group="常用")
async def task_done(ctx: Context, task_id: int) -> Reply:
    """把一条待办标记为完成：/完成 <待办编号>"""
    async with ctx.uow() as uow:
        task = await task_service.complete_task(uow, ctx.user, task_id)
    return Text(f"✅ 已完成：{task.title}")
