"""Profiles, campuses, school years, classes, teachers and students.

Services take an explicit ``actor``, check the business rules, audit and flush; the view commits.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from eduplatform.audit.services import diff, record
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.schools.models import (
    Campus,
    SchoolClass,
    SchoolProfile,
    SchoolProfileRevision,
    SchoolYear,
    StudentProfile,
    StudentStatus,
    TeacherProfile,
    TeacherStatus,
    TeachingAssignment,
)
from eduplatform.schools.models.roster import grade_label, school_grades

REALM = "schools"


# --- schools and profiles --------------------------------------------------------------------

def get_school(code: str) -> OrgUnit:
    school = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code, OrgUnit.type == OrgType.SCHOOL))
    if school is None:
        raise NotFound("学校不存在")
    return school


def profile_for(school: OrgUnit) -> SchoolProfile:
    """The school's profile; an unsaved empty one when the school has not filled it in yet."""
    return SchoolProfile.for_org(school) or SchoolProfile(org=school, org_id=school.id, classroom_count=0)


def get_or_create_profile(school: OrgUnit) -> SchoolProfile:
    profile = SchoolProfile.for_org(school)
    if profile is None:
        profile = SchoolProfile(org=school, classroom_count=0)
        db.session.add(profile)
        db.session.flush()
    return profile


def update_profile(actor, school: OrgUnit, data: dict) -> SchoolProfile:
    """Apply the edited fields; the change is kept as a revision and audited."""
    profile = get_or_create_profile(school)
    changes = diff(profile, {k: v for k, v in data.items() if k in SchoolProfile.EDITABLE})
    if "stages" in data:
        stages = sorted({s.value for s in data["stages"]})
        if sorted(school.stages or []) != stages:
            changes["stages"] = [school.stages, stages]
            school.stages = stages
    if changes:
        db.session.add(SchoolProfileRevision(profile_id=profile.id, actor_id=getattr(actor, "id", None),
                                             changes=changes))
        record(REALM, "profile.updated", f"修改学校概况：{school.name}（{'、'.join(changes)}）",
               actor=actor, obj=profile, data=changes)
    db.session.flush()
    return profile


def profile_revisions(school: OrgUnit) -> list[SchoolProfileRevision]:
    profile = SchoolProfile.for_org(school)
    if profile is None:
        return []
    return list(db.session.scalars(sa.select(SchoolProfileRevision).where(
        SchoolProfileRevision.profile_id == profile.id).order_by(SchoolProfileRevision.id.desc())))


def add_campus(actor, school: OrgUnit, data: dict) -> Campus:
    _unique_campus_name(school, data["name"])
    campus = Campus(school_id=school.id, **data)
    db.session.add(campus)
    db.session.flush()
    _single_main_campus(school, campus)
    record(REALM, "campus.created", f"新增校区：{school.name} {campus.name}", actor=actor, obj=campus)
    db.session.flush()
    return campus


def update_campus(actor, campus: Campus, data: dict) -> Campus:
    if data["name"] != campus.name:
        _unique_campus_name(campus_school(campus), data["name"])
    changes = diff(campus, data)
    _single_main_campus(campus_school(campus), campus)
    if changes:
        record(REALM, "campus.updated", f"修改校区：{campus.name}", actor=actor, obj=campus, data=changes)
    db.session.flush()
    return campus


def delete_campus(actor, campus: Campus) -> None:
    record(REALM, "campus.deleted", f"删除校区：{campus.name}", actor=actor, obj=campus)
    db.session.delete(campus)
    db.session.flush()


def campus_school(campus: Campus) -> OrgUnit:
    return db.session.get(OrgUnit, campus.school_id)


def find_campus(school: OrgUnit, campus_id: int) -> Campus:
    campus = db.session.get(Campus, campus_id)
    if campus is None or campus.school_id != school.id:
        raise NotFound("校区不存在")
    return campus


def _unique_campus_name(school: OrgUnit, name: str) -> None:
    if db.session.scalar(sa.select(Campus.id).where(Campus.school_id == school.id, Campus.name == name)):
        raise ValidationFailed(f"校区“{name}”已存在", code="duplicate", fields={"name": ["校区名称已存在"]})


def _single_main_campus(school: OrgUnit, campus: Campus) -> None:
    if campus.is_main:
        db.session.execute(sa.update(Campus).where(Campus.school_id == school.id, Campus.id != campus.id)
                           .values(is_main=False))


# --- school years and classes ----------------------------------------------------------------

def school_year_start(today: date | None = None) -> int:
    """The start year of the school year ``today`` falls in (a school year starts in September;
    August already belongs to the coming year, when classes are set up)."""
    today = today or date.today()
    return today.year if today.month >= 8 else today.year - 1


def current_year(school: OrgUnit) -> SchoolYear | None:
    return db.session.scalar(sa.select(SchoolYear).where(SchoolYear.school_id == school.id,
                                                         SchoolYear.is_current.is_(True)))


def ensure_current_year(actor, school: OrgUnit, today: date | None = None) -> SchoolYear:
    year = current_year(school)
    if year is None:
        year = SchoolYear(school_id=school.id, start_year=school_year_start(today), is_current=True)
        db.session.add(year)
        db.session.flush()
        record(REALM, "year.created", f"{school.name} 建立 {year.name}", actor=actor, obj=year)
    return year


def classes_query(school: OrgUnit, year: SchoolYear | None = None):
    """Select the school's classes of ``year`` (default: the current year), by grade and number."""
    year = year or current_year(school)
    query = sa.select(SchoolClass).where(SchoolClass.school_id == school.id)
    query = query.where(SchoolClass.school_year_id == (year.id if year else -1))
    return query.order_by(SchoolClass.grade, SchoolClass.number)


def current_classes(school: OrgUnit) -> list[SchoolClass]:
    return list(db.session.scalars(classes_query(school)))


def find_class(school: OrgUnit, class_id: int) -> SchoolClass:
    """A class of this school by id; 404 for another school's class (no probing by id)."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != school.id:
        raise NotFound("班级不存在")
    return school_class


def class_students(school_class: SchoolClass):
    """Select the class's current (在读) students by 学号 — what courses use to enrol a class."""
    return (sa.select(StudentProfile)
            .where(StudentProfile.class_id == school_class.id, StudentProfile.status == StudentStatus.ENROLLED)
            .order_by(StudentProfile.student_no))


def create_class(actor, school: OrgUnit, *, grade: int, number: int, head_teacher_id: int | None = None
                 ) -> SchoolClass:
    if grade not in school_grades(school.stages):
        raise ValidationFailed(f"本校学段没有{grade_label(grade, school.stages)}",
                               fields={"grade": ["年级不在本校学段内"]})
    year = ensure_current_year(actor, school)
    exists = db.session.scalar(sa.select(SchoolClass.id).where(
        SchoolClass.school_year_id == year.id, SchoolClass.grade == grade, SchoolClass.number == number))
    if exists:
        raise ValidationFailed(f"{grade_label(grade, school.stages)}({number})班已存在", code="duplicate",
                               fields={"number": ["该班级已存在"]})
    school_class = SchoolClass(school_id=school.id, school=school, school_year_id=year.id, grade=grade,
                               number=number, head_teacher=_head_teacher(school, head_teacher_id))
    db.session.add(school_class)
    db.session.flush()
    record(REALM, "class.created", f"{school.name} 新建班级 {school_class.name}", actor=actor, obj=school_class)
    return school_class


def update_class(actor, school_class: SchoolClass, *, head_teacher_id: int | None) -> SchoolClass:
    _editable_class(school_class)
    teacher = _head_teacher(school_class.school, head_teacher_id)
    if school_class.head_teacher_id != (teacher.id if teacher else None):
        old = school_class.head_teacher.name if school_class.head_teacher else None
        school_class.head_teacher = teacher
        record(REALM, "class.updated", f"{school_class.name} 班主任：{old or '无'} → {teacher.name if teacher else '无'}",
               actor=actor, obj=school_class, data={"head_teacher": [old, teacher.name if teacher else None]})
    db.session.flush()
    return school_class


def delete_class(actor, school_class: SchoolClass) -> None:
    _editable_class(school_class)
    has_students = db.session.scalar(sa.select(sa.func.count()).select_from(StudentProfile)
                                     .where(StudentProfile.class_id == school_class.id))
    if has_students:
        raise Conflict("班级中还有学生记录，不能删除")
    record(REALM, "class.deleted", f"删除班级 {school_class.name}", actor=actor, obj=school_class)
    db.session.delete(school_class)
    db.session.flush()


def _editable_class(school_class: SchoolClass) -> None:
    if not school_class.school_year.is_current:
        raise Conflict("往年班级为历史记录，不能修改")


def _head_teacher(school: OrgUnit, teacher_id: int | None) -> TeacherProfile | None:
    if teacher_id is None:
        return None
    teacher = db.session.get(TeacherProfile, teacher_id)
    if teacher is None or teacher.school_id != school.id or teacher.status != TeacherStatus.ACTIVE:
        raise ValidationFailed("班主任须为本校在职教师", fields={"head_teacher_id": ["班主任须为本校在职教师"]})
    return teacher


# --- teachers --------------------------------------------------------------------------------

def find_teacher(school: OrgUnit, teacher_id: int) -> TeacherProfile:
    teacher = db.session.get(TeacherProfile, teacher_id)
    if teacher is None or teacher.school_id != school.id:
        raise NotFound("教师不存在")
    return teacher


def teacher_by_no(school: OrgUnit, teacher_no: str) -> TeacherProfile | None:
    return db.session.scalar(sa.select(TeacherProfile).where(TeacherProfile.school_id == school.id,
                                                             TeacherProfile.teacher_no == teacher_no))


def create_teacher(actor, school: OrgUnit, data: dict) -> TeacherProfile:
    if teacher_by_no(school, data["teacher_no"]) is not None:
        raise ValidationFailed(f"工号 {data['teacher_no']} 已存在", code="duplicate",
                               fields={"teacher_no": ["工号已存在"]})
    assignments = data.pop("assignments", None)
    teacher = TeacherProfile(school_id=school.id, school=school, **data)
    db.session.add(teacher)
    db.session.flush()
    if assignments is not None:
        set_assignments(teacher, assignments)
    record(REALM, "teacher.created", f"{school.name} 新增教师 {teacher.name}（{teacher.teacher_no}）",
           actor=actor, obj=teacher)
    db.session.flush()
    return teacher


def update_teacher(actor, teacher: TeacherProfile, data: dict) -> TeacherProfile:
    data = dict(data)
    if data.get("teacher_no", teacher.teacher_no) != teacher.teacher_no \
            and teacher_by_no(teacher.school, data["teacher_no"]) is not None:
        raise ValidationFailed(f"工号 {data['teacher_no']} 已存在", code="duplicate",
                               fields={"teacher_no": ["工号已存在"]})
    assignments = data.pop("assignments", None)
    changes = diff(teacher, data)
    if assignments is not None and set_assignments(teacher, assignments):
        changes["assignments"] = "changed"
    if changes.get("status") and teacher.status == TeacherStatus.LEFT:
        _deactivate_account(actor, teacher.user)
    if changes:
        record(REALM, "teacher.updated", f"修改教师 {teacher.name}", actor=actor, obj=teacher,
               data=_without_personal(changes))
    db.session.flush()
    return teacher


def set_assignments(teacher: TeacherProfile, assignments: list[dict]) -> bool:
    """Replace the teacher's 任教班级; classes must be this school's current classes."""
    wanted = set()
    for item in assignments:
        school_class = db.session.get(SchoolClass, item["class_id"])
        if school_class is None or school_class.school_id != teacher.school_id \
                or not school_class.school_year.is_current:
            raise ValidationFailed("任教班级须为本校本学年的班级", fields={"assignments": ["班级不存在"]})
        wanted.add((school_class.id, item["subject"]))
    current = {(a.class_id, a.subject): a for a in teacher.assignments
               if a.school_class.school_year.is_current}
    if set(current) == wanted:
        return False
    for key, assignment in current.items():
        if key not in wanted:
            teacher.assignments.remove(assignment)
    for class_id, subject in wanted - set(current):
        teacher.assignments.append(TeachingAssignment(class_id=class_id, subject=subject))
    db.session.flush()
    return True


# --- students --------------------------------------------------------------------------------

def find_student(school: OrgUnit, student_id: int) -> StudentProfile:
    student = db.session.get(StudentProfile, student_id)
    if student is None or student.school_id != school.id:
        raise NotFound("学生不存在")
    return student


def student_by_no(school: OrgUnit, student_no: str) -> StudentProfile | None:
    return db.session.scalar(sa.select(StudentProfile).where(StudentProfile.school_id == school.id,
                                                             StudentProfile.student_no == student_no))


def _current_class(school: OrgUnit, class_id: int) -> SchoolClass:
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != school.id or not school_class.school_year.is_current:
        raise ValidationFailed("班级须为本校本学年的班级", fields={"class_id": ["班级不存在"]})
    return school_class


def create_student(actor, school: OrgUnit, data: dict) -> StudentProfile:
    if student_by_no(school, data["student_no"]) is not None:
        raise ValidationFailed(f"学号 {data['student_no']} 已存在", code="duplicate",
                               fields={"student_no": ["学号已存在"]})
    data = dict(data)
    school_class = _current_class(school, data.pop("class_id"))
    student = StudentProfile(school_id=school.id, school=school, school_class=school_class, **data)
    db.session.add(student)
    db.session.flush()
    record(REALM, "student.created", f"{school.name} 新增学生 {student.name}（{student.student_no}）",
           actor=actor, obj=student)
    return student


def update_student(actor, student: StudentProfile, data: dict) -> StudentProfile:
    data = dict(data)
    if data.get("student_no", student.student_no) != student.student_no \
            and student_by_no(student.school, data["student_no"]) is not None:
        raise ValidationFailed(f"学号 {data['student_no']} 已存在", code="duplicate",
                               fields={"student_no": ["学号已存在"]})
    if "class_id" in data:
        if student.status != StudentStatus.ENROLLED:
            raise Conflict("只有在读学生可以调整班级")
        data["class_id"] = _current_class(student.school, data["class_id"]).id
    changes = diff(student, data)
    if changes:
        record(REALM, "student.updated", f"修改学生 {student.name}（{student.student_no}）", actor=actor,
               obj=student, data=_without_personal(changes))
    db.session.flush()
    return student


def set_student_status(actor, student: StudentProfile, status: StudentStatus, left_on: date | None = None
                       ) -> StudentProfile:
    """在读 → 转出 / 毕业 (the account is deactivated), or back to 在读 (into a current class)."""
    if status == student.status:
        return student
    old = student.status
    if status == StudentStatus.ENROLLED:
        if student.school_class is None or not student.school_class.school_year.is_current:
            raise Conflict("请先为该学生选择本学年的班级")
        student.left_on = None
        if student.user is not None and not student.user.is_active_account:
            student.user.is_active_account = True
    else:
        student.left_on = left_on or date.today()
        _deactivate_account(actor, student.user)
    student.status = status
    record(REALM, "student.status", f"学生 {student.name}（{student.student_no}）：{old.label} → {status.label}",
           actor=actor, obj=student, data={"status": [old.value, status.value]})
    db.session.flush()
    return student


def _deactivate_account(actor, user) -> None:
    if user is not None and user.is_active_account:
        user.is_active_account = False
        user.session_version += 1
        record("accounts", "user.deactivated", f"{user.username} 已离校，账户停用", actor=actor, obj=user)


def _without_personal(changes: dict) -> dict:
    """Audit entries name changed personal fields but never hold their values."""
    personal = {"id_number", "registry_no", "phone", "guardian_phone"}  # a G 学籍号 holds the ID number
    return {k: ("已修改" if k in personal else v) for k, v in changes.items()}


# --- statistics ------------------------------------------------------------------------------

def roster_stats(school: OrgUnit) -> dict:
    """Counts for the school home page: classes, students by status, teachers, accounts."""
    year = current_year(school)
    by_status = dict(db.session.execute(
        sa.select(StudentProfile.status, sa.func.count()).where(StudentProfile.school_id == school.id)
        .group_by(StudentProfile.status)).all())
    teachers = db.session.scalar(sa.select(sa.func.count()).select_from(TeacherProfile).where(
        TeacherProfile.school_id == school.id, TeacherProfile.status == TeacherStatus.ACTIVE))
    students_without_account = db.session.scalar(sa.select(sa.func.count()).select_from(StudentProfile).where(
        StudentProfile.school_id == school.id, StudentProfile.status == StudentStatus.ENROLLED,
        StudentProfile.user_id.is_(None)))
    classes = db.session.scalar(sa.select(sa.func.count()).select_from(SchoolClass).where(
        SchoolClass.school_year_id == year.id)) if year else 0
    return {
        "year": year.name if year else None,
        "classes": classes,
        "students": by_status.get(StudentStatus.ENROLLED, 0),
        "transferred": by_status.get(StudentStatus.TRANSFERRED, 0),
        "graduated": by_status.get(StudentStatus.GRADUATED, 0),
        "teachers": teachers,
        "students_without_account": students_without_account,
    }
