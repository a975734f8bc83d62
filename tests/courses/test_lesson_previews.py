"""A lesson's own uploaded file gets the library's page images, thumbnail and page viewer — made by the
same workers through the same mechanism (``core.storage.page_images``), never in the request: the upload
queues a ``courses.lesson_previews`` job (``core.jobs``), run here with ``run_queued``."""

from __future__ import annotations

import pytest

from eduplatform.core.extensions import db
from eduplatform.core.jobs import Job, JobState, run_queued
from eduplatform.core.storage import preview
from eduplatform.core.storage.models import StoredFile
from eduplatform.courses import catalogue, enrolment, lesson_previews, structure
from eduplatform.courses.models import LessonKind
from tests.courses.conftest import upload
from tests.resources.conftest import make_paged_pdf
from tests.resources.test_previews import ink


@pytest.fixture
def worker(app, monkeypatch):
    monkeypatch.setitem(app.config, "RESOURCES_PROCESSING", "worker")
    monkeypatch.setitem(app.config, "RESOURCES_PREVIEWS", True)
    return app


def _lesson(course, people, title, file):
    return structure.add_lesson(people.teacher_a1, course.chapters[0], {
        "title": title, "kind": LessonKind.DOCUMENT, "required": True, "body": ""}, upload=file)


def test_a_lessons_own_pdf_gets_page_images_a_thumbnail_and_the_page_viewer(worker, make_course, people, client,
                                                                             auth, storage, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pdfium ran in the request")

    course = make_course(lessons=(), publish=False)
    with monkeypatch.context() as fence:
        fence.setattr(preview, "render_pdf", refuse)
        lesson = _lesson(course, people, "讲义", upload(make_paged_pdf(3), "讲义.pdf", "application/pdf"))
    catalogue.publish_course(people.teacher_a1, course)
    enrolment.enrol(people.student_a1, course)
    db.session.commit()
    assert lesson.preview_state == "pending" and lesson.preview_pages == []

    auth.login(people.student_a1)
    waiting = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert 'id="pages-pending"' in waiting and 'id="page-viewer"' not in waiting
    assert client.get(f"/courses/lessons/{lesson.id}/pages/1").status_code == 404

    job = db.session.scalar(db.select(Job).where(Job.kind == "courses.lesson_previews"))
    assert job.args == {"lesson_id": lesson.id} and job.state == JobState.QUEUED
    assert run_queued() == {"done": 1}  # the workers run the lesson's job
    assert run_queued() == {}  # and nothing twice
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.result == {"processed": 1}
    db.session.refresh(lesson)
    assert lesson.preview_state == "done" and lesson.page_count == 3 and len(lesson.preview_pages) == 3
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert 'id="page-viewer"' in page and page.count('class="img-fluid page-image') == 3
    assert f'src="/courses/lessons/{lesson.id}/pages/1"' in page and "js/page-viewer.js" in page
    assert f'href="/courses/lessons/{lesson.id}/file"' in page  # the original still opens
    image = client.get(f"/courses/lessons/{lesson.id}/pages/2")
    assert image.status_code == 200 and image.mimetype == "image/webp" and ink(image.data)[2][0] == 1280
    assert client.get(f"/courses/lessons/{lesson.id}/pages/4").status_code == 404
    thumb = client.get(f"/courses/lessons/{lesson.id}/thumbnail")
    dark, light, size = ink(thumb.data)
    assert thumb.mimetype == "image/jpeg" and size[0] == 320 and dark > light  # page 1's black block
    auth.logout()
    auth.login(people.teacher_b1)  # not enrolled: none of the pages
    assert client.get(f"/courses/lessons/{lesson.id}/pages/1").status_code == 403

    # A new file drops the old images (their stored objects too) and waits for the worker again.
    keys = [db.session.get(StoredFile, p["file"]).key for p in lesson.preview_pages] + [lesson.thumbnail.key]
    structure.update_lesson(people.teacher_a1, lesson, {}, upload=upload(make_paged_pdf(1), "新讲义.pdf",
                                                                          "application/pdf"))
    db.session.commit()
    assert lesson.preview_state == "pending" and lesson.preview_pages == [] and lesson.thumbnail_file_id is None
    assert not any(storage.exists(key) for key in keys)
    run_queued()
    db.session.refresh(lesson)
    assert lesson.preview_state == "done" and lesson.page_count == 1

    # a deleted lesson (nobody has opened it) takes its page images and thumbnail with it
    spare = _lesson(course, people, "备用讲义", upload(make_paged_pdf(1), "备用.pdf", "application/pdf"))
    db.session.commit()
    run_queued()
    db.session.refresh(spare)
    keys = [db.session.get(StoredFile, p["file"]).key for p in spare.preview_pages] + [spare.thumbnail.key]
    assert len(keys) == 2 and all(storage.exists(key) for key in keys)
    structure.delete_lesson(people.teacher_a1, spare)
    db.session.commit()
    assert not any(storage.exists(key) for key in keys)


def test_a_lesson_file_that_cannot_be_rendered_fails_with_a_reason_its_teacher_sees(worker, make_course, people,
                                                                                  client, auth, monkeypatch):
    monkeypatch.setitem(worker.config, "RESOURCES_CONVERT_TIMEOUT", 0.05)
    course = make_course(lessons=(), publish=False)
    lesson = _lesson(course, people, "慢讲义", upload(make_paged_pdf(2), "慢.pdf", "application/pdf"))
    db.session.commit()
    run_queued()
    db.session.refresh(lesson)
    assert lesson.preview_state == "failed" and lesson.preview_pages == []
    assert lesson.preview_error == "文档页面生成超时（超过 0.05 秒），文件可能过大或已损坏"
    auth.login(people.teacher_a1)
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert "未能生成页面预览：文档页面生成超时" in page


def test_without_previews_nothing_waits_for_a_worker(app, make_course, people):
    app.config["RESOURCES_PREVIEWS"] = False
    course = make_course(lessons=(), publish=False)
    lesson = _lesson(course, people, "讲义", upload(make_paged_pdf(1), "讲义.pdf", "application/pdf"))
    assert lesson.preview_state is None


def test_a_pending_lesson_without_its_job_is_caught_by_the_sweep(worker, make_course, people):
    course = make_course(lessons=(), publish=False)
    lesson = _lesson(course, people, "讲义", upload(make_paged_pdf(1), "讲义.pdf", "application/pdf"))
    db.session.execute(db.delete(Job))  # e.g. queued before the job system existed
    db.session.commit()
    assert lesson_previews.process_pending() == 1
    db.session.refresh(lesson)
    assert lesson.preview_state == "done" and lesson.page_count == 1
