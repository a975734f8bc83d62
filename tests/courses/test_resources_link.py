"""Media and document lessons that play a resource of the resource library."""

from __future__ import annotations

import io

import pytest

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.services import store_file
from eduplatform.courses import catalogue, enrolment, structure
from eduplatform.courses.models import LessonKind
from eduplatform.resources.models import Resource, ResourceVersion, ReviewState, Visibility


@pytest.fixture
def make_resource(people):
    def make(data: bytes, fmt: str, *, owner=None, state=ReviewState.PUBLISHED, visibility=Visibility.SCHOOL,
             duration=None, text=None, title="资源"):
        owner = owner or people.teacher_a1
        stored = store_file(io.BytesIO(data), prefix="resources", filename=f"{title}.{fmt}",
                            content_type={"webm": "video/webm", "pdf": "application/pdf", "docx": "application/"
                                          "vnd.openxmlformats-officedocument.wordprocessingml.document"}[fmt],
                            actor=owner)
        resource = Resource(type="media_video" if fmt == "webm" else "literature", title=title, stage="junior",
                            subject="math", format=fmt, state=state, visibility=visibility, owner_id=owner.id,
                            org_id=owner.org_id, district_id=owner.org.parent_id, current_version=1)
        db.session.add(resource)
        db.session.flush()
        db.session.add(ResourceVersion(resource_id=resource.id, number=1, file_id=stored.id, format=fmt,
                                       sha256=stored.sha256, size=stored.size,
                                       media_info={"duration": duration} if duration else {}, extracted_text=text))
        db.session.commit()
        return resource

    return make


def test_a_video_lesson_plays_a_resource_with_seeking(make_course, make_resource, people, webm_bytes, client, auth):
    resource = make_resource(webm_bytes, "webm", duration=4.0, title="微课：移项")
    course = make_course(lessons=(), publish=False)
    lesson = structure.add_lesson(people.teacher_a1, course.chapters[0], {
        "title": "微课", "kind": LessonKind.VIDEO, "resource_id": resource.id, "body": "", "required": True})
    catalogue.publish_course(people.teacher_a1, course)
    enrolment.enrol(people.student_a1, course)
    db.session.commit()
    assert lesson.resource_id == resource.id and lesson.file_id is None
    assert lesson.duration_seconds == 4.0  # taken from the library's probe
    auth.login(people.student_a1)
    part = client.get(f"/courses/lessons/{lesson.id}/file", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == webm_bytes[:100] and part.mimetype == "video/webm"
    assert client.get(f"/courses/lessons/{lesson.id}/file").data == webm_bytes


def _tiny_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_a_document_lesson_shows_the_resource_text(make_course, make_resource, people, client, auth):
    resource = make_resource(_tiny_zip(), "docx", text="第一段：方程的概念\n第二段：解法", title="讲义")
    course = make_course(lessons=(), publish=False)
    lesson = structure.add_lesson(people.teacher_a1, course.chapters[0], {
        "title": "讲义", "kind": LessonKind.DOCUMENT, "resource_id": resource.id, "body": "", "required": True})
    catalogue.publish_course(people.teacher_a1, course)
    enrolment.enrol(people.student_a1, course)
    db.session.commit()
    auth.login(people.student_a1)
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert "第二段：解法" in page and "已完成" in page


def _page_image(colour) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1280, 960), colour).save(out, "WEBP")
    return out.getvalue()


def test_a_document_lesson_shows_the_resource_page_images(make_course, make_resource, people, client, auth):
    """The library's page previews replace the text-only one, served under the lesson's own check."""
    resource = make_resource(_tiny_zip(), "docx", text="只有文字的预览", title="课件")
    version = resource.version
    pages = [store_file(io.BytesIO(_page_image(c)), prefix="previews", filename=f"p{n}.webp",
                        content_type="image/webp") for n, c in enumerate(("red", "blue"), 1)]
    version.preview_pages = [{"file": p.id, "width": 1280, "height": 960} for p in pages]
    version.page_count = 2
    version.thumbnail = store_file(io.BytesIO(_page_image("red")), prefix="thumbs", filename="t.webp",
                                   content_type="image/webp")
    course = make_course(lessons=(), publish=False)
    lesson = structure.add_lesson(people.teacher_a1, course.chapters[0], {
        "title": "课件", "kind": LessonKind.DOCUMENT, "resource_id": resource.id, "body": "", "required": True})
    catalogue.publish_course(people.teacher_a1, course)
    enrolment.enrol(people.student_a1, course)
    db.session.commit()
    auth.login(people.student_a1)
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert 'id="page-viewer"' in page and "只有文字的预览" not in page
    assert f'src="/courses/lessons/{lesson.id}/pages/1"' in page and "第 <span data-page-current>1</span> / 2 页" in page
    second = client.get(f"/courses/lessons/{lesson.id}/pages/2")
    assert second.status_code == 200 and second.mimetype == "image/webp" and second.data == _page_image("blue")
    assert client.get(f"/courses/lessons/{lesson.id}/pages/3").status_code == 404
    outline = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert f'src="/courses/lessons/{lesson.id}/thumbnail"' in outline
    assert client.get(f"/courses/lessons/{lesson.id}/thumbnail").status_code == 200
    # The resource is visible only to its school; the learner still sees it through the lesson, and
    # someone not in the course does not.
    auth.logout()
    auth.login(people.teacher_b1)
    assert client.get(f"/courses/lessons/{lesson.id}/pages/1").status_code in (403, 404)


def test_only_usable_resources_of_the_right_format(make_course, make_resource, people, webm_bytes):
    course = make_course(lessons=(), publish=False)
    chapter = course.chapters[0]
    video = make_resource(webm_bytes, "webm", duration=4.0)
    with pytest.raises(ValidationFailed, match="格式"):
        structure.add_lesson(people.teacher_a1, chapter, {"title": "x", "kind": LessonKind.DOCUMENT,
                                                          "resource_id": video.id, "body": ""})
    draft = make_resource(webm_bytes, "webm", owner=people.teacher_b1, state=ReviewState.DRAFT)
    with pytest.raises(ValidationFailed, match="已发布"):
        structure.add_lesson(people.teacher_a1, chapter, {"title": "x", "kind": LessonKind.VIDEO,
                                                          "resource_id": draft.id, "body": ""})
    other_school = make_resource(webm_bytes, "webm", owner=people.teacher_b1, visibility=Visibility.SCHOOL)
    with pytest.raises(ValidationFailed):
        structure.add_lesson(people.teacher_a1, chapter, {"title": "x", "kind": LessonKind.VIDEO,
                                                          "resource_id": other_school.id, "body": ""})
    from eduplatform.courses import resources_link

    assert [r.id for r in resources_link.choices(people.teacher_a1)] == [video.id]
