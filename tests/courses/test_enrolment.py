"""Enrolment: open, on approval (through the workflow engine), by class, closed courses, withdrawing."""

from __future__ import annotations

import pytest

from eduplatform import workflow
from eduplatform.accounts.models import Role
from eduplatform.core.errors import Conflict, PermissionDenied
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.courses import enrolment
from eduplatform.courses.models import CourseAudience, EnrolmentMode, EnrolmentSource, EnrolmentStatus


def test_open_enrolment_is_active_at_once_and_idempotent(make_course, people):
    course = make_course()
    row = enrolment.enrol(people.student_a1, course)
    assert row.status == EnrolmentStatus.ACTIVE and row.source == EnrolmentSource.SELF
    assert enrolment.enrol(people.student_a1, course).id == row.id
    assert enrolment.enrolment_count(course) == 1
    assert row.org_id == people.student_a1.org_id


def test_only_the_audience_may_enrol(make_course, people, create_user, tree):
    course = make_course()  # a student course of school A1
    with pytest.raises(PermissionDenied):
        enrolment.enrol(people.teacher_a1, course)  # not a student
    other_school = create_user("b1stu", roles=[Role.STUDENT], org=tree.school_b1)
    with pytest.raises(PermissionDenied):
        enrolment.enrol(other_school, course)
    city_wide = make_course(title="全市开放课", visible_org=tree.city)
    assert enrolment.enrol(other_school, city_wide).status == EnrolmentStatus.ACTIVE


def test_drafts_and_closed_courses_refuse_self_enrolment(make_course, people):
    draft = make_course(publish=False)
    with pytest.raises(Conflict):
        enrolment.enrol(people.student_a1, draft)
    closed = make_course(mode=EnrolmentMode.CLOSED)
    with pytest.raises(Conflict, match="按班级"):
        enrolment.enrol(people.student_a1, closed)


def test_enrolment_on_approval_runs_the_workflow(make_course, people):
    course = make_course(mode=EnrolmentMode.APPROVAL)
    row = enrolment.enrol(people.student_a1, course)
    db.session.commit()
    assert row.status == EnrolmentStatus.PENDING
    instance = enrolment.approval_instance(row)
    assert instance.state == "review"
    # The course's teacher has it in their to-do list and got a notice.
    todo = db.session.scalars(workflow.todo_query(people.teacher_a1)).all()
    assert any(t.instance_id == instance.id for t in todo)
    assert db.session.scalar(db.select(Notice).where(Notice.user_id == people.teacher_a1.id)) is not None
    with pytest.raises(PermissionDenied):
        enrolment.decide(people.teacher_b1, row, approve=True)
    enrolment.decide(people.teacher_a1, row, approve=True)
    db.session.commit()
    assert row.status == EnrolmentStatus.ACTIVE and row.enrolled_at is not None
    assert instance.state == "approved"


def test_rejection_needs_a_reason_and_tells_the_learner(make_course, people):
    from eduplatform.core.errors import ValidationFailed

    course = make_course(mode=EnrolmentMode.APPROVAL)
    row = enrolment.enrol(people.student_a1, course)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        enrolment.decide(people.teacher_a1, row, approve=False, reason="")
    db.session.rollback()
    enrolment.decide(people.teacher_a1, row, approve=False, reason="名额已满，请下学期报名")
    db.session.commit()
    assert row.status == EnrolmentStatus.REJECTED and row.reject_reason == "名额已满，请下学期报名"
    notice = db.session.scalar(db.select(Notice).where(Notice.user_id == people.student_a1.id,
                                                       Notice.kind == "returned"))
    assert "报名未通过" in notice.title
    # A rejected learner may ask again: a new request.
    again = enrolment.enrol(people.student_a1, course)
    assert again.status == EnrolmentStatus.PENDING


def test_a_pending_request_can_be_withdrawn(make_course, people):
    course = make_course(mode=EnrolmentMode.APPROVAL)
    row = enrolment.enrol(people.student_a1, course)
    db.session.commit()
    enrolment.withdraw(people.student_a1, row)
    db.session.commit()
    assert row.status == EnrolmentStatus.WITHDRAWN
    assert enrolment.approval_instance(row).state == "withdrawn"


def test_a_teacher_enrols_a_whole_class(make_course, people, roster):
    course = make_course(mode=EnrolmentMode.CLOSED)
    result = enrolment.enrol_class(people.teacher_a1, course, roster["class"])
    db.session.commit()
    assert result == {"added": 2, "already": 0, "no_account": 1}
    rows = db.session.scalars(enrolment.learners_query(course)).all()
    assert {r.user_id for r in rows} == {u.id for u in roster["students"]}
    assert all(r.source == EnrolmentSource.CLASS and r.class_id == roster["class"].id for r in rows)
    # Again: nobody twice.
    assert enrolment.enrol_class(people.teacher_a1, course, roster["class"])["already"] == 2
    # A class-enrolled learner cannot leave by themselves.
    with pytest.raises(Conflict):
        enrolment.withdraw(roster["students"][0], rows[0])


def test_class_enrolment_needs_a_class_the_teacher_may_see(make_course, people, roster, create_user, tree):
    course = make_course(owner=people.teacher_a1)
    other_teacher = create_user("a1teacher2", roles=[Role.TEACHER], org=tree.school_a1)
    with pytest.raises(PermissionDenied):
        enrolment.enrol_class(people.teacher_b1, course, roster["class"])
    teachers_course = make_course(title="教师培训", audience=CourseAudience.TEACHERS)
    with pytest.raises(PermissionDenied):
        enrolment.enrol_class(people.teacher_a1, teachers_course, roster["class"])
    _ = other_teacher


def test_course_audience_resolver_gives_quizzes_to_enrolled_learners(make_course, people, roster):
    from eduplatform.questions.audience import resolver_for
    from eduplatform.questions.models import AudienceKind

    course = make_course()
    enrolment.enrol(people.student_a1, course)
    db.session.commit()
    resolver = resolver_for(AudienceKind.COURSE)
    assert set(db.session.scalars(resolver.members(course.id))) == {people.student_a1.id}
    assert resolver.targets_for(people.student_a1) == [course.id]
    assert "一元一次方程" in resolver.describe(course.id)
    classes = resolver_for(AudienceKind.CLASS)
    assert set(db.session.scalars(classes.members(roster["class"].id))) == {u.id for u in roster["students"]}
    assert classes.targets_for(roster["students"][0]) == [roster["class"].id]


def test_course_and_class_audiences_say_who_may_give_them_an_exam(make_course, people, roster):
    """The kinds carry their own assignment rule: the question bank asks them, naming no course."""
    from eduplatform.questions.audience import check_assignable
    from eduplatform.questions.models import AudienceKind

    course = make_course(owner=people.teacher_a1)
    check_assignable(people.teacher_a1, [(AudienceKind.COURSE, course.id)])
    with pytest.raises(PermissionDenied, match="只能给自己管理的课程的学员安排测验"):
        check_assignable(people.teacher_b1, [(AudienceKind.COURSE, course.id)])
    with pytest.raises(PermissionDenied, match="只能给自己管理的课程的学员安排测验"):
        check_assignable(people.teacher_a1, [(AudienceKind.COURSE, 999999)])
    check_assignable(people.teacher_a1, [(AudienceKind.CLASS, roster["class"].id)])
    with pytest.raises(PermissionDenied, match="管辖范围内"):
        check_assignable(people.teacher_b1, [(AudienceKind.CLASS, roster["class"].id)])
