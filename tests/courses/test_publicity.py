"""向社会公开 of a course: its managers ask, a bureau above its unit decides (a refusal needs a reason
and is shown to the owner), every step audited; the search document carries the public token only
while the course is public."""

from __future__ import annotations

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.search.base import PUBLIC
from eduplatform.courses import permissions, publicity
from eduplatform.courses.catalogue import course_document
from eduplatform.courses.models import CoursePublicity


def _kinds(course) -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.kind).where(
        AuditEntry.object_id == str(course.id), AuditEntry.kind.like("course.public%")).order_by(AuditEntry.id)))


def test_request_then_a_bureau_above_approves(make_course, people):
    course = make_course()
    assert not permissions.can_request_public_course(people.student_a1, course)
    with pytest.raises(PermissionDenied):
        publicity.request_public(people.student_a1, course)
    publicity.request_public(people.teacher_a1, course)
    assert course.publicity == CoursePublicity.REQUESTED and not course.is_public
    assert PUBLIC not in course_document(course).acl
    # not the owner, not another district's bureau, not the school's admin
    for user in (people.teacher_a1, people.district_b_staff, people.school_a1_admin):
        assert not permissions.can_decide_public_course(user, course)
    assert course.id in [c.id for c in db.session.scalars(publicity.pending_for(people.district_a_staff))]
    assert course.id not in [c.id for c in db.session.scalars(publicity.pending_for(people.district_b_staff))]
    publicity.decide(people.district_a_staff, course, "public", None)
    assert course.is_public and PUBLIC in course_document(course).acl
    assert permissions.can_view_public_course(course)
    with pytest.raises(Conflict):
        publicity.request_public(people.teacher_a1, course)
    publicity.withdraw_public(people.teacher_a1, course)
    assert not course.is_public
    assert _kinds(course) == ["course.public_requested", "course.public_approved", "course.public_withdrawn"]


def test_a_refusal_needs_a_reason_and_is_kept(make_course, people):
    course = make_course()
    publicity.request_public(people.teacher_a1, course)
    with pytest.raises(ValidationFailed):
        publicity.decide(people.district_a_staff, course, "refuse", "  ")
    with pytest.raises(ValidationFailed):
        publicity.decide(people.district_a_staff, course, "maybe", None)
    publicity.decide(people.city_staff, course, "refuse", "课程含学生个人信息")
    assert course.publicity == CoursePublicity.NONE and course.publicity_note == "课程含学生个人信息"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "course.public_refused")).one()
    assert entry.data == {"reason": "课程含学生个人信息"} and entry.actor_id == people.city_staff.id


def test_a_draft_course_is_not_public_even_when_approved(make_course, people):
    course = make_course(publish=False)
    publicity.request_public(people.teacher_a1, course)
    publicity.decide(people.district_a_staff, course, "public", None)
    assert course.publicity == CoursePublicity.PUBLIC and not course.is_public
    assert not permissions.can_view_public_course(course)
