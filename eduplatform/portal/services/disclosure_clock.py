"""The statutory clock of 依申请公开 (《政府信息公开条例》 2019), on the platform's working-day calendar.

Every figure counts working days, the day itself not counted; a due day ends at 23:59:59 China time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from eduplatform import workflow
from eduplatform.core.db import utcnow
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.portal.models.disclosure import DisclosureRequest

ANSWER_DAYS = 20          # Art. 33 ¶1
MAX_EXTENSION_DAYS = 20   # Art. 33 ¶2
CORRECTION_WINDOW = 7     # Art. 30
THIRD_PARTY_DAYS = 15     # Art. 32
_MAX_SPAN = 3660


def today_local() -> date:
    return utcnow().replace(tzinfo=UTC).astimezone(LOCAL_TZ).date()


def end_of_day_utc(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def calendar() -> workflow.WorkCalendar:
    return workflow.WorkCalendar.load()


# --- the clock ---------------------------------------------------------------------------------

def excluded_spans(request: DisclosureRequest) -> list[tuple[date, date]]:
    """(first excluded day - 1, last excluded day) of each third-party pause: an open pause is taken
    to last its full 15 days; a late answer does not stop the clock beyond the third party's last day."""
    spans = []
    for pause in request.pauses:
        end = min(pause.ended_on or pause.third_party_due_on, pause.third_party_due_on)
        spans.append((pause.started_on, end))
    return spans


def count_forward(cal, start: date, days: int, spans: list[tuple[date, date]] = ()) -> date:
    """The ``days``-th working day after ``start`` that lies in no excluded span (s, e]."""
    day, left = start, days
    for _ in range(_MAX_SPAN):
        if left == 0:
            return day
        day += timedelta(days=1)
        if cal.is_working_day(day) and not any(s < day <= e for s, e in spans):
            left -= 1
    raise ValidationFailed("日历中找不到足够的工作日，请先维护工作日日历", code="calendar_short")


def compute_due(request: DisclosureRequest, cal=None) -> date:
    cal = cal or calendar()
    return count_forward(cal, request.clock_start_on, ANSWER_DAYS + (request.extension_days or 0),
                         excluded_spans(request))


def correction_deadline(request: DisclosureRequest, cal=None) -> date:
    """The last day a 补正 notice may be sent: 7 working days after receipt."""
    return (cal or calendar()).add_working_days(request.received_on, CORRECTION_WINDOW)


def working_days_left(request: DisclosureRequest, today: date | None = None, cal=None) -> int | None:
    """Working days from today to the due day (0: due today; negative: overdue by that many)."""
    if request.due_on is None or request.is_finished:
        return None
    return working_days_to(request.due_on, today, cal)


def working_days_to(due_on: date, today: date | None = None, cal=None) -> int:
    """Working days from today to ``due_on``: 0 due today, negative overdue by that many.

    Past its day a case is overdue by at least one working day, also on the weekend or holiday
    right after it (when no further working day has passed yet)."""
    cal, today = cal or calendar(), today or today_local()
    if due_on >= today:
        return cal.working_days_between(today, due_on)
    return -max(1, cal.working_days_between(due_on, today))
