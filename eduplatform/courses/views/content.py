"""Files served under the course's URL: lesson media/documents (Range → 206) and SCORM package files."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user, login_required

from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import bp, media, permissions
from eduplatform.courses.access import learning_or_preview
from eduplatform.courses.catalogue import get_course
from eduplatform.courses.enrolment import find_enrolment
from eduplatform.courses.models import ScormFile, ScormPackage
from eduplatform.courses.scorm_import import content_type_for

#: SCORM content is the course author's HTML and script: it runs (the SCO must reach window.parent.API),
#: but only from this platform, only framed by it, and it cannot post forms elsewhere.
SCORM_POLICY = ("default-src 'self' data: blob:; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' data: blob:; "
                "font-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; form-action 'self'; "
                "object-src 'self'; base-uri 'self'")


@bp.get("/lessons/<int:lesson_id>/file")
@login_required
def lesson_file(lesson_id: int):
    """The lesson's video/audio/document, streamed; players seek with Range requests (206)."""
    lesson, _ = learning_or_preview(lesson_id)
    stored = media.lesson_file(lesson)
    if stored is None:
        raise NotFound("该课时没有文件")
    return stored.send(inline=True)


@bp.get("/lessons/<int:lesson_id>/pages/<int:number>")
@login_required
def lesson_page_image(lesson_id: int, number: int):
    """Page ``number`` of the preview of what the lesson plays — the library resource's or its own
    file's (a video's poster is 1) — served to whoever may open the lesson; learners need not see the
    resource in the library."""
    lesson, _ = learning_or_preview(lesson_id)
    stored = media.page_image(lesson, number)
    if stored is None:
        raise NotFound("该课时没有页面预览")
    return stored.send(inline=True)


@bp.get("/lessons/<int:lesson_id>/thumbnail")
@login_required
def lesson_thumbnail(lesson_id: int):
    """The thumbnail of what the lesson plays (its first page, poster or image)."""
    lesson, _ = learning_or_preview(lesson_id)
    stored = media.thumbnail(lesson)
    if stored is None:
        raise NotFound("该课时没有缩略图")
    return stored.send(inline=True)


@bp.get("/<int:course_id>/scorm/<int:package_id>/<path:path>")
@login_required
def scorm_content(course_id: int, package_id: int, path: str):
    """A file of a SCORM package, so that the SCO's relative links (css, js, images) resolve."""
    course = get_course(course_id)
    enrolment = find_enrolment(course, current_user)
    require(permissions.can_learn(current_user, course, enrolment) or permissions.can_preview(current_user, course),
            action="scorm.content", obj=course, message="请先选课后再学习")
    package = db.session.get(ScormPackage, package_id)
    if package is None or package.course_id != course.id:
        raise NotFound("课件不存在")
    row = db.session.scalar(sa.select(ScormFile).where(ScormFile.package_id == package.id, ScormFile.path == path))
    if row is None:  # packages made on Windows often differ in letter case from their links
        row = db.session.scalar(sa.select(ScormFile).where(ScormFile.package_id == package.id,
                                                           sa.func.lower(ScormFile.path) == path.lower()).limit(1))
    if row is None:
        raise NotFound("课件中没有这个文件")
    stored = row.file
    return stored.send(inline=True, content_type=content_type_for(row.path), cache="private, max-age=3600",
                       active_content_csp=SCORM_POLICY)
