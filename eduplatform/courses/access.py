"""Loading objects by id with the permission check in one place (IDOR): views and API both use these."""

from __future__ import annotations

from flask_login import current_user

from eduplatform.core.errors import Conflict
from eduplatform.core.permissions import require
from eduplatform.courses import catalogue, permissions, structure
from eduplatform.courses.enrolment import find_enrolment, get_enrolment


def course_for(course_id: int, need: str = "see"):
    """need: "see" (course page), "oversee" (figures, read-only), "manage" (change it)."""
    course = catalogue.get_course(course_id)
    if need == "manage":
        require(permissions.can_manage_course(current_user, course), action="course.manage", obj=course)
    elif need == "oversee":
        require(permissions.can_oversee_course(current_user, course), action="course.oversee", obj=course)
    else:
        require(permissions.can_see_course(current_user, course, find_enrolment(course, current_user)),
                action="course.view", obj=course)
    return course


def lesson_for(lesson_id: int, need: str = "see"):
    lesson = structure.get_lesson(lesson_id)
    course_for(lesson.course_id, need)
    return lesson


def learning(lesson_id: int):
    """(lesson, enrolment) for the current learner; 403 without an active enrolment."""
    lesson = structure.get_lesson(lesson_id)
    course = lesson.course
    enrolment = find_enrolment(course, current_user)
    require(permissions.can_learn(current_user, course, enrolment), action="lesson.learn", obj=lesson,
            message="请先选课（或等待报名审核通过）后再学习")
    return lesson, enrolment


def learning_or_preview(lesson_id: int):
    """(lesson, enrolment or None): learners with an enrolment, or the course's teachers (preview)."""
    lesson = structure.get_lesson(lesson_id)
    course = lesson.course
    enrolment = find_enrolment(course, current_user)
    if permissions.can_learn(current_user, course, enrolment):
        return lesson, enrolment
    require(permissions.can_preview(current_user, course), action="lesson.view", obj=lesson,
            message="请先选课（或等待报名审核通过）后再学习")
    return lesson, None


def enrolment_for(enrolment_id: int, need: str = "view"):
    enrolment = get_enrolment(enrolment_id)
    if need == "manage":
        require(permissions.can_manage_course(current_user, enrolment.course), action="enrolment.manage",
                obj=enrolment)
    else:
        require(permissions.can_view_progress(current_user, enrolment), action="enrolment.view", obj=enrolment)
    return enrolment


def require_active(course):
    if not course.is_published:
        raise Conflict("课程未发布或已归档", code="not_open")
