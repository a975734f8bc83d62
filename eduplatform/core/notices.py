"""The platform's one notice inbox (通知): every domain writes its notices here.

A notice goes to a user, or into an org's inbox (a school's or a bureau's, read by whoever acts for
it), optionally for one user of that org only. ``realm`` names the domain that wrote it (workflow,
reporting, courses …), ``kind`` what it is; ``object_type``/``object_id`` name what it is about (a
process instance, a report task …) and ``task_id`` the to-do it concerns, if any.

The foundation knows no domain: which org's inbox a user reads comes from a registered hook
(``register_inbox_org``), e.g. reporting's "the bureau or school the user acts for".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.memo import per_request
from eduplatform.core.signals import step_taken

BATCH = 1000


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        sa.Index("ix_notices_user_id_read_at", "user_id", "read_at"),
        sa.Index("ix_notices_org_id_read_at", "org_id", "read_at"),
        sa.Index("ix_notices_object_type_object_id", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the domain that wrote it: workflow, reporting, courses …
    realm: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(32))
    #: the org whose inbox holds it (None: the user's own inbox)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id", ondelete="CASCADE"))
    #: the recipient; with ``org_id`` set: only this user of the org's inbox reads it
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(255), default="")
    #: what it is about, e.g. ("process_instance", 12) or ("report_task", 3)
    object_type: Mapped[str | None] = mapped_column(sa.String(32))
    object_id: Mapped[int | None] = mapped_column()
    #: the to-do (work item) it concerns, if any
    task_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    read_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


# --- what each domain's notices are called, and where they lead -----------------------------------

@dataclass(frozen=True)
class NoticeRealm:
    """A domain's part of the inbox: its name on the 通知 page, its kinds' names, and where a notice
    leads when it carries no ``link`` of its own (e.g. the process instance it is about)."""

    code: str
    label: str
    kind_labels: dict[str, str] = field(default_factory=dict)
    link_for: Callable[[Notice], str | None] | None = None


_registered: dict[str, NoticeRealm] = {}


def register_realm(realm: NoticeRealm) -> None:
    _registered[realm.code] = realm


def realms() -> list[NoticeRealm]:
    return list(_registered.values())


def realm_of(code: str) -> NoticeRealm:
    return _registered.get(code) or NoticeRealm(code, code)


def kind_label(notice: Notice) -> str:
    return realm_of(notice.realm).kind_labels.get(notice.kind, notice.kind)


def link_of(notice: Notice) -> str | None:
    """Where opening the notice leads: its own link, else its domain's page for what it is about."""
    if notice.link:
        return notice.link
    realm = realm_of(notice.realm)
    return realm.link_for(notice) if realm.link_for is not None else None


# --- which org inbox a user reads -----------------------------------------------------------------

_inbox_org: Callable[[object], object | None] | None = None


def register_inbox_org(resolver: Callable[[object], object | None]) -> None:
    """The hook that says which org's inbox a user reads (an object with ``id``, or None)."""
    global _inbox_org
    _inbox_org = resolver


def inbox_org_id(user) -> int | None:
    if _inbox_org is None:
        return None
    org = _inbox_org(user)
    return getattr(org, "id", None)


# --- writing --------------------------------------------------------------------------------------

def _subject(obj, object_type, object_id):
    if obj is not None:
        return object_type or getattr(obj, "__tablename__", None), getattr(obj, "id", None)
    return object_type, object_id


def notify(realm: str, kind: str, title: str, *, users: Iterable = (), org=None, user=None, body: str = "",
           link: str = "", obj=None, object_type: str | None = None, object_id: int | None = None,
           task=None) -> list[Notice]:
    """Put a notice in each user's own inbox (once per user, even if listed twice), or — with ``org``
    — one notice in that org's inbox (for ``user`` only when given)."""
    object_type, object_id = _subject(obj, object_type, object_id)
    common = {"realm": realm, "kind": kind, "title": title[:255], "body": body, "link": link,
              "object_type": object_type, "object_id": object_id, "task_id": getattr(task, "id", None)}
    if org is not None:
        notice = Notice(org_id=org.id, user_id=getattr(user, "id", None), **common)
        db.session.add(notice)
        return [notice]
    seen, notices = set(), []
    for one in users:
        if one is None or one.id in seen:
            continue
        seen.add(one.id)
        notice = Notice(user_id=one.id, **common)
        db.session.add(notice)
        notices.append(notice)
    return notices


def notify_orgs(realm: str, kind: str, title: str, org_ids: list[int], *, body: str = "", link: str = "",
                object_type: str | None = None, object_id: int | None = None) -> int:
    """The same notice into many org inboxes at once (bulk insert); returns how many."""
    now = utcnow()
    rows = [{"realm": realm, "kind": kind, "org_id": org_id, "user_id": None, "title": title[:255],
             "body": body, "link": link, "object_type": object_type, "object_id": object_id, "task_id": None,
             "created_at": now} for org_id in org_ids]
    for start in range(0, len(rows), BATCH):
        db.session.execute(Notice.__table__.insert(), rows[start:start + BATCH])
    return len(rows)


# --- reading --------------------------------------------------------------------------------------

def _realms(realm) -> tuple[str, ...] | None:
    if realm is None:
        return None
    return (realm,) if isinstance(realm, str) else tuple(realm)


def _mine(user, *, realm=None):
    """The condition "this notice is in the user's inboxes" (own ones and their org's)."""
    own = sa.and_(Notice.org_id.is_(None), Notice.user_id == user.id)
    org_id = inbox_org_id(user)
    cond = own if org_id is None else sa.or_(
        own, sa.and_(Notice.org_id == org_id, sa.or_(Notice.user_id.is_(None), Notice.user_id == user.id)))
    realms = _realms(realm)
    if realms is not None:
        cond = sa.and_(Notice.realm.in_(realms), cond)
    return cond


def inbox_query(user, *, realm=None, unread_only: bool = False):
    """The user's own notices and their org inbox's, newest first (``realm``: one domain's, or several)."""
    query = sa.select(Notice).where(_mine(user, realm=realm)).order_by(Notice.created_at.desc(), Notice.id.desc())
    if unread_only:
        query = query.where(Notice.read_at.is_(None))
    return query


def unread_count(user, *, realm=None) -> int:
    """The user's unread notices (the top bar, the 工作台 and the inbox ask: counted once a request)."""
    key = ("notices.unread", user.id, tuple(realm) if isinstance(realm, list | tuple | set | frozenset) else realm)
    return per_request(key, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Notice).where(
        _mine(user, realm=realm), Notice.read_at.is_(None))) or 0)


def can_read(user, notice: Notice) -> bool:
    if notice.org_id is None:
        return notice.user_id == user.id
    return notice.org_id == inbox_org_id(user) and notice.user_id in (None, user.id)


def mark_read(user, notice_ids: list[int] | None = None, *, realm=None, object_type: str | None = None,
              object_id: int | None = None) -> int:
    """Mark the user's unread notices read (the given ids, those about one object, or all); how many."""
    stmt = sa.update(Notice).where(_mine(user, realm=realm), Notice.read_at.is_(None))
    if notice_ids is not None:
        stmt = stmt.where(Notice.id.in_(notice_ids))
    if object_type is not None:
        stmt = stmt.where(Notice.object_type == object_type, Notice.object_id == object_id)
    result = db.session.execute(stmt.values(read_at=utcnow(), read_by_id=user.id)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def mark_one_read(user, notice: Notice) -> None:
    if notice.read_at is None:
        notice.read_at = utcnow()
        notice.read_by_id = user.id
        db.session.flush()


@step_taken.connect
def _send_step_notices(sender, *, step) -> None:
    """A process step's notices, sent once (the engine's, or those of the domain that owns it)."""
    for tell in step.notices:
        tell()
