"""Holidays (issue 15, item 6): the admin's holiday and 调休 table overrides the library for
the SLA calendar and for reading dates in notes (one table); bad tables refused with the old
one kept; from 1 December the admins are reminded when next year is missing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from crm_core.errors import InvalidInput
from crm_core.models import OutboxMessage
from crm_core.policies import holidays
from crm_core.policies.calendar import BusinessCalendar
from crm_core.services import admin as svc
from crm_core.services import holiday_calendar
from crm_core.services.catalog import calendar_config, catalog_data, get_config
from tests.integration.stages.conftest import Demo

TABLE = {"breaks": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
                    {"name": "春节", "start": "2027-02-05", "end": "2027-02-11"}],
         "workdays": ["2027-02-14"]}


async def _set(demo: Demo, value: object) -> None:
    admin = demo["linxiao"]
    async with demo.uow(admin) as uow:
        p = await svc.change_config(uow, admin, holidays.KEY, value)
    async with demo.uow(admin) as uow:
        await svc.apply(uow, admin, p)
        await uow.commit()


async def test_the_table_feeds_the_sla_calendar_and_the_notes(demo: Demo) -> None:
    async with demo.uow() as uow:
        cal = BusinessCalendar.from_config(await calendar_config(uow))
    assert cal.is_workday(date(2027, 1, 1))          # the library has no 2027: a Friday
    await _set(demo, TABLE)
    async with demo.uow() as uow:
        cal = BusinessCalendar.from_config(await calendar_config(uow))
        data = await catalog_data(uow)
    assert not cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 2, 8))
    assert cal.is_workday(date(2027, 2, 14))          # a Sunday worked in lieu
    assert data["holidays"][0] == {"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}
    assert data["workdays"] == ["2027-02-14"]
    # the NLP reads "节后" with the same table: the first working day after 元旦 2027
    from nlp import parse_when
    from nlp.holidays import HolidayCalendar
    from nlp.types import Catalog

    cat = Catalog.from_dict(data)
    when = parse_when("元旦后", datetime(2026, 12, 20, 10, tzinfo=cal.tz),
                      HolidayCalendar(cat.holidays, cat.workdays))
    assert when.date == date(2027, 1, 4)


@pytest.mark.parametrize(("bad", "why"), [
    ({"breaks": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
                 {"name": "补假", "start": "2027-01-03", "end": "2027-01-04"}]}, "日期重叠"),
    ({"breaks": [{"name": "元旦", "start": "2027-01-03", "end": "2027-01-01"}]}, "早于开始"),
    ({"breaks": [{"name": "元旦", "start": "2027-13-01"}]}, "不是日期"),
    ({"breaks": [{"name": "春节", "start": "2027-02-05", "end": "2027-02-11"}],
      "workdays": ["2027-02-07"]}, "在「春节」假期里"),
])
async def test_bad_tables_are_refused_and_the_old_one_kept(demo: Demo, bad: object,
                                                           why: str) -> None:
    await _set(demo, TABLE)
    admin = demo["linxiao"]
    async with demo.uow(admin) as uow:
        with pytest.raises(InvalidInput) as e:
            await svc.change_config(uow, admin, holidays.KEY, bad)
        assert why in e.value.user_message
        assert "原设置不变" in e.value.user_message
        assert await get_config(uow, holidays.KEY) == TABLE


async def test_admins_reminded_from_december_when_next_year_is_missing(demo: Demo) -> None:
    demo.clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=demo.clock.tz))
    async with demo.uow() as uow:
        assert await holiday_calendar.remind_missing_calendar(uow) == 0
    demo.clock.set(datetime(2026, 12, 1, 9, 30, tzinfo=demo.clock.tz))
    async with demo.uow() as uow:
        n = await holiday_calendar.remind_missing_calendar(uow)
        again = await holiday_calendar.remind_missing_calendar(uow)   # same day: nothing new
        await uow.commit()
    assert n >= 1
    assert again == 0
    async with demo.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "holidays.missing"))).scalars().all()
    assert {r.recipient_id for r in rows} == {demo["linxiao"].id}
    assert rows[0].payload == {"year": 2027}
    await _set(demo, TABLE)                           # the admin added 2027: no more reminders
    demo.clock.set(datetime(2026, 12, 7, 9, 30, tzinfo=demo.clock.tz))
    async with demo.uow() as uow:
        assert await holiday_calendar.remind_missing_calendar(uow) == 0
