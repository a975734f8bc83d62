"""Who sees what of 家校.

- A parent sees only the students linked to their account (active links): their homework, marks,
  the class notices of their class, their own threads. Anything else answers 404 (ids cannot be probed).
- The 班主任 of a class posts its notices, sees the 回执 and the threads of the class, and may print
  its invitation slips; the school admin prints slips and revokes links for the whole school, and may
  read (audit) every thread of the school — each such read is itself audited.
- Nobody else: other teachers, other schools, bureaus and the three administrators see none of it.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.core.memo import per_request
from eduplatform.families.models import ParentLink
from eduplatform.schools.models import TeacherProfile
from eduplatform.schools.permissions import is_school_admin, own_school


def _authed(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_parent(user) -> bool:
    return _authed(user) and user.has_role(Role.PARENT)


def linked_student_ids(user) -> frozenset[int]:
    """The students this parent may see (once a request)."""
    if not is_parent(user):
        return frozenset()
    return per_request(("families.linked", user.id), lambda: frozenset(db.session.scalars(
        sa.select(ParentLink.student_id).where(ParentLink.parent_id == user.id, ParentLink.revoked_at.is_(None)))))


def is_parent_of(user, student) -> bool:
    return student is not None and student.id in linked_student_ids(user)


def _teacher(user) -> TeacherProfile | None:
    if not _authed(user) or not user.has_role(Role.TEACHER):
        return None
    return TeacherProfile.for_user(user)


def is_head_teacher(user, school_class) -> bool:
    teacher = _teacher(user)
    return (teacher is not None and school_class is not None and school_class.head_teacher_id == teacher.id
            and own_school(user) == school_class.school)


def headed_class_ids(user) -> list[int]:
    from eduplatform.schools.models import SchoolClass

    teacher = _teacher(user)
    if teacher is None:
        return []
    return per_request(("families.headed", user.id), lambda: list(db.session.scalars(
        sa.select(SchoolClass.id).where(SchoolClass.head_teacher_id == teacher.id, SchoolClass.graduated.is_(False))
        .order_by(SchoolClass.grade, SchoolClass.number))))


def is_family_admin(user, school) -> bool:
    """The school admin: slips, links and the audit of threads of the whole school."""
    return _authed(user) and school is not None and is_school_admin(user, school)


def can_manage_class_families(user, school_class) -> bool:
    """Print invitation slips, see the class's links: its 班主任 or the school admin."""
    return is_head_teacher(user, school_class) or is_family_admin(user, school_class.school)


def can_revoke_link(user, link) -> bool:
    from eduplatform.schools.models import StudentProfile

    student = db.session.get(StudentProfile, link.student_id)
    if student is None:
        return False
    if is_family_admin(user, student.school):
        return True
    return student.school_class is not None and is_head_teacher(user, student.school_class)


def can_post_notice(user, school_class) -> bool:
    return is_head_teacher(user, school_class)


def can_manage_notice(user, notice) -> bool:
    """See the 回执 list and remind: the class's 班主任 (and the school admin reads it)."""
    return is_head_teacher(user, notice.school_class) or is_family_admin(user, notice.school_class.school)


def can_view_child(user, student) -> bool:
    return is_parent_of(user, student)


def can_view_thread(user, thread) -> bool:
    """The parent of the thread, or the 班主任 of the child's class (not the school's audit read)."""
    if is_parent(user):
        return thread.parent_id == user.id and thread.student_id in linked_student_ids(user)
    student = thread.student
    return student.school_class is not None and is_head_teacher(user, student.school_class)


def can_audit_threads(user, school) -> bool:
    return is_family_admin(user, school)


def has_family_pages(user) -> bool:
    return is_parent(user) or bool(headed_class_ids(user)) or is_family_admin(user, own_school(user))
