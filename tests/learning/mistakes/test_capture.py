"""Wrong answers land in the 错题本 when graded: homework (auto-marked and teacher-marked), exams (hidden
until the results are released), course quizzes (hidden while retakes remain); idempotent capture."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.learning import services as homework
from eduplatform.learning.mistakes import capture, services, summary_for
from eduplatform.learning.mistakes.models import MistakeEntry, MistakeEvent, MistakeStatus, Source
from eduplatform.learning.models import HomeworkAnswer
from eduplatform.questions import exams
from eduplatform.questions import services as question_services
from eduplatform.schools.models import StudentProfile
from tests.courses.test_quiz_retakes import take


def entries_of(user):
    return list(db.session.scalars(sa.select(MistakeEntry).where(MistakeEntry.user_id == user.id)
                                   .order_by(MistakeEntry.question_id)))


def test_a_wrong_auto_marked_homework_answer_lands_with_its_points_answer_and_analysis(junior, bank, points,
                                                                                         question_homework):
    h = question_homework(bank.single, bank.tf)
    s0, s1 = junior.students[:2]
    homework.submit_answer(s0, h.items[0], response=0)  # wrong (the answer is option 1)
    homework.submit_answer(s0, h.items[1], response=True)  # right
    homework.submit_answer(s1, h.items[0], response=1)  # right
    db.session.commit()
    [entry] = entries_of(s0)
    assert entries_of(s1) == []
    assert (entry.question_id, entry.question_version_id) == (bank.single.id, h.items[0].question_version_id)
    assert (entry.status, entry.wrong_count, entry.last_response, entry.last_score) == (MistakeStatus.PENDING, 1, 0, 0)
    assert entry.last_source == Source.HOMEWORK and entry.last_source_label == "作业：方程练习"
    assert [kp.name for kp in entry.question.knowledge_points] == ["一元一次方程"]
    assert entry.question_version.analysis == "移项得 $2x=4$，所以 $x=2$。" and entry.subject == "math"
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "mistake.captured",
                                                         AuditEntry.object_id == str(entry.id))) is not None
    summary = summary_for(StudentProfile.for_user(s0))
    assert (summary["pending"], summary["mastered"]) == (1, 0)
    assert summary["top_knowledge_points"][0]["name"] == "一元一次方程"
    assert summary_for(s0)["pending"] == 1  # the User works too


def test_the_version_the_student_saw_is_kept_after_an_edit(junior, bank, question_homework):
    h = question_homework(bank.single)
    homework.submit_answer(junior.students[0], h.items[0], response=3)
    seen = h.items[0].question_version_id
    question_services.update_question(junior.teachers["数学"], bank.single,
                                      {**_values(bank.single), "stem": "改过的题干"})
    db.session.commit()
    [entry] = entries_of(junior.students[0])
    assert bank.single.version == 2 and entry.question_version_id == seen
    assert entry.question_version.stem != "改过的题干"


def _values(q):
    return {"type": q.type, "stem": q.stem, "data": q.data, "analysis": q.analysis, "score": q.score,
            "difficulty": q.difficulty, "subject": q.subject, "stage": q.stage, "grade": q.grade, "tags": q.tags,
            "source": q.source, "sharing": q.sharing.value}


def test_teacher_marked_essay_counts_and_re_marking_right_withdraws_it(junior, bank, question_homework):
    h = question_homework(bank.essay)
    t, s = junior.teachers["数学"], junior.students[0]
    answer = homework.submit_answer(s, h.items[0], response="移项")
    db.session.commit()
    assert entries_of(s) == []  # an essay waits for the teacher
    homework.mark_answer(t, answer, score=4)
    homework.mark_answer(t, answer, score=5)  # marked again, still not full: the same answer, one count
    db.session.commit()
    [entry] = entries_of(s)
    assert (entry.wrong_count, entry.last_score, len(entry.events)) == (1, 5, 1)
    homework.mark_answer(t, answer, score=h.items[0].max_score)  # full marks after all
    db.session.commit()
    assert entries_of(s) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "mistake.withdrawn")) == 1


def test_the_same_answer_twice_is_one_entry_and_a_new_wrong_answer_counts(junior, bank, question_homework):
    h = question_homework(bank.single)
    t, s = junior.teachers["数学"], junior.students[0]
    answer = homework.submit_answer(s, h.items[0], response=0)
    capture.from_homework(answer, t)  # told again (a retried hook): nothing new
    db.session.commit()
    [entry] = entries_of(s)
    assert (entry.wrong_count, len(entry.events)) == (1, 1)
    homework.mark_answer(t, answer, comment="再想想移项", return_for_correction=True)
    homework.submit_answer(s, h.items[0], response=2)  # corrected … and wrong again: a new wrong answer
    db.session.commit()
    db.session.refresh(entry)
    assert (entry.wrong_count, len(entry.events), entry.last_response) == (2, 2, 2)
    assert [e.source_ref for e in entry.events] == [f"{answer.id}:0", f"{answer.id}:1"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MistakeEntry)) == 1
    # a second homework with the same question wrong again: the same entry, 错误次数 3
    h2 = question_homework(bank.single, title="复习")
    homework.submit_answer(s, h2.items[0], response=3)
    db.session.commit()
    db.session.refresh(entry)
    assert entry.wrong_count == 3 and entry.last_source_label == "作业：复习"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HomeworkAnswer)) == 2


def test_exam_answers_land_hidden_until_the_results_are_released(exam_setup, people):
    exam, items, teacher = exam_setup["exam"], exam_setup["items"], exam_setup["teacher"]
    s = people.student_a1
    attempt = exams.start_attempt(s, exam)
    exams.save_answers(s, attempt, {items["single"].id: 0, items["true_false"].id: True, items["essay"].id: "不会"})
    exams.submit_attempt(s, attempt)
    db.session.commit()
    [single] = entries_of(s)  # the single is wrong, the true/false right, the essay not graded yet
    assert single.last_source == Source.EXAM and single.revealed is False and single.exam_id == exam.id
    assert services.counts(s.id)["total"] == 0 and db.session.scalars(services.book_query(s)).all() == []
    essay = next(a for a in attempt.answers if a.item_id == items["essay"].id)
    exams.grade_answer(teacher, essay, 2)
    capture.from_exam(attempt, attempt.answers, s)  # told twice: nothing new
    db.session.commit()
    assert len(entries_of(s)) == 2 and all(not e.revealed for e in entries_of(s))
    exams.release_results(teacher, exam)
    db.session.commit()
    shown = entries_of(s)
    assert [e.revealed for e in shown] == [True, True] and [e.wrong_count for e in shown] == [1, 1]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MistakeEvent)) == 2
    assert services.counts(s.id) == {"pending": 2, "mastered": 0, "total": 2}
    assert db.session.scalar(sa.select(AuditEntry.summary).where(AuditEntry.kind == "mistake.revealed")) \
        == "成绩公布，错题进入错题本：单元测验（2 道）"


def test_course_quiz_answers_land_hidden_while_retakes_remain(quiz, people):
    _course, lesson, row = quiz()
    s = people.student_a1
    take(s, lesson, row, single=False, tf=False)
    entries = entries_of(s)
    assert len(entries) == 2 and all(e.last_source == Source.QUIZ and not e.revealed for e in entries)
    take(s, lesson, row, single=True, tf=False)  # 50 %: still failing, a retake left — hidden
    assert [e.wrong_count for e in entries_of(s)] == [1, 2] and not any(e.revealed for e in entries_of(s))
    take(s, lesson, row, single=False, tf=True)  # the last attempt: the key shows, so does the book
    entries = entries_of(s)
    assert [e.wrong_count for e in entries] == [2, 2] and all(e.revealed for e in entries)
    assert entries[0].last_source_label == "课程测验：七年级数学：一元一次方程·单元测验"



def test_a_capture_that_lost_a_race_reads_what_the_other_request_wrote(junior, bank, question_homework,
                                                                       monkeypatch):
    """Two requests telling the same wrong answer (or the student's first wrong answer of a question) at
    once: the one that read before the other wrote meets the unique keys, and neither fails nor counts
    twice. Simulated by making the capture's read see nothing although the rows are there."""
    h = question_homework(bank.single)
    s = junior.students[0]
    answer = homework.submit_answer(s, h.items[0], response=0)
    db.session.commit()
    monkeypatch.setattr(capture, "_existing", lambda rows: ({}, {}))
    capture.from_homework(answer, junior.teachers["数学"])  # the same answer: already counted
    h2 = question_homework(bank.single, title="复习")
    homework.submit_answer(s, h2.items[0], response=2)  # a new answer: the entry exists, it counts once more
    db.session.commit()
    [entry] = entries_of(s)
    assert entry.wrong_count == 2 and [e.source_ref.split(":")[1] for e in entry.events] == ["0", "0"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MistakeEvent)) == 2
