"""12345: the status pushes written with each change (the outbox); ``letters_hotline`` sends them."""

from __future__ import annotations

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.portal.models.letters import HotlineCallback, Letter

EVENTS = {"received": "已接收", "accepted": "已受理", "replied": "已答复", "closed": "已办结"}


def queue(letter: Letter, event: str) -> None:
    """A status push, written in the caller's transaction (sent after its commit)."""
    payload = {"order_no": letter.hotline_order_no, "event": event, "event_label": EVENTS[event],
               "tracking_code": letter.tracking_code, "at": utcnow().isoformat(timespec="seconds") + "Z"}
    answered = letter.answered
    if event in ("replied", "closed") and answered is not None:
        payload["reply"], payload["replied_on"] = answered.reply, answered.replied_on.isoformat()
        payload["department"] = answered.department.name if answered.department else None
    db.session.add(HotlineCallback(letter=letter, event=event, payload=payload, next_attempt_at=utcnow()))
