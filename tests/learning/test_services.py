"""Hand-ins (bank questions auto-marked, photos, reading), lateness, marking a stack, return and resubmission."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.learning import services
from eduplatform.learning.models import AnswerStatus, HomeworkAnswer, ItemKind, Level
from eduplatform.questions import services as question_services
from tests.assertions import count
from tests.learning.conftest import photo
from tests.questions.conftest import sample


@pytest.fixture
def bank_question(junior):
    return question_services.create_question(junior.teachers["数学"], sample("single"))


def _question_homework(junior, question, *, due=None):
    t = junior.teachers["数学"]
    h = services.create_homework(t, junior.school_class, {
        "subject": "数学", "title": "方程练习", "level": None, "load_date": services.local_today(),
        "due_at": due or utcnow() + timedelta(days=1)})
    services.add_item(t, h, {"kind": ItemKind.QUESTION, "minutes": 5, "question_id": question.id})
    services.add_item(t, h, {"kind": ItemKind.HANDIN, "minutes": 20, "title": "课本第 12 页", "max_score": 10})
    services.add_item(t, h, {"kind": ItemKind.READING, "minutes": 15, "title": "朗读课文"})
    services.publish(t, h)
    db.session.commit()
    return h


def test_bank_question_is_marked_at_once(junior, bank_question):
    h = _question_homework(junior, bank_question)
    question_item = h.items[0]
    assert question_item.max_score == 3 and question_item.question_version_id is not None
    right = services.submit_answer(junior.students[0], question_item, response=1)
    wrong = services.submit_answer(junior.students[1], question_item, response=0)
    assert (right.status, right.score, right.auto_marked) == (AnswerStatus.MARKED, 3, True)
    assert wrong.score == 0
    with pytest.raises(Conflict):  # no second try at a marked answer
        services.submit_answer(junior.students[1], question_item, response=1)
    with pytest.raises(ValidationFailed):
        services.submit_answer(junior.students[2], question_item, response=9)


def test_photo_hand_in_goes_through_the_upload_inspector(junior, bank_question, storage):
    h = _question_homework(junior, bank_question)
    handin = h.items[1]
    answer = services.submit_answer(junior.students[0], handin, upload=photo())
    assert answer.file is not None and answer.file.content_type == "image/png"
    assert answer.status == AnswerStatus.SUBMITTED and not answer.late
    with pytest.raises(ValidationFailed) as refused:  # an executable called a photo
        services.submit_answer(junior.students[1], handin, upload=photo("作业.exe", b"MZ\x90\x00" + b"\0" * 60))
    assert refused.value.message
    with pytest.raises(ValidationFailed):
        services.submit_answer(junior.students[1], handin)
    reading = services.submit_answer(junior.students[0], h.items[2])
    assert reading.status == AnswerStatus.MARKED


def test_late_hand_in_is_marked_late(junior, bank_question, monkeypatch):
    h = _question_homework(junior, bank_question)
    later = utcnow() + timedelta(days=2)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    answer = services.submit_answer(junior.students[0], h.items[1], text="补交")
    assert answer.late
    assert db.session.query(AuditEntry).filter_by(kind="answer.submitted", object_id=str(answer.id)).one().summary.endswith("（迟交）")


def test_marking_the_stack_return_and_resubmit(junior, bank_question):
    h = _question_homework(junior, bank_question)
    handin = h.items[1]
    for s in junior.students[:2]:
        services.submit_answer(s, handin, upload=photo())
    stack = services.marking_stack(handin)
    assert [r["student"].user_id for r in stack] == [s.id for s in junior.students]
    assert stack[2]["answer"] is None
    first, second = stack[0]["answer"], stack[1]["answer"]
    with pytest.raises(ValidationFailed):
        services.mark_answer(junior.teachers["数学"], first, score=11)
    with pytest.raises(PermissionDenied):
        services.mark_answer(junior.teachers["语文"], first, score=8)
    services.mark_answer(junior.teachers["数学"], first, score=8, comment="书写工整")
    with pytest.raises(ValidationFailed):
        services.mark_answer(junior.teachers["数学"], second, return_for_correction=True)
    services.mark_answer(junior.teachers["数学"], second, return_for_correction=True, comment="第 3 题请订正")
    db.session.commit()
    assert (first.status, first.score, first.comment) == (AnswerStatus.MARKED, 8, "书写工整")
    assert second.status == AnswerStatus.RETURNED
    home = services.student_homework(second.student)
    assert h in home
    again = services.submit_answer(junior.students[1], handin, upload=photo("订正.png"))
    assert again.id == second.id and again.resubmissions == 1 and again.status == AnswerStatus.SUBMITTED
    kinds = {e.kind for e in db.session.query(AuditEntry).filter_by(object_type="homework_answer")}
    assert {"answer.submitted", "answer.marked", "answer.returned", "answer.resubmitted"} <= kinds


def test_grade_marking(junior, set_homework):
    t = junior.teachers["数学"]
    h = services.create_homework(t, junior.school_class, {"subject": "数学", "title": "手抄报", "level": None,
                                                          "load_date": services.local_today(),
                                                          "due_at": utcnow() + timedelta(days=1)})
    from eduplatform.learning.models import Grading

    item = services.add_item(t, h, {"kind": ItemKind.HANDIN, "minutes": 20, "title": "手抄报", "grading": Grading.GRADE})
    services.publish(t, h)
    answer = services.submit_answer(junior.students[0], item, text="已完成")
    with pytest.raises(ValidationFailed):
        services.mark_answer(t, answer, grade="甲")
    services.mark_answer(t, answer, grade="优")
    assert answer.grade == "优" and answer.score is None


def test_students_see_their_class_and_group_only(junior, make_class, set_homework):
    c, t = junior.school_class, junior.teachers["数学"]
    first, second = c.students[:2]
    services.set_groups(t, c, "数学", {first.id: Level.EXTENSION})
    whole = set_homework(t, c, "数学", (20,))
    extension = set_homework(t, c, "数学", (20,), level=Level.EXTENSION, title="拓展题")
    for h in (whole, extension):
        services.publish(t, h)
    other = make_class()
    services.publish(other.teachers["数学"], set_homework(other.teachers["数学"], other.school_class, "数学", (10,)))
    db.session.commit()
    assert set(services.student_homework(first)) == {whole, extension}
    assert services.student_homework(second) == [whole]
    with pytest.raises(PermissionDenied):
        services.submit_answer(junior.students[1], extension.items[0], text="偷看")
    with pytest.raises(PermissionDenied):
        services.submit_answer(other.students[0], whole.items[0], text="别班")
    assert count(HomeworkAnswer) == 0


def test_a_teacher_sets_homework_only_in_their_class_and_subject(junior, make_class):
    other = make_class()
    data = {"subject": "数学", "title": "越权", "level": None, "load_date": services.local_today(),
            "due_at": utcnow() + timedelta(days=1)}
    with pytest.raises(PermissionDenied):
        services.create_homework(other.teachers["数学"], junior.school_class, data)
    with pytest.raises(PermissionDenied):
        services.create_homework(junior.teachers["语文"], junior.school_class, data)
    with pytest.raises(ValidationFailed):
        services.create_homework(junior.teachers["数学"], junior.school_class,
                                 dict(data, load_date=services.local_today() - timedelta(days=1)))
