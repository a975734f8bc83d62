"""HTML pages: every page renders for its users, forms save through the services, other schools get 403."""

from __future__ import annotations

import io

from eduplatform.core.extensions import db
from eduplatform.questions.models import ExamAnswer, ExamAttempt, Paper, Question
from tests.assertions import assert_refused_page, denials, reread
from tests.questions.conftest import sample


def test_teacher_pages_render(client, auth, people, make_question, kp_tree, exam_setup):
    q = make_question(people.teacher_a1, "fill_blank", kps=[kp_tree["linear"]])
    auth.login(people.teacher_a1)
    paper, exam = exam_setup["paper"], exam_setup["exam"]
    for url in ("/questions/", "/questions/?q=方程", "/questions/?type=single&difficulty=1&usage=0&sort=usage",
                f"/questions/?knowledge_point={kp_tree['algebra'].id}", "/questions/new", f"/questions/{q.id}",
                f"/questions/{q.id}/edit", "/questions/import", "/questions/knowledge-points", "/questions/papers",
                "/questions/papers/assemble", f"/questions/papers/{paper.id}", f"/questions/papers/{paper.id}/edit",
                f"/questions/papers/{paper.id}/print/paper", f"/questions/papers/{paper.id}/print/key",
                f"/questions/papers/{paper.id}/print/sheet", f"/questions/papers/{paper.id}/exam", "/questions/exams",
                f"/questions/exams/{exam.id}", f"/questions/exams/{exam.id}/grading",
                f"/questions/exams/{exam.id}/statistics"):
        r = client.get(url)
        assert r.status_code == 200, url
    assert "题库" in client.get("/").get_data(as_text=True)


def test_question_form_creates_and_edits_with_chinese_errors(client, auth, people):
    auth.login(people.teacher_a1)
    r = client.post("/questions/new", data={"type": "single", "stem": "", "options": "甲", "answer": "A",
                                            "subject": "math", "difficulty": "3", "sharing": "org"})
    assert r.status_code == 200 and "题干不能为空" in r.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 0
    r = client.post("/questions/new", data={"type": "matching", "stem": "连线", "options": "北京→中国\n东京->日本\n→英国",
                                            "subject": "math", "difficulty": "2", "sharing": "org", "score": "4"})
    assert r.status_code == 302
    q = db.session.scalar(db.select(Question))
    assert q.data == {"pairs": [["北京", "中国"], ["东京", "日本"]], "distractors": ["英国"]}
    r = client.post(f"/questions/{q.id}/edit", data={"type": "matching", "stem": "连一连", "options": "北京→中国\n东京→日本",
                                                     "subject": "math", "difficulty": "2", "sharing": "org", "score": "4"})
    assert r.status_code == 302 and q.version == 2


def test_other_schools_get_403_on_pages(client, auth, people, make_question, exam_setup):
    q = make_question(people.teacher_a1)
    auth.login(people.teacher_b1)
    paper, exam = exam_setup["paper"], exam_setup["exam"]
    for url in (f"/questions/{q.id}", f"/questions/{q.id}/edit", f"/questions/papers/{paper.id}",
                f"/questions/papers/{paper.id}/print/key", f"/questions/exams/{exam.id}",
                f"/questions/exams/{exam.id}/grading", f"/questions/exams/{exam.id}/statistics",
                f"/questions/exams/{exam.id}/take"):
        assert_refused_page(client.get(url), url)
    assert_refused_page(client.post(f"/questions/{q.id}/delete"), "delete")
    assert_refused_page(client.post(f"/questions/exams/{exam.id}/release"), "release")
    assert len(denials(people.teacher_b1)) == 10
    assert not reread(q).is_deleted
    assert reread(exam).results_released_at is None


def test_students_see_no_bank_and_no_key_before_release(client, auth, people, exam_setup):
    auth.login(people.student_a1)
    assert client.get("/questions/").status_code == 403
    assert client.get(f"/questions/papers/{exam_setup['paper'].id}/print/key").status_code == 403
    r = client.get("/questions/my-exams")
    assert "单元测验" in r.get_data(as_text=True)
    client.post(f"/questions/exams/{exam_setup['exam'].id}/take")
    page = client.get(f"/questions/exams/{exam_setup['exam'].id}/take").get_data(as_text=True)
    assert "exam-app" in page and "参考答案" not in page and "去分母" not in page  # the essay's reference
    client.post(f"/questions/exams/{exam_setup['exam'].id}/submit")
    result = client.get(f"/questions/exams/{exam_setup['exam'].id}/result").get_data(as_text=True)
    assert "老师发布成绩后" in result and "正确答案" not in result
    assert db.session.scalar(db.select(ExamAttempt)).submitted_at is not None


def test_import_pages_preview_and_confirm(client, auth, people):
    auth.login(people.teacher_a1)
    r = client.post("/questions/import", data={"file": (io.BytesIO("题一 {=对 ~错}\n\n坏题\n".encode()), "a.gift"),
                                               "format": "gift", "subject": "math", "category_as": "tag"},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "第 2 题，第 3 行：没有找到答案部分" in page and 'disabled' in page
    r = client.post("/questions/import", data={"file": (io.BytesIO("题一 {=对 ~错}\n".encode()), "a.gift"),
                                               "format": "gift", "subject": "math", "category_as": "tag"},
                    content_type="multipart/form-data")
    r = client.post(r.headers["Location"], data={"action": "confirm"})
    assert r.status_code == 302 and db.session.scalar(db.select(db.func.count()).select_from(Question)) == 1


def test_rule_form_shows_shortfalls(client, auth, people, make_question):
    make_question(people.teacher_a1, "single")
    auth.login(people.teacher_a1)
    r = client.post("/questions/papers/assemble", data={"subject": "math", "title": "卷", "rule_type": ["single"],
                                                        "rule_count": ["3"], "rule_score": ["2"], "rule_kp": [""]})
    assert "第 1 大题：单选题只有 1 道，需要 3 道（差 2 道）" in r.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Paper)) == 0
    r = client.post("/questions/papers/assemble", data={"subject": "math", "title": "卷", "rule_type": ["single"],
                                                        "rule_count": ["1"], "rule_score": ["2"], "rule_kp": [""]})
    assert r.status_code == 302


def test_manual_paper_from_ticked_questions(client, auth, people, make_question):
    ids = [make_question(people.teacher_a1, t).id for t in ("single", "essay")]
    auth.login(people.teacher_a1)
    r = client.post("/questions/papers/manual", data={"question_ids": [str(i) for i in ids], "title": "手工卷"})
    assert r.status_code == 302
    paper = db.session.scalar(db.select(Paper))
    assert [i.question_id for i in paper.items] == ids
    _ = sample


def test_the_lists_export_gives_a_file_or_the_reason_on_the_page(client, auth, people, make_question):
    """Export links are pages: an empty selection comes back to the list with the reason in Chinese,
    never as raw JSON; with questions, the file."""
    make_question(people.teacher_a1, "single")
    auth.login(people.teacher_a1)
    empty = client.get("/questions/?subject=english").get_data(as_text=True)
    assert "没有可导出的试题" in empty and "/questions/export" not in empty
    response = client.get("/questions/export?format=gift&subject=english")
    assert response.status_code == 302 and response.headers["Location"] == "/questions/?subject=english"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "没有可导出的试题" in shown and "export_empty" not in shown
    listing = client.get("/questions/?subject=math").get_data(as_text=True)
    assert "/questions/export?format=gift" in listing
    exported = client.get("/questions/export?format=gift&subject=math")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    assert "{" in exported.get_data(as_text=True)  # a GIFT question's answer block


def test_the_hand_in_carries_the_answers_not_yet_autosaved(client, auth, people, exam_setup):
    """交卷 right after a change: the autosave (a short pause after typing) may not have gone out, so
    the form sends every answer with the hand-in and they are saved before grading."""
    import json

    import lxml.html

    exam = exam_setup["exam"]
    auth.login(people.student_a1)
    client.post(f"/questions/exams/{exam.id}/take")
    page = lxml.html.fromstring(client.get(f"/questions/exams/{exam.id}/take").get_data(as_text=True))
    [single] = page.xpath('//*[@data-type="single"]/@data-item')[:1]
    saved = client.put(f"/api/v1/exams/{exam.id}/attempt/answers", json={"answers": {single: 0}})
    assert saved.status_code == 200
    # The student then picks another option and hands in at once: only the hand-in carries it.
    client.post(f"/questions/exams/{exam.id}/submit", data={"final_answers": json.dumps({single: 1})})
    answer = db.session.scalar(db.select(ExamAnswer).where(ExamAnswer.item_id == int(single)))
    assert answer.response == 1
    assert db.session.scalar(db.select(ExamAttempt)).submitted_at is not None


def test_a_broken_hand_in_is_refused_and_nothing_is_submitted(client, auth, people, exam_setup):
    exam = exam_setup["exam"]
    auth.login(people.student_a1)
    client.post(f"/questions/exams/{exam.id}/take")
    refused = client.post(f"/questions/exams/{exam.id}/submit", data={"final_answers": "{not json"},
                          follow_redirects=True)
    assert "答卷数据格式错误，请刷新页面后重新交卷" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(ExamAttempt)).submitted_at is None
