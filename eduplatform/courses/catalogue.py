"""Courses: create, edit, publish, archive; the catalogue (Chinese full-text search with filters).

Services take an explicit ``actor``, check the business rules, audit and flush; the view commits.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import diff, record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.text.richtext import clean_html, plain_text
from eduplatform.courses.models import Course, CourseAudience, CourseStatus, Lesson
from eduplatform.orgs.models import OrgUnit, Stage
from eduplatform.questions.vocab import GRADES, SUBJECTS

REALM = "courses"
EDITABLE = ("title", "summary", "description", "stage", "subject", "grade", "audience", "enrolment_mode",
            "training_hours", "visible_org_id")


def get_course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or course.is_deleted:
        raise NotFound("课程不存在")
    return course


def visible_org_choices(user) -> list[OrgUnit]:
    """Where a course of this user may be opened to: their unit, then each unit above it."""
    root = user.scope_root
    return [root, *root.ancestors()] if root is not None else []


def _visible_org(actor, org_id: int | None, default: OrgUnit) -> OrgUnit:
    if org_id is None:
        return default
    for unit in visible_org_choices(actor):
        if unit.id == org_id:
            return unit
    raise ValidationFailed("开放范围只能是本单位或上级单位", fields={"visible_org_id": ["开放范围不正确"]})


def create_course(actor, data: dict) -> Course:
    org = actor.scope_root
    if org is None:
        raise ValidationFailed("没有所属单位的用户不能建课程")
    values = {k: data[k] for k in EDITABLE if k in data and k != "visible_org_id"}
    values["description"] = clean_html(values.get("description", ""), inline_images=False)
    course = Course(**values, org_id=org.id, owner_id=actor.id,
                    visible_org_id=_visible_org(actor, data.get("visible_org_id"), org).id)
    db.session.add(course)
    db.session.flush()
    record(REALM, "course.created", f"新建课程：{course.title}", actor=actor, obj=course)
    return course


def update_course(actor, course: Course, data: dict) -> Course:
    values = {k: data[k] for k in EDITABLE if k in data}
    if "description" in values:
        values["description"] = clean_html(values["description"], inline_images=False)
    if "visible_org_id" in values:
        values["visible_org_id"] = _visible_org(actor, values["visible_org_id"], course.visible_org).id
    if "audience" in values and values["audience"] != course.audience and _has_enrolments(course):
        raise Conflict("已有学员选课，不能更改学习对象", code="has_enrolments")
    audience = values.get("audience", course.audience)
    if values.get("training_hours", course.training_hours) and audience != CourseAudience.TEACHERS:
        raise ValidationFailed("只有教师培训课程可以设置继续教育学时", fields={"training_hours": ["仅教师课程可设学时"]})
    changes = diff(course, values)
    if changes:
        record(REALM, "course.updated", f"修改课程：{course.title}（{'、'.join(changes)}）", actor=actor, obj=course,
               data=changes)
    db.session.flush()
    return course


def _has_enrolments(course: Course) -> bool:
    from eduplatform.courses.models import Enrolment

    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)
                             .where(Enrolment.course_id == course.id)) > 0


def publish_course(actor, course: Course) -> Course:
    if course.status == CourseStatus.PUBLISHED:
        return course
    lessons = db.session.scalar(sa.select(sa.func.count()).select_from(Lesson).where(Lesson.course_id == course.id))
    if not lessons:
        raise Conflict("课程还没有课时，不能发布", code="empty_course")
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or utcnow()
    record(REALM, "course.published", f"发布课程：{course.title}", actor=actor, obj=course)
    db.session.flush()
    return course


def archive_course(actor, course: Course) -> Course:
    """Closed to new learners and new progress; what was earned stays."""
    if course.status != CourseStatus.ARCHIVED:
        course.status = CourseStatus.ARCHIVED
        record(REALM, "course.archived", f"归档课程：{course.title}", actor=actor, obj=course)
        db.session.flush()
    return course


def delete_course(actor, course: Course) -> None:
    if course.status == CourseStatus.PUBLISHED:
        raise Conflict("已发布的课程请先归档再删除", code="published")
    course.soft_delete(actor)
    record(REALM, "course.deleted", f"删除课程：{course.title}", actor=actor, obj=course)
    db.session.flush()


# --- the catalogue ------------------------------------------------------------------------------

def audience_ids(user) -> list[int]:
    """Ids of the units whose courses the user's unit may see (itself and every unit above it)."""
    org = getattr(user, "org", None)
    return org.path_ids if org is not None else []


def catalogue_query(user, *, stage: str = "", subject: str = "", grade: str = "", audience: str = ""):
    """Published courses this user could take (their role and unit), newest first."""
    from eduplatform.accounts.models import Role

    roles = []
    if user.has_role(Role.STUDENT):
        roles.append(CourseAudience.STUDENTS)
    if user.has_role(Role.TEACHER):
        roles.append(CourseAudience.TEACHERS)
    query = (sa.select(Course).where(Course.status == CourseStatus.PUBLISHED, Course.deleted_at.is_(None),
                                     Course.visible_org_id.in_(audience_ids(user)), Course.audience.in_(roles))
             .order_by(Course.published_at.desc(), Course.id.desc()))
    if stage:
        query = query.where(Course.stage == stage)
    if subject:
        query = query.where(Course.subject == subject)
    if grade:
        query = query.where(Course.grade == grade)
    if audience:
        query = query.where(Course.audience == audience)
    return query


def search_courses(user, text: str, *, filters: dict, page: int = 1, per_page: int = 20):
    """Full-text search (jieba) over the courses this user may see; facets for the filters."""
    from eduplatform.core.search.base import SearchQuery
    from eduplatform.core.search.registry import get_search

    acl = [f"courses:{org_id}" for org_id in audience_ids(user)]
    return get_search().search(SearchQuery(
        text=text, kinds=["course"], filters={k: v for k, v in filters.items() if v}, acl=acl,
        facets=["stage", "subject", "grade", "audience"], page=page, per_page=per_page))


def course_document(course: Course):
    """How a published course appears in the index; learners under ``visible_org`` may find it."""
    from eduplatform.core.search.base import PUBLIC, SearchDocument

    if not course.is_published:
        return None
    lessons = " ".join(lesson.title for lesson in course.lessons)
    return SearchDocument(
        kind="course", object_id=course.id, title=course.title, summary=course.summary or "",
        content=" ".join([plain_text(course.description or ""), lessons, course.owner.display_name]),
        keywords=[label for label in (SUBJECTS.get(course.subject), GRADES.get(course.grade)) if label],
        facets={"stage": course.stage, "subject": course.subject, "grade": course.grade,
                "audience": course.audience.value, "org": str(course.org_id)},
        acl=[f"courses:{course.visible_org_id}", *([PUBLIC] if course.is_public else [])],
        created=course.published_at or course.created_at)


def stage_label(code: str) -> str:
    try:
        return Stage(code).label
    except ValueError:
        return ""


def unified_results(user, q: str, limit: int):
    """The one search box's 网络课程 group: the catalogue's own search, for the courses open to the user."""
    from flask import url_for

    from eduplatform.core.search.groups import GroupResult, SearchLink

    results = search_courses(user, q, filters={}, per_page=limit)
    ids = [int(h.object_id) for h in results.hits]
    by_id = {c.id: c for c in db.session.scalars(sa.select(Course).where(Course.id.in_(ids)))} if ids else {}
    links = [SearchLink(by_id[i].title, url_for("courses.course_page", course_id=i),
                        " · ".join(x for x in (SUBJECTS.get(by_id[i].subject), GRADES.get(by_id[i].grade)) if x))
             for i in ids if i in by_id and by_id[i].is_published]
    return GroupResult(results.total, links)


def register_unified(learner) -> None:
    from flask import url_for

    from eduplatform.core.search.groups import SearchGroup, register_search_group

    register_search_group(SearchGroup("course", "网络课程", learner, unified_results,
                                      lambda q: url_for("courses.catalogue", q=q), order=20))
