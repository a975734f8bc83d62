"""错题本 rows: one entry per student and question, the wrong answers behind it, and practice sets.

An entry keeps the question version the student last answered wrong (``question_version_id``): an
edit of the bank question afterwards changes nothing in the book. Each wrong answer is one
``MistakeEvent`` keyed by where it came from (``source`` + ``source_ref``), which makes capture
idempotent: the same answer told twice is one event, a new wrong answer is a new event.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import enum_column, utcnow
from eduplatform.core.extensions import db


class MistakeStatus(enum.StrEnum):
    PENDING = "pending"  # 待巩固
    MASTERED = "mastered"  # 已掌握

    @property
    def label(self) -> str:
        return "待巩固" if self is MistakeStatus.PENDING else "已掌握"


class Source(enum.StrEnum):
    HOMEWORK = "homework"
    EXAM = "exam"
    QUIZ = "quiz"
    PRACTICE = "practice"
    REDO = "redo"

    @property
    def label(self) -> str:
        return {"homework": "作业", "exam": "考试", "quiz": "课程测验", "practice": "错题练习",
                "redo": "重做"}[self.value]


class MistakeEntry(db.Model):
    """One question in one student's 错题本."""

    __tablename__ = "learning_mistakes"
    __audit_type__ = "mistake"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The student (a user: exam attempts name users; homework answers name both).
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id"), index=True)
    #: The version the student last answered wrong (what the 重做 page shows).
    question_version_id: Mapped[int] = mapped_column(sa.ForeignKey("question_versions.id"))
    #: 学科 code of the question (``questions.vocab.SUBJECTS``), copied for the filter.
    subject: Mapped[str] = mapped_column(sa.String(32))
    difficulty: Mapped[int] = mapped_column(default=3)
    status: Mapped[MistakeStatus] = mapped_column(enum_column(MistakeStatus), default=MistakeStatus.PENDING)
    #: 错误次数: wrong answers counted (each source answer once; wrong re-dos too).
    wrong_count: Mapped[int] = mapped_column(default=0)
    first_wrong_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_wrong_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The latest wrong answer: the response in its type's shape, its score and full score.
    last_response: Mapped[dict | list | str | int | float | bool | None] = mapped_column(sa.JSON, default=None)
    last_score: Mapped[float | None] = mapped_column(sa.Float, default=None)
    max_score: Mapped[float] = mapped_column(sa.Float, default=1.0)
    last_source: Mapped[Source] = mapped_column(enum_column(Source))
    #: "作业：一元一次方程课后作业" — where the latest wrong answer was given.
    last_source_label: Mapped[str] = mapped_column(sa.String(255), default="")
    #: False while the source keeps its key from the student (exam results not released, a course
    #: quiz that may still be retaken): the entry is not shown and not practised until then.
    revealed: Mapped[bool] = mapped_column(default=True)
    #: The exam of a hidden entry (to reveal it when the results are released).
    exam_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exams.id"), default=None)
    redo_count: Mapped[int] = mapped_column(default=0)
    redo_correct_count: Mapped[int] = mapped_column(default=0)
    last_redo_at: Mapped[datetime | None] = mapped_column(default=None)
    mastered_at: Mapped[datetime | None] = mapped_column(default=None)

    question = relationship("Question")
    question_version = relationship("QuestionVersion")
    events: Mapped[list[MistakeEvent]] = relationship(back_populates="entry", cascade="all, delete-orphan",
                                                      order_by="MistakeEvent.id")

    __table_args__ = (sa.UniqueConstraint("user_id", "question_id"),
                      sa.Index("ix_learning_mistakes_user_status", "user_id", "revealed", "status"))


class MistakeEvent(db.Model):
    """One wrong answer behind an entry (its source answer, once)."""

    __tablename__ = "learning_mistake_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("learning_mistakes.id", ondelete="CASCADE"), index=True)
    source: Mapped[Source] = mapped_column(enum_column(Source))
    #: The source answer: "<HomeworkAnswer id>:<resubmission>", an ExamAnswer id, a PracticeItem id …
    source_ref: Mapped[str] = mapped_column(sa.String(64))
    question_version_id: Mapped[int] = mapped_column(sa.ForeignKey("question_versions.id"))
    response: Mapped[dict | list | str | int | float | bool | None] = mapped_column(sa.JSON, default=None)
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[MistakeEntry] = relationship(back_populates="events")

    __table_args__ = (sa.UniqueConstraint("source", "source_ref"),)


class PracticeStatus(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return "未完成" if self is PracticeStatus.OPEN else "已交"


class PracticeSet(db.Model):
    """生成练习: wrong questions of the book and similar bank questions, taken by the student."""

    __tablename__ = "learning_practice_sets"
    __audit_type__ = "practice_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[PracticeStatus] = mapped_column(enum_column(PracticeStatus), default=PracticeStatus.OPEN)
    #: The filter it was built from ({subject, knowledge_point_id, size}).
    criteria: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)
    max_score: Mapped[float] = mapped_column(sa.Float, default=0.0)

    items: Mapped[list[PracticeItem]] = relationship(back_populates="practice_set", cascade="all, delete-orphan",
                                                     order_by="PracticeItem.position")


class PracticeItem(db.Model):
    __tablename__ = "learning_practice_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(sa.ForeignKey("learning_practice_sets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id"))
    question_version_id: Mapped[int] = mapped_column(sa.ForeignKey("question_versions.id"))
    #: The book entry it re-does (None: a similar question from the bank).
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("learning_mistakes.id", ondelete="SET NULL"),
                                                 default=None)
    response: Mapped[dict | list | str | int | float | bool | None] = mapped_column(sa.JSON, default=None)
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)
    max_score: Mapped[float] = mapped_column(sa.Float, default=1.0)

    practice_set: Mapped[PracticeSet] = relationship(back_populates="items")
    question_version = relationship("QuestionVersion")

    @property
    def origin_label(self) -> str:
        return "错题" if self.entry_id else "同类题"

    __table_args__ = (sa.UniqueConstraint("set_id", "question_id"),)
