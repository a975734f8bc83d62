"""Working days across 2026's holidays and make-up working days (调休), seeded by the migration."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from eduplatform.workflow.calendar import WorkCalendar
from eduplatform.workflow.models import CalendarDay


@pytest.fixture
def cal(app):
    return WorkCalendar.load()


def test_2026_is_seeded_from_the_state_council_notice(cal):
    assert not cal.is_working_day(date(2026, 10, 1))   # 国庆节
    assert not cal.is_working_day(date(2026, 2, 16))   # 春节, a Monday
    assert cal.is_working_day(date(2026, 9, 20))       # Sunday, 调休上班
    assert cal.is_working_day(date(2026, 10, 10))      # Saturday, 调休上班
    assert cal.is_working_day(date(2026, 2, 14)) and cal.is_working_day(date(2026, 2, 28))
    assert cal.is_working_day(date(2026, 1, 4)) and cal.is_working_day(date(2026, 5, 9))
    assert not cal.is_working_day(date(2026, 6, 19))   # 端午节, a Friday
    assert not cal.is_working_day(date(2026, 11, 28))  # an ordinary Saturday
    assert cal.is_working_day(date(2026, 11, 25))      # an ordinary Wednesday


def test_counting_across_the_national_day_and_its_make_up_days(cal):
    # Thu 24 Sep: Fri 25 – Sun 27 中秋, Mon 28, Tue 29, Wed 30, then 1–7 Oct 国庆, Thu 8, Fri 9, Sat 10 (调休).
    assert cal.add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)
    assert cal.add_working_days(date(2026, 9, 24), 3) == date(2026, 9, 30)
    assert cal.add_working_days(date(2026, 9, 24), 4) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 9, 24), 6) == date(2026, 10, 10)
    assert cal.add_working_days(date(2026, 9, 24), 7) == date(2026, 10, 12)
    # Sat 19 Sep → Sun 20 is a working day.
    assert cal.add_working_days(date(2026, 9, 19), 1) == date(2026, 9, 20)
    assert cal.working_days_between(date(2026, 9, 24), date(2026, 10, 12)) == 7


def test_twenty_working_days_over_spring_festival(cal):
    # 信息公开: 20 working days from a request received on Mon 2 Feb 2026 (the day itself not counted).
    assert cal.add_working_days(date(2026, 2, 2), 20) == date(2026, 3, 6)
    plain = WorkCalendar()  # weekends only: two weeks earlier
    assert plain.add_working_days(date(2026, 2, 2), 20) == date(2026, 3, 2)


def test_zero_days_and_counting_back(cal):
    assert cal.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 10, 8), 0) == date(2026, 10, 8)
    assert cal.subtract_working_days(date(2026, 10, 8), 1) == date(2026, 9, 30)
    assert cal.subtract_working_days(date(2026, 10, 12), 1) == date(2026, 10, 10)


def test_due_times_are_the_end_of_the_working_day_in_china(cal):
    # 2026-09-24 10:00 Beijing = 02:00 UTC; 3 working days → end of Wed 30 Sep, Beijing time.
    due = cal.due_at(datetime(2026, 9, 24, 2, 0), 3)
    assert due == datetime(2026, 9, 30, 15, 59, 59)
    # 23:30 Beijing on Sep 24 is 15:30 UTC the same day; 01:00 Beijing on Sep 25 is still Sep 24 UTC.
    assert cal.due_at(datetime(2026, 9, 24, 17, 0), 1) == cal.due_at(datetime(2026, 9, 25, 2, 0), 1)
    remind = cal.remind_at(due, 1)
    assert remind == datetime(2026, 9, 29, 1, 0)  # 09:00 Beijing the working day before


def test_an_admin_change_applies_at_once(cal, app):
    from eduplatform.core.extensions import db

    db.session.add(CalendarDay(day=date(2026, 12, 31), kind="holiday", name="临时调整"))
    db.session.flush()
    assert WorkCalendar.load().add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 1)
    assert cal.add_working_days(date(2026, 12, 30), 1) == date(2026, 12, 31)  # the old snapshot
