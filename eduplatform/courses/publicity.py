"""向社会公开 of a course: the owner (or the unit's managers) asks, a bureau above the course's unit
decides (approves, or refuses with the reason recorded and shown to the owner).

A public course, once published, is open on the public site (门户网站) without a login: its page,
its outline, and its video, audio, document and text lessons. Progress is recorded only for
signed-in, enrolled learners; quizzes, assignments and SCORM lessons (which record what a learner
does) show their title and ask for a login. Withdrawing 向社会公开 applies at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import permissions
from eduplatform.courses.models import Course, CoursePublicity, CourseStatus, LessonKind

REALM = "courses"
MAX_REASON = 1000
#: Lesson kinds a visitor of the public site opens without a login (the others record what a learner does).
OPEN_KINDS = (LessonKind.VIDEO, LessonKind.AUDIO, LessonKind.DOCUMENT, LessonKind.TEXT)


def request_public(actor, course: Course) -> None:
    if not permissions.can_request_public_course(actor, course):
        raise PermissionDenied("只有课程的负责人可以申请向社会公开")
    if course.publicity != CoursePublicity.NONE:
        raise Conflict(f"课程已是“{course.publicity.label}”", code="public_state")
    course.publicity = CoursePublicity.REQUESTED
    record(REALM, "course.public_requested", f"申请课程向社会公开：{course.title}", actor=actor, obj=course)
    db.session.flush()


def withdraw_public(actor, course: Course) -> None:
    """The course's managers take it off the public site (or withdraw the request), at once."""
    if not permissions.can_request_public_course(actor, course):
        raise PermissionDenied("只有课程的负责人可以取消向社会公开")
    if course.publicity == CoursePublicity.NONE:
        raise Conflict("课程未向社会公开", code="public_state")
    previous = course.publicity
    course.publicity = CoursePublicity.NONE
    record(REALM, "course.public_withdrawn", f"取消课程向社会公开：{course.title}（原为{previous.label}）",
           actor=actor, obj=course, data={"from": previous.value})
    db.session.flush()


def decide(actor, course: Course, public: str | None, reason: str | None) -> None:
    """A bureau above the course's unit approves ("public") or refuses ("refuse", with a reason)."""
    if not permissions.can_decide_public_course(actor, course):
        raise PermissionDenied("您不是该课程向社会公开申请的审核人")
    public = (public or "").strip()
    reason = (reason or "").strip() or None
    if public not in ("public", "refuse"):
        raise ValidationFailed("请选择“同意向社会公开”或“不同意”", fields={"public": ["请选择"]})
    if public == "refuse" and not reason:
        raise ValidationFailed("不同意向社会公开时必须填写理由", fields={"reason": ["请填写理由"]})
    if reason and len(reason) > MAX_REASON:
        raise ValidationFailed(f"理由不能超过 {MAX_REASON} 字", fields={"reason": ["理由过长"]})
    if public == "public":
        course.publicity, course.publicity_note = CoursePublicity.PUBLIC, None
        record(REALM, "course.public_approved", f"同意课程向社会公开：{course.title}", actor=actor, obj=course)
    else:
        course.publicity, course.publicity_note = CoursePublicity.NONE, reason
        record(REALM, "course.public_refused", f"不同意课程向社会公开：{course.title}，理由：{reason}",
               actor=actor, obj=course, data={"reason": reason})
    db.session.flush()


def pending_for(user):
    """A select of the courses whose 向社会公开 request waits for ``user``'s decision."""
    root = getattr(user, "scope_root", None) if getattr(user, "is_authenticated", False) else None
    from eduplatform.accounts.models import Role

    if root is None or not root.is_bureau or not user.has_role(Role.BUREAU_STAFF, Role.BUREAU_LEADER):
        return sa.select(Course).where(sa.false())
    return (sa.select(Course).where(Course.publicity == CoursePublicity.REQUESTED, Course.deleted_at.is_(None),
                                    Course.org_id.in_(root.subtree_ids()), Course.owner_id != user.id)
            .order_by(Course.updated_at, Course.id))


def public_courses():
    """A select of the public courses, newest first (the portal's 公开课程)."""
    return (sa.select(Course).where(Course.status == CourseStatus.PUBLISHED, Course.deleted_at.is_(None),
                                    Course.publicity == CoursePublicity.PUBLIC)
            .order_by(Course.published_at.desc(), Course.id.desc()))


def public_course_list(limit: int):
    """The newest public courses with their owners (and units) loaded in the same query (the portal
    home's 公开课程 block shows both)."""
    return public_courses().options(joinedload(Course.owner)).limit(limit)


def lesson_is_open(lesson) -> bool:
    """A lesson a visitor of the public site opens without a login (its course must be public)."""
    return permissions.can_view_public_course(lesson.course) and lesson.kind in OPEN_KINDS
