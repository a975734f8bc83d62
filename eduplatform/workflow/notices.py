"""The notice inbox (通知): new tasks, reminders, overdue marks, escalations, 催办, outcomes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
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


# --- one 通知 across domains ---------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeItem:
    """A notice as the top bar, the home cards and the 通知 page show it, whichever inbox holds it."""

    title: str
    created_at: datetime
    unread: bool
    url: str | None
    label: str = ""


@dataclass(frozen=True)
class NoticeSource:
    """Another domain's inbox (e.g. the school's 数据填报 notices, kept per unit): its unread count joins
    the top bar's, its newest items join the home cards, and the 通知 page shows it with a link."""

    name: str
    label: str
    endpoint: str
    unread_count: Callable[[object], int]
    recent: Callable[[object, int], list[NoticeItem]]


_SOURCES: dict[str, NoticeSource] = {}


def register_notice_source(source: NoticeSource) -> None:
    _SOURCES[source.name] = source


def notice_sources() -> list[NoticeSource]:
    return list(_SOURCES.values())


def _own_items(user, limit: int) -> list[NoticeItem]:
    from flask import url_for

    return [NoticeItem(n.title, n.created_at, n.read_at is None,
                       url_for("workflow.instance_detail", instance_id=n.instance_id) if n.instance_id else None,
                       KIND_LABELS.get(n.kind, n.kind))
            for n in db.session.scalars(inbox_query(user).limit(limit))]


def recent_notices(user, limit: int = 5) -> list[NoticeItem]:
    """The newest notices from every inbox the user reads, newest first."""
    items = _own_items(user, limit)
    for source in notice_sources():
        items.extend(source.recent(user, limit))
    return sorted(items, key=lambda item: item.created_at, reverse=True)[:limit]


def total_unread(user) -> int:
    return unread_count(user) + sum(source.unread_count(user) for source in notice_sources())


def source_summaries(user, limit: int = 5) -> list[tuple[NoticeSource, int, list[NoticeItem]]]:
    """Each other inbox with its unread count and newest items, for the 通知 page (empty ones left out)."""
    summaries = []
    for source in notice_sources():
        recent = source.recent(user, limit)
        if recent:
            summaries.append((source, source.unread_count(user), recent))
    return summaries
