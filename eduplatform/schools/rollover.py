"""School-year roll-over (学年升级): promote every class one grade, graduate the last grade.

``plan_rollover`` shows what would happen; ``apply_rollover`` does it in the caller's one
transaction with one audit entry. Past classes stay in their year as a record: the promoted class
is a new ``SchoolClass`` whose ``predecessor_id`` points at last year's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from eduplatform.accounts.models import User
from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.schools import services
from eduplatform.schools.models import (
    SchoolClass,
    SchoolYear,
    StudentProfile,
    StudentStatus,
    TeacherStatus,
    TeachingAssignment,
)
from eduplatform.schools.models.roster import grade_label, school_grades


@dataclass
class ClassMove:
    school_class: SchoolClass
    students: int
    new_grade: int | None  # None: the class graduates
    new_name: str = ""


@dataclass
class RolloverPlan:
    school: OrgUnit
    from_year: SchoolYear | None
    moves: list[ClassMove] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def to_year_name(self) -> str:
        if self.from_year is None:
            return ""
        start = self.from_year.start_year + 1
        return f"{start}–{start + 1}学年"

    @property
    def promoted(self) -> list[ClassMove]:
        return [m for m in self.moves if m.new_grade is not None]

    @property
    def graduating(self) -> list[ClassMove]:
        return [m for m in self.moves if m.new_grade is None]

    @property
    def promoted_students(self) -> int:
        return sum(m.students for m in self.promoted)

    @property
    def graduating_students(self) -> int:
        return sum(m.students for m in self.graduating)

    def as_dict(self) -> dict:
        return {
            "from_year": self.from_year.name if self.from_year else None,
            "to_year": self.to_year_name or None,
            "promoted": [{"class_id": m.school_class.id, "class": m.school_class.name, "to": m.new_name,
                          "students": m.students} for m in self.promoted],
            "graduating": [{"class_id": m.school_class.id, "class": m.school_class.name,
                            "students": m.students} for m in self.graduating],
            "promoted_students": self.promoted_students,
            "graduating_students": self.graduating_students,
            "problems": self.problems,
        }


def plan_rollover(school: OrgUnit) -> RolloverPlan:
    year = services.current_year(school)
    plan = RolloverPlan(school=school, from_year=year)
    if year is None:
        plan.problems.append("本校尚未建立学年和班级，无需升级")
        return plan
    exists = db.session.scalar(sa.select(SchoolYear.id).where(SchoolYear.school_id == school.id,
                                                              SchoolYear.start_year == year.start_year + 1))
    if exists:
        plan.problems.append(f"{plan.to_year_name}已存在")
    classes = services.current_classes(school)
    if not classes:
        plan.problems.append("本学年没有班级，无需升级")
    counts = dict(db.session.execute(
        sa.select(StudentProfile.class_id, sa.func.count()).where(
            StudentProfile.class_id.in_([c.id for c in classes]),
            StudentProfile.status == StudentStatus.ENROLLED).group_by(StudentProfile.class_id)).all())
    grades = school_grades(school.stages)
    top = max(grades) if grades else 0
    for school_class in classes:
        new_grade = school_class.grade + 1 if school_class.grade < top else None
        plan.moves.append(ClassMove(school_class, counts.get(school_class.id, 0), new_grade,
                                    f"{grade_label(new_grade, school.stages)}({school_class.number})班"
                                    if new_grade is not None else ""))
    return plan


def apply_rollover(actor, school: OrgUnit, today: date | None = None) -> RolloverPlan:
    plan = plan_rollover(school)
    if plan.problems:
        raise Conflict("；".join(plan.problems))
    today = today or date.today()
    old_year = plan.from_year
    old_year.is_current = False
    db.session.flush()  # one current year at a time
    new_year = SchoolYear(school_id=school.id, start_year=old_year.start_year + 1, is_current=True)
    db.session.add(new_year)
    db.session.flush()
    for move in plan.promoted:
        old = move.school_class
        head = old.head_teacher if old.head_teacher and old.head_teacher.status == TeacherStatus.ACTIVE else None
        new = SchoolClass(school_id=school.id, school=school, school_year_id=new_year.id, grade=move.new_grade,
                          number=old.number, head_teacher=head, predecessor_id=old.id)
        db.session.add(new)
        db.session.flush()
        # Teachers usually go up with their class (跟班走); the school admin adjusts the exceptions.
        for assignment in old.assignments:
            if assignment.teacher.status == TeacherStatus.ACTIVE:
                db.session.add(TeachingAssignment(teacher_id=assignment.teacher_id, class_id=new.id,
                                                  subject=assignment.subject))
        db.session.execute(sa.update(StudentProfile).where(
            StudentProfile.class_id == old.id, StudentProfile.status == StudentStatus.ENROLLED
        ).values(class_id=new.id))
    graduating_ids = [m.school_class.id for m in plan.graduating]
    for move in plan.graduating:
        move.school_class.graduated = True
    if graduating_ids:
        user_ids = list(db.session.scalars(sa.select(StudentProfile.user_id).where(
            StudentProfile.class_id.in_(graduating_ids), StudentProfile.status == StudentStatus.ENROLLED,
            StudentProfile.user_id.is_not(None))))
        db.session.execute(sa.update(StudentProfile).where(
            StudentProfile.class_id.in_(graduating_ids), StudentProfile.status == StudentStatus.ENROLLED
        ).values(status=StudentStatus.GRADUATED, left_on=today))
        if user_ids:
            # Graduates keep their records but can no longer log in as students of the school.
            db.session.execute(sa.update(User).where(User.id.in_(user_ids)).values(
                is_active_account=False, session_version=User.session_version + 1))
    record("schools", "year.rolled_over",
           f"{school.name} 学年升级：{old_year.name} → {new_year.name}，升级 {len(plan.promoted)} 个班 "
           f"{plan.promoted_students} 人，毕业 {len(plan.graduating)} 个班 {plan.graduating_students} 人",
           actor=actor, obj=new_year, data=plan.as_dict())
    db.session.flush()
    db.session.expire_all()  # bulk updates bypassed the identity map
    return plan
