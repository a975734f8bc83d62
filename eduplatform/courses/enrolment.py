"""Enrolment: open self-enrolment, on approval (a small workflow process), or a whole class by a teacher."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import permissions
from eduplatform.courses.models import (
    Course,
    CourseStatus,
    Enrolment,
    EnrolmentMode,
    EnrolmentSource,
    EnrolmentStatus,
)

REALM = "courses"
PROCESS = "course_enrolment"


def find_enrolment(course: Course, user) -> Enrolment | None:
    return Enrolment.of(course, user)


def get_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.course.is_deleted:
        raise NotFound("选课记录不存在")
    return enrolment


def enrolment_count(course: Course) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.course_id == course.id, Enrolment.status == EnrolmentStatus.ACTIVE)) or 0


def _learner_org_id(user) -> int | None:
    return user.scope_root.id if user.scope_root is not None else None


def _activate(enrolment: Enrolment, source: EnrolmentSource, class_id: int | None = None) -> None:
    enrolment.status = EnrolmentStatus.ACTIVE
    enrolment.source = source
    enrolment.class_id = class_id if class_id is not None else enrolment.class_id
    enrolment.enrolled_at = utcnow()
    enrolment.reject_reason = None


def enrol(actor, course: Course) -> Enrolment:
    """The learner enrols themselves: active at once (open), or a request to the course's teacher."""
    if not course.is_published:
        raise Conflict("课程未发布或已归档，不能选课", code="not_open")
    if not permissions.is_in_audience(actor, course):
        raise PermissionDenied("这门课程不面向您开放")
    if course.enrolment_mode == EnrolmentMode.CLOSED:
        raise Conflict("这门课程由教师按班级指定学员，不能自行选课", code="closed")
    enrolment = find_enrolment(course, actor)
    if enrolment is not None and enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PENDING):
        return enrolment  # idempotent
    if enrolment is None:
        enrolment = Enrolment(course_id=course.id, user_id=actor.id, org_id=_learner_org_id(actor),
                              status=EnrolmentStatus.PENDING, source=EnrolmentSource.SELF, progress_percent=0)
        db.session.add(enrolment)
    enrolment.requested_at = utcnow()
    db.session.flush()
    if course.enrolment_mode == EnrolmentMode.OPEN:
        _activate(enrolment, EnrolmentSource.SELF)
        record(REALM, "enrolment.created", f"选课：{course.title}", actor=actor, obj=enrolment)
        from eduplatform.courses.completion import update_course_progress

        update_course_progress(enrolment)
    else:
        _request_approval(actor, course, enrolment)
    db.session.flush()
    return enrolment


def _request_approval(actor, course: Course, enrolment: Enrolment) -> None:
    from eduplatform import workflow

    enrolment.status = EnrolmentStatus.PENDING
    enrolment.source = EnrolmentSource.APPROVAL
    enrolment.reject_reason = None
    record(REALM, "enrolment.requested", f"报名（待审核）：{course.title}", actor=actor, obj=enrolment)
    db.session.flush()
    workflow.start(PROCESS, subject=enrolment, org=course.org, actor=actor,
                   title=f"{actor.display_name} 报名《{course.title}》", data={"approver": course.owner_id})


def approval_instance(enrolment: Enrolment):
    from eduplatform import workflow

    return workflow.instance_for(enrolment, PROCESS)


def decide(actor, enrolment: Enrolment, *, approve: bool, reason: str = "") -> Enrolment:
    """The course's teacher approves or rejects a request (through the workflow, in one transaction)."""
    from eduplatform import workflow

    if enrolment.status != EnrolmentStatus.PENDING:
        raise Conflict("该报名已处理", code="decided")
    instance = approval_instance(enrolment)
    if instance is None or not instance.is_active:
        raise Conflict("该报名没有进行中的审核", code="no_process")
    if not permissions.can_manage_course(actor, enrolment.course):
        raise PermissionDenied("只有课程负责人可以审核报名")
    task = next((t for t in workflow.current_tasks(instance) if t.is_open), None)
    if task is not None and task.assignee_id != actor.id:
        task.assignee_id = actor.id  # a manager of the course's unit acts for the owner
        db.session.flush()
    workflow.perform(instance, "approve" if approve else "reject", actor=actor, reason=reason or None)
    return enrolment


def on_decided(event) -> None:
    """Workflow hook: keep the enrolment's status with the process (approve / reject / withdraw)."""
    from eduplatform.core.notices import notify
    from eduplatform.courses.completion import update_course_progress

    enrolment: Enrolment = event.subject
    if enrolment is None or event.kind != "transition":
        return
    course = enrolment.course
    if event.to_state == "approved":
        _activate(enrolment, EnrolmentSource.APPROVAL)
        record(REALM, "enrolment.approved", f"报名通过：{course.title}（{enrolment.user.display_name}）",
               actor=event.actor, obj=enrolment)
        update_course_progress(enrolment)
    elif event.to_state == "rejected":
        enrolment.status = EnrolmentStatus.REJECTED
        enrolment.reject_reason = (event.reason or "")[:500]
        record(REALM, "enrolment.rejected", f"报名未通过：{course.title}（{enrolment.user.display_name}）",
               actor=event.actor, obj=enrolment, data={"reason": event.reason})
        notify("courses", "returned", users=[enrolment.user], title=f"报名未通过：{course.title}", body=event.reason or "")
    elif event.to_state == "withdrawn":
        enrolment.status = EnrolmentStatus.WITHDRAWN
        record(REALM, "enrolment.withdrawn", f"撤回报名：{course.title}", actor=event.actor, obj=enrolment)
    db.session.flush()


def withdraw(actor, enrolment: Enrolment) -> Enrolment:
    """The learner leaves (or withdraws a pending request); what they earned stays recorded."""
    from eduplatform import workflow

    if enrolment.user_id != actor.id:
        raise PermissionDenied("只能退出自己的选课")
    if enrolment.status == EnrolmentStatus.PENDING:
        instance = approval_instance(enrolment)
        if instance is not None and instance.is_active:
            workflow.perform(instance, "withdraw", actor=actor)
            return enrolment
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise Conflict("当前不在学习中", code="not_active")
    if enrolment.source == EnrolmentSource.CLASS:
        raise Conflict("按班级指定的课程不能自行退出，请联系任课教师", code="by_class")
    enrolment.status = EnrolmentStatus.WITHDRAWN
    record(REALM, "enrolment.withdrawn", f"退出课程：{enrolment.course.title}", actor=actor, obj=enrolment)
    db.session.flush()
    return enrolment


def enrol_class(actor, course: Course, school_class) -> dict:
    """Enrol every 在读 student of a class who has an account; returns {"added", "already", "no_account"}."""
    from eduplatform.courses.completion import update_course_progress
    from eduplatform.schools.services import class_students

    if course.status == CourseStatus.ARCHIVED:
        raise Conflict("课程已归档，不能再添加学员", code="archived")
    if not permissions.can_enrol_class(actor, course, school_class):
        raise PermissionDenied("只能为自己任教（或管理）的、在课程开放范围内的班级选课")
    students = list(db.session.scalars(class_students(school_class)))
    existing = {e.user_id: e for e in db.session.scalars(sa.select(Enrolment).where(
        Enrolment.course_id == course.id, Enrolment.user_id.in_([s.user_id for s in students if s.user_id])))}
    added = already = no_account = 0
    for student in students:
        if student.user_id is None:
            no_account += 1
            continue
        enrolment = existing.get(student.user_id)
        if enrolment is not None and enrolment.status == EnrolmentStatus.ACTIVE:
            already += 1
            continue
        if enrolment is None:
            enrolment = Enrolment(course_id=course.id, user_id=student.user_id, org_id=student.school_id,
                                  progress_percent=0)
            db.session.add(enrolment)
        elif enrolment.status == EnrolmentStatus.PENDING:
            instance = approval_instance(enrolment)
            if instance is not None and instance.is_active:
                from eduplatform import workflow

                workflow.cancel(instance, actor, "教师已按班级为其选课")
        _activate(enrolment, EnrolmentSource.CLASS, school_class.id)
        db.session.flush()
        update_course_progress(enrolment)
        added += 1
    record(REALM, "enrolment.class", f"按班级选课：{course.title} ← {school_class.name}（新增 {added} 人）",
           actor=actor, obj=course, data={"class": school_class.id, "added": added, "already": already,
                                          "no_account": no_account})
    db.session.flush()
    return {"added": added, "already": already, "no_account": no_account}


def learners_query(course: Course, *, status: EnrolmentStatus | None = EnrolmentStatus.ACTIVE):
    from eduplatform.accounts.models import User

    query = (sa.select(Enrolment).join(User, User.id == Enrolment.user_id).where(Enrolment.course_id == course.id)
             .order_by(User.display_name, User.id))
    if status is not None:
        query = query.where(Enrolment.status == status)
    return query


def my_enrolments_query(user):
    return (sa.select(Enrolment).join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id == user.id, Course.deleted_at.is_(None),
                   Enrolment.status.in_([EnrolmentStatus.ACTIVE, EnrolmentStatus.PENDING, EnrolmentStatus.REJECTED]))
            .order_by(Enrolment.completed_at.is_not(None), Enrolment.last_activity_at.desc().nulls_last(),
                      Enrolment.id.desc()))


def require_class(class_id: int):
    from eduplatform.schools.models import SchoolClass

    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        raise ValidationFailed("班级不存在", fields={"class_id": ["班级不存在"]})
    return school_class
