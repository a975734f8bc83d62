"""What the courses domain plugs into others: exam audiences (class, course) for the question bank, and
course figures for the schools' informatization indicators."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.courses.models import Course, Enrolment, EnrolmentStatus

# --- exam audiences -------------------------------------------------------------------------

def _course_members(course_id: int) -> sa.Select:
    return sa.select(Enrolment.user_id).where(Enrolment.course_id == course_id,
                                              Enrolment.status == EnrolmentStatus.ACTIVE)


def _course_targets(user) -> list[int]:
    return list(db.session.scalars(sa.select(Enrolment.course_id).where(
        Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE)))


def _describe_course(course_id: int) -> str | None:
    course = db.session.get(Course, course_id)
    return f"课程《{course.title}》学员" if course is not None and not course.is_deleted else None


def _check_course_assignable(actor, course_id: int) -> None:
    from eduplatform.core.errors import PermissionDenied
    from eduplatform.courses.permissions import can_manage_course

    course = db.session.get(Course, course_id)
    if course is None or not can_manage_course(actor, course):
        raise PermissionDenied("只能给自己管理的课程的学员安排测验")


def _class_school(class_id: int):
    from eduplatform.schools.models import SchoolClass

    school_class = db.session.get(SchoolClass, class_id)
    return school_class.school if school_class else None


def _class_members(class_id: int) -> sa.Select:
    from eduplatform.schools.models import StudentProfile, StudentStatus

    return sa.select(StudentProfile.user_id).where(StudentProfile.class_id == class_id,
                                                   StudentProfile.status == StudentStatus.ENROLLED,
                                                   StudentProfile.user_id.is_not(None))


def _class_targets(user) -> list[int]:
    from eduplatform.schools.models import StudentProfile, StudentStatus

    profile = StudentProfile.for_user(user)
    if profile is None or profile.class_id is None or profile.status != StudentStatus.ENROLLED:
        return []
    return [profile.class_id]


def _describe_class(class_id: int) -> str | None:
    from eduplatform.schools.models import SchoolClass

    school_class = db.session.get(SchoolClass, class_id)
    return f"{school_class.school.name} {school_class.name}" if school_class is not None else None


def register_audiences() -> None:
    from eduplatform.questions.audience import AudienceResolver, register_audience_kind, within_scope
    from eduplatform.questions.models import AudienceKind

    register_audience_kind(AudienceKind.COURSE, AudienceResolver("课程学员", _course_members, _course_targets,
                                                                 _describe_course, _check_course_assignable))
    register_audience_kind(AudienceKind.CLASS, AudienceResolver("班级", _class_members, _class_targets,
                                                                _describe_class, within_scope(_class_school)))


# --- indicators -----------------------------------------------------------------------------

def collect_course_figures(school_ids: sa.Select) -> dict[int, dict[str, float]]:
    """Per school (the learner's unit at enrolment): active enrolments, completions, courses offered."""
    out: dict[int, dict[str, float]] = {}
    for org_id, enrolled, completed in db.session.execute(
            sa.select(Enrolment.org_id, sa.func.count(),
                      sa.func.count(Enrolment.completed_at))
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.org_id.in_(school_ids), Enrolment.status == EnrolmentStatus.ACTIVE,
                   Course.deleted_at.is_(None))
            .group_by(Enrolment.org_id)):
        out.setdefault(org_id, {}).update(course_enrolments=enrolled, course_completions=completed)
    for org_id, count in db.session.execute(
            sa.select(Course.org_id, sa.func.count()).where(Course.org_id.in_(school_ids),
                                                            Course.status == "published",
                                                            Course.deleted_at.is_(None))
            .group_by(Course.org_id)):
        out.setdefault(org_id, {})["courses_offered"] = count
    return out


def register_indicators() -> None:
    from eduplatform.schools.indicators import (
        Figure,
        Indicator,
        IndicatorProvider,
        register_indicator_provider,
    )

    register_indicator_provider(IndicatorProvider(
        name="courses",
        figures=[Figure("courses_offered", "开设网络课程"), Figure("course_enrolments", "网络课程选课人次"),
                 Figure("course_completions", "网络课程完成人次")],
        indicators=[
            Indicator("course_completion_share", "网络课程完成率", "percent", "course_completions",
                      "course_enrolments", description="完成人次 ÷ 选课人次（学生与教师）"),
            Indicator("enrolments_per_student", "生均选课", "per", "course_enrolments", "students",
                      unit="门/人", description="网络课程选课人次 ÷ 在校学生数"),
        ],
        collect=collect_course_figures,
    ))
