"""公开资源 and 公开课程 on the public site: what a review approved for 向社会公开 is reachable without a
login (home blocks, lists, pages, previews, downloads, the site search); anything else answers 404 —
list and detail, files and thumbnails — as if it did not exist."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import FileStorage

from eduplatform.core.extensions import db
from eduplatform.courses import publicity as course_publicity
from eduplatform.resources import processing, review, services
from eduplatform.resources.models import Resource, Visibility
from tests.courses.conftest import add_lesson
from tests.resources.conftest import COURSEWARE, make_image


def _resource(owner, title, visibility, people, *, public_decision="public", image=False) -> Resource:
    import io

    rtype = services.resolve_type("media_image" if image else "courseware")
    data = dict(COURSEWARE, title=title, type=rtype.code)
    if image:
        data.pop("grade")
    from tests.resources.conftest import make_pptx

    content, name = ((make_image(), "图.png") if image else (make_pptx(f"{title}|光合作用的过程"), "课件.pptx"))
    resource = services.create_resource(owner, rtype=rtype, metadata=services.validate_metadata(rtype, data),
                                        visibility=visibility, file=FileStorage(io.BytesIO(content), filename=name))
    review.submit(resource, owner)
    review.approve(resource, people.school_a1_admin)
    review.approve(resource, people.district_a_staff,
                   **({"public": public_decision, "public_reason": "仅供本市教师使用"} if resource.public_pending else {}))
    db.session.commit()
    processing.process_after_commit(resource)
    return resource


@pytest.fixture
def items(portal, people, make_course):
    people = portal
    made = {
        "public": _resource(people.teacher_a1, "公开的光合作用课件", Visibility.PUBLIC, people),
        "image": _resource(people.teacher_a1, "公开的细胞结构图", Visibility.PUBLIC, people, image=True),
        "lowered": _resource(people.teacher_a1, "降为全平台的课件", Visibility.PUBLIC, people,
                             public_decision="platform"),
        "platform": _resource(people.teacher_a1, "全平台的光合作用课件", Visibility.PLATFORM, people),
        "school": _resource(people.teacher_a1, "本校的光合作用课件", Visibility.SCHOOL, people),
        "district": _resource(people.teacher_a1, "本区县的光合作用课件", Visibility.DISTRICT, people),
    }
    course = make_course(title="公开课：光合作用", lessons=("text", "video"))
    add_lesson(people.teacher_a1, course.chapters[0], "assignment", title="课后作业")
    course_publicity.request_public(people.teacher_a1, course)
    course_publicity.decide(people.district_a_staff, course, "public", None)
    closed = make_course(title="本校课程：光合作用")
    requested = make_course(title="待审核课程：光合作用")
    course_publicity.request_public(people.teacher_a1, requested)
    db.session.commit()

    made.update(course=course, closed=closed, requested=requested)
    return made


def test_home_blocks_and_lists_show_public_items_only(client, items):
    home = client.get("/portal/").get_data(as_text=True)
    for shown in ("公开的光合作用课件", "公开的细胞结构图", "公开课：光合作用"):
        assert shown in home
    for hidden in ("降为全平台的课件", "全平台的光合作用课件", "本校的光合作用课件", "本区县的光合作用课件",
                   "本校课程：光合作用", "待审核课程：光合作用"):
        assert hidden not in home
    listed = client.get("/portal/resources").get_data(as_text=True)
    assert "公开的光合作用课件" in listed and "全平台的光合作用课件" not in listed
    courses = client.get("/portal/courses").get_data(as_text=True)
    assert "公开课：光合作用" in courses and "待审核课程" not in courses


def test_a_public_resource_page_previews_and_downloads_anonymously(client, items):
    r = items["public"]
    page = client.get(f"/portal/resources/{r.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "光合作用的过程" in text  # the extracted text is the preview
    download = client.get(f"/portal/resources/{r.id}/file")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert db.session.get(Resource, r.id).download_count == 1
    image = items["image"]
    assert client.get(f"/portal/resources/{image.id}/file?inline=1").data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("which", ["lowered", "platform", "school", "district"])
def test_non_public_resources_answer_404_everywhere(client, items, which):
    r = items[which]
    for url in (f"/portal/resources/{r.id}", f"/portal/resources/{r.id}/file",
                f"/portal/resources/{r.id}/file?inline=1", f"/portal/resources/{r.id}/thumbnail"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert r.title.encode() not in response.data
    # the same answer as an id that does not exist
    assert client.get("/portal/resources/999999").status_code == 404


def test_the_thumbnail_of_a_public_resource_is_public(client, items):
    r = items["image"]
    assert r.version.thumbnail_file_id is not None
    response = client.get(f"/portal/resources/{r.id}/thumbnail")
    assert response.status_code == 200 and response.data[:3] == b"\xff\xd8\xff"  # a JPEG


def test_a_public_course_shows_its_outline_and_open_lessons(client, items):
    course = items["course"]
    page = client.get(f"/portal/courses/{course.id}").get_data(as_text=True)
    assert "第一章 方程的概念" in page and "课后作业（登录后学习）" in page
    text_lesson, video_lesson, homework = course.lessons
    lesson = client.get(f"/portal/lessons/{text_lesson.id}").get_data(as_text=True)
    assert "方程是含有未知数的等式" in lesson
    video = client.get(f"/portal/lessons/{video_lesson.id}/file", headers={"Range": "bytes=0-3"})
    assert video.status_code == 206 and video.data == b"\x1a\x45\xdf\xa3"  # the WebM magic
    assert client.get(f"/portal/lessons/{homework.id}").status_code == 404  # needs a login
    # nothing about a visitor is recorded
    from eduplatform.courses.models import LessonProgress

    assert db.session.scalar(db.select(db.func.count()).select_from(LessonProgress)) == 0


@pytest.mark.parametrize("which", ["closed", "requested"])
def test_non_public_courses_and_their_lessons_answer_404(client, items, which):
    course = items[which]
    assert client.get(f"/portal/courses/{course.id}").status_code == 404
    for lesson in course.lessons:
        assert client.get(f"/portal/lessons/{lesson.id}").status_code == 404
        assert client.get(f"/portal/lessons/{lesson.id}/file").status_code == 404


def test_withdrawing_public_takes_a_course_off_at_once(client, items, people):
    course = items["course"]
    course_publicity.withdraw_public(people.teacher_a1, course)
    db.session.commit()
    assert client.get(f"/portal/courses/{course.id}").status_code == 404
    assert client.get(f"/portal/lessons/{course.lessons[0].id}").status_code == 404


def test_the_site_search_finds_public_items_only(client, items):
    found = client.get("/portal/search?q=光合作用").get_data(as_text=True)
    assert "公开的光合作用课件" in found.replace("<mark>", "").replace("</mark>", "")
    plain = found.replace("<mark>", "").replace("</mark>", "")
    assert "公开课：光合作用" in plain
    for hidden in ("全平台的光合作用课件", "本校的光合作用课件", "本区县的光合作用课件", "本校课程", "待审核课程"):
        assert hidden not in plain
    only_courses = client.get("/portal/search?q=光合作用&column=open_courses").get_data(as_text=True)
    assert "公开的光合作用课件" not in only_courses.replace("<mark>", "").replace("</mark>", "")


def test_downloads_are_rate_limited_per_address(app, client, items):
    app.config["PORTAL_DOWNLOAD_LIMIT"] = 2
    r = items["public"]
    assert [client.get(f"/portal/resources/{r.id}/file").status_code for _ in range(3)] == [200, 200, 429]
    assert "下载过于频繁" in client.get(f"/portal/resources/{r.id}/file").get_data(as_text=True)
    # previews are not counted
    assert client.get(f"/portal/resources/{r.id}/file?inline=1").status_code == 200
