"""Working days: Monday to Friday, minus public holidays, plus make-up working days (调休).

Counting follows the usual rule for statutory periods (民法典 Art. 201): the day something arrives
is not counted, so "3 working days" from a Thursday is the third working day after it, and a due
time is the end of that day in China Standard Time (stored, like every time here, as naive UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.workflow.models import CalendarDay, DayKind

END_OF_DAY = time(23, 59, 59)
MORNING = time(9, 0)
#: Refuse arithmetic that would walk past this many days (a calendar with no working day left).
_MAX_SPAN = 3660


class WorkCalendar:
    def __init__(self, exceptions: dict[date, DayKind] | None = None):
        self.exceptions = exceptions or {}

    @classmethod
    def load(cls) -> WorkCalendar:
        """The calendar with every exception stored (a few dozen rows a year)."""
        rows = db.session.execute(db.select(CalendarDay.day, CalendarDay.kind)).all()
        return cls({day: DayKind(kind) for day, kind in rows})

    def is_working_day(self, day: date) -> bool:
        kind = self.exceptions.get(day)
        if kind is not None:
            return kind == DayKind.WORKDAY
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        ``n == 0`` is ``start`` when it is a working day, else the next working day.
        """
        day = start
        if n == 0:
            return self.next_working_day(day, include=True)
        for _ in range(_MAX_SPAN):
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
                if n == 0:
                    return day
        raise ValueError("日历中找不到足够的工作日")

    def subtract_working_days(self, end: date, n: int) -> date:
        """The ``n``-th working day before ``end`` (``end`` itself is not counted); 0 → ``end``."""
        day = end
        for _ in range(_MAX_SPAN):
            if n == 0:
                return day
            day -= timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        raise ValueError("日历中找不到足够的工作日")

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        if include and self.is_working_day(day):
            return day
        return self.add_working_days(day, 1)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many have passed since ``start`` by the end of ``end``."""
        if end <= start:
            return 0
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    # --- with times (naive UTC in, naive UTC out) ------------------------------------------------

    def due_at(self, start: datetime, working_days: int) -> datetime:
        """End of the ``working_days``-th working day after the local day of ``start``."""
        return to_utc(self.add_working_days(local_date(start), working_days), END_OF_DAY)

    def remind_at(self, due: datetime, before_working_days: int) -> datetime:
        """09:00 on the working day ``before_working_days`` before the due day."""
        return to_utc(self.subtract_working_days(local_date(due), before_working_days), MORNING)

    def extend(self, due: datetime, working_days: int) -> datetime:
        return self.due_at(due, working_days)


def local_date(value: datetime) -> date:
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ).date()


def to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def today_local() -> date:
    return local_date(utcnow())

