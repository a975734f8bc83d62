"""School years, classes (班级), teachers and students, and roster-import runs.

How later domains read a roster:

- a class's current students: ``school_class.students`` (status 在读 only) or
  ``services.class_students(school_class)`` for a select;
- the login accounts of a class: ``[s.user for s in school_class.students if s.user]``;
- a user's own profile: ``StudentProfile.for_user(user)`` / ``TeacherProfile.for_user(user)``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db
from eduplatform.core.memo import per_request
from eduplatform.orgs.models import OrgUnit, Stage

#: Grade numbers across stages: 幼儿园 -2..0, 小学 1–6, 初中 7–9, 高中 / 中职 10–12.
GRADES: dict[int, tuple[str, Stage]] = {
    -2: ("小班", Stage.KINDERGARTEN), -1: ("中班", Stage.KINDERGARTEN), 0: ("大班", Stage.KINDERGARTEN),
    1: ("一年级", Stage.PRIMARY), 2: ("二年级", Stage.PRIMARY), 3: ("三年级", Stage.PRIMARY),
    4: ("四年级", Stage.PRIMARY), 5: ("五年级", Stage.PRIMARY), 6: ("六年级", Stage.PRIMARY),
    7: ("七年级", Stage.JUNIOR), 8: ("八年级", Stage.JUNIOR), 9: ("九年级", Stage.JUNIOR),
    10: ("高一", Stage.SENIOR), 11: ("高二", Stage.SENIOR), 12: ("高三", Stage.SENIOR),
}
_VOCATIONAL_LABELS = {10: "中职一年级", 11: "中职二年级", 12: "中职三年级"}
_STAGE_GRADES = {
    Stage.KINDERGARTEN: (-2, 0), Stage.PRIMARY: (1, 6), Stage.JUNIOR: (7, 9),
    Stage.SENIOR: (10, 12), Stage.VOCATIONAL: (10, 12),
}


def grade_label(grade: int, stages: list[str] | None = None) -> str:
    stages = stages or []
    if grade in _VOCATIONAL_LABELS and Stage.VOCATIONAL.value in stages and Stage.SENIOR.value not in stages:
        return _VOCATIONAL_LABELS[grade]
    return GRADES[grade][0] if grade in GRADES else f"{grade}年级"


def school_grades(stages: list[str]) -> list[int]:
    """The grade numbers a school with these 学段 teaches, lowest first."""
    grades: set[int] = set()
    for stage in stages or []:
        low, high = _STAGE_GRADES[Stage(stage)]
        grades.update(range(low, high + 1))
    return sorted(grades)


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        return "男" if self is Gender.MALE else "女"


class StudentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    TRANSFERRED = "transferred"
    GRADUATED = "graduated"

    @property
    def label(self) -> str:
        return {"enrolled": "在读", "transferred": "转出", "graduated": "毕业"}[self.value]


class TeacherStatus(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"

    @property
    def label(self) -> str:
        return "在职" if self is TeacherStatus.ACTIVE else "离校"


class SchoolYear(db.Model):
    """学年 of one school, e.g. 2025–2026 学年; exactly one is current."""

    __tablename__ = "school_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: The calendar year the school year starts in (September).
    start_year: Mapped[int] = mapped_column()
    is_current: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("school_id", "start_year"),)

    @property
    def name(self) -> str:
        return f"{self.start_year}–{self.start_year + 1}学年"


class SchoolClass(TimestampMixin, db.Model):
    """班级 in one school year; a roll-over makes its successor (``predecessor_id``) in the next year."""

    __tablename__ = "school_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(sa.ForeignKey("school_years.id"), index=True)
    grade: Mapped[int] = mapped_column()
    #: 班号: the (n) in 七年级(3)班.
    number: Mapped[int] = mapped_column()
    head_teacher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teacher_profiles.id"), default=None)
    predecessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_classes.id"), default=None)
    #: Set when the class graduated at a roll-over: it then stays in its (past) year as a record.
    graduated: Mapped[bool] = mapped_column(default=False)

    school: Mapped[OrgUnit] = relationship()
    school_year: Mapped[SchoolYear] = relationship()
    head_teacher: Mapped[TeacherProfile | None] = relationship(foreign_keys=[head_teacher_id])
    students: Mapped[list[StudentProfile]] = relationship(
        primaryjoin="and_(SchoolClass.id == StudentProfile.class_id, "
                    "StudentProfile.status == 'enrolled')",
        viewonly=True, order_by="StudentProfile.student_no")
    assignments: Mapped[list[TeachingAssignment]] = relationship(back_populates="school_class",
                                                                 cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("school_year_id", "grade", "number"),)

    @property
    def grade_label(self) -> str:
        return grade_label(self.grade, self.school.stages)

    @property
    def name(self) -> str:
        return f"{self.grade_label}({self.number})班"


class TeacherProfile(TimestampMixin, db.Model):
    """教师 of a school, identified by 工号 within it; ``user`` is the optional login account."""

    __tablename__ = "teacher_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    teacher_no: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(64))
    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender), default=None)
    id_number: Mapped[str | None] = mapped_column(sa.String(18), default=None)
    phone: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    #: 任教学科, Chinese subject names from ``SUBJECTS``.
    subjects: Mapped[list] = mapped_column(default=list)
    title: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    status: Mapped[TeacherStatus] = mapped_column(enum_column(TeacherStatus), default=TeacherStatus.ACTIVE)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True, default=None)

    school: Mapped[OrgUnit] = relationship()
    user = relationship("User")
    assignments: Mapped[list[TeachingAssignment]] = relationship(back_populates="teacher",
                                                                 cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("school_id", "teacher_no"),)

    @classmethod
    def for_user(cls, user) -> TeacherProfile | None:
        """The user's teacher profile (several 工作台 cards ask: looked up once a request)."""
        if not user:
            return None
        return per_request(("TeacherProfile.for_user", user.id),
                           lambda: db.session.scalar(sa.select(cls).where(cls.user_id == user.id)))


class TeachingAssignment(db.Model):
    """A teacher teaches a subject in a class (任教班级)."""

    __tablename__ = "teaching_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("teacher_profiles.id", ondelete="CASCADE"),
                                            index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_classes.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(32))

    teacher: Mapped[TeacherProfile] = relationship(back_populates="assignments")
    school_class: Mapped[SchoolClass] = relationship(back_populates="assignments")

    __table_args__ = (sa.UniqueConstraint("teacher_id", "class_id", "subject"),)


class StudentProfile(TimestampMixin, db.Model):
    """学生 of a school, identified by 学号 within it; ``class_id`` is the current (or last) class."""

    __tablename__ = "student_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    student_no: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(64))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    id_number: Mapped[str | None] = mapped_column(sa.String(18), default=None)
    #: 全国学籍号 (19 characters, ``personal.parse_registry_no``).
    registry_no: Mapped[str | None] = mapped_column(sa.String(19), default=None)
    birth_date: Mapped[date | None] = mapped_column(default=None)
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_classes.id"), index=True, default=None)
    status: Mapped[StudentStatus] = mapped_column(enum_column(StudentStatus), default=StudentStatus.ENROLLED)
    #: When the student left (转出 or 毕业).
    left_on: Mapped[date | None] = mapped_column(default=None)
    guardian_name: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    guardian_phone: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True, default=None)

    school: Mapped[OrgUnit] = relationship()
    school_class: Mapped[SchoolClass | None] = relationship(foreign_keys=[class_id])
    user = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("school_id", "student_no"),
        # Counting a school's students by status is the hot query of the indicator dashboard.
        sa.Index("ix_student_profiles_school_status", "school_id", "status"),
    )

    @classmethod
    def for_user(cls, user) -> StudentProfile | None:
        """The user's student profile (the menu's entries and the 工作台 cards ask: once a request)."""
        if not user:
            return None
        return per_request(("StudentProfile.for_user", user.id),
                           lambda: db.session.scalar(sa.select(cls).where(cls.user_id == user.id)))


class RosterImport(db.Model):
    """One uploaded roster file: previewed (with every problem) and, once clean, applied."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: "students" or "teachers"
    kind: Mapped[str] = mapped_column(sa.String(16))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    #: "invalid" (has problems), "ready" (clean preview), "applied"
    status: Mapped[str] = mapped_column(sa.String(16))
    row_count: Mapped[int] = mapped_column(default=0)
    #: [{"row": 3, "column": "身份证号", "message": "…"}], at most MAX_PROBLEMS kept.
    problems: Mapped[list] = mapped_column(default=list)
    problem_count: Mapped[int] = mapped_column(default=0)
    #: {"new": n, "updated": n, "unchanged": n}
    summary: Mapped[dict] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(default=None)

    file = relationship("StoredFile")
    school: Mapped[OrgUnit] = relationship()
