"""Report tasks: what a bureau asks of its schools, by when; a district may pass a task down."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting.models.templates import TemplateVersion


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"open": "进行中", "closed": "已关闭"}[self.value]


class ReportTask(TimestampMixin, db.Model):
    """A task issued by a bureau; with ``parent_id`` it is a district's pass-down of a city task.

    Two dates, as DHIS2 keeps them: ``due_at`` is the on-time date (what counts as timely) and
    ``lock_at`` closes entry. A pass-down carries the district's own (earlier) dates and
    instructions; the submissions stay on the root task, pointing at the pass-down through
    ``Submission.via_task_id``.
    """

    __tablename__ = "report_tasks"
    __audit_type__ = "report_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Reporting period, e.g. "2026" or "2026-2027学年" (the ``period`` of bulk exchange).
    period: Mapped[str] = mapped_column(sa.String(40))
    template_version_id: Mapped[int] = mapped_column(sa.ForeignKey("report_template_versions.id"), index=True)
    issuer_org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_tasks.id"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    due_at: Mapped[datetime] = mapped_column()
    lock_at: Mapped[datetime] = mapped_column()
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN)
    #: How the targets were chosen: {"subtrees": [...], "stages": [...], "schools": [...], "exclude": [...]}.
    target_rule: Mapped[dict] = mapped_column(default=dict)
    target_count: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    template_version: Mapped[TemplateVersion] = relationship(lazy="joined")
    issuer_org: Mapped[OrgUnit] = relationship(lazy="joined")
    parent: Mapped[ReportTask | None] = relationship(remote_side=[id], back_populates="pass_downs")
    pass_downs: Mapped[list[ReportTask]] = relationship(back_populates="parent")
    attachments: Mapped[list[TaskAttachment]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskAttachment.id")

    def __repr__(self) -> str:
        return f"<ReportTask {self.id} {self.title}>"

    @property
    def root(self) -> ReportTask:
        return self.parent if self.parent is not None else self

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN


class TaskAttachment(db.Model):
    __tablename__ = "report_task_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("report_tasks.id", ondelete="CASCADE"), index=True)
    stored_file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))

    task: Mapped[ReportTask] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(lazy="joined")
