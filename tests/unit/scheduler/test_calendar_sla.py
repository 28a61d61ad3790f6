"""Time travel on the business calendar: holidays and 调休 from chinese_calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm_core.policies.calendar import BusinessCalendar
from crm_core.policies.sla import (
    CLAIM,
    FIRST_CONTACT,
    RulePolicy,
    breach_key,
    deadline,
    due_level,
    escalation_target,
    next_check,
    overdue,
    pick_policy,
    remaining,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar()            # 09:00–12:00, 13:30–18:00
GOLDEN = RulePolicy(FIRST_CONTACT, (4.0, 8.0, 16.0), business=True)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_friday_before_qingming_breaches_on_tuesday_not_saturday() -> None:
    # Fri 2026-04-03 17:00; 4–6 April (Sat–Mon) is 清明 → 1 h on Friday + 3 h on Tuesday.
    assigned = at(2026, 4, 3, 17)
    due = deadline(GOLDEN, assigned, 1, CAL)
    assert due == at(2026, 4, 7, 12)
    for probe in (at(2026, 4, 4, 12), at(2026, 4, 6, 23, 59), at(2026, 4, 7, 11, 59)):
        assert due_level(GOLDEN, assigned, probe, CAL) == 0
    assert due_level(GOLDEN, assigned, at(2026, 4, 7, 12), CAL) == 1
    assert CAL.between(assigned, at(2026, 4, 7, 12)) == timedelta(hours=4)


def test_adjusted_working_sunday_counts() -> None:
    # Fri 2025-09-26 17:00; Sun 2025-09-28 is a 调休 working day before National Day.
    assert CAL.is_workday(date(2025, 9, 28))
    assert not CAL.is_workday(date(2025, 9, 27))
    assert deadline(GOLDEN, at(2025, 9, 26, 17), 1, CAL) == at(2025, 9, 28, 12)


def test_adjusted_working_saturday_counts() -> None:
    # Sat 2026-02-14 is a working day (春节调休); Fri 2026-02-13 17:00 + 4 bh → Sat 12:00.
    assert CAL.is_workday(date(2026, 2, 14))
    assert deadline(GOLDEN, at(2026, 2, 13, 17), 1, CAL) == at(2026, 2, 14, 12)


def test_lunch_break_and_after_hours_start() -> None:
    assert CAL.add(at(2026, 3, 2, 11), timedelta(hours=2)) == at(2026, 3, 2, 14, 30)
    # assigned at 22:00 on a Monday: the clock starts at 09:00 on Tuesday
    assert CAL.add(at(2026, 3, 2, 22), timedelta(hours=4)) == at(2026, 3, 3, 14, 30)
    assert not CAL.is_open(at(2026, 3, 2, 12, 30))
    assert CAL.is_open(at(2026, 3, 2, 13, 30))


def test_national_day_week() -> None:
    # 2026-09-30 (Wed) 16:00: 2 h left that day, then 1–7 Oct off, Sat 10 Oct works.
    assert deadline(GOLDEN, at(2026, 9, 30, 16), 1, CAL) == at(2026, 10, 8, 11)


def test_team_hours_and_extra_days_from_config() -> None:
    cfg = {"hours": [["09:00", "18:00"]], "extra_holidays": ["2026-03-09"],
           "teams": {"7": {"hours": [["08:00", "20:00"]]}}}
    cal = BusinessCalendar.from_config(cfg)
    assert not cal.is_workday(date(2026, 3, 9))
    assert cal.add(at(2026, 3, 6, 17), timedelta(hours=4)) == at(2026, 3, 10, 12)
    # and the official 调休 Saturday still works
    assert cal.add(at(2026, 2, 27, 17), timedelta(hours=4)) == at(2026, 2, 28, 12)
    team = BusinessCalendar.from_config(cfg, team_id=7)
    assert team.add(at(2026, 3, 3, 18), timedelta(hours=4)) == at(2026, 3, 4, 10)
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar.from_config({"hours": [["09:00", "12:00"], ["11:00", "13:00"]]})


def test_year_without_data_falls_back_to_weekdays() -> None:
    assert CAL.is_workday(date(2031, 3, 3))        # Monday
    assert not CAL.is_workday(date(2031, 3, 1))    # Saturday


def test_naive_datetimes_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        CAL.add(datetime(2026, 3, 2, 9), timedelta(hours=1))


def test_levels_next_check_and_overdue_fire_each_level_once() -> None:
    a = at(2026, 3, 2, 9)                     # Monday
    assert next_check(GOLDEN, a, 0, CAL) == at(2026, 3, 2, 14, 30)
    assert next_check(GOLDEN, a, 3, CAL) is None
    late = at(2026, 3, 10, 9)
    breaches = overdue([(1, a), (2, None)], GOLDEN, late, CAL)
    assert [b.level for b in breaches] == [1, 2, 3]
    assert overdue([(1, a)], GOLDEN, late, CAL, fired={1: 3}) == []
    assert [b.level for b in overdue([(1, a)], GOLDEN, late, CAL, fired={1: 1})] == [2, 3]
    assert len({breach_key(b.rule, 1, a, b.level) for b in breaches}) == 3


def test_remaining_business_time() -> None:
    a = at(2026, 4, 3, 17)
    assert remaining(GOLDEN, a, at(2026, 4, 4, 10), CAL) == timedelta(hours=3)
    assert remaining(GOLDEN, a, at(2026, 4, 7, 14, 0), CAL) == -timedelta(minutes=30)


def test_policy_choice_most_specific() -> None:
    team = RulePolicy(FIRST_CONTACT, (2.0,), business=True, team_id=3)
    team_a = RulePolicy(FIRST_CONTACT, (1.0,), business=True, team_id=3, grade="A")
    pols = [team, team_a]
    assert pick_policy(pols, FIRST_CONTACT, team_id=3, grade="A") is team_a
    assert pick_policy(pols, FIRST_CONTACT, team_id=3, grade="B") is team
    default = pick_policy(pols, FIRST_CONTACT, team_id=4)
    assert default is not None
    assert default.levels_hours == (4.0, 8.0, 16.0)
    assert pick_policy(pols, CLAIM) is not None
    with pytest.raises(ValueError, match="increasing"):
        RulePolicy(FIRST_CONTACT, (4.0, 2.0))


def test_escalation_targets() -> None:
    assert escalation_target(1, 10, [20, 30]) == 10
    assert escalation_target(2, 10, [20, 30]) == 20
    assert escalation_target(3, 10, [20, 30]) == 30
    assert escalation_target(3, 10, [20]) == 20
    assert escalation_target(2, 10, []) is None
