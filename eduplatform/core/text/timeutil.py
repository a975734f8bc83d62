"""Dates in and out: users speak Asia/Shanghai local time; the database stores naive UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from eduplatform.core.templating import LOCAL_TZ


class BadDate(ValueError):
    pass


def parse_local_datetime(value, *, end_of_day: bool = True) -> datetime:
    """'2026-10-15', '2026-10-15 17:00', '2026-10-15T17:00' or ISO with offset → naive UTC.

    A bare date means the end of that day in local time: 截止 10 月 15 日 includes the 15th.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59, 59) if end_of_day else time(0, 0))
    else:
        text = str(value or "").strip().replace("/", "-")
        if not text:
            raise BadDate("请填写日期时间")
        try:
            if len(text) <= 10:
                day = date.fromisoformat(text)
                moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0))
            else:
                moment = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError as exc:
            raise BadDate("日期时间格式应为 2026-10-15 或 2026-10-15 17:00") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC).replace(tzinfo=None)


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def local_input_value(value: datetime | None) -> str:
    """For <input type="datetime-local">."""
    local = to_local(value)
    return local.strftime("%Y-%m-%dT%H:%M") if local else ""


def iso(value: datetime | None) -> str | None:
    """Naive UTC → ISO 8601 with the +08:00 offset the users read."""
    local = to_local(value)
    return local.isoformat(timespec="seconds") if local else None
