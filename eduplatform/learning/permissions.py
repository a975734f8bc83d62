"""Who may set, see and mark class homework.

- A teacher sets homework only for a class and subject they teach (任教: ``TeachingAssignment``) and
  manages and marks only their own homework.
- The 班主任 (``SchoolClass.head_teacher``) sees the class's day across subjects and approves
  over-budget requests (the engine's task is theirs).
- A student sees and hands in only the homework of their own class (and 分层 group), and only their
  own answers.
- The school's admin sees the load of every class (per week) and sets the school's budgets; bureau
  users above the school see the load read-only.
"""

from __future__ import annotations

from eduplatform.accounts.models import BUREAU_ROLES, Role
from eduplatform.core.permissions import in_scope
from eduplatform.schools.models import StudentProfile, TeacherProfile, TeachingAssignment
from eduplatform.schools.permissions import is_school_admin, own_school


def _teacher(user) -> TeacherProfile | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_role(Role.TEACHER):
        return None
    teacher = TeacherProfile.for_user(user)
    if teacher is None or own_school(user) is None or teacher.school_id != own_school(user).id:
        return None
    return teacher


def taught_subjects(user, school_class) -> list[str]:
    teacher = _teacher(user)
    if teacher is None or school_class.graduated:
        return []
    return sorted({a.subject for a in school_class.assignments if a.teacher_id == teacher.id})


def is_teacher(user) -> bool:
    return _teacher(user) is not None


def can_set_homework(user, school_class, subject: str) -> bool:
    return subject in taught_subjects(user, school_class)


def can_manage_homework(user, homework) -> bool:
    return (getattr(user, "is_authenticated", False) and homework.teacher_id == user.id
            and can_set_homework(user, homework.school_class, homework.subject))


def can_mark_homework(user, homework) -> bool:
    """The teacher who set it, or another teacher of the class in the subject."""
    return can_set_homework(user, homework.school_class, homework.subject)


def is_head_teacher(user, school_class) -> bool:
    teacher = _teacher(user)
    return teacher is not None and school_class.head_teacher_id == teacher.id


def can_view_class_load(user, school_class) -> bool:
    """The day across subjects: the 班主任, the class's teachers, the school admin, overseers."""
    return (is_head_teacher(user, school_class) or bool(taught_subjects(user, school_class))
            or can_view_school_load(user, school_class.school))


def can_view_school_load(user, school) -> bool:
    if school is None:
        return False
    return is_school_admin(user, school) or (bool(user.roles & BUREAU_ROLES) and in_scope(user, school))


def can_set_budget(user, school) -> bool:
    return school is not None and is_school_admin(user, school)


def can_view_homework(user, homework) -> bool:
    """The homework's page: its teachers, the 班主任 and the school (all answers); its students (their own)."""
    if can_mark_homework(user, homework) or is_head_teacher(user, homework.school_class):
        return True
    if can_view_school_load(user, homework.school_class.school):
        return True
    return is_student_of(user, homework)


def is_student_of(user, homework) -> bool:
    from eduplatform.learning.audience import is_target
    from eduplatform.learning.models import HomeworkStatus

    if not user.has_role(Role.STUDENT) or homework.status != HomeworkStatus.PUBLISHED:
        return False
    return is_target(StudentProfile.for_user(user), homework)


def can_view_answer(user, answer) -> bool:
    homework = answer.item.homework
    return answer.user_id == user.id or can_mark_homework(user, homework) or \
        is_head_teacher(user, homework.school_class)


def is_student(user) -> bool:
    return (getattr(user, "is_authenticated", False) and user.has_role(Role.STUDENT)
            and StudentProfile.for_user(user) is not None)


def has_classes(user) -> bool:
    """A teacher who teaches or heads a class (the 作业 menu, on every page: one query per request)."""
    import sqlalchemy as sa

    from eduplatform.core.extensions import db
    from eduplatform.core.memo import per_request
    from eduplatform.schools.models import SchoolClass

    teacher = _teacher(user)
    if teacher is None:
        return False
    query = sa.select(sa.or_(sa.exists().where(TeachingAssignment.teacher_id == teacher.id),
                             sa.exists().where(SchoolClass.head_teacher_id == teacher.id)))
    return per_request(("learning.has_classes", teacher.id), lambda: bool(db.session.scalar(query)))
