"""Class homework (作业): a set for a class or one of its 分层 groups, its items, and each student's answers.

How later parts read it (错题本, 学情, parents): a student's marked answers are ``HomeworkAnswer`` rows
(``student_id`` a ``StudentProfile``; ``item.question_version_id`` the exact version answered, its
knowledge points on ``item.question``; ``score`` against ``item.max_score``); completion and lateness
are ``status`` / ``late`` of the same rows.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db


class Level(enum.StrEnum):
    """分层: a group within a class (per subject); homework without a level is for the whole class."""

    BASIC = "basic"
    ADVANCED = "advanced"
    EXTENSION = "extension"

    @property
    def label(self) -> str:
        return {"basic": "基础", "advanced": "提高", "extension": "拓展"}[self.value]


class HomeworkStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # waiting for the 班主任 (over the day's budget)
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "pending": "待班主任审批", "published": "已发布"}[self.value]


class ItemKind(enum.StrEnum):
    QUESTION = "question"  # a question from the bank, marked by its type when it can be
    HANDIN = "handin"  # a file or photo, marked by the teacher
    READING = "reading"  # reading / practice: the student says it is done

    @property
    def label(self) -> str:
        return {"question": "题库试题", "handin": "拍照/文件上交", "reading": "阅读/练习"}[self.value]


class Grading(enum.StrEnum):
    SCORE = "score"
    GRADE = "grade"  # 等级: 优 / 良 / 中 / 待提高

    @property
    def label(self) -> str:
        return "分数" if self is Grading.SCORE else "等级"


#: The grades a teacher may give on a 等级-marked item, best first.
GRADE_MARKS = ("优", "良", "中", "待提高")


class AnswerStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    MARKED = "marked"
    RETURNED = "returned"  # back to the student for correction (订正)

    @property
    def label(self) -> str:
        return {"submitted": "待批改", "marked": "已批改", "returned": "待订正"}[self.value]


class Homework(TimestampMixin, db.Model):
    """One subject's homework for a class (or a 分层 group of it) on one day."""

    __tablename__ = "homeworks"
    __audit_type__ = "homework"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_classes.id"), index=True)
    #: 学科, a Chinese name as in ``TeachingAssignment.subject``.
    subject: Mapped[str] = mapped_column(sa.String(32))
    #: None: the whole class.
    level: Mapped[Level | None] = mapped_column(enum_column(Level), default=None)
    title: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The day the homework is done on (布置日): whose budget it counts against.
    load_date: Mapped[date] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[HomeworkStatus] = mapped_column(enum_column(HomeworkStatus), default=HomeworkStatus.DRAFT)
    #: The 班主任's opinion when the request was approved or returned.
    approval_opinion: Mapped[str] = mapped_column(sa.Text, default="")
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)

    school_class = relationship("SchoolClass")
    teacher = relationship("User", foreign_keys=[teacher_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    items: Mapped[list[HomeworkItem]] = relationship(back_populates="homework", cascade="all, delete-orphan",
                                                     order_by="HomeworkItem.position")

    __table_args__ = (sa.Index("ix_homeworks_class_day", "class_id", "load_date", "status"),)

    @property
    def written_minutes(self) -> int:
        return sum(i.minutes for i in self.items if i.written)

    @property
    def total_minutes(self) -> int:
        return sum(i.minutes for i in self.items)

    @property
    def audience_label(self) -> str:
        return f"{self.school_class.name}" + (f"·{self.level.label}组" if self.level else "")


class HomeworkItem(db.Model):
    __tablename__ = "homework_items"
    __audit_type__ = "homework_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    homework_id: Mapped[int] = mapped_column(sa.ForeignKey("homeworks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("questions.id"), default=None)
    #: The version the students answer (an edit of the question afterwards changes nothing here).
    question_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("question_versions.id"), default=None)
    #: 预计用时 (minutes).
    minutes: Mapped[int] = mapped_column()
    #: 书面作业: counts against the 双减 budget (reading and oral practice usually do not).
    written: Mapped[bool] = mapped_column(default=True)
    grading: Mapped[Grading] = mapped_column(enum_column(Grading), default=Grading.SCORE)
    max_score: Mapped[float] = mapped_column(sa.Float, default=10.0)

    homework: Mapped[Homework] = relationship(back_populates="items")
    question = relationship("Question")
    question_version = relationship("QuestionVersion")


class HomeworkAnswer(db.Model):
    """One student's hand-in of one item: answer, photo/file or 已完成; its mark and comment."""

    __tablename__ = "homework_answers"
    __audit_type__ = "homework_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    homework_id: Mapped[int] = mapped_column(sa.ForeignKey("homeworks.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("homework_items.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student_profiles.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[AnswerStatus] = mapped_column(enum_column(AnswerStatus), default=AnswerStatus.SUBMITTED)
    #: A bank question's response, in its type's canonical shape.
    response: Mapped[dict | list | str | None] = mapped_column(sa.JSON, default=None)
    text: Mapped[str] = mapped_column(sa.Text, default="")
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"), default=None)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Handed in (the last time) after the due time.
    late: Mapped[bool] = mapped_column(default=False)
    #: How often handed in again after being returned.
    resubmissions: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None] = mapped_column(sa.Float, default=None)
    grade: Mapped[str | None] = mapped_column(sa.String(8), default=None)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    auto_marked: Mapped[bool] = mapped_column(default=False)
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    marked_at: Mapped[datetime | None] = mapped_column(default=None)

    item: Mapped[HomeworkItem] = relationship()
    student = relationship("StudentProfile")
    file = relationship("StoredFile")

    __table_args__ = (sa.UniqueConstraint("item_id", "student_id"),
                      sa.Index("ix_homework_answers_homework_student", "homework_id", "student_id"))


class GroupMember(db.Model):
    """A student's 分层 group in one subject of their class."""

    __tablename__ = "learning_group_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_classes.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(32))
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student_profiles.id", ondelete="CASCADE"))
    level: Mapped[Level] = mapped_column(enum_column(Level))

    __table_args__ = (sa.UniqueConstraint("class_id", "subject", "student_id"),)


class LoadBudget(db.Model):
    """A school's own daily budget for one grade (overrides ``load_budget.yaml``); None = no limit."""

    __tablename__ = "learning_load_budgets"
    __audit_type__ = "load_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column()
    minutes: Mapped[int | None] = mapped_column(default=None)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("school_id", "grade"),)
