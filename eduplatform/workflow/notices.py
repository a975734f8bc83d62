"""The notice inbox (通知): new tasks, reminders, overdue marks, escalations, 催办, outcomes."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.db import utcnow
from eduplatform.extensions import db
from eduplatform.workflow.models import Notice

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
    seen, notices = set(), []
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        notice = Notice(user_id=user.id, kind=kind, title=title[:255], body=body,
                        instance_id=getattr(instance, "id", None), task_id=getattr(task, "id", None))
        db.session.add(notice)
        notices.append(notice)
    return notices


def inbox_query(user, *, unread_only: bool = False):
    query = db.select(Notice).where(Notice.user_id == user.id).order_by(Notice.id.desc())
    if unread_only:
        query = query.where(Notice.read_at.is_(None))
    return query


def unread_count(user) -> int:
    return db.session.scalar(db.select(sa.func.count()).select_from(Notice).where(
        Notice.user_id == user.id, Notice.read_at.is_(None))) or 0


def mark_read(user, notice_ids: list[int] | None = None, *, instance_id: int | None = None) -> int:
    """Mark the user's notices read (the given ids, those about one instance, or all); returns how many."""
    stmt = sa.update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
    if notice_ids is not None:
        stmt = stmt.where(Notice.id.in_(notice_ids))
    if instance_id is not None:
        stmt = stmt.where(Notice.instance_id == instance_id)
    result = db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0
