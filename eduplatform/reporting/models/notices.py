"""The notice inbox of each org (催报 and task notices) and the outgoing e-mail queue."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db


class Notice(db.Model):
    __tablename__ = "report_notices"
    __table_args__ = (sa.Index("ix_report_notices_org_id_read_at", "org_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the org whose inbox holds it (a school, or a bureau)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    #: set when the notice is for one person only
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: task, reminder, returned, approved, reopened
    kind: Mapped[str] = mapped_column(sa.String(24))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(255), default="")
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_tasks.id", ondelete="CASCADE"),
                                                index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    read_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class MailOutbox(db.Model):
    """E-mail waiting for the SMTP server; written with the notice, sent after commit."""

    __tablename__ = "report_mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    #: pending, sent, failed
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
