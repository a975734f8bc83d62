"""A school's answer to a task: one values document per submission, its numbers packed beside it.

``Submission.data`` holds the whole form (what the school sees and edits); ``Submission.numbers``
packs every aggregatable number of it as float64 in the template version's key order (NaN for a
blank), so aggregating 5,000 schools is reading 5,000 small blobs and a few array reductions;
``ValueChange`` is the value history. All are written in one transaction: a failed save leaves
the last good draft as it was.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import enum_column, utcnow
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting.models.tasks import ReportTask


class SubmissionStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    #: waiting for the first review level (the district, or the issuer when there is no district)
    SUBMITTED = "submitted"
    #: approved by the district, waiting for the issuing city bureau
    DISTRICT_APPROVED = "district_approved"
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    SubmissionStatus.NOT_STARTED: "未填报",
    SubmissionStatus.DRAFT: "草稿",
    SubmissionStatus.SUBMITTED: "已上报待审核",
    SubmissionStatus.DISTRICT_APPROVED: "区县已通过待市级审核",
    SubmissionStatus.APPROVED: "审核通过",
    SubmissionStatus.RETURNED: "已退回",
}
#: statuses in which the school holds the form (may edit when not locked)
SCHOOL_HOLDS = frozenset({SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED})
#: statuses that count as reported (with the reviewers or approved)
REPORTED = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.DISTRICT_APPROVED,
                      SubmissionStatus.APPROVED})


class Submission(db.Model):
    __tablename__ = "report_submissions"
    __audit_type__ = "report_submission"
    __table_args__ = (
        sa.UniqueConstraint("task_id", "school_id"),
        sa.Index("ix_report_submissions_task_id_district_id_status", "task_id", "district_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the root task (the city's, even when a district passed it down)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("report_tasks.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: the district bureau above the school (None for schools directly under the city)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    #: the district's pass-down the school received the task through (its dates apply)
    via_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_tasks.id"), index=True)
    #: the school's 学段 when the task was issued, e.g. "junior,primary" (grouping key)
    stage_key: Mapped[str] = mapped_column(sa.String(64), default="")
    #: the school's 办学类型 (school profile) when the task was issued, None when not recorded
    school_type: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    status: Mapped[SubmissionStatus] = mapped_column(enum_column(SubmissionStatus),
                                                     default=SubmissionStatus.NOT_STARTED)
    data: Mapped[dict] = mapped_column(default=dict)
    #: the numbers of ``data`` as little-endian float64 in ``TemplateSpec.numeric_keys()`` order
    numbers: Mapped[bytes | None] = mapped_column(sa.LargeBinary, default=None)
    #: optimistic lock: every change bumps it; a save naming an older version is a conflict
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    first_submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    #: first submission no later than the due date the school had then
    on_time: Mapped[bool | None] = mapped_column(default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    #: the bureau reopened entry for this school until then (past the task's lock date)
    reopened_until: Mapped[datetime | None] = mapped_column(default=None)
    #: the last reviewer's return reason, shown to the school
    last_comment: Mapped[str] = mapped_column(sa.Text, default="")

    task: Mapped[ReportTask] = relationship(foreign_keys=[task_id], lazy="joined")
    via_task: Mapped[ReportTask | None] = relationship(foreign_keys=[via_task_id])
    school: Mapped[OrgUnit] = relationship(foreign_keys=[school_id], lazy="joined")
    district: Mapped[OrgUnit | None] = relationship(foreign_keys=[district_id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<Submission {self.id} task={self.task_id} school={self.school_id} {self.status}>"

    @property
    def effective_task(self) -> ReportTask:
        """The task whose dates and instructions the school works to."""
        return self.via_task if self.via_task is not None else self.task

    @property
    def due_at(self) -> datetime:
        return self.effective_task.due_at

    @property
    def lock_at(self) -> datetime:
        base = self.effective_task.lock_at
        if self.reopened_until is not None and self.reopened_until > base:
            return self.reopened_until
        return base


class ValueChange(db.Model):
    """Who changed which value when (history of every cell)."""

    __tablename__ = "report_value_changes"
    __table_args__ = (sa.Index("ix_report_value_changes_submission_id_key", "submission_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("report_submissions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(160))
    old_value: Mapped[dict | None] = mapped_column(sa.JSON, default=None)
    new_value: Mapped[dict | None] = mapped_column(sa.JSON, default=None)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: form, api, excel, import
    source: Mapped[str] = mapped_column(sa.String(16), default="form")

    changed_by = relationship("User", lazy="joined")


class SubmissionEvent(db.Model):
    """A step of the submission's life: submit, approve, return (with reason), reopen, import."""

    __tablename__ = "report_submission_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report_submissions.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(24))
    from_status: Mapped[str | None] = mapped_column(sa.String(32))
    to_status: Mapped[str | None] = mapped_column(sa.String(32))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship("User", lazy="joined")
    actor_org: Mapped[OrgUnit | None] = relationship(lazy="joined")


class SubmissionAttachment(db.Model):
    """A file a school attached to a file field of its submission."""

    __tablename__ = "report_submission_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report_submissions.id", ondelete="CASCADE"), index=True)
    field_key: Mapped[str] = mapped_column(sa.String(160))
    stored_file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    file: Mapped[StoredFile] = relationship(lazy="joined")
