"""The link to the resource library (``eduplatform.resources``): media and document lessons may play a
published resource instead of a file uploaded for the lesson.

The teacher picks a resource they may see (published, or their own) whose format fits the lesson kind;
the lesson then always plays the resource's current version. Learners reach it through the course (their
enrolment), streamed by ``StoredFile.send`` with Range requests (206), so a course can
use a resource that is visible only to the teacher's school without opening the library to every learner.
"""

from __future__ import annotations

import html

import sqlalchemy as sa

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses.models import Course, Lesson, LessonKind

#: Resource formats (resource_specs/vocabularies/format.yaml codes) each lesson kind can play.
KIND_FORMATS = {
    LessonKind.VIDEO: ("mp4", "webm"),
    LessonKind.AUDIO: ("mp3", "wav", "ogg"),
    LessonKind.DOCUMENT: ("pdf", "docx", "pptx", "xlsx", "txt", "doc", "ppt"),
}
MAX_PREVIEW_CHARS = 200_000


def lessons_using(resource) -> list[str]:
    """「《课程》·课时」 of the lessons that play ``resource`` (the library's usage finder: such a resource
    is not deleted while a lesson plays it)."""
    rows = db.session.execute(sa.select(Course.title, Lesson.title).join(Course, Course.id == Lesson.course_id)
                              .where(Lesson.resource_id == resource.id).order_by(Lesson.id)).all()
    return [f"《{course}》·{lesson}" for course, lesson in rows]


def register_usage() -> None:
    from eduplatform.resources import UsageFinder, register_usage_finder

    register_usage_finder("course_lessons", UsageFinder(label="课程课时", find=lessons_using,
                                                        hint="请先在课程中更换或移除后再删除"))


#: lessons looked at per 同步资源 page (the newest first)
SHELF_LIMIT = 200


def lessons_for_textbook(user, node_ids: list[str]) -> list[tuple[str, str, str]]:
    """The lessons taught at these 教材目录 nodes, in courses the user may see: (title, url, note)."""
    from flask import url_for

    from eduplatform.courses.models import Course, Lesson
    from eduplatform.courses.permissions import can_see_course

    if not node_ids:
        return []
    rows = db.session.execute(
        sa.select(Lesson, Course).join(Course, Course.id == Lesson.course_id)
        .where(Lesson.textbook_node.in_(node_ids), Course.deleted_at.is_(None))
        .order_by(Lesson.id.desc()).limit(SHELF_LIMIT)).all()
    return [(lesson.title, url_for("courses.course_page", course_id=course.id, _anchor=f"lesson-{lesson.id}"),
             f"课程《{course.title}》· {lesson.kind.label}")
            for lesson, course in rows if can_see_course(user, course)]


def register_textbook_shelf() -> None:
    from eduplatform.resources import TextbookShelf
    from eduplatform.resources import register_textbook_shelf as register

    register("course_lessons", TextbookShelf(label="课程课时", find=lessons_for_textbook))


def available() -> bool:
    return True


def get_resource(resource_id: int | None):
    from eduplatform.resources.models import Resource

    return db.session.get(Resource, resource_id) if resource_id is not None else None


def stored_file_of(resource_id: int):
    """The StoredFile of the resource's current version (None when it is gone)."""
    resource = get_resource(resource_id)
    version = resource.version if resource is not None else None
    return version.file if version is not None else None


def _format_of(resource) -> str:
    version = resource.version
    return (version.format if version is not None else resource.format) or ""


def check_resource(actor, resource_id: int, kind: LessonKind):
    """The resource behind ``resource_id`` if ``actor`` may use it for a lesson of ``kind``."""
    from eduplatform.resources.models import ReviewState
    from eduplatform.resources.permissions import can_view_resource

    resource = get_resource(resource_id)
    if resource is None or resource.version is None:
        raise ValidationFailed("资源不存在", fields={"resource_id": ["资源不存在"]})
    usable = can_view_resource(actor, resource) and (
        resource.state == ReviewState.PUBLISHED or resource.owner_id == actor.id)
    if not usable:
        raise ValidationFailed("只能选用已发布的、您有权查看的资源（或您自己上传的资源）",
                               fields={"resource_id": ["不能使用这份资源"]})
    allowed = KIND_FORMATS.get(kind, ())
    if _format_of(resource) not in allowed:
        raise ValidationFailed(f"{kind.label}课时只能选用 {'、'.join(allowed)} 格式的资源（所选资源为 {_format_of(resource)}）",
                               fields={"resource_id": ["资源格式与课时类型不符"]})
    return resource


def duration_of(resource) -> float | None:
    info = (resource.version.media_info or {}) if resource.version is not None else {}
    value = info.get("duration")
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def preview_of(resource) -> str | None:
    """HTML of the text the library extracted from an office document (None for PDF or nothing yet)."""
    version = resource.version
    if version is None or _format_of(resource) == "pdf" or not version.extracted_text:
        return None
    text = version.extracted_text[:MAX_PREVIEW_CHARS]
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


def page_previews_of(resource_id: int | None) -> tuple[list[dict], int | None]:
    """The page images the library made of the resource's current file (a video: its poster), and the
    document's page count: ``([{"file", "width", "height"}], page_count)``; nothing while none exist."""
    resource = get_resource(resource_id)
    version = resource.version if resource is not None else None
    if version is None:
        return [], None
    return list(version.preview_pages or []), version.page_count


def thumbnail_of(resource_id: int | None):
    """The StoredFile of the thumbnail of the resource's current version (None when it has none)."""
    resource = get_resource(resource_id)
    version = resource.version if resource is not None else None
    return version.thumbnail if version is not None else None


def page_image_of(resource_id: int | None, number: int):
    """The StoredFile of page ``number`` of the resource's preview (None when there is none)."""
    from eduplatform.resources.services import preview_page_file

    resource = get_resource(resource_id)
    return preview_page_file(resource.version if resource is not None else None, number)


def choices(actor) -> list:
    """Resources ``actor`` may put in a lesson: published (or their own), of a playable format, newest first."""
    from eduplatform.resources.models import Resource, ResourceVersion, ReviewState
    from eduplatform.resources.permissions import visible_resources

    formats = sorted({f for fs in KIND_FORMATS.values() for f in fs})
    query = (sa.select(Resource).join(ResourceVersion, sa.and_(ResourceVersion.resource_id == Resource.id,
                                                               ResourceVersion.number == Resource.current_version))
             .where(ResourceVersion.format.in_(formats),
                    sa.or_(Resource.state == ReviewState.PUBLISHED, Resource.owner_id == actor.id))
             .order_by(Resource.id.desc()).limit(200))
    return list(db.session.scalars(visible_resources(actor, query)))


def kind_of(resource) -> LessonKind | None:
    fmt = _format_of(resource)
    return next((kind for kind, formats in KIND_FORMATS.items() if fmt in formats), None)
