"""Online exams: audience, time window and limit, autosave, deadline, double submission, grading, release."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eduplatform.accounts.models import Role
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.questions import exams, papers, permissions
from eduplatform.questions.models import AttemptStatus, AudienceKind


def test_audience_by_org_and_by_student(people, exam_setup, create_user, tree):
    exam = exam_setup["exam"]
    other = create_user("b1student", roles=[Role.STUDENT], org=tree.school_b1)
    assert permissions.can_take_exam(people.student_a1, exam)
    assert not permissions.can_take_exam(other, exam)
    assert not permissions.can_take_exam(people.teacher_a1, exam)
    with pytest.raises(PermissionDenied):
        exams.start_attempt(other, exam)
    listed = db.session.scalars(exams.exams_for_student(people.student_a1)).all()
    assert listed == [exam]
    assert db.session.scalars(exams.exams_for_student(other)).all() == []


def test_audience_kinds_without_a_resolver_and_foreign_students_are_refused(people, exam_setup, create_user, tree):
    paper = exam_setup["paper"]
    now = exam_setup["now"]
    # The courses domain registers the class and course kinds; a class that does not exist is refused.
    with pytest.raises(ValidationFailed, match="考试对象不存在"):
        exams.create_exam(people.teacher_a1, paper, title="x", opens_at=now, closes_at=now + timedelta(hours=1),
                          time_limit_minutes=10, audience=[(AudienceKind.CLASS, 999999)])
    other = create_user("b1student", roles=[Role.STUDENT], org=tree.school_b1)
    with pytest.raises(PermissionDenied):
        exams.create_exam(people.teacher_a1, paper, title="x", opens_at=now, closes_at=now + timedelta(hours=1),
                          time_limit_minutes=10, audience=[(AudienceKind.USER, other.id)])
    with pytest.raises(ValidationFailed, match="结束时间须晚于开始时间"):
        exams.create_exam(people.teacher_a1, paper, title="x", opens_at=now, closes_at=now,
                          time_limit_minutes=10, audience=[(AudienceKind.USER, people.student_a1.id)])


def test_publishing_locks_the_paper(people, exam_setup):
    with pytest.raises(Conflict, match="请复制一份后修改"):
        papers.update_paper(people.teacher_a1, exam_setup["paper"], {"title": "改名"}, None)
    copy = papers.copy_paper(people.teacher_a1, exam_setup["paper"])
    papers.update_paper(people.teacher_a1, copy, {"title": "改名"}, None)
    assert copy.title == "改名" and len(copy.items) == 3


def test_full_attempt_autosave_submit_grade_release(people, exam_setup):
    student, exam, items = people.student_a1, exam_setup["exam"], exam_setup["items"]
    attempt = exams.start_attempt(student, exam)
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=45)
    assert exams.start_attempt(student, exam) is attempt  # one attempt per student
    exams.save_answers(student, attempt, {str(items["single"].id): 0})
    exams.save_answers(student, attempt, {items["single"].id: 1, items["true_false"].id: "对",
                                          items["essay"].id: "先去分母，再移项……"})
    with pytest.raises(ValidationFailed):
        exams.save_answers(student, attempt, {999999: 1})
    exams.submit_attempt(student, attempt)
    db.session.commit()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score == 4
    # Double submission is harmless; saving after submission is refused.
    exams.submit_attempt(student, attempt)
    assert attempt.score == 4
    with pytest.raises(Conflict, match="试卷已提交"):
        exams.save_answers(student, attempt, {items["single"].id: 0})
    # The essay waits in the queue; results cannot be released before it is graded.
    queue = exams.grading_queue(exam)
    assert [a.item_id for a in queue] == [items["essay"].id]
    with pytest.raises(Conflict, match="还有 1 道主观题未评分"):
        exams.release_results(exam_setup["teacher"], exam)
    assert exams.attempt_score(attempt)["score"] is None
    with pytest.raises(ValidationFailed, match="得分须在 0 到 6 之间"):
        exams.grade_answer(exam_setup["teacher"], queue[0], 7)
    exams.grade_answer(exam_setup["teacher"], queue[0], 5, "步骤完整，少写检验")
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 9
    exams.release_results(exam_setup["teacher"], exam)
    db.session.commit()
    summary = exams.attempt_score(attempt)
    assert (summary["score"], summary["max_score"], summary["released"]) == (9, 10, True)


def test_answers_after_the_deadline_are_refused_and_the_attempt_submits_itself(people, exam_setup):
    student, exam, items = people.student_a1, exam_setup["exam"], exam_setup["items"]
    attempt = exams.start_attempt(student, exam)
    exams.save_answers(student, attempt, {items["single"].id: 1})
    late = attempt.deadline_at + timedelta(seconds=1)
    with pytest.raises(Conflict, match="考试时间已到"):
        exams.save_answers(student, attempt, {items["true_false"].id: True}, now=late)
    assert attempt.status == AttemptStatus.GRADED and attempt.auto_submitted
    assert attempt.submitted_at == attempt.deadline_at
    answers = {a.item_id: a for a in attempt.answers}
    assert answers[items["true_false"].id].response is None and answers[items["single"].id].score == 2
    # An unanswered essay is worth 0 and needs no grading.
    assert answers[items["essay"].id].score == 0
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 2


def test_unanswered_essay_scores_zero_without_grading(people, exam_setup):
    student, exam = people.student_a1, exam_setup["exam"]
    attempt = exams.start_attempt(student, exam)
    exams.submit_attempt(student, attempt)
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 0


def test_expired_attempts_are_closed_by_the_sweeper(people, exam_setup):
    attempt = exams.start_attempt(people.student_a1, exam_setup["exam"])
    assert exams.submit_expired_attempts(now=attempt.deadline_at - timedelta(seconds=1)) == 0
    assert exams.submit_expired_attempts(now=attempt.deadline_at) == 1
    assert attempt.auto_submitted


def test_window_limits_the_deadline_and_the_start(people, exam_setup):
    exam = exam_setup["exam"]
    exam.closes_at = exam_setup["now"] + timedelta(minutes=10)
    attempt = exams.start_attempt(people.student_a1, exam)
    assert attempt.deadline_at == exam.closes_at
    exam.opens_at = exam_setup["now"] + timedelta(days=1)
    exam.closes_at = exam.opens_at + timedelta(hours=1)
    db.session.delete(attempt)
    db.session.flush()
    with pytest.raises(Conflict, match="考试尚未开始"):
        exams.start_attempt(people.student_a1, exam)
    with pytest.raises(Conflict, match="考试已结束"):
        exams.start_attempt(people.student_a1, exam, now=exam.closes_at)


def test_a_student_cannot_touch_another_students_attempt(people, exam_setup, create_user, tree):
    other = create_user("a1student2", roles=[Role.STUDENT], org=tree.school_a1)
    attempt = exams.start_attempt(people.student_a1, exam_setup["exam"])
    with pytest.raises(PermissionDenied):
        exams.save_answers(other, attempt, {})
    with pytest.raises(PermissionDenied):
        exams.submit_attempt(other, attempt)


def test_quiz_service_api_for_courses(people, exam_setup):
    quiz = exams.create_quiz(people.teacher_a1, exam_setup["paper"], title="课后小测",
                             audience=[(AudienceKind.USER, people.student_a1.id)], time_limit_minutes=15)
    attempt = exams.start_attempt(people.student_a1, quiz)
    single = exam_setup["items"]["single"]
    exams.save_answers(people.student_a1, attempt, {single.id: 1})
    exams.submit_attempt(people.student_a1, attempt)
    summary = exams.attempt_score(attempt)
    assert summary["status"] == "graded" and summary["pending_items"] == 0 and summary["score"] is None
    assert quiz.purpose == "quiz" and quiz.status.value == "published"
