"""The notice inbox (通知): new tasks, reminders, overdue marks, escalations, 催办, outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eduplatform.core import notices as inbox
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice

#: the realms whose notices this (the person's own) inbox shows: the engine's and the courses'
REALMS = ("workflow", "courses")
INSTANCE = "process_instance"

KIND_LABELS = {
    "task": "新待办",
    "reminder": "到期提醒",
    "overdue": "逾期",
    "escalated": "督办",
    "chase": "催办",
    "returned": "退回",
    "completed": "办结",
    "cancelled": "撤销",
    "deadline": "办理时限",
}


def notify(users, kind: str, title: str, *, body: str = "", instance=None, task=None) -> list[Notice]:
    """Put a notice in each user's inbox (once per user, even if listed twice)."""
    return inbox.notify("workflow", kind, title, users=users, body=body, task=task,
                        object_type=INSTANCE if instance is not None else None,
                        object_id=getattr(instance, "id", None))


def inbox_query(user, *, unread_only: bool = False):
    return inbox.inbox_query(user, realm=REALMS, unread_only=unread_only)


def unread_count(user) -> int:
    return inbox.unread_count(user, realm=REALMS)


def mark_read(user, notice_ids: list[int] | None = None, *, instance_id: int | None = None) -> int:
    """Mark the user's notices read (the given ids, those about one instance, or all); returns how many."""
    return inbox.mark_read(user, notice_ids, realm=REALMS,
                           object_type=INSTANCE if instance_id is not None else None, object_id=instance_id)


# --- one 通知 across domains ---------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeItem:
    """A notice as the top bar, the home cards and the 通知 page show it, whichever inbox holds it."""

    title: str
    created_at: datetime
    unread: bool
    url: str | None
    label: str = ""


def recent_notices(user, limit: int = 5) -> list[NoticeItem]:
    """The newest notices of every domain the user reads (the home and school-portal cards)."""
    return [NoticeItem(n.title, n.created_at, n.read_at is None, inbox.link_of(n), inbox.kind_label(n))
            for n in db.session.scalars(inbox.inbox_query(user).limit(limit))]


def total_unread(user) -> int:
    return inbox.unread_count(user)
