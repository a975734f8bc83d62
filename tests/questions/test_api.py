"""The REST API: CRUD and search, import preview → confirm, export, papers, exams; IDOR and errors."""

from __future__ import annotations

import io
from datetime import timedelta

from eduplatform.accounts.models import Role
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.questions.models import ExamAttempt, Question
from tests.questions.conftest import sample

GIFT = "$CATEGORY: $course$/top/代数/方程\n\n::行程::甲乙两地相距 {=120 千米 ~100 千米}\n\n::判断::0 是自然数。{T}\n"


def test_question_crud_versions_and_errors(client, api, people):
    h = api(people.teacher_a1)
    r = client.post("/api/v1/questions", json=sample("single"), headers=h)
    assert r.status_code == 201, r.get_json()
    qid = r.get_json()["id"]
    r = client.put(f"/api/v1/questions/{qid}", json={"stem": "新的题干"}, headers=h)
    assert r.get_json()["version"] == 2
    assert [v["number"] for v in client.get(f"/api/v1/questions/{qid}/versions", headers=h).get_json()["items"]] == [1, 2]
    r = client.post("/api/v1/questions", json=sample("single", data={"options": ["a"], "answer": 0}), headers=h)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "invalid"
    assert "至少需要 2 个选项" in r.get_json()["error"]["message"]
    assert client.get("/api/v1/questions?type=single", headers=h).get_json()["total"] == 1
    assert client.delete(f"/api/v1/questions/{qid}", headers=h).status_code == 204
    assert client.get(f"/api/v1/questions/{qid}", headers=h).status_code == 404


def test_questions_of_another_school_cannot_be_read_or_changed_by_id(client, api, people, make_question):
    q = make_question(people.teacher_a1, sharing="org")
    h = api(people.teacher_b1)
    assert client.get(f"/api/v1/questions/{q.id}", headers=h).status_code == 403
    assert client.put(f"/api/v1/questions/{q.id}", json={"stem": "x"}, headers=h).status_code == 403
    assert client.delete(f"/api/v1/questions/{q.id}", headers=h).status_code == 403
    assert client.get("/api/v1/questions", headers=h).get_json()["total"] == 0
    assert client.get(f"/api/v1/questions/export?format=gift&ids={q.id}", headers=h).status_code == 422
    assert client.get("/api/v1/questions", headers=api(people.student_a1)).status_code == 403
    db.session.refresh(q)
    assert q.stem != "x" and q.deleted_at is None


def test_search_through_the_api(client, api, people, make_question):
    make_question(people.teacher_a1, stem="相遇问题：甲乙两人相向而行")
    body = client.get("/api/v1/questions?q=相遇", headers=api(people.teacher_a1)).get_json()
    assert body["total"] == 1 and body["facets"]["type"] == {"single": 1}


def upload(client, h, text, fmt="gift", name="q.gift", **form):
    data = {"file": (io.BytesIO(text.encode() if isinstance(text, str) else text), name), "format": fmt,
            "subject": "math", "category_as": "knowledge_point", **form}
    return client.post("/api/v1/questions/import", data=data, headers=h, content_type="multipart/form-data")


def test_import_preview_then_confirm(client, api, people):
    h = api(people.teacher_a1)
    r = upload(client, h, GIFT)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["summary"]["count"] == 2 and body["summary"]["can_confirm"]
    assert body["summary"]["new_knowledge_points"] == ["代数/方程"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 0  # nothing saved yet
    # Only the uploader reaches the preview.
    assert client.post(f"/api/v1/questions/import/{body['id']}/confirm", headers=api(people.teacher_b1)).status_code == 404
    r = client.post(f"/api/v1/questions/import/{body['id']}/confirm", headers=h)
    assert r.status_code == 200 and len(r.get_json()["question_ids"]) == 2
    questions = db.session.scalars(db.select(Question)).all()
    assert {q.knowledge_points[0].name for q in questions} == {"方程"}
    assert client.post(f"/api/v1/questions/import/{body['id']}/confirm", headers=h).status_code == 409


def test_import_with_problems_cannot_be_confirmed_and_saves_nothing(client, api, people):
    h = api(people.teacher_a1)
    body = upload(client, h, GIFT + "\n::坏题:: 没有答案\n").get_json()
    assert body["problems"] == [{"line": 7, "number": 3, "message": "没有找到答案部分 {…}（Moodle 的“说明”类文字不是试题，不导入）"}]
    r = client.post(f"/api/v1/questions/import/{body['id']}/confirm", headers=h)
    assert r.status_code == 409 and "还有 1 个问题" in r.get_json()["error"]["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 0
    r = upload(client, h, GIFT, fmt="pdf")
    assert r.status_code == 422 and "不支持的导入格式" in r.get_json()["error"]["message"]
    r = upload(client, h, b"<quiz><question", fmt="moodle_xml", name="q.xml")
    assert r.status_code == 422 and "Moodle XML 文件格式错误" in r.get_json()["error"]["message"]


def test_export_each_format(client, api, people, make_question):
    import zipfile
    from xml.etree import ElementTree

    from openpyxl import load_workbook

    h = api(people.teacher_a1)
    ids = ",".join(str(make_question(people.teacher_a1, t).id) for t in ("single", "essay"))
    single_stem, essay_stem = "方程 $2x+3=7$ 的解是", "请说明解一元一次方程的一般步骤。"
    exported = {}
    for fmt, marker in (("gift", b"$CATEGORY"), ("moodle_xml", b"<quiz>"), ("qti", b"PK"), ("excel", b"PK")):
        r = client.get(f"/api/v1/questions/export?format={fmt}&ids={ids}", headers=h)
        assert r.status_code == 200, fmt
        assert marker in r.data[:200], fmt
        assert r.headers["Content-Disposition"].startswith("attachment;"), fmt
        exported[fmt] = r.data
    gift = exported["gift"].decode("utf-8")
    assert single_stem.replace("=", "\\=") in gift and "{~1 =2 ~3 ~4" in gift and essay_stem in gift  # GIFT escapes =
    quiz = ElementTree.fromstring(exported["moodle_xml"])
    assert [q.get("type") for q in quiz.iter("question")] == ["category", "multichoice", "essay"]
    assert [q.findtext("questiontext/text") for q in quiz.iter("question")][1:] == [single_stem, essay_stem]
    with zipfile.ZipFile(io.BytesIO(exported["qti"])) as qti:
        assert "imsmanifest.xml" in qti.namelist()
        assert len([n for n in qti.namelist() if n.startswith("items/")]) == 2
    sheet = load_workbook(io.BytesIO(exported["excel"])).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert {single_stem, essay_stem} <= cells
    aiken = client.get(f"/api/v1/questions/export?format=aiken&ids={ids}", headers=h)
    assert aiken.status_code == 422
    assert aiken.get_json()["error"]["fields"] == {"format": ["格式不支持"]}
    assert "不支持的导出格式：aiken" in aiken.get_json()["error"]["message"]


def test_an_export_that_would_lose_a_grade_is_refused_by_name(client, api, people, make_question):
    h = api(people.teacher_a1)
    q = make_question(people.teacher_a1, "multiple", data={"options": ["甲", "乙", "丙"], "weights": [50, 50, -100]})
    r = client.get(f"/api/v1/questions/export?format=excel&ids={q.id}", headers=h)
    error = r.get_json()["error"]
    assert r.status_code == 422 and error["code"] == "export_would_lose"
    assert f"编号 {q.id}「" in error["message"] and "逐项得分比例" in error["message"]
    r = client.get(f"/api/v1/questions/export?format=moodle_xml&ids={q.id}", headers=h)
    assert r.status_code == 200 and b'fraction="-100"' in r.data


def test_paper_assembly_manual_rules_outputs_and_idor(client, api, people, make_question):
    h = api(people.teacher_a1)
    qs = [make_question(people.teacher_a1, "single", stem=f"题 {n}") for n in range(3)]
    r = client.post("/api/v1/papers", json={"title": "手工卷", "subject": "math", "sections": [
        {"title": "一、选择题", "items": [{"question_id": q.id, "score": 5} for q in qs]}]}, headers=h)
    assert r.status_code == 201 and r.get_json()["total_score"] == 15
    paper_id = r.get_json()["id"]
    r = client.post("/api/v1/papers/assemble", json={"title": "规则卷", "subject": "math", "seed": 3,
                                                     "sections": [{"type": "single", "count": 5, "score": 2}]}, headers=h)
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["rules"] == ["第 1 大题：单选题只有 3 道，需要 5 道（差 2 道）"]
    r = client.post("/api/v1/papers/assemble", json={"title": "规则卷", "subject": "math", "seed": 3,
                                                     "sections": [{"type": "single", "count": 2, "score": 2}]}, headers=h)
    assert r.status_code == 201 and r.get_json()["rules"]["seed"] == 3
    for variant in ("paper", "key", "sheet"):
        r = client.get(f"/api/v1/papers/{paper_id}/output?variant={variant}&format=docx", headers=h)
        assert r.status_code == 200 and r.data[:2] == b"PK"
    other = api(people.teacher_b1)
    assert client.get(f"/api/v1/papers/{paper_id}", headers=other).status_code == 403
    assert client.get(f"/api/v1/papers/{paper_id}/output?variant=key", headers=other).status_code == 403
    assert client.put(f"/api/v1/papers/{paper_id}", json={"title": "x"}, headers=other).status_code == 403
    # A paper cannot take a question its author may not see.
    hidden = make_question(people.teacher_b1, sharing="private")
    r = client.post("/api/v1/papers", json={"title": "偷题", "subject": "math", "sections": [
        {"title": "一", "items": [{"question_id": hidden.id}]}]}, headers=h)
    assert r.status_code == 422


def test_exam_over_the_api_student_never_sees_the_key_or_others(client, api, people, make_question, create_user, tree):
    t = api(people.teacher_a1)
    single = make_question(people.teacher_a1, "single")
    essay = make_question(people.teacher_a1, "essay")
    paper = client.post("/api/v1/papers", json={"title": "卷", "subject": "math", "sections": [
        {"title": "一", "items": [{"question_id": single.id, "score": 4}, {"question_id": essay.id, "score": 6}]}]},
        headers=t).get_json()
    now = utcnow()
    r = client.post("/api/v1/exams", json={
        "paper_id": paper["id"], "title": "周测", "opens_at": (now - timedelta(minutes=1)).isoformat() + "Z",
        "closes_at": (now + timedelta(hours=1)).isoformat() + "Z", "time_limit_minutes": 30,
        "students": [people.student_a1.username], "publish": True}, headers=t)
    assert r.status_code == 201, r.get_json()
    exam_id = r.get_json()["id"]
    s = api(people.student_a1)
    body = client.post(f"/api/v1/exams/{exam_id}/attempt", headers=s).get_json()
    items = [i for sec in body["sections"] for i in sec["items"]]
    assert "answer" not in str(items[0]) and items[0]["options"] and body["score"] is None
    assert client.get(f"/api/v1/papers/{paper['id']}", headers=s).status_code == 403
    r = client.put(f"/api/v1/exams/{exam_id}/attempt/answers",
                   json={"answers": {str(items[0]["id"]): 1, str(items[1]["id"]): "我的作答"}}, headers=s)
    assert r.status_code == 200 and r.get_json()["saved"] == 2
    # Another student: not in the audience, cannot reach the attempt, the statistics or the grading.
    other = create_user("a1student9", roles=[Role.STUDENT], org=tree.school_a1)
    o = api(other)
    assert client.get(f"/api/v1/exams/{exam_id}/attempt", headers=o).status_code == 403
    assert client.put(f"/api/v1/exams/{exam_id}/attempt/answers", json={"answers": {}}, headers=o).status_code == 403
    assert client.get(f"/api/v1/exams/{exam_id}/statistics", headers=s).status_code == 403
    assert client.get(f"/api/v1/exams/{exam_id}/grading", headers=api(people.teacher_b1)).status_code == 403
    # Submit twice: the same result.
    first = client.post(f"/api/v1/exams/{exam_id}/attempt/submit", headers=s).get_json()
    assert client.post(f"/api/v1/exams/{exam_id}/attempt/submit", headers=s).get_json() == first
    assert first["score"] is None and first["status"] == "submitted"
    r = client.put(f"/api/v1/exams/{exam_id}/attempt/answers", json={"answers": {str(items[0]["id"]): 0}}, headers=s)
    assert r.status_code == 409
    # Grade the essay, release, and the student sees score and key.
    queue = client.get(f"/api/v1/exams/{exam_id}/grading", headers=t).get_json()["items"]
    assert [q["response"] for q in queue] == ["我的作答"]
    r = client.post(f"/api/v1/exams/{exam_id}/answers/{queue[0]['answer_id']}/grade", json={"score": 5}, headers=t)
    assert r.get_json()["attempt_score"] == 9
    assert client.post(f"/api/v1/exams/{exam_id}/release", headers=t).status_code == 200
    body = client.get(f"/api/v1/exams/{exam_id}/attempt", headers=s).get_json()
    assert body["score"] == 9 and body["sections"][0]["items"][0]["answer_text"] == "B"
    stats = client.get(f"/api/v1/exams/{exam_id}/statistics", headers=t).get_json()
    assert stats["mean"] == 9 and len(stats["items"]) == 2


def test_answers_after_the_deadline_are_refused_over_the_api(client, api, people, exam_setup):
    s = api(people.student_a1)
    exam = exam_setup["exam"]
    client.post(f"/api/v1/exams/{exam.id}/attempt", headers=s)
    attempt = db.session.scalar(db.select(ExamAttempt))
    attempt.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    item = exam_setup["items"]["single"]
    r = client.put(f"/api/v1/exams/{exam.id}/attempt/answers", json={"answers": {str(item.id): 1}}, headers=s)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "deadline_passed"
    db.session.refresh(attempt)
    assert attempt.auto_submitted and attempt.status.value == "graded"


def test_openapi_documents_the_question_bank(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/questions", "/api/v1/questions/import", "/api/v1/questions/export", "/api/v1/papers",
                 "/api/v1/papers/assemble", "/api/v1/exams", "/api/v1/exams/{exam_id}/statistics"):
        assert path in paths, path


def test_imported_questions_are_found_by_full_text_search(client, api, people):
    h = api(people.teacher_a1)
    body = upload(client, h, GIFT).get_json()
    client.post(f"/api/v1/questions/import/{body['id']}/confirm", headers=h)
    found = client.get("/api/v1/questions?q=相距", headers=h).get_json()
    assert found["total"] == 1 and found["items"][0]["source"] == "行程"
    assert found["items"][0]["knowledge_points"][0]["name"] == "方程"
