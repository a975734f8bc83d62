"""Login accounts for rostered people: initial passwords shown once, on a printable slip.

Accounts are made by ``accounts.services.create_user`` (role student/teacher, org = the school,
``must_change_password=True``). Passwords are hashed with scrypt (~75 ms each), so accounts are
provisioned class by class rather than inside a 3,000-row import.
"""

from __future__ import annotations

from dataclasses import dataclass

from eduplatform.accounts.models import Role
from eduplatform.accounts.services import create_user, find_user
from eduplatform.audit.services import record
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.schools.models import SchoolClass, TeacherProfile, TeacherStatus


@dataclass(frozen=True)
class AccountSlip:
    """One line of the printed slip: who, their username and (only right after creation) the password."""

    name: str
    number: str
    class_name: str
    username: str
    password: str | None


def student_username(school: OrgUnit, student_no: str) -> str:
    """``s`` + 学校标识码 + 学号: unique across the platform, and readable on a slip."""
    return f"s{school.code}{student_no}"


def teacher_username(school: OrgUnit, teacher_no: str) -> str:
    return f"t{school.code}{teacher_no}"


def provision_class_accounts(actor, school_class: SchoolClass) -> list[AccountSlip]:
    """Create accounts for the class's students that have none; slips for the whole class."""
    school = school_class.school
    slips = []
    created = 0
    for student in school_class.students:
        password = None
        if student.user is None:
            student.user, password = _new_account(actor, school, student_username(school, student.student_no),
                                                  student.name, Role.STUDENT)
            created += 1
        slips.append(AccountSlip(student.name, student.student_no, school_class.name, student.user.username,
                                 password))
    if created:
        record("schools", "accounts.provisioned", f"{school_class.name} 开通学生账户 {created} 个",
               actor=actor, obj=school_class, data={"created": created})
    db.session.flush()
    return slips


def provision_teacher_accounts(actor, school: OrgUnit, teachers: list[TeacherProfile]) -> list[AccountSlip]:
    slips = []
    created = 0
    for teacher in teachers:
        if teacher.status != TeacherStatus.ACTIVE:
            continue
        password = None
        if teacher.user is None:
            teacher.user, password = _new_account(actor, school, teacher_username(school, teacher.teacher_no),
                                                  teacher.name, Role.TEACHER)
            created += 1
        slips.append(AccountSlip(teacher.name, teacher.teacher_no, "", teacher.user.username, password))
    if created:
        record("schools", "accounts.provisioned", f"{school.name} 开通教师账户 {created} 个", actor=actor,
               obj=school, data={"created": created})
    db.session.flush()
    return slips


def _new_account(actor, school, username, display_name, role):
    if find_user(username) is not None:
        # A leftover account with this name (e.g. a person deleted and re-imported) is not reused
        # silently: it may belong to someone else.
        from eduplatform.core.errors import Conflict

        raise Conflict(f"用户名 {username} 已被占用，请联系管理员处理")
    return create_user(actor, username=username, display_name=display_name, roles={role}, org=school,
                       must_change_password=True)


def slips_for_class(school_class: SchoolClass) -> list[AccountSlip]:
    """The class's slips without passwords (they are shown only once, when created)."""
    return [AccountSlip(s.name, s.student_no, school_class.name, s.user.username, None)
            for s in school_class.students if s.user is not None]


def student_without_account_count(school_class: SchoolClass) -> int:
    return sum(1 for s in school_class.students if s.user is None)
