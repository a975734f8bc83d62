"""Who sees which 学情.

- A student: only their own (page, API, term report).
- A teacher: the classes they teach (任教, any subject) or head (班主任), and those classes' students.
- The school admin: every class and student of their school.
- Whoever a domain above registers with ``register_student_viewer`` (e.g. a student's parents).
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.learning.permissions import _teacher
from eduplatform.schools.models import SchoolClass, TeachingAssignment
from eduplatform.schools.permissions import is_school_admin, own_school

#: (user, student) → bool predicates registered by domains above learning
_STUDENT_VIEWERS: list = []


def register_student_viewer(predicate) -> None:
    """Let another domain grant access to a student's 学情 (page, API, term report)."""
    if predicate not in _STUDENT_VIEWERS:
        _STUDENT_VIEWERS.append(predicate)


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def teacher_class_ids(user) -> set[int]:
    """The classes a teacher teaches or heads (one statement)."""
    teacher = _teacher(user)
    if teacher is None:
        return set()
    taught = sa.select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == teacher.id)
    return set(db.session.scalars(sa.select(SchoolClass.id).where(sa.or_(
        SchoolClass.id.in_(taught), SchoolClass.head_teacher_id == teacher.id))))


def is_school_side_admin(user, school) -> bool:
    return _authenticated(user) and school is not None and is_school_admin(user, school)


def can_view_class_mastery(user, school_class) -> bool:
    if not _authenticated(user):
        return False
    return is_school_side_admin(user, school_class.school) or school_class.id in teacher_class_ids(user)


def can_view_student_mastery(user, student) -> bool:
    if not _authenticated(user):
        return False
    if student.user_id is not None and student.user_id == user.id and user.has_role(Role.STUDENT):
        return True
    if is_school_side_admin(user, student.school):
        return True
    if student.class_id is not None and student.class_id in teacher_class_ids(user):
        return True
    return any(viewer(user, student) for viewer in _STUDENT_VIEWERS)


def can_view_heatmap(user) -> bool:
    """The 学情 heat map page: a school admin, or a teacher with classes (the menu asks on every page:
    ``has_classes`` is one memoised statement per request)."""
    from eduplatform.learning.permissions import has_classes

    school = own_school(user)
    return school is not None and (is_school_side_admin(user, school) or has_classes(user))


def visible_classes(user, classes: list) -> list:
    """Of a grade's classes, those the user may see."""
    if not classes:
        return []
    if is_school_side_admin(user, classes[0].school):
        return classes
    mine = teacher_class_ids(user)
    return [c for c in classes if c.id in mine]
