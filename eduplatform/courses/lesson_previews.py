"""Page images of a lesson's own uploaded file (a PDF or office document; a video's poster), made by the
processing worker through the same mechanism as a library resource's (``core.storage.page_images``).

A lesson playing a library resource shows that resource's images (``resources_link``); a lesson with a
file uploaded for itself gets its own here: the upload marks it ``pending`` (never converted in the
request) and queues a ``courses.lesson_previews`` job (``core.jobs``, sent after the commit); the
periodic ``courses.lesson_previews_sweep`` runs :func:`process_pending` for any left behind; the
lesson page shows the same page viewer, with the text preview made at upload as the fallback.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from eduplatform.core.extensions import db
from eduplatform.core.storage import page_images, preview
from eduplatform.core.storage.models import StoredFile
from eduplatform.core.storage.registry import get_storage
from eduplatform.core.storage.services import delete_file, store_file
from eduplatform.core.storage.streams import local_copy
from eduplatform.courses.models import Lesson, LessonKind

log = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"


def _extension(stored: StoredFile) -> str:
    return stored.filename.rsplit(".", 1)[-1].lower() if "." in stored.filename else ""


def previews_enabled() -> bool:
    """The library's switch (``RESOURCES_PREVIEWS``): the same programs make both."""
    return bool(current_app.config.get("RESOURCES_PREVIEWS", True))


def mark_for_previews(lesson: Lesson) -> None:
    """After a new own file: drop the old images, and leave the new file ``pending`` for the worker
    when something can be made of it."""
    clear(lesson)
    stored = lesson.file
    if stored is None or lesson.resource_id is not None or not previews_enabled():
        return
    kind = page_images.kind_of(_extension(stored), video=lesson.kind == LessonKind.VIDEO)
    if (kind == "pages" and lesson.kind == LessonKind.DOCUMENT) or (kind == "poster" and lesson.kind == LessonKind.VIDEO):
        lesson.preview_state = PENDING
        from eduplatform.core.jobs import enqueue

        if lesson.id is None:
            db.session.add(lesson)  # a new lesson is complete here; its id names the job
            db.session.flush()
        enqueue(JOB, dedupe_key=f"lesson:{lesson.id}", lesson_id=lesson.id)


def clear(lesson: Lesson) -> None:
    """Remove the lesson's page images and thumbnail (a new file, or the lesson deleted)."""
    old_pages, old_thumb = lesson.preview_pages, lesson.thumbnail
    lesson.preview_pages, lesson.page_count, lesson.thumbnail_file_id = [], None, None
    lesson.preview_state = lesson.preview_error = None
    if not old_pages and old_thumb is None:
        return
    db.session.flush()  # the row lets go of the files before they are deleted
    page_images.remove_page_images(old_pages)
    if old_thumb is not None:
        delete_file(old_thumb)


def make_previews(lesson: Lesson) -> None:
    """Convert the lesson's file (fenced, with the library's timeout and page limit); done or failed."""
    config = current_app.config
    stored = lesson.file
    try:
        with local_copy(get_storage(), stored.key) as tmp:
            made = page_images.make_page_images(
                Path(tmp.name), extension=_extension(stored), name=f"lesson-{lesson.id}",
                video=lesson.kind == LessonKind.VIDEO, timeout=float(config.get("RESOURCES_CONVERT_TIMEOUT", 120)),
                max_pages=int(config.get("RESOURCES_PREVIEW_MAX_PAGES", preview.DEFAULT_MAX_PAGES)))
    except preview.PreviewError as exc:
        log.warning("preview of lesson %s failed: %s (%s)", lesson.id, exc.reason, exc.detail)
        lesson.preview_state, lesson.preview_error = FAILED, exc.reason[:500]
        return
    except Exception as exc:
        log.exception("preview of lesson %s failed", lesson.id)
        lesson.preview_state, lesson.preview_error = FAILED, f"未能生成预览（{type(exc).__name__}）"
        return
    lesson.preview_pages, lesson.page_count = made.pages, made.page_count
    if made.thumbnail:
        thumb = store_file(io.BytesIO(made.thumbnail), prefix="thumbs", filename=f"thumb-lesson-{lesson.id}.jpg",
                           content_type="image/jpeg", actor=None)
        lesson.thumbnail_file_id = thumb.id
    lesson.preview_state, lesson.preview_error = DONE, None
    db.session.flush()


def process_pending(limit: int = 50) -> int:
    """The worker job: each pending lesson converted and committed on its own."""
    lessons = list(db.session.scalars(sa.select(Lesson).where(Lesson.preview_state == PENDING)
                                      .order_by(Lesson.id).limit(limit)))
    for lesson in lessons:
        if lesson.file is None:
            lesson.preview_state = None
        else:
            make_previews(lesson)
        db.session.commit()
    return len(lessons)


JOB, SWEEP = "courses.lesson_previews", "courses.lesson_previews_sweep"


def lesson_job(ctx, *, lesson_id: int) -> dict:
    """One lesson's images; nothing when it is no longer pending (idempotent)."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.preview_state != PENDING:
        return {"processed": 0}
    if lesson.file is None:
        lesson.preview_state = None
    else:
        ctx.progress(10, "正在生成课时文件的预览")
        make_previews(lesson)
    return {"processed": 1}


def sweep_job(ctx) -> dict:
    return {"processed": process_pending()}


def register(app) -> None:
    from datetime import timedelta

    from eduplatform.core.jobs import register_job

    register_job(JOB, lesson_job, label="生成课时文件预览", queue="previews")
    every = int(app.config.get("JOBS_RESOURCE_SWEEP_SECONDS", 60))
    register_job(SWEEP, sweep_job, label="补做课时文件预览", every=timedelta(seconds=every), max_attempts=1)
