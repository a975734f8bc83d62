"""A course's structure: chapters → lessons of several kinds, each with its content and completion settings."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import diff, record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.text.richtext import clean_html
from eduplatform.courses import lesson_previews, media, resources_link
from eduplatform.courses.completion import recompute_course
from eduplatform.courses.models import Chapter, Course, Lesson, LessonKind, LessonProgress, ScormPackage

REALM = "courses"
MEDIA_KINDS = (LessonKind.VIDEO, LessonKind.AUDIO)
FILE_KINDS = (LessonKind.VIDEO, LessonKind.AUDIO, LessonKind.DOCUMENT)
SETTINGS = {
    LessonKind.VIDEO: ("min_watch_percent",), LessonKind.AUDIO: ("min_watch_percent",),
    LessonKind.QUIZ: ("pass_percent", "time_limit_minutes", "max_attempts"), LessonKind.ASSIGNMENT: ("max_score",),
    LessonKind.LTI: ("pass_percent", "target_link_uri", "score_maximum"),
}


def get_chapter(course: Course, chapter_id: int) -> Chapter:
    chapter = db.session.get(Chapter, chapter_id)
    if chapter is None or chapter.course_id != course.id:
        raise NotFound("章不存在")
    return chapter


def get_lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.course.is_deleted:
        raise NotFound("课时不存在")
    return lesson


def _touch(course: Course) -> None:
    course.updated_at = utcnow()  # the catalogue's index holds lesson titles: reindex after commit


def add_chapter(actor, course: Course, title: str) -> Chapter:
    position = len(course.chapters)
    chapter = Chapter(course_id=course.id, title=title.strip(), position=position)
    db.session.add(chapter)
    course.chapters.append(chapter)
    _touch(course)
    db.session.flush()
    record(REALM, "chapter.created", f"新增章：{course.title} / {chapter.title}", actor=actor, obj=chapter)
    return chapter


def rename_chapter(actor, chapter: Chapter, title: str) -> Chapter:
    changes = diff(chapter, {"title": title.strip()})
    if changes:
        _touch(chapter.course)
        record(REALM, "chapter.updated", f"修改章：{chapter.title}", actor=actor, obj=chapter, data=changes)
    db.session.flush()
    return chapter


def delete_chapter(actor, chapter: Chapter) -> None:
    if chapter.lessons:
        raise Conflict("请先删除或移走这一章的课时", code="not_empty")
    course = chapter.course
    record(REALM, "chapter.deleted", f"删除章：{course.title} / {chapter.title}", actor=actor, obj=chapter)
    course.chapters.remove(chapter)
    db.session.delete(chapter)
    _renumber(course.chapters)
    _touch(course)
    db.session.flush()


def _renumber(items) -> None:
    for n, item in enumerate(items):
        item.position = n


def move(actor, items: list, item, direction: str) -> None:
    """Swap ``item`` with its neighbour in ``items`` (ordered by position)."""
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    record(REALM, "structure.moved", f"调整顺序：{item.title}", actor=actor, obj=item, data={"direction": direction})
    db.session.flush()


def _settings(kind: LessonKind, data: dict, old: dict | None = None) -> dict:
    settings = dict(old or {})
    for key in SETTINGS.get(kind, ()):
        if data.get(key) is not None:
            settings[key] = data[key]
    return settings


def add_lesson(actor, chapter: Chapter, data: dict, *, upload=None) -> Lesson:
    """A new lesson of ``data["kind"]`` with its content: an uploaded file or a resource (media,
    documents), a SCORM zip, a quiz made of a paper, rich text (text, assignment)."""
    course = chapter.course
    kind: LessonKind = data["kind"]
    lesson = Lesson(course_id=course.id, chapter_id=chapter.id, title=data["title"], kind=kind,
                    position=len(chapter.lessons), required=data.get("required", True),
                    body=clean_html(data.get("body", ""), inline_images=False), settings=_settings(kind, data),
                    textbook_node=_textbook_node(data.get("textbook_node")))
    if kind in FILE_KINDS:
        _attach_file(actor, lesson, data, upload)
    elif kind == LessonKind.SCORM:
        from eduplatform.courses.scorm_import import import_package

        if data.get("scorm_package_id") is not None and not (upload and getattr(upload, "filename", "")):
            lesson.scorm_package_id = _course_package(course, data["scorm_package_id"]).id
        elif upload is None or not getattr(upload, "filename", ""):
            raise ValidationFailed("请上传 SCORM 课件包（.zip）", fields={"file": ["请选择课件包"]})
        else:
            lesson.scorm_package_id = import_package(actor, course, upload).id
    elif kind == LessonKind.QUIZ:
        from eduplatform.courses.quizzes import create_quiz

        lesson.exam_id = create_quiz(actor, course, title=f"{course.title}·{lesson.title}",
                                     paper_id=data.get("paper_id"),
                                     time_limit_minutes=data.get("time_limit_minutes")).id
    elif kind == LessonKind.LTI:
        lesson.lti_tool_id = _lti_tool(course, data.get("lti_tool_id")).id
    elif kind == LessonKind.ASSIGNMENT and not lesson.body:
        raise ValidationFailed("请填写作业要求", fields={"body": ["请填写作业要求"]})
    elif kind == LessonKind.TEXT and not lesson.body:
        raise ValidationFailed("请填写课时正文", fields={"body": ["请填写正文"]})
    db.session.add(lesson)
    chapter.lessons.append(lesson)
    _touch(course)
    db.session.flush()
    record(REALM, "lesson.created", f"新增课时（{kind.label}）：{course.title} / {lesson.title}", actor=actor,
           obj=lesson)
    recompute_course(course)
    return lesson


def _lti_tool(course: Course, tool_id: int | None):
    """A registered tool this course may launch (another unit's tool is refused like a missing one)."""
    from eduplatform.courses.models import LtiTool
    from eduplatform.courses.permissions import can_use_lti_tool

    tool = db.session.get(LtiTool, tool_id) if tool_id is not None else None
    if not can_use_lti_tool(course, tool):
        raise ValidationFailed("请选择本单位可用的外部工具", fields={"lti_tool_id": ["外部工具不存在或不可用"]})
    return tool


def _course_package(course: Course, package_id: int):
    """A package imported into this very course (another course's package is refused like a missing one)."""
    package = db.session.get(ScormPackage, package_id)
    if package is None or package.course_id != course.id:
        raise ValidationFailed("课件包不存在或不属于本课程", fields={"scorm_package_id": ["请先把课件包导入本课程"]})
    return package


def _attach_file(actor, lesson: Lesson, data: dict, upload) -> None:
    from eduplatform.core.storage.services import store_file

    kind = lesson.kind
    if data.get("resource_id") is not None:
        resource = resources_link.check_resource(actor, data["resource_id"], kind)
        lesson.resource_id = resource.id
        lesson.file_id = None
        if lesson.preview_pages or lesson.preview_state:
            lesson_previews.clear(lesson)  # the resource's own images are shown now
        if kind in MEDIA_KINDS:
            lesson.duration_seconds = resources_link.duration_of(resource) or data.get("duration_seconds")
        lesson.preview_html = resources_link.preview_of(resource) if kind == LessonKind.DOCUMENT else None
        return
    if upload is None or not getattr(upload, "filename", ""):
        raise ValidationFailed("请上传文件或选择资源库中的资源", fields={"file": ["请选择文件"]})
    ext, content_type = media.check_upload(kind, upload)
    if kind in MEDIA_KINDS:
        lesson.duration_seconds = media.probe_duration(upload.stream) or data.get("duration_seconds")
    else:
        lesson.preview_html = media.office_preview(ext, upload.stream)
    stored = store_file(upload.stream, prefix="courses/lessons", filename=upload.filename, content_type=content_type,
                        actor=actor)
    lesson.file_id = stored.id
    lesson.file = stored
    lesson.resource_id = None
    lesson_previews.mark_for_previews(lesson)  # page images / poster: by the worker, never here


def _textbook_node(value: str | None) -> str | None:
    """A known 教材目录 node id, or None for none; anything else is refused in Chinese."""
    from eduplatform.core.textbooks import catalogue

    value = (value or "").strip()
    if not value:
        return None
    if catalogue().node(value) is None:
        raise ValidationFailed("教材章节不存在，请从教材目录中选择", fields={"textbook_node": ["教材章节不存在"]})
    return value


def update_lesson(actor, lesson: Lesson, data: dict, *, upload=None) -> Lesson:
    changes = {}
    values = {k: data[k] for k in ("title", "required") if data.get(k) is not None}
    if data.get("textbook_node") is not None:
        values["textbook_node"] = _textbook_node(data["textbook_node"])
    if "body" in data and data["body"] is not None:
        values["body"] = clean_html(data["body"], inline_images=False)
    changes.update(diff(lesson, values))
    settings = _settings(lesson.kind, data, lesson.settings)
    if settings != (lesson.settings or {}):
        changes["settings"] = [lesson.settings, settings]
        lesson.settings = settings
        limit = settings.get("time_limit_minutes")
        if lesson.kind == LessonKind.QUIZ and lesson.exam is not None and limit and limit != lesson.exam.time_limit_minutes:
            # The exam carries the limit attempts are timed by; attempts already started keep their deadline.
            lesson.exam.time_limit_minutes = limit
    if lesson.kind in MEDIA_KINDS and data.get("duration_seconds") and not lesson.duration_seconds:
        changes["duration_seconds"] = [None, data["duration_seconds"]]
        lesson.duration_seconds = data["duration_seconds"]
    if lesson.kind in FILE_KINDS and (data.get("resource_id") is not None or
                                      (upload is not None and getattr(upload, "filename", ""))):
        old = lesson.file
        _attach_file(actor, lesson, data, upload)
        changes["file"] = [old.filename if old else None, lesson.file.filename if lesson.file else None]
    if changes:
        _touch(lesson.course)
        record(REALM, "lesson.updated", f"修改课时：{lesson.title}（{'、'.join(changes)}）", actor=actor, obj=lesson,
               data={k: v for k, v in changes.items() if k != "body"})
    db.session.flush()
    if "required" in changes:
        recompute_course(lesson.course)
    return lesson


def delete_lesson(actor, lesson: Lesson) -> None:
    """Remove a lesson; refused once learners have progress on it (their records would change)."""
    started = db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress).where(
        LessonProgress.lesson_id == lesson.id))
    if started:
        raise Conflict(f"已有 {started} 名学员学习过这一课时，不能删除（可设为选学）", code="has_progress")
    course, chapter = lesson.course, lesson.chapter
    record(REALM, "lesson.deleted", f"删除课时：{course.title} / {lesson.title}", actor=actor, obj=lesson)
    lesson_previews.clear(lesson)
    chapter.lessons.remove(lesson)
    db.session.delete(lesson)
    _renumber(chapter.lessons)
    _touch(course)
    db.session.flush()
    recompute_course(course)


def outline(course: Course) -> list[tuple[Chapter, list[Lesson]]]:
    return [(chapter, list(chapter.lessons)) for chapter in course.chapters]


def next_lesson(course: Course, lesson: Lesson) -> Lesson | None:
    lessons = course.lessons
    index = lessons.index(lesson)
    return lessons[index + 1] if index + 1 < len(lessons) else None
