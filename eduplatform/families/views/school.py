"""The school's 家校 page: classes with their linked parents, and the audit of message threads
(every thread the school opens is an audit entry)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user, login_required

from eduplatform.core.extensions import db
from eduplatform.core.paging import page_number
from eduplatform.core.permissions import require
from eduplatform.families import bp, permissions, services
from eduplatform.families.access import audited_thread
from eduplatform.families.models import ParentLink
from eduplatform.schools.models import SchoolClass, SchoolYear
from eduplatform.schools.permissions import own_school


@bp.get("/school")
@login_required
def school_home():
    school = own_school(current_user)
    require(permissions.is_family_admin(current_user, school), action="families.school_home",
            message="只有学校管理员可以查看本校家校情况")
    classes = db.session.scalars(sa.select(SchoolClass).join(SchoolYear).where(
        SchoolClass.school_id == school.id, SchoolYear.is_current.is_(True), SchoolClass.graduated.is_(False))
        .order_by(SchoolClass.grade, SchoolClass.number)).all()
    linked = dict(db.session.execute(sa.select(ParentLink.student_id, sa.func.count()).where(
        ParentLink.school_id == school.id, ParentLink.revoked_at.is_(None)).group_by(ParentLink.student_id)).all())
    from eduplatform.schools.models import StudentProfile, StudentStatus

    per_class: dict[int, int] = {}
    for class_id, student_id in db.session.execute(sa.select(StudentProfile.class_id, StudentProfile.id).where(
            StudentProfile.school_id == school.id, StudentProfile.status == StudentStatus.ENROLLED)):
        if student_id in linked:
            per_class[class_id] = per_class.get(class_id, 0) + 1
    threads = db.paginate(services.school_threads_query(school.id), page=page_number(), per_page=20, error_out=False)
    return render_template("families/school.html", school=school, classes=classes, per_class=per_class,
                           threads=threads)


@bp.get("/school/threads/<int:thread_id>")
@login_required
def audit_thread(thread_id: int):
    thread = audited_thread(thread_id)
    services.audit_read(current_user, thread)
    db.session.commit()
    return render_template("families/thread.html", thread=thread, messages=services.thread_messages(thread),
                           head_teacher=services.head_teacher_user(thread.student), audit=True)
