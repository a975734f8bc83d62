"""Quiz retakes: 允许作答次数, the best graded attempt counts, essays block a retake, the teacher grants one
more attempt, statistics on first attempts, old attempts closed — through the services, the API and the pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict
from eduplatform.core.extensions import db
from eduplatform.courses import catalogue, completion, dashboard, enrolment, quizzes
from eduplatform.courses.models import ProgressStatus
from eduplatform.questions import exams
from eduplatform.questions.models import AttemptStatus, ExamAttempt
from eduplatform.questions.statistics import exam_statistics
from tests.courses.conftest import add_lesson
from tests.courses.test_learning import make_paper


@pytest.fixture
def quiz(make_course, people):
    """A published course with one quiz lesson (single 5 + true/false 5 [+ essay 10]), student A1 enrolled."""
    def make(*, essay=False, pass_percent=60, **settings):
        course = make_course(lessons=(), publish=False)
        paper = make_paper(people.teacher_a1, essay=essay)
        lesson = add_lesson(people.teacher_a1, course.chapters[0], "quiz", title="单元测验", paper_id=paper.id,
                            pass_percent=pass_percent, time_limit_minutes=20, **settings)
        catalogue.publish_course(people.teacher_a1, course)
        row = enrolment.enrol(people.student_a1, course)
        db.session.commit()
        return course, lesson, row

    return make


def take(student, lesson, row, *, single: bool, tf: bool, essay: str = "先移项，再合并同类项"):
    """Start (first attempt or retake) through the courses service, answer, hand in."""
    attempt = quizzes.start_attempt(student, lesson, row)
    answers = {}
    for item in lesson.exam.paper.items:
        kind = item.version.type
        answers[item.id] = (1 if single else 0) if kind == "single" else (tf if kind == "true_false" else essay)
    exams.save_answers(student, attempt, answers)
    exams.submit_attempt(student, attempt)
    quizzes.refresh_pulled(lesson.course, row)
    db.session.commit()
    return attempt


def progress_of(lesson, user):
    return completion.find_progress(lesson, user)


# --- services -------------------------------------------------------------------------------

def test_default_is_three_attempts_and_the_setting_is_saved(quiz):
    _course, lesson, _row = quiz()
    assert quizzes.max_attempts(lesson) == 3
    _course, other, _row = quiz(max_attempts=0)
    assert other.settings["max_attempts"] == 0 and quizzes.max_attempts(other) == 0
    assert "允许作答 3 次" in completion.rule_text(lesson) and "不限作答次数" in completion.rule_text(other)


def test_a_failed_learner_retakes_and_passing_completes_the_course(quiz, people):
    _course, lesson, row = quiz()
    first = take(people.student_a1, lesson, row, single=False, tf=False)
    state = quizzes.quiz_state(lesson, people.student_a1)
    assert (first.attempt_no, state.status, state.used, state.remaining) == (1, "retake", 1, 2)
    second = take(people.student_a1, lesson, row, single=True, tf=True)
    assert second.attempt_no == 2 and second.id != first.id
    assert progress_of(lesson, people.student_a1).status == ProgressStatus.COMPLETED
    assert row.completed_at is not None and row.progress_percent == 100
    assert quizzes.quiz_state(lesson, people.student_a1).status == "passed"


def test_start_is_idempotent_while_an_attempt_is_in_progress(quiz, people):
    _course, lesson, row = quiz()
    take(people.student_a1, lesson, row, single=False, tf=False)
    retake = quizzes.start_attempt(people.student_a1, lesson, row)
    assert quizzes.start_attempt(people.student_a1, lesson, row) is retake
    assert exams.start_new_attempt(people.student_a1, lesson.exam) is retake
    assert len(exams.attempts_for(lesson.exam, people.student_a1)) == 2


def test_the_best_graded_attempt_counts_and_completed_stays_completed(quiz, people):
    _course, lesson, row = quiz(max_attempts=4)
    take(people.student_a1, lesson, row, single=True, tf=False)     # 5/10 = 50 %
    take(people.student_a1, lesson, row, single=False, tf=False)    # 0 %: the best stays 50
    progress = progress_of(lesson, people.student_a1)
    assert progress.score == 50.0 and progress.status == ProgressStatus.IN_PROGRESS
    assert quizzes.quiz_state(lesson, people.student_a1).best_percent == 50.0
    take(people.student_a1, lesson, row, single=True, tf=True)      # 100 %
    assert progress.status == ProgressStatus.COMPLETED and progress.score == 100.0
    lesson.settings = {**lesson.settings, "pass_percent": 100}       # a stricter mark later: completed stays
    db.session.commit()
    quizzes.refresh_pulled(lesson.course, row)
    assert progress.status == ProgressStatus.COMPLETED


def test_no_retake_after_passing(quiz, people):
    _course, lesson, row = quiz()
    take(people.student_a1, lesson, row, single=True, tf=True)
    with pytest.raises(Conflict) as exc:
        quizzes.start_attempt(people.student_a1, lesson, row)
    assert exc.value.code == "already_passed" and "已通过" in exc.value.message
    with pytest.raises(Conflict):
        quizzes.grant_attempt(people.teacher_a1, lesson, row)


def test_out_of_attempts_then_the_teacher_grants_one_more(quiz, people):
    _course, lesson, row = quiz(max_attempts=2)
    for _ in range(2):
        take(people.student_a1, lesson, row, single=False, tf=False)
    state = quizzes.quiz_state(lesson, people.student_a1)
    assert (state.status, state.remaining, state.can_start) == ("exhausted", 0, False)
    with pytest.raises(Conflict) as exc:
        quizzes.start_attempt(people.student_a1, lesson, row)
    assert exc.value.code == "no_attempts_left" and "2 次作答机会已全部用完" in exc.value.message
    quizzes.grant_attempt(people.teacher_a1, lesson, row)
    db.session.commit()
    assert progress_of(lesson, people.student_a1).extra_attempts == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "quiz.attempt_granted"))
    assert entry is not None and entry.actor_id == people.teacher_a1.id and entry.data["allowed"] == 3
    third = take(people.student_a1, lesson, row, single=True, tf=True)
    assert third.attempt_no == 3 and progress_of(lesson, people.student_a1).status == ProgressStatus.COMPLETED


def test_unlimited_attempts(quiz, people):
    _course, lesson, row = quiz(max_attempts=0)
    for _ in range(4):
        take(people.student_a1, lesson, row, single=False, tf=False)
    state = quizzes.quiz_state(lesson, people.student_a1)
    assert (state.allowed, state.remaining, state.status) == (None, None, "retake")
    with pytest.raises(Conflict) as exc:
        quizzes.grant_attempt(people.teacher_a1, lesson, row)
    assert exc.value.code == "unlimited"


def test_an_essay_awaiting_grading_blocks_a_retake(quiz, people):
    _course, lesson, row = quiz(essay=True)
    first = take(people.student_a1, lesson, row, single=False, tf=False, essay="不会")
    assert first.status == AttemptStatus.SUBMITTED
    with pytest.raises(Conflict) as exc:
        quizzes.start_attempt(people.student_a1, lesson, row)
    assert exc.value.code == "grading_pending"
    with pytest.raises(Conflict):
        exams.start_new_attempt(people.student_a1, lesson.exam)
    essay = next(a for a in first.answers if a.score is None)
    exams.grade_answer(people.teacher_a1, essay, 2)
    db.session.commit()
    second = take(people.student_a1, lesson, row, single=True, tf=True, essay="先移项")
    queue = exams.grading_queue(lesson.exam)
    assert [a.attempt.attempt_no for a in queue] == [2]  # the grading queue holds the retake's essay
    exams.grade_answer(people.teacher_a1, queue[0], 9)
    db.session.commit()
    quizzes.refresh_pulled(lesson.course, row)
    assert second.status == AttemptStatus.GRADED and progress_of(lesson, people.student_a1).score == 95.0


def test_formal_exams_stay_single_attempt(people, exam_for_a1):
    exam = exam_for_a1
    attempt = exams.start_attempt(people.student_a1, exam)
    exams.submit_attempt(people.student_a1, attempt)
    assert exams.start_attempt(people.student_a1, exam) is attempt
    with pytest.raises(Conflict) as exc:
        exams.start_new_attempt(people.student_a1, exam)
    assert exc.value.code == "single_attempt"


@pytest.fixture
def exam_for_a1(people):
    from datetime import timedelta

    from eduplatform.core.db import utcnow
    from eduplatform.questions.models import AudienceKind

    paper = make_paper(people.teacher_a1)
    exam = exams.create_exam(people.teacher_a1, paper, title="期中考试", opens_at=utcnow() - timedelta(hours=1),
                             closes_at=utcnow() + timedelta(hours=2), time_limit_minutes=30,
                             audience=[(AudienceKind.USER, people.student_a1.id)], publish=True)
    db.session.commit()
    return exam


def test_answers_to_an_old_attempt_are_refused(quiz, people):
    _course, lesson, row = quiz()
    first = take(people.student_a1, lesson, row, single=False, tf=False)
    quizzes.start_attempt(people.student_a1, lesson, row)
    first.status = AttemptStatus.IN_PROGRESS  # even an old attempt somehow still open is closed
    with pytest.raises(Conflict) as exc:
        exams.save_answers(people.student_a1, first, {})
    assert exc.value.code == "superseded"


def test_a_lost_insert_race_returns_the_winners_attempt(quiz, people):
    """Two starts that both computed attempt 2: the unique (exam, student, attempt_no) makes one row."""
    from eduplatform.core.db import utcnow

    _course, lesson, row = quiz()
    take(people.student_a1, lesson, row, single=False, tf=False)
    winner = exams._insert_attempt(people.student_a1, lesson.exam, 2, utcnow())
    loser = exams._insert_attempt(people.student_a1, lesson.exam, 2, utcnow())
    assert loser.id == winner.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExamAttempt)) == 2


def test_statistics_count_each_learners_first_graded_attempt(quiz, people, create_user, tree):
    course, lesson, row = quiz(max_attempts=5)
    other = create_user("a1student2", roles=[Role.STUDENT], org=tree.school_a1)
    other_row = enrolment.enrol(other, course)
    db.session.commit()
    take(people.student_a1, lesson, row, single=False, tf=False)    # first: 0
    take(people.student_a1, lesson, row, single=True, tf=True)      # retake: 10 — not counted
    take(other, lesson, other_row, single=True, tf=False)           # first: 5
    stats = exam_statistics(lesson.exam)
    assert (stats["graded"], stats["attempts"], stats["retakes"], stats["first_graded_only"]) == (2, 3, 1, True)
    assert stats["mean"] == 2.5 and stats["max"] == 5.0 and stats["min"] == 0.0
    single = next(i for i in stats["items"] if i["type"] == "single")
    assert single["p"] == 0.5


def test_the_dashboard_shows_attempts_and_who_may_get_one_more(quiz, people):
    course, lesson, row = quiz(max_attempts=1)
    take(people.student_a1, lesson, row, single=False, tf=False)
    board = dashboard.build(course)
    cell = board.quiz[(lesson.id, people.student_a1.id)]
    assert cell.text == "作答 1/1 次" and cell.can_grant


# --- API ----------------------------------------------------------------------------------------

def test_api_start_retake_and_state(client, api, quiz, people):
    _course, lesson, _row = quiz(max_attempts=2)
    headers = api(people.student_a1)
    first = client.post(f"/api/v1/lessons/{lesson.id}/quiz/attempts", headers=headers)
    assert first.status_code == 201 and first.get_json()["attempt_no"] == 1
    again = client.post(f"/api/v1/lessons/{lesson.id}/quiz/attempts", headers=headers)
    assert again.status_code == 200 and again.get_json()["attempt_id"] == first.get_json()["attempt_id"]
    exam_id = lesson.exam_id
    assert client.post(f"/api/v1/exams/{exam_id}/attempt/submit", headers=headers).status_code == 200
    state = client.get(f"/api/v1/lessons/{lesson.id}/quiz", headers=headers).get_json()
    assert (state["status"], state["attempts_used"], state["attempts_remaining"], state["can_start"]) == \
        ("retake", 1, 1, True)
    retake = client.post(f"/api/v1/lessons/{lesson.id}/quiz/attempts", headers=headers)
    assert retake.status_code == 201 and retake.get_json()["attempt_no"] == 2
    # the old attempt's answers are refused, the new one's accepted
    old_id = first.get_json()["attempt_id"]
    stale = client.put(f"/api/v1/exams/{exam_id}/attempt/answers", headers=headers,
                       json={"answers": {}, "attempt_id": old_id})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] in ("superseded", "already_submitted")
    fresh = client.put(f"/api/v1/exams/{exam_id}/attempt/answers", headers=headers,
                       json={"answers": {}, "attempt_id": retake.get_json()["attempt_id"]})
    assert fresh.status_code == 200
    assert client.post(f"/api/v1/exams/{exam_id}/attempt/submit", headers=headers).status_code == 200
    done = client.post(f"/api/v1/lessons/{lesson.id}/quiz/attempts", headers=headers)
    assert done.status_code == 409 and done.get_json()["error"]["code"] == "no_attempts_left"
    assert "用完" in done.get_json()["error"]["message"]
    # own earlier attempt by number; the exam API lists both attempts for the teacher
    assert client.get(f"/api/v1/exams/{exam_id}/attempt?attempt_no=1", headers=headers).get_json()["attempt_no"] == 1
    listing = client.get(f"/api/v1/exams/{exam_id}/attempts", headers=api(people.teacher_a1)).get_json()
    assert [a["attempt_no"] for a in listing["items"]] == [1, 2]


def test_api_max_attempts_setting(client, api, quiz, people):
    _course, lesson, _row = quiz()
    headers = api(people.teacher_a1)
    response = client.patch(f"/api/v1/lessons/{lesson.id}", headers=headers, json={"max_attempts": 5})
    assert response.status_code == 200 and response.get_json()["max_attempts"] == 5
    bad = client.patch(f"/api/v1/lessons/{lesson.id}", headers=headers, json={"max_attempts": -1})
    assert bad.status_code == 422 and "允许作答次数" in bad.get_json()["error"]["fields"]["max_attempts"][0]
    assert quizzes.max_attempts(lesson) == 5
    assert client.patch(f"/api/v1/lessons/{lesson.id}", headers=api(people.teacher_b1),
                        json={"max_attempts": 9}).status_code == 403


def test_api_grant_and_its_permissions(client, api, quiz, people, create_user, tree):
    _course, lesson, row = quiz(max_attempts=1)
    take(people.student_a1, lesson, row, single=False, tf=False)
    url = f"/api/v1/lessons/{lesson.id}/quiz/extra-attempts"
    body = {"user_id": people.student_a1.id}
    assert client.post(url, headers=api(people.student_a1), json=body).status_code == 403
    assert client.post(url, headers=api(people.teacher_b1), json=body).status_code == 403
    stranger = create_user("a1student3", roles=[Role.STUDENT], org=tree.school_a1)
    assert client.post(url, headers=api(people.teacher_a1), json={"user_id": stranger.id}).status_code == 404
    assert client.post(url, headers=api(people.teacher_a1), json={}).status_code == 422
    granted = client.post(url, headers=api(people.teacher_a1), json=body)
    assert granted.status_code == 200
    assert (granted.get_json()["attempts_allowed"], granted.get_json()["status"]) == (2, "retake")


def test_api_a_learner_never_sees_another_learners_attempts(client, api, quiz, people, create_user, tree):
    course, lesson, row = quiz()
    take(people.student_a1, lesson, row, single=False, tf=False)
    take(people.student_a1, lesson, row, single=False, tf=False)
    other = create_user("a1student2", roles=[Role.STUDENT], org=tree.school_a1)
    enrolment.enrol(other, course)
    db.session.commit()
    headers = api(other)
    state = client.get(f"/api/v1/lessons/{lesson.id}/quiz?user_id={people.student_a1.id}", headers=headers)
    assert state.status_code == 403
    mine = client.get(f"/api/v1/lessons/{lesson.id}/quiz", headers=headers).get_json()
    assert mine["attempts_used"] == 0 and mine["attempts"] == []
    assert client.get(f"/api/v1/exams/{lesson.exam_id}/attempt?attempt_no=2", headers=headers).status_code == 404
    teacher = client.get(f"/api/v1/lessons/{lesson.id}/quiz?user_id={people.student_a1.id}",
                         headers=api(people.teacher_a1))
    assert teacher.status_code == 200 and teacher.get_json()["attempts_used"] == 2
    outsider = client.get(f"/api/v1/lessons/{lesson.id}/quiz?user_id={people.student_a1.id}",
                          headers=api(people.teacher_b1))
    assert outsider.status_code == 403


# --- HTML -------------------------------------------------------------------------------------

def test_lesson_page_offers_a_retake_then_says_none_remain(client, auth, quiz, people):
    _course, lesson, row = quiz(max_attempts=2)
    take(people.student_a1, lesson, row, single=True, tf=False)  # 5/10
    auth.login(people.student_a1)
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert "第 1 次作答 / 共 2 次" in page and 'id="retake-quiz"' in page and "重新作答" in page
    assert 'id="quiz-best">5</strong>' in page
    response = client.post(f"/courses/lessons/{lesson.id}/quiz/attempts")
    assert response.status_code == 302 and f"/exams/{lesson.exam_id}/take" in response.headers["Location"]
    assert "第 2 次作答 / 共 2 次" in client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    exams.submit_attempt(people.student_a1, exams.find_attempt(lesson.exam, people.student_a1))
    db.session.commit()
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert "2 次作答机会已全部用完" in page and "请联系任课老师" in page and 'id="retake-quiz"' not in page
    refused = client.post(f"/courses/lessons/{lesson.id}/quiz/attempts", follow_redirects=True)
    assert "已全部用完" in refused.get_data(as_text=True)
    assert len(exams.attempts_for(lesson.exam, people.student_a1)) == 2
    result = client.get(f"/questions/exams/{lesson.exam_id}/result?attempt_no=1").get_data(as_text=True)
    assert "第 1 次作答" in result and 'id="result-attempts"' in result


def test_lesson_page_while_an_essay_waits(client, auth, quiz, people):
    _course, lesson, row = quiz(essay=True)
    take(people.student_a1, lesson, row, single=False, tf=False)
    auth.login(people.student_a1)
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert 'id="quiz-pending"' in page and 'id="retake-quiz"' not in page


def test_teacher_grants_from_the_dashboard_and_edits_the_setting(client, auth, quiz, people):
    course, lesson, row = quiz(max_attempts=1)
    take(people.student_a1, lesson, row, single=False, tf=False)
    auth.login(people.teacher_a1)
    page = client.get(f"/courses/{course.id}/dashboard").get_data(as_text=True)
    assert "作答 1/1 次" in page and "再给一次机会" in page
    response = client.post(f"/courses/enrolments/{row.id}/lessons/{lesson.id}/extra-attempt")
    assert response.status_code == 302
    assert progress_of(lesson, people.student_a1).extra_attempts == 1
    assert "作答 1/2 次" in client.get(f"/courses/{course.id}/dashboard").get_data(as_text=True)
    form = client.get(f"/courses/lessons/{lesson.id}/edit").get_data(as_text=True)
    assert "允许作答次数" in form
    client.post(f"/courses/lessons/{lesson.id}/edit", data={"title": lesson.title, "required": "1",
                                                           "max_attempts": "4", "pass_percent": "60"})
    assert quizzes.max_attempts(lesson) == 4


def test_html_grant_refuses_other_schools_and_mismatched_ids(client, auth, quiz, make_course, people):
    _course, lesson, row = quiz(max_attempts=1)
    take(people.student_a1, lesson, row, single=False, tf=False)
    auth.login(people.teacher_b1)
    assert client.post(f"/courses/enrolments/{row.id}/lessons/{lesson.id}/extra-attempt").status_code == 403
    auth.logout()
    auth.login(people.teacher_a1)
    other_course = make_course(lessons=("text",), title="另一门课")
    other_lesson = other_course.lessons[0]
    assert client.post(f"/courses/enrolments/{row.id}/lessons/{other_lesson.id}/extra-attempt").status_code == 404
    assert progress_of(lesson, people.student_a1).extra_attempts == 0


def test_statistics_page_says_first_attempts_count(client, auth, quiz, people):
    _course, lesson, row = quiz()
    take(people.student_a1, lesson, row, single=False, tf=False)
    take(people.student_a1, lesson, row, single=True, tf=True)
    auth.login(people.teacher_a1)
    page = client.get(f"/questions/exams/{lesson.exam_id}/statistics").get_data(as_text=True)
    assert 'id="first-attempt-note"' in page and "第一次" in page
    detail = client.get(f"/questions/exams/{lesson.exam_id}").get_data(as_text=True)
    assert "第 2 次作答" in detail


def test_a_page_left_open_on_an_old_attempt_cannot_hand_in_the_retake(client, auth, quiz, people):
    _course, lesson, row = quiz()
    first = take(people.student_a1, lesson, row, single=False, tf=False)
    retake = quizzes.start_attempt(people.student_a1, lesson, row)
    db.session.commit()
    auth.login(people.student_a1)
    page = client.get(f"/questions/exams/{lesson.exam_id}/take").get_data(as_text=True)
    assert f'name="attempt_id" value="{retake.id}"' in page and f'data-attempt-id="{retake.id}"' in page
    stale = client.post(f"/questions/exams/{lesson.exam_id}/submit", data={"attempt_id": first.id},
                        follow_redirects=True)
    assert "旧答卷不能再提交" in stale.get_data(as_text=True)
    assert retake.status == AttemptStatus.IN_PROGRESS
    client.post(f"/questions/exams/{lesson.exam_id}/submit", data={"attempt_id": retake.id})
    assert retake.status == AttemptStatus.GRADED


# --- the key while retakes remain -----------------------------------------------------------

def _key_shown(client, headers, exam_id, attempt_no):
    body = client.get(f"/api/v1/exams/{exam_id}/attempt?attempt_no={attempt_no}", headers=headers).get_json()
    items = [i for s in body["sections"] for i in s["items"]]
    assert all(i["earned"] is not None for i in items)  # per-item scores show throughout
    shown = [i["answer_text"] is not None or i["analysis"] is not None for i in items]
    assert len(set(shown)) == 1
    return shown[0], body["key_withheld"]


def test_the_key_is_withheld_while_a_retake_remains(client, api, quiz, people):
    _course, lesson, row = quiz(max_attempts=2)
    headers = api(people.student_a1)
    take(people.student_a1, lesson, row, single=False, tf=False)
    shown, reason = _key_shown(client, headers, lesson.exam_id, 1)
    assert not shown and "还可以重新作答" in reason  # otherwise the retake is a copy of the key
    quizzes.start_attempt(people.student_a1, lesson, row)
    db.session.commit()
    assert _key_shown(client, headers, lesson.exam_id, 1)[0] is False  # not while the retake is open either
    db.session.rollback()
    take(people.student_a1, lesson, row, single=False, tf=False)  # hands in attempt 2: none left
    assert _key_shown(client, headers, lesson.exam_id, 1) == (True, None)
    assert _key_shown(client, headers, lesson.exam_id, 2) == (True, None)


def test_the_key_shows_once_the_learner_passes(client, auth, quiz, people):
    _course, lesson, row = quiz(max_attempts=3)
    take(people.student_a1, lesson, row, single=True, tf=True)
    auth.login(people.student_a1)
    page = client.get(f"/questions/exams/{lesson.exam_id}/result").get_data(as_text=True)
    assert "正确答案：" in page and "result-key-withheld" not in page


def test_the_result_page_says_why_the_key_is_hidden(client, auth, quiz, people):
    _course, lesson, row = quiz(max_attempts=0)  # unlimited: the key stays hidden until a pass
    take(people.student_a1, lesson, row, single=False, tf=False)
    auth.login(people.student_a1)
    page = client.get(f"/questions/exams/{lesson.exam_id}/result").get_data(as_text=True)
    assert "result-key-withheld" in page and "正确答案：" not in page
    assert "得分" in page


def test_formal_exams_show_the_key_on_release(client, api, people, exam_for_a1):
    exam = exam_for_a1
    attempt = exams.start_attempt(people.student_a1, exam)
    exams.submit_attempt(people.student_a1, attempt)
    exams.release_results(people.teacher_a1, exam)
    db.session.commit()
    assert exams.key_withheld(attempt) is None


def test_changing_the_time_limit_times_new_attempts_not_started_ones(quiz, people):
    from eduplatform.courses import structure

    _course, lesson, row = quiz()
    assert lesson.exam.time_limit_minutes == 20
    started = quizzes.start_attempt(people.student_a1, lesson, row)
    deadline = started.deadline_at
    structure.update_lesson(people.teacher_a1, lesson, {"time_limit_minutes": 45})
    db.session.commit()
    assert lesson.settings["time_limit_minutes"] == 45 and lesson.exam.time_limit_minutes == 45
    db.session.refresh(started)
    assert started.deadline_at == deadline  # the learner already answering keeps the time they were given
