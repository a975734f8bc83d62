"""家校: parents linked to students, the school's invitation codes, class notices with 回执, messages.

A parent (``Role.PARENT``, no org unit) reaches a student only through an active ``ParentLink``; the
link is made by redeeming an ``InviteCode`` the school printed for that student (one-time, expiring,
only its sha256 kept). Notices and threads belong to a class / a student of the school.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db


class InviteCode(db.Model):
    """One invitation code for one student; several may be live at once (several parents)."""

    __tablename__ = "family_invite_codes"
    __audit_type__ = "family_invite_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student_profiles.id", ondelete="CASCADE"), index=True)
    #: sha256 of the normalised code: the code itself is shown once, on the printed slip
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    student = relationship("StudentProfile")


class ParentLink(db.Model):
    """A parent account may see this student (until revoked by the school)."""

    __tablename__ = "family_parent_links"
    __audit_type__ = "family_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student_profiles.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: 与学生关系: 父亲, 母亲, 其他监护人 …
    relation: Mapped[str] = mapped_column(sa.String(16), default="家长")
    code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("family_invite_codes.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)

    parent = relationship("User", foreign_keys=[parent_id])
    student = relationship("StudentProfile")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ClassNotice(db.Model):
    """A notice of the 班主任 to the parents of a class, optionally asking for a 回执."""

    __tablename__ = "family_class_notices"
    __audit_type__ = "family_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_classes.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    needs_receipt: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)

    author = relationship("User")
    school_class = relationship("SchoolClass")


class NoticeReceipt(db.Model):
    """回执: one per notice and student (whichever linked parent acknowledges first), with its time."""

    __tablename__ = "family_notice_receipts"
    __audit_type__ = "family_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("family_class_notices.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student_profiles.id", ondelete="CASCADE"))
    parent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent = relationship("User")

    __table_args__ = (sa.UniqueConstraint("notice_id", "student_id"),)


class MessageThread(db.Model):
    """A parent's conversation with the 班主任 about one child."""

    __tablename__ = "family_threads"
    __audit_type__ = "family_thread"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_classes.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student_profiles.id", ondelete="CASCADE"))
    parent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent = relationship("User")
    student = relationship("StudentProfile")
    messages: Mapped[list[Message]] = relationship(back_populates="thread", order_by="Message.id",
                                                   cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("student_id", "parent_id"),)


class Message(db.Model):
    __tablename__ = "family_messages"
    __audit_type__ = "family_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("family_threads.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    thread: Mapped[MessageThread] = relationship(back_populates="messages")
    sender = relationship("User")
