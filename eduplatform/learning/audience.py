"""Who a homework is for: the 在读 students of its class, or of its 分层 group in the subject."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.learning.models import GroupMember, Homework, Level
from eduplatform.schools.models import StudentProfile, StudentStatus


def group_of(student: StudentProfile, subject: str) -> Level | None:
    if student.class_id is None:
        return None
    return db.session.scalar(sa.select(GroupMember.level).where(
        GroupMember.class_id == student.class_id, GroupMember.subject == subject,
        GroupMember.student_id == student.id))


def target_students(homework: Homework) -> list[StudentProfile]:
    """The 在读 students of the class (of the group, for 分层 homework), by 学号."""
    query = sa.select(StudentProfile).where(StudentProfile.class_id == homework.class_id,
                                            StudentProfile.status == StudentStatus.ENROLLED)
    if homework.level is not None:
        query = query.join(GroupMember, sa.and_(GroupMember.student_id == StudentProfile.id,
                                                GroupMember.class_id == homework.class_id,
                                                GroupMember.subject == homework.subject,
                                                GroupMember.level == homework.level))
    return list(db.session.scalars(query.order_by(StudentProfile.student_no)))


def is_target(student: StudentProfile | None, homework: Homework) -> bool:
    if student is None or student.class_id != homework.class_id or student.status != StudentStatus.ENROLLED:
        return False
    return homework.level is None or group_of(student, homework.subject) == homework.level
