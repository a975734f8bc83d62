"""同步资源: resources attached to 教材目录 nodes, found by volume, chapter or section, within what
the viewer may see; the pages open on the teacher's subject and reach a lesson's resources."""

from __future__ import annotations

import io

import lxml.html

from eduplatform.core.extensions import db
from eduplatform.resources.models import Resource
from eduplatform.schools.models import TeacherProfile
from tests.resources.conftest import make_pptx


def _upload(upload, user, title, node, **fields):
    response = upload(user, file=(make_pptx(title), f"{title}.pptx"), title=title, stage="初中", subject="数学",
                      grade="七年级", textbook_nodes=node, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_chapter_finds_its_sections_resources_and_nothing_else(client, upload, publish, people):
    in_32 = _upload(upload, people.teacher_a1, "合并同类项与移项", "pep-math-7a:3.2")
    in_15 = _upload(upload, people.teacher_a1, "有理数的乘方", "pep-math-7a:1.5")
    publish(in_32)
    publish(in_15)
    stored = db.session.get(Resource, in_32)
    assert stored.extra["textbook_nodes"] == ["pep-math-7a:3.2"]
    headers = upload.headers(people.teacher_b1)

    def ids(node):
        found = client.get(f"/api/v1/resources?textbook={node}", headers=headers).get_json()
        return sorted(i["resource"]["id"] for i in found["items"])

    assert ids("pep-math-7a:3.2") == [in_32]
    assert ids("pep-math-7a:3") == [in_32]      # the chapter holds its sections
    assert ids("pep-math-7a") == sorted([in_32, in_15])
    assert ids("pep-math-7a:3.1") == []
    assert ids("pep-math-8b") == []


def test_an_unknown_node_is_refused_in_chinese(upload, people):
    response = upload(people.teacher_a1, title="无效章节", textbook_nodes="pep-math-7a:99")
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert "textbook_nodes" in body["fields"] and db.session.scalar(
        db.select(Resource.id).where(Resource.title == "无效章节")) is None


def test_the_pages_open_on_the_teachers_subject_and_reach_a_lesson(client, auth, upload, publish, people, tree):
    published = _upload(upload, people.teacher_a1, "合并同类项与移项", "pep-math-7a:3.2")
    publish(published)
    draft = _upload(upload, people.teacher_b1, "别校草稿：移项", "pep-math-7a:3.2")  # another school's draft
    tree.school_b1.stages = ["junior"]
    db.session.add(TeacherProfile(school_id=tree.school_b1.id, teacher_no="T9", name="数学老师",
                                  subjects=["数学"], user_id=people.teacher_b1.id))
    db.session.commit()
    auth.login(people.teacher_b1)
    # 1. 同步资源: the teacher's own 学段 and 学科.
    listing = lxml.html.fromstring(client.get("/resources/textbooks").get_data(as_text=True))
    volumes = [a.get("href") for a in listing.xpath('//*[@id="textbook-volumes"]//a')]
    assert volumes == ["/resources/textbooks/pep-math-7a", "/resources/textbooks/pep-math-8b",
                       "/resources/textbooks/pep-math-9a"]
    assert "已按您的学段和任教学科筛选" in listing.text_content()
    # 2. The volume: its 目录 with counts (the teacher's own draft counts for them, others' not).
    volume = lxml.html.fromstring(client.get(volumes[0]).get_data(as_text=True))
    counts = {a.get("data-node"): a.xpath("./span")[-1].text_content() for a in volume.xpath("//a[@data-node]")}
    assert counts["pep-math-7a:3"] == "2" and counts["pep-math-7a:3.2"] == "2" and counts["pep-math-7a:1.5"] == "0"
    # 3. The lesson: its resources and an upload that starts filled in.
    lesson = client.get("/resources/textbooks/pep-math-7a?node=pep-math-7a:3.2").get_data(as_text=True)
    assert f"/resources/{published}" in lesson and f"/resources/{draft}" in lesson
    assert "3.2 解一元一次方程（一）——合并同类项与移项" in lesson and 'id="upload-here"' in lesson
    chosen = client.post("/resources/upload/file", content_type="multipart/form-data",
                         data={"type": "courseware", "textbook_node": "pep-math-7a:3.2",
                               "file": (io.BytesIO(make_pptx("移项")), "移项.pptx")})
    form = client.get(chosen.headers["Location"]).get_data(as_text=True)
    assert 'value="pep-math-7a:3.2" checked' in form
    # Another teacher of school A does not see school B's draft under the same lesson.
    auth.logout()
    auth.login(people.teacher_a1)
    lesson = client.get("/resources/textbooks/pep-math-7a?node=pep-math-7a:3.2").get_data(as_text=True)
    assert f"/resources/{published}" in lesson and f"/resources/{draft}" not in lesson
    assert client.get("/resources/textbooks/no-such-book").status_code == 404
    assert client.get("/resources/textbooks/pep-math-7a?node=pep-math-8b:17.1").status_code == 404
