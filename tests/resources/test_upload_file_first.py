"""The upload starts with the file: its format and name choose the type, the form arrives filled from
the file and the teacher's profile, and the technical check reads in words before anything is typed."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import lxml.html
import pytest

from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.resources import staging
from eduplatform.resources.models import Resource, StagedUpload
from eduplatform.schools.models import TeacherProfile
from tests.resources.conftest import make_docx, make_image, make_mp4, make_pptx, storage_keys


def choose(client, content: bytes, name: str, **fields):
    return client.post("/resources/upload/file", content_type="multipart/form-data",
                       data={**fields, "file": (io.BytesIO(content), name)})


def staged_step(response) -> dict:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    query = parse_qs(urlparse(response.headers["Location"]).query)
    return {k: v[0] for k, v in query.items()}


def page_of(client, step: dict):
    response = client.get("/resources/upload", query_string=step)
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def field(html, name):
    [el] = html.xpath(f'//form[@id="upload-form"]//*[@name="{name}"]')
    if el.tag == "select":
        chosen = el.xpath("./option[@selected]/@value")
        return chosen[0] if chosen else ""
    return el.get("value") if el.tag == "input" else (el.text or "")


@pytest.fixture
def math_teacher(people, tree):
    """A teacher of a junior school who teaches 数学: the profile the form is filled from."""
    tree.school_a1.stages = ["junior"]
    db.session.add(TeacherProfile(school_id=tree.school_a1.id, teacher_no="T1", name="张老师", subjects=["数学"],
                                  user_id=people.teacher_a1.id))
    db.session.commit()
    return people.teacher_a1


def test_first_page_asks_for_the_file_only(client, auth, people):
    auth.login(people.teacher_a1)
    html = lxml.html.fromstring(client.get("/resources/upload").get_data(as_text=True))
    assert html.xpath('//form[@id="upload-file-form"]//input[@type="file" and @name="file"]')
    assert not html.xpath('//*[@name="title"]') and not html.xpath('//*[@name="type"]')
    # Every format the library takes is offered, under the type that takes it.
    assert "课件：PowerPoint 演示文稿" in html.xpath('string(//*[@id="accepted-kinds"])')


@pytest.mark.parametrize("content, name, expected", [
    (make_pptx("勾股定理|直角三角形三边的关系"), "勾股定理.pptx", "courseware"),     # the format's usual type
    (make_docx("一、选择题", "1. 下列各数中"), "七年级数学期末试卷.docx", "paper"),  # a word in the name
    (make_docx("教学背景", "教学过程"), "《背影》课例.docx", "case"),
    (make_mp4(), "微课：光合作用.mp4", "media_video"),
    (make_image(), "细胞结构图.png", "media_image"),
])
def test_the_type_is_guessed_from_format_and_name(client, auth, people, content, name, expected):
    auth.login(people.teacher_a1)
    step = staged_step(choose(client, content, name))
    assert step["type"] == expected
    html = page_of(client, step)
    assert field(html, "type") == expected
    offered = html.xpath('//*[@id="type-choice"]//a/text()') or html.xpath('//*[@id="type-choice"]//strong/text()')
    # Only the types that take this format are offered, the guess marked.
    staged = db.session.scalar(db.select(StagedUpload).where(StagedUpload.token == step["staged"]))
    assert sorted(offered) == sorted(t.label for t in staging.candidate_types(staged.format))
    if len(offered) > 1:
        assert html.xpath('//*[@id="type-choice"]//a[@aria-current="true"]/@href')[0].endswith(f"type={expected}")


def test_form_is_filled_from_file_and_profile(client, auth, math_teacher):
    auth.login(math_teacher)
    step = staged_step(choose(client, make_pptx("勾股定理|证明"), "第十七章_勾股定理（第1课时）.pptx"))
    html = page_of(client, step)
    assert field(html, "title") == "第十七章 勾股定理（第1课时）"
    assert field(html, "stage") == "junior" and field(html, "subject") == "math"
    assert field(html, "author") == math_teacher.display_name
    assert html.xpath('string(//*[@id="staged-name"])') == "第十七章_勾股定理（第1课时）.pptx"


def test_a_link_from_a_lesson_carries_through_both_steps(client, auth, people):
    auth.login(people.teacher_a1)
    first = lxml.html.fromstring(client.get("/resources/upload?textbook_node=pep-math-7a:3.2").get_data(as_text=True))
    assert first.xpath('//input[@name="textbook_node"]/@value') == ["pep-math-7a:3.2"]
    step = staged_step(choose(client, make_pptx("移项"), "移项.pptx", textbook_node="pep-math-7a:3.2"))
    assert step["textbook_node"] == "pep-math-7a:3.2"
    form = client.get("/resources/upload", query_string=step).get_data(as_text=True)
    assert 'value="pep-math-7a:3.2" checked' in form


def test_check_reads_in_words_with_codes_behind_a_toggle(client, auth, people):
    auth.login(people.teacher_a1)
    # A 16-colour image: the 256-colour rule of CELTS-41.1 falls short.
    step = staged_step(choose(client, make_image(mode="P", colors=16), "示意图.png"))
    html = page_of(client, step)
    words = html.xpath('string(//*[@id="conformance-words"])')
    assert "彩色图像的颜色数不低于 256 色：文件实测为 16，必须改正" in words
    assert html.xpath('string(//*[@id="conformance-summary"])').startswith("有 1 项必备要求未达到")
    # The rule codes and raw values are only inside the toggle.
    outside = "".join(html.xpath('//*[@id="upload-check"]//text()[not(ancestor::details)]'))
    assert "image_colors" not in outside and "True" not in outside and "False" not in outside
    assert "image_colors" in html.xpath('string(//details[@id="conformance-details"])')


def test_submitting_the_form_makes_the_draft_from_the_staged_file(client, auth, math_teacher):
    auth.login(math_teacher)
    content = make_pptx("勾股定理|直角三角形")
    step = staged_step(choose(client, content, "勾股定理.pptx"))
    staged = db.session.scalar(db.select(StagedUpload).where(StagedUpload.token == step["staged"]))
    file_id = staged.file_id
    missing = client.post("/resources/upload/staged", data={"staged": step["staged"], "type": "courseware",
                                                            "title": "勾股定理", "stage": "junior"})
    assert missing.status_code == 422  # 描述、学科 … missing: the form comes back, the file stays chosen
    again = lxml.html.fromstring(missing.get_data(as_text=True))
    assert again.xpath('//form[@id="upload-form"]//input[@name="staged"]/@value') == [step["staged"]]
    assert field(again, "title") == "勾股定理"
    assert db.session.scalar(db.select(db.func.count()).select_from(Resource)) == 0
    done = client.post("/resources/upload/staged", data={
        "staged": step["staged"], "type": "courseware", "title": "勾股定理", "description": "八年级下册第十七章",
        "stage": "junior", "subject": "math", "lesson_model": "新授课", "visibility": "platform"})
    assert done.status_code == 302, done.get_data(as_text=True)[:400]
    resource = db.session.scalars(db.select(Resource)).one()
    assert resource.title == "勾股定理" and resource.type == "courseware" and resource.owner_id == math_teacher.id
    assert resource.version.file_id == file_id and resource.version.conformance_status == "pass"
    assert db.session.scalar(db.select(db.func.count()).select_from(StagedUpload)) == 0
    # The token is spent: a second post does not make a second resource.
    twice = client.post("/resources/upload/staged", data={"staged": step["staged"], "type": "courseware"})
    assert twice.status_code == 404 and "所选文件已失效" in twice.get_data(as_text=True)


def test_a_type_that_does_not_take_the_format_is_refused(client, auth, people):
    auth.login(people.teacher_a1)
    step = staged_step(choose(client, make_image(), "图.png"))
    refused = client.post("/resources/upload/staged", data={
        "staged": step["staged"], "type": "courseware", "title": "图", "description": "d",
        "stage": "junior", "subject": "math"})
    # The asked type is not among the image's: the form falls back to the image's own type.
    assert refused.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Resource)) == 0


def test_refusals_store_nothing(client, auth, people, backend):
    auth.login(people.teacher_a1)
    before = db.session.scalar(db.select(db.func.count()).select_from(StoredFile))
    exe = choose(client, b"MZ\x90\x00" + b"\x00" * 300, "课件.pptx")
    assert exe.status_code == 422 and "不允许上传可执行程序" in exe.get_data(as_text=True)
    unknown = choose(client, b"hello", "notes.xyz")
    assert unknown.status_code == 422 and "不支持的文件类型 .xyz" in unknown.get_data(as_text=True)
    empty = client.post("/resources/upload/file", content_type="multipart/form-data", data={"type": "courseware"})
    assert empty.status_code == 422 and "请选择要上传的文件" in empty.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(StagedUpload)) == 0
    assert storage_keys(backend) == []


def test_a_duplicate_is_named_at_the_first_step(client, auth, people, upload):
    content = make_pptx("已有的课件")
    existing = upload(people.teacher_a1, file=(content, "已有.pptx")).get_json()["id"]
    auth.login(people.teacher_a1)
    again = choose(client, content, "另一个名字.pptx")
    assert again.status_code == 409
    html = lxml.html.fromstring(again.get_data(as_text=True))
    assert html.xpath('//*[@id="upload-error"]//a/@href') == [f"/resources/{existing}"]


def test_another_persons_staged_file_is_unknown(client, auth, people):
    auth.login(people.teacher_a1)
    step = staged_step(choose(client, make_pptx("我的"), "我的.pptx"))
    auth.logout()
    auth.login(people.teacher_b1)
    other = client.get("/resources/upload", query_string=step)
    assert other.status_code == 404 and "所选文件已失效" in other.get_data(as_text=True)
    taken = client.post("/resources/upload/staged", data={**step, "title": "t", "description": "d",
                                                          "stage": "junior", "subject": "math"})
    assert taken.status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Resource)) == 0


def test_choosing_another_file_and_stale_files_are_removed(app, client, auth, people, backend):
    auth.login(people.teacher_a1)
    first = staged_step(choose(client, make_pptx("第一个"), "第一个.pptx"))
    gone = client.post("/resources/upload/discard", data={"staged": first["staged"]})
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/resources/upload")
    assert db.session.scalar(db.select(db.func.count()).select_from(StagedUpload)) == 0
    staged_step(choose(client, make_pptx("第二个"), "第二个.pptx"))
    staged = db.session.scalars(db.select(StagedUpload)).one()
    key = staged.file.key
    assert staging.remove_stale() == 0  # fresh: kept
    staged.created_at -= timedelta(hours=25)
    db.session.commit()
    assert staging.remove_stale() == 1
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(StagedUpload)) == 0
    assert db.session.get(StoredFile, staged.file_id) is None and key not in storage_keys(backend)
