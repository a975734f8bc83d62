"""公开资源 and 公开课程 on the public site: resources and courses approved for 向社会公开, no login.

Everything here is loaded through the owning domain's public predicate (``resources.permissions.
can_view_public_resource``, ``courses.permissions.can_view_public_course``): anything else — a
platform-wide, district or school item, a draft, an archived course — answers 404 in the public
layout, as if it did not exist (the same answer for a missing id). Downloads (whole files, not
the inline previews a player seeks in) are limited per client address (``PORTAL_DOWNLOAD_LIMIT``
per ``PORTAL_DOWNLOAD_WINDOW`` seconds, default 30 an hour).
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from eduplatform.core import ratelimit
from eduplatform.core.extensions import db
from eduplatform.core.paging import page_number
from eduplatform.core.security import client_ip
from eduplatform.core.storage.serving import begins_download
from eduplatform.courses import media as course_media
from eduplatform.courses import permissions as course_permissions
from eduplatform.courses import publicity as course_publicity
from eduplatform.courses.models import Course, Lesson
from eduplatform.portal import bp
from eduplatform.resources import permissions as resource_permissions
from eduplatform.resources import publicity as resource_publicity
from eduplatform.resources import services as resource_services
from eduplatform.resources.models import Resource
from eduplatform.resources.processing import PAGE_BREAK
from eduplatform.resources.specs import get_specs

PER_PAGE = 15


def _resource(resource_id: int) -> Resource:
    resource = db.session.get(Resource, resource_id)
    if not resource_permissions.can_view_public_resource(resource):
        abort(404)
    return resource


def _course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if not course_permissions.can_view_public_course(course):
        abort(404)
    return course


def _lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not course_publicity.lesson_is_open(lesson):
        abort(404)
    return lesson


def _limit_download() -> None:
    limit = int(current_app.config.get("PORTAL_DOWNLOAD_LIMIT", 30))
    window = int(current_app.config.get("PORTAL_DOWNLOAD_WINDOW", 3600))
    ratelimit.hit("portal.download", client_ip(), limit=limit, per_seconds=window,
                  message="下载过于频繁，请稍后再试")


@bp.errorhandler(ratelimit.RateLimited)
def _too_many(exc):
    db.session.rollback()
    return render_template("portal/too_many.html", message=exc.message), 429


# -- resources -----------------------------------------------------------------------------------

@bp.get("/resources")
def open_resources():
    page = db.paginate(resource_publicity.public_list(), page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("portal/open_resources.html", page=page, specs=get_specs())


@bp.get("/resources/<int:resource_id>")
def open_resource(resource_id: int):
    resource = _resource(resource_id)
    specs = get_specs()
    version = resource.version
    term = specs.format_term(resource.format)
    pages = [p for p in (version.extracted_text or "").split(PAGE_BREAK) if p.strip()][:30] if version else []
    return render_template("portal/open_resource.html", resource=resource, version=version, specs=specs,
                           rtype=specs.get(resource.type), media=term.attrs.get("media", "") if term else "",
                           pages=pages)


@bp.get("/resources/<int:resource_id>/file")
def open_resource_file(resource_id: int):
    resource = _resource(resource_id)
    inline = request.args.get("inline") == "1"
    if not inline:
        _limit_download()
    response = resource.version.file.send(inline=inline)
    if not inline and begins_download(response):
        resource_services.record_download(resource, None)
        db.session.commit()
    return response


@bp.get("/resources/<int:resource_id>/thumbnail")
def open_resource_thumbnail(resource_id: int):
    version = _resource(resource_id).version
    if version is None or version.thumbnail is None:
        abort(404)
    return version.thumbnail.send(inline=True)


# -- courses -------------------------------------------------------------------------------------

@bp.get("/courses")
def open_courses():
    page = db.paginate(course_publicity.public_courses(), page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("portal/open_courses.html", page=page)


@bp.get("/courses/<int:course_id>")
def open_course(course_id: int):
    course = _course(course_id)
    return render_template("portal/open_course.html", course=course, is_open=course_publicity.lesson_is_open)


def _lesson_content_open(lesson: Lesson) -> bool:
    """A lesson playing a library resource shows it only when that resource is public too (a public
    course never opens a resource meant for a school or the platform)."""
    if lesson.resource_id is None:
        return True
    return resource_permissions.can_view_public_resource(db.session.get(Resource, lesson.resource_id))


@bp.get("/lessons/<int:lesson_id>")
def open_lesson(lesson_id: int):
    lesson = _lesson(lesson_id)
    content_open = _lesson_content_open(lesson)
    return render_template("portal/open_lesson.html", lesson=lesson, course=lesson.course, content_open=content_open,
                           has_file=content_open and course_media.lesson_file(lesson) is not None,
                           preview_html=course_media.document_preview(lesson) if content_open else None)


@bp.get("/lessons/<int:lesson_id>/file")
def open_lesson_file(lesson_id: int):
    """The lesson's video, audio or document, streamed (players seek with Range requests)."""
    lesson = _lesson(lesson_id)
    stored = course_media.lesson_file(lesson) if _lesson_content_open(lesson) else None
    if stored is None:
        abort(404)
    return stored.send(inline=True)
