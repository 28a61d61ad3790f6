"""待办: a rep's tasks by day; completing one."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from crm_core.errors import NotFound
from crm_core.models import Customer, Task, User
from crm_core.services import access
from crm_core.uow import UnitOfWork, snapshot


async def todo(
    uow: UnitOfWork, user: User, *, day: date | None = None, include_overdue: bool = True,
    limit: int = 15, offset: int = 0,
) -> list[tuple[Task, str | None]]:
    """Open tasks due on `day` (default: today) and, before them, the overdue ones."""
    q = _todo_query(uow, user, day, include_overdue)
    q = q.order_by(col(Task.due_at).is_(None), col(Task.due_at), col(Task.id))
    return [(t, n) for t, n in (await uow.session.execute(q.offset(offset).limit(limit))).all()]


async def count_todo(uow: UnitOfWork, user: User, *, day: date | None = None,
                     include_overdue: bool = True) -> int:
    """How many tasks `todo` finds in all (lists show the true total)."""
    q = _todo_query(uow, user, day, include_overdue).with_only_columns(func.count(col(Task.id)))
    return int((await uow.session.execute(q)).scalar_one())


def _todo_query(uow: UnitOfWork, user: User, day: date | None, include_overdue: bool) -> Any:
    d = day or uow.now.date()
    start = datetime(d.year, d.month, d.day, tzinfo=uow.clock.tz)
    end = start + timedelta(days=1)
    q = (select(Task, col(Customer.name))
         .join(Customer, col(Customer.id) == col(Task.customer_id), isouter=True)
         .where(col(Task.owner_id) == user.id, col(Task.status) == "open"))
    if include_overdue:
        return q.where((col(Task.due_at) < end) | col(Task.due_at).is_(None))
    return q.where(col(Task.due_at) >= start, col(Task.due_at) < end)


async def complete_task(uow: UnitOfWork, user: User, task_id: int) -> Task:
    task = await uow.session.get(Task, task_id)
    if task is None:
        raise NotFound(f"task {task_id}", f"没有待办 #T{task_id}")
    await access.authorize(uow, user, "act", task, "这不是你的待办")
    if task.status != "open":
        return task
    before = snapshot(task)
    task.status, task.done_at = "done", uow.now
    uow.add(task)
    uow.audit("task.done", "task", task.id, before=before, after=snapshot(task))
    await uow.commit()
    return task
