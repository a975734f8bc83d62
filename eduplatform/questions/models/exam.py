"""Online exams: a paper given to an audience in a time window; attempts, answers and grades."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.questions.models.paper import Paper, PaperItem


class ExamStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "published": "已发布", "cancelled": "已取消"}[self.value]


class AudienceKind(enum.StrEnum):
    """Who an exam is for. ``class`` and ``course`` are resolved by the domains that own them."""

    USER = "user"
    ORG = "org"
    CLASS = "class"
    COURSE = "course"

    @property
    def label(self) -> str:
        return {"user": "学生", "org": "单位", "class": "班级", "course": "课程"}[self.value]


class Exam(TimestampMixin, db.Model):
    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(sa.ForeignKey("papers.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[ExamStatus] = mapped_column(enum_column(ExamStatus), default=ExamStatus.DRAFT)
    #: The window in which attempts may start (naive UTC).
    opens_at: Mapped[datetime] = mapped_column()
    closes_at: Mapped[datetime] = mapped_column()
    #: Minutes from an attempt's start; the attempt also ends when the window closes.
    time_limit_minutes: Mapped[int] = mapped_column()
    #: "quiz" for course quizzes (no window shown to students), "exam" otherwise.
    purpose: Mapped[str] = mapped_column(sa.String(16), default="exam")
    results_released_at: Mapped[datetime | None] = mapped_column(default=None)

    paper: Mapped[Paper] = relationship()
    org: Mapped[OrgUnit] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id])
    audience: Mapped[list[ExamAudience]] = relationship(cascade="all, delete-orphan")

    @property
    def results_released(self) -> bool:
        return self.results_released_at is not None

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.status == ExamStatus.PUBLISHED and self.opens_at <= now < self.closes_at


class ExamAudience(db.Model):
    __tablename__ = "exam_audience"

    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[AudienceKind] = mapped_column(enum_column(AudienceKind), primary_key=True)
    #: A user id, an org unit id (all its students, subtree included), a class or course id.
    target_id: Mapped[int] = mapped_column(primary_key=True)


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    GRADED = "graded"

    @property
    def label(self) -> str:
        return {"in_progress": "作答中", "submitted": "待阅卷", "graded": "已评分"}[self.value]


class ExamAttempt(db.Model):
    """One sitting of a student. Formal exams allow one (attempt 1); course quizzes allow retakes
    (attempt 2, 3 …), the unique number making two racing "start" requests create one attempt."""

    __tablename__ = "exam_attempts"
    __table_args__ = (sa.UniqueConstraint("exam_id", "student_id", "attempt_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("exams.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: 1 for the first attempt, then 2, 3 … (retakes of course quizzes only).
    attempt_no: Mapped[int] = mapped_column(default=1, server_default="1")
    status: Mapped[AttemptStatus] = mapped_column(enum_column(AttemptStatus), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When answers stop being accepted: start + time limit, or the window's end if earlier.
    deadline_at: Mapped[datetime] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Submitted by the platform at the deadline rather than by the student.
    auto_submitted: Mapped[bool] = mapped_column(default=False)
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)

    exam: Mapped[Exam] = relationship()
    student = relationship("User", foreign_keys=[student_id])
    answers: Mapped[list[ExamAnswer]] = relationship(back_populates="attempt", cascade="all, delete-orphan")


class ExamAnswer(db.Model):
    __tablename__ = "exam_answers"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_attempts.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("paper_items.id"), index=True)
    response: Mapped[dict | list | str | int | float | bool | None] = mapped_column(sa.JSON, default=None)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: None until graded (automatically at submission, or by a teacher for subjective items).
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    graded_at: Mapped[datetime | None] = mapped_column(default=None)
    feedback: Mapped[str] = mapped_column(sa.Text, default="")

    attempt: Mapped[ExamAttempt] = relationship(back_populates="answers")
    item: Mapped[PaperItem] = relationship()
