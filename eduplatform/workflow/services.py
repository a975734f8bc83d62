"""Editing the working-day calendar (system administrator); each change is audited."""

from __future__ import annotations

from datetime import date

from eduplatform.audit.services import record
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.workflow.models import CalendarDay, DayKind


def calendar_days(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(db.select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)).order_by(CalendarDay.day)))


def set_calendar_day(actor, day: date, kind: DayKind, name: str) -> CalendarDay:
    """Mark ``day`` as a holiday or a make-up working day; replaces what was there."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写名称，例如“春节”或“国庆节调休上班”", fields={"name": ["请填写名称"]})
    if kind == DayKind.WORKDAY and day.weekday() < 5:
        raise ValidationFailed(f"{day.isoformat()} 是工作日（周一至周五），无需设为调休上班",
                               fields={"kind": ["周一至周五本来就是工作日"]})
    row = db.session.get(CalendarDay, day)
    old = (row.kind.value, row.name) if row else None
    if row is None:
        row = CalendarDay(day=day, kind=kind, name=name)
        db.session.add(row)
    row.kind, row.name, row.updated_by_id = kind, name[:64], getattr(actor, "id", None)
    record("workflow", "calendar.set", f"工作日日历：{day.isoformat()} 设为{kind.label}（{name}）", actor=actor,
           object_type="calendar_day", object_id=day.isoformat(),
           data={"old": list(old) if old else None, "new": [kind.value, name]})
    db.session.flush()
    return row


def remove_calendar_day(actor, day: date) -> None:
    row = db.session.get(CalendarDay, day)
    if row is None:
        raise NotFound(f"{day.isoformat()} 不是节假日或调休日")
    record("workflow", "calendar.removed", f"工作日日历：删除 {day.isoformat()}（{row.name}）", actor=actor,
           object_type="calendar_day", object_id=day.isoformat(), data={"old": [row.kind.value, row.name]})
    db.session.delete(row)
    db.session.flush()
