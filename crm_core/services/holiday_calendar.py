"""Next year's holiday calendar: the admins reminded in December when it is missing."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from crm_core.models import User
from crm_core.policies import holidays
from crm_core.services.catalog import holiday_table
from crm_core.services.sla import notify_many
from crm_core.uow import UnitOfWork


async def remind_missing_calendar(uow: UnitOfWork) -> int:
    """From 1 December: when next year's holidays are in neither `chinese_calendar` nor the
    admin's table, each active admin is reminded — on 1 December and every Monday after,
    once a day at most (dedupe key per admin and day). Returns reminders queued."""
    today = uow.now.astimezone(uow.clock.tz).date()
    if today.month != 12 or not (today.day == 1 or today.weekday() == 0):
        return 0
    year = today.year + 1
    if not holidays.year_missing(year, await holiday_table(uow)):
        return 0
    admins = (await uow.session.execute(select(col(User.id)).where(
        col(User.role) == "admin", col(User.active).is_(True)))).scalars().all()
    return await notify_many(uow, [
        ("holidays.missing", int(a), {"year": year},
         f"holidays.missing:{year}:{a}:{today.isoformat()}") for a in admins])
