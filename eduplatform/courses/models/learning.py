"""Enrolments, per-lesson progress, assignment submissions, Q&A (答疑) and training hours (继续教育学时)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import enum_column, utcnow
from eduplatform.core.extensions import db


class EnrolmentStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"pending": "待审核", "active": "学习中", "rejected": "未通过", "withdrawn": "已退出"}[self.value]


class EnrolmentSource(enum.StrEnum):
    SELF = "self"
    CLASS = "class"
    APPROVAL = "approval"
    TEACHER = "teacher"

    @property
    def label(self) -> str:
        return {"self": "自主选课", "class": "按班级", "approval": "报名审核", "teacher": "教师指定"}[self.value]


class Enrolment(db.Model):
    __tablename__ = "course_enrolments"
    __table_args__ = (sa.UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus), default=EnrolmentStatus.ACTIVE)
    source: Mapped[EnrolmentSource] = mapped_column(enum_column(EnrolmentSource), default=EnrolmentSource.SELF)
    #: The class it came with, for enrolments by class.
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_classes.id"), default=None, index=True)
    #: The learner's unit when they enrolled (schools for students and teachers): indicators group by it.
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), default=None, index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Required lessons completed / required lessons, 0–100; kept up to date by the completion engine.
    progress_percent: Mapped[int] = mapped_column(default=0)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_activity_at: Mapped[datetime | None] = mapped_column(default=None)
    reject_reason: Mapped[str | None] = mapped_column(sa.String(500), default=None)

    course = relationship("Course")
    user = relationship("User", foreign_keys=[user_id])
    school_class = relationship("SchoolClass")

    __audit_type__ = "course_enrolment"

    @classmethod
    def of(cls, course, user) -> Enrolment | None:
        """The user's enrolment in ``course`` (None for a visitor or someone not enrolled)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return db.session.scalar(sa.select(cls).where(cls.course_id == course.id, cls.user_id == user.id))


class ProgressStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return {"not_started": "未开始", "in_progress": "学习中", "completed": "已完成"}[self.value]


class LessonProgress(db.Model):
    """One learner on one lesson. Completion is sticky: once completed, a later beat never undoes it."""

    __tablename__ = "course_lesson_progress"
    __table_args__ = (sa.UniqueConstraint("lesson_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("course_lessons.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    status: Mapped[ProgressStatus] = mapped_column(enum_column(ProgressStatus), default=ProgressStatus.NOT_STARTED)
    #: 0–100 toward this lesson's completion rule (watched share, score share…).
    percent: Mapped[int] = mapped_column(default=0)
    #: Audio/video: the union of watched ranges [[start, end], …] in seconds, merged and sorted.
    watched: Mapped[list] = mapped_column(default=list)
    watched_seconds: Mapped[float] = mapped_column(sa.Float, default=0)
    #: Last playback position (resume), or SCORM/document position where it applies.
    position: Mapped[float] = mapped_column(sa.Float, default=0)
    #: Beats received and the highest sequence number seen (a lost or repeated beat shows up here).
    beat_count: Mapped[int] = mapped_column(default=0)
    last_seq: Mapped[int] = mapped_column(default=0)
    #: Score in percent for graded kinds (quiz, SCORM, assignment); None when there is none.
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)
    #: Quiz: attempts the teacher granted beyond the lesson's "允许作答次数".
    extra_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    first_opened_at: Mapped[datetime | None] = mapped_column(default=None)
    last_beat_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)

    lesson = relationship("Lesson")
    user = relationship("User")


class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    GRADED = "graded"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {"submitted": "待批改", "graded": "已批改", "returned": "退回重做"}[self.value]


class AssignmentSubmission(db.Model):
    __tablename__ = "course_submissions"
    __table_args__ = (sa.UniqueConstraint("lesson_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("course_lessons.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text, default="")
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"), default=None)
    status: Mapped[SubmissionStatus] = mapped_column(enum_column(SubmissionStatus),
                                                     default=SubmissionStatus.SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    graded_at: Mapped[datetime | None] = mapped_column(default=None)

    lesson = relationship("Lesson")
    user = relationship("User", foreign_keys=[user_id])
    file = relationship("StoredFile")
    graded_by = relationship("User", foreign_keys=[graded_by_id])

    __audit_type__ = "course_submission"


class LessonQuestion(db.Model):
    """答疑: a learner's question on a lesson; the course's teachers answer."""

    __tablename__ = "course_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("course_lessons.id", ondelete="CASCADE"), index=True)
    asker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a teacher first answered; None = unanswered (the teacher's list).
    answered_at: Mapped[datetime | None] = mapped_column(default=None, index=True)

    lesson = relationship("Lesson")
    asker = relationship("User")
    answers: Mapped[list[LessonAnswer]] = relationship(back_populates="question", order_by="LessonAnswer.id",
                                                       cascade="all, delete-orphan")

    __audit_type__ = "course_question"


class LessonAnswer(db.Model):
    __tablename__ = "course_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("course_questions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    #: Written by one of the course's teachers (learners may add follow-ups).
    by_teacher: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    question: Mapped[LessonQuestion] = relationship(back_populates="answers")
    author = relationship("User")


class TrainingRecord(db.Model):
    """继续教育学时 earned by a teacher, one row per completed training course."""

    __tablename__ = "training_records"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id"), default=None)
    #: The teacher's school (or unit) when the hours were earned: totals per school and district.
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[float] = mapped_column(sa.Numeric(6, 1, asdecimal=False))
    earned_on: Mapped[date] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
    course = relationship("Course")
    org = relationship("OrgUnit")
