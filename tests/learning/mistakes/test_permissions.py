"""A student sees only their own 错题本; a teacher sees the class view only of classes they teach (their
subjects there) or head (every subject); refusals are 403 (audited) or, for another student's entry, 404."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.learning import services as homework
from eduplatform.learning.mistakes import permissions
from eduplatform.learning.mistakes.models import MistakeEntry
from eduplatform.learning.models import ItemKind
from eduplatform.questions import services as question_services
from tests.questions.conftest import sample


def _wrong(junior, bank, question_homework, student_index=0):
    h = question_homework(bank.single)
    homework.submit_answer(junior.students[student_index], h.items[0], response=0)
    db.session.commit()
    return db.session.scalar(sa.select(MistakeEntry).where(MistakeEntry.user_id == junior.students[student_index].id))


def test_a_student_sees_only_their_own_book(junior, bank, question_homework, client, api, auth):
    mine = _wrong(junior, bank, question_homework, 0)
    other = api(junior.students[1])
    listed = client.get("/api/v1/my/mistakes", headers=other).get_json()
    assert listed["total"] == 0 and listed["items"] == []
    assert client.get(f"/api/v1/mistakes/{mine.id}", headers=other).status_code == 404
    assert client.post(f"/api/v1/mistakes/{mine.id}/redo", headers=other, json={"response": 1}).status_code == 404
    assert client.get(f"/api/v1/mistakes/{mine.id}", headers=api(junior.students[0])).status_code == 200
    auth.login(junior.students[1])
    assert client.get(f"/learning/mistakes/{mine.id}/redo").status_code == 404
    assert "还没有题目" in client.get("/learning/mistakes/").get_data(as_text=True)
    db.session.refresh(mine)
    assert mine.redo_count == 0


def test_teachers_have_no_book_and_students_no_class_view(junior, bank, question_homework, client, api):
    _wrong(junior, bank, question_homework)
    teacher = api(junior.teachers["数学"])
    assert client.get("/api/v1/my/mistakes", headers=teacher).status_code == 403
    student = api(junior.students[0])
    assert client.get(f"/api/v1/classes/{junior.school_class.id}/mistakes", headers=student).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "permission.denied")) == 2


def test_a_teacher_sees_only_classes_they_teach_and_their_subjects_there(junior, make_class, bank, points,
                                                                         question_homework, client, api):
    maths, chinese = junior.teachers["数学"], junior.teachers["语文"]  # 语文 is the 班主任
    _wrong(junior, bank, question_homework)
    poem = question_services.create_question(chinese, sample("true_false", subject="chinese", stem="《静夜思》是李白写的。"))
    h = homework.create_homework(chinese, junior.school_class, {
        "subject": "语文", "title": "古诗", "level": None, "load_date": homework.local_today(),
        "due_at": junior_due()})
    homework.add_item(chinese, h, {"kind": ItemKind.QUESTION, "minutes": 5, "question_id": poem.id})
    homework.publish(chinese, h)
    for s in junior.students:
        homework.submit_answer(s, h.items[0], response=False)
    db.session.commit()
    c = junior.school_class
    as_maths = client.get(f"/api/v1/classes/{c.id}/mistakes", headers=api(maths)).get_json()
    assert as_maths["subjects"] == ["math"] and [q["question_id"] for q in as_maths["questions"]] == [bank.single.id]
    as_head = client.get(f"/api/v1/classes/{c.id}/mistakes", headers=api(chinese)).get_json()
    assert as_head["subjects"] is None and as_head["size"] == 3
    assert [(q["question_id"], q["students"], q["rate"]) for q in as_head["questions"]] == [
        (poem.id, 3, 100), (bank.single.id, 1, 33)]
    assert as_head["knowledge_points"][0]["name"] == "一元一次方程"
    other = make_class()
    assert permissions.class_subjects(maths, other.school_class) == []
    assert client.get(f"/api/v1/classes/{other.school_class.id}/mistakes", headers=api(maths)).status_code == 403


def junior_due():
    from datetime import timedelta

    from eduplatform.core.db import utcnow

    return utcnow() + timedelta(days=1)


def test_the_class_page_refuses_a_class_the_teacher_does_not_teach(junior, make_class, client, auth):
    other = make_class()
    auth.login(junior.teachers["数学"])
    page = client.get("/learning/mistakes/classes")
    assert page.status_code == 200 and junior.school_class.name in page.get_data(as_text=True)
    assert other.school_class.name not in page.get_data(as_text=True)
    assert client.get(f"/learning/mistakes/classes?class_id={other.school_class.id}").status_code == 403
    auth.logout()
    auth.login(junior.students[0])
    assert client.get("/learning/mistakes/classes").status_code == 403
