"""Public holidays and make-up working days (调休), as the State Council announces them each year.

Source for 2026: 《国务院办公厅关于2026年部分节假日安排的通知》, dated 2025-11-04, published by
Xinhua the same day (e.g. politics.gmw.cn/2025-11/04/content_38391083.htm). Every date below was
checked against that text. Its document number (国办发明电〔2025〕…号) was not confirmed from a
primary source, so it is not quoted here. Each break is stored in full (weekend days included) so
the calendar page shows it; only weekdays in it change the arithmetic.

A new year's notice is entered by the system administrator on the calendar page (or the API).
"""

from __future__ import annotations

from datetime import date, timedelta

SOURCE_2026 = "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"


def _span(first: date, last: date, name: str) -> list[tuple[date, str, str]]:
    days = (last - first).days + 1
    return [(first + timedelta(days=i), "holiday", name) for i in range(days)]


#: (day, kind, name): kind "holiday" = 放假, "workday" = 调休上班.
HOLIDAYS: dict[int, list[tuple[date, str, str]]] = {
    2026: [
        *_span(date(2026, 1, 1), date(2026, 1, 3), "元旦"),
        (date(2026, 1, 4), "workday", "元旦调休上班"),
        (date(2026, 2, 14), "workday", "春节调休上班"),
        *_span(date(2026, 2, 15), date(2026, 2, 23), "春节"),
        (date(2026, 2, 28), "workday", "春节调休上班"),
        *_span(date(2026, 4, 4), date(2026, 4, 6), "清明节"),
        *_span(date(2026, 5, 1), date(2026, 5, 5), "劳动节"),
        (date(2026, 5, 9), "workday", "劳动节调休上班"),
        *_span(date(2026, 6, 19), date(2026, 6, 21), "端午节"),
        (date(2026, 9, 20), "workday", "国庆节调休上班"),
        *_span(date(2026, 9, 25), date(2026, 9, 27), "中秋节"),
        *_span(date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
        (date(2026, 10, 10), "workday", "国庆节调休上班"),
    ],
}


def seed_year(year: int, actor=None) -> int:
    """Store the bundled days of ``year`` that are not in the calendar yet; returns how many."""
    from eduplatform.core.extensions import db
    from eduplatform.workflow.models import CalendarDay, DayKind

    added = 0
    for day, kind, name in HOLIDAYS.get(year, []):
        if db.session.get(CalendarDay, day) is None:
            db.session.add(CalendarDay(day=day, kind=DayKind(kind), name=name,
                                       updated_by_id=getattr(actor, "id", None)))
            added += 1
    db.session.flush()
    return added
