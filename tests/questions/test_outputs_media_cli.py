"""DOCX outputs, question images, knowledge points over the API, categories as tags, the CLI."""

from __future__ import annotations

import io
from datetime import timedelta

from docx import Document

from eduplatform.core.extensions import db
from eduplatform.questions import exams, outputs, papers
from eduplatform.questions.models import AttemptStatus, Question
from tests.assertions import denials, page_message

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_paper_key_and_sheet_in_docx(people, make_question):
    t = people.teacher_a1
    qs = [make_question(t, qtype) for qtype in ("single", "multiple", "fill_blank", "matching", "essay")]
    paper = papers.create_paper(t, {"title": "期中测验", "subject": "math", "duration_minutes": 60},
                                [{"title": "一、基础题", "items": [{"question_id": q.id} for q in qs]}])
    text = docx_text(outputs.paper_docx(paper, "paper"))
    assert "期中测验" in text and "考试时间 60 分钟" in text and "姓名" in text
    assert "1. 方程 $2x+3=7$ 的解是（3 分）" in text and "A. 1　B. 2　C. 3　D. 4" in text
    assert "______" in text  # the fill-in blanks
    assert "去分母" not in text  # no reference answer in the paper
    key = docx_text(outputs.paper_docx(paper, "key"))
    assert "1. B（3 分）" in key and "2. AB（4 分）" in key and "3. 3 / +3；-3（4 分）" in key
    assert "去分母、去括号" in key and "解析：移项得" in key
    sheet = docx_text(outputs.paper_docx(paper, "sheet"))
    assert "1. [A]　[B]　[C]　[D]" in sheet and "(1) ____________　(2) ____________" in sheet
    assert "5.（10 分）" in sheet


def test_images_upload_checks_magic_bytes_and_are_served(client, auth, api, people, storage):
    bearer = api(people.teacher_a1)
    auth.login(people.teacher_a1)
    r = client.post("/questions/media", data={"file": (io.BytesIO(b"<script>"), "x.png")},
                    content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert r.status_code == 422
    assert "与实际内容（网页）不符" in r.get_json()["error"]["message"]
    assert list(storage.iter_keys()) == []  # the script was not kept
    r = client.post("/questions/media", data={"file": (io.BytesIO(PNG), "图.png")}, content_type="multipart/form-data")
    assert r.status_code == 201
    url = r.get_json()["url"]
    (key,) = storage.iter_keys()
    assert b"".join(storage.open(key)) == PNG  # the bytes as uploaded
    got = client.get(url)
    assert got.status_code == 200
    assert got.data == PNG and got.content_type == "image/png"
    # The stem may point at it; an image from elsewhere is stripped.
    r = client.post("/api/v1/questions", json={"type": "true_false", "stem": f'看图：<img src="{url}"><img src="http://x.cn/a.png">',
                                               "data": {"answer": True}, "subject": "math"},
                    headers=bearer)
    assert r.status_code == 201
    assert url in r.get_json()["stem"] and "x.cn" not in r.get_json()["stem"]
    auth.logout()
    auth.login(people.student_a1)
    r = client.post("/questions/media", data={"file": (io.BytesIO(PNG), "a.png")}, content_type="multipart/form-data")
    assert r.status_code == 403
    assert "没有权限" in page_message(r)
    assert len(denials(people.student_a1)) == 1
    assert list(storage.iter_keys()) == [key]  # the student's image was not stored


def test_knowledge_points_over_the_api(client, api, people):
    h = api(people.teacher_a1)
    root = client.post("/api/v1/knowledge-points", json={"subject": "math", "name": "代数"}, headers=h).get_json()
    client.post("/api/v1/knowledge-points", json={"subject": "math", "name": "方程", "parent_id": root["id"]}, headers=h)
    r = client.post("/api/v1/knowledge-points", json={"subject": "math", "name": "方程", "parent_id": root["id"]}, headers=h)
    assert r.status_code == 422 and "已存在" in r.get_json()["error"]["message"]
    tree = client.get("/api/v1/knowledge-points?subject=math", headers=h).get_json()["items"]
    assert tree[0]["name"] == "代数" and tree[0]["children"][0]["name"] == "方程"
    assert client.get("/api/v1/knowledge-points?subject=math", headers=api(people.student_a1)).status_code == 403


def test_categories_can_become_tags(client, api, people):
    h = api(people.teacher_a1)
    data = {"file": (io.BytesIO("$CATEGORY: $course$/top/代数/方程\n\n题 {T}\n".encode()), "a.gift"), "format": "gift",
            "subject": "math", "category_as": "tag"}
    body = client.post("/api/v1/questions/import", data=data, headers=h, content_type="multipart/form-data").get_json()
    client.post(f"/api/v1/questions/import/{body['id']}/confirm", headers=h)
    question = db.session.scalar(db.select(Question))
    assert question.tags == ["方程"] and question.knowledge_points == []


def test_close_expired_command(app, people, exam_setup):
    attempt = exams.start_attempt(people.student_a1, exam_setup["exam"])
    attempt.deadline_at = attempt.started_at - timedelta(seconds=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["questions", "close-expired"])
    assert result.exit_code == 0 and "已自动交卷 1 份" in result.output
    assert attempt.status != AttemptStatus.IN_PROGRESS


def test_images_are_served_inline_with_range_and_a_day_of_private_cache(client, auth, people):
    auth.login(people.teacher_a1)
    image = PNG + bytes(range(200))
    url = client.post("/questions/media", data={"file": (io.BytesIO(image), "图.png")},
                      content_type="multipart/form-data").get_json()["url"]
    whole = client.get(url)
    assert whole.status_code == 200 and whole.data == image and whole.mimetype == "image/png"
    assert whole.headers["Cache-Control"] == "private, max-age=86400"
    assert whole.headers["Content-Disposition"].startswith("inline;")
    assert "sandbox" in whole.headers["Content-Security-Policy"] and whole.headers["X-Content-Type-Options"] == "nosniff"
    part = client.get(url, headers={"Range": "bytes=8-23"})
    assert part.status_code == 206 and part.data == image[8:24]
    assert client.get(url, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304
