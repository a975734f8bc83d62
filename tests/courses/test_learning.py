"""Quiz lessons (question bank), assignments, Q&A, training hours, the dashboard and its export."""

from __future__ import annotations

from datetime import date

import pytest

from eduplatform.accounts.models import Role
from eduplatform.core.errors import PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import (
    assignments,
    catalogue,
    completion,
    dashboard,
    enrolment,
    qa,
    quizzes,
    training,
)
from eduplatform.courses.models import (
    CourseAudience,
    LessonKind,
    ProgressStatus,
    SubmissionStatus,
    TrainingRecord,
)
from eduplatform.questions import exams, papers
from eduplatform.questions import services as qservices
from tests.courses.conftest import add_lesson


def make_paper(teacher, *, essay=False):
    single = qservices.create_question(teacher, {
        "type": "single", "stem": "方程 $2x+3=7$ 的解是", "data": {"options": ["1", "2", "3", "4"], "answer": 1},
        "analysis": "", "score": 5, "difficulty": 1, "subject": "math", "stage": "junior", "grade": "g7",
        "tags": [], "source": "", "sharing": "org"}, knowledge_points=[])
    tf = qservices.create_question(teacher, {
        "type": "true_false", "stem": "两个负数的和一定是负数。", "data": {"answer": True}, "analysis": "", "score": 5,
        "difficulty": 1, "subject": "math", "stage": "junior", "grade": "g7", "tags": [], "source": "",
        "sharing": "org"}, knowledge_points=[])
    items = [{"question_id": single.id, "score": 5}, {"question_id": tf.id, "score": 5}]
    if essay:
        q = qservices.create_question(teacher, {
            "type": "essay", "stem": "说明解方程的步骤。", "data": {"reference": "移项"}, "analysis": "", "score": 10,
            "difficulty": 2, "subject": "math", "stage": "junior", "grade": "g7", "tags": [], "source": "",
            "sharing": "org"}, knowledge_points=[])
        items.append({"question_id": q.id, "score": 10})
    paper = papers.create_paper(teacher, {"title": "第一单元测验卷", "subject": "math"},
                                [{"title": "一、", "items": items}])
    db.session.commit()
    return paper


@pytest.fixture
def quiz_course(make_course, people):
    def make(essay=False, pass_percent=60):
        course = make_course(lessons=(), publish=False)
        paper = make_paper(people.teacher_a1, essay=essay)
        lesson = add_lesson(people.teacher_a1, course.chapters[0], "quiz", title="单元测验", paper_id=paper.id,
                            pass_percent=pass_percent, time_limit_minutes=20)
        catalogue.publish_course(people.teacher_a1, course)
        row = enrolment.enrol(people.student_a1, course)
        db.session.commit()
        return course, lesson, row

    return make


def _answer(student, lesson, correct: bool):
    attempt = exams.start_attempt(student, lesson.exam)
    items = sorted(lesson.exam.paper.items, key=lambda i: i.id)
    answers = {}
    for item in items:
        if item.version.type == "single":
            answers[item.id] = 1 if correct else 0
        elif item.version.type == "true_false":
            answers[item.id] = correct
        else:
            answers[item.id] = "先移项，再合并同类项"
    exams.save_answers(student, attempt, answers)
    exams.submit_attempt(student, attempt)
    db.session.commit()
    return attempt


def test_quiz_is_a_course_quiz_with_results_released(quiz_course):
    course, lesson, _row = quiz_course()
    exam = lesson.exam
    assert exam.purpose == "quiz" and exam.results_released
    assert exam.audience[0].kind.value == "course" and exam.audience[0].target_id == course.id


def test_a_passed_quiz_completes_the_lesson(quiz_course, people):
    course, lesson, row = quiz_course()
    _answer(people.student_a1, lesson, correct=True)
    quizzes.refresh_pulled(course, row)
    progress = completion.find_progress(lesson, people.student_a1)
    assert progress.status == ProgressStatus.COMPLETED and progress.score == 100.0
    assert row.completed_at is not None


def test_a_failed_quiz_does_not_complete(quiz_course, people):
    course, lesson, row = quiz_course()
    _answer(people.student_a1, lesson, correct=False)
    quizzes.refresh_pulled(course, row)
    progress = completion.find_progress(lesson, people.student_a1)
    assert progress.status == ProgressStatus.IN_PROGRESS and progress.score == 0
    assert row.completed_at is None


def test_an_essay_waits_for_grading_then_completes(quiz_course, people):
    course, lesson, row = quiz_course(essay=True, pass_percent=60)
    attempt = _answer(people.student_a1, lesson, correct=True)  # 10/20 so far, essay pending
    quizzes.refresh_pulled(course, row)
    assert completion.find_progress(lesson, people.student_a1).status != ProgressStatus.COMPLETED
    essay = next(a for a in attempt.answers if a.score is None)
    exams.grade_answer(people.teacher_a1, essay, 8)
    db.session.commit()
    board = dashboard.build(course)  # the dashboard picks grading done in the question bank up
    assert board.rows[0].cells[lesson.id].status == ProgressStatus.COMPLETED
    assert board.rows[0].cells[lesson.id].score == 90.0


def test_a_teacher_can_only_use_papers_they_may_see(make_course, people):
    course = make_course(lessons=(), publish=False, owner=people.teacher_b1, title="西山课程")
    paper = make_paper(people.teacher_a1)  # shared with A1's unit only
    with pytest.raises(PermissionDenied):
        add_lesson(people.teacher_b1, course.chapters[0], "quiz", paper_id=paper.id)


def test_teachers_take_quizzes_of_teacher_courses(make_course, people, tree):
    """The question bank gives exams to students; course quizzes are also for teachers in training."""
    course = make_course(lessons=(), publish=False, audience=CourseAudience.TEACHERS, hours=4,
                         owner=people.district_a_staff, visible_org=tree.district_a, title="教研员培训")
    paper = make_paper(people.district_a_staff)
    lesson = add_lesson(people.district_a_staff, course.chapters[0], "quiz", paper_id=paper.id)
    catalogue.publish_course(people.district_a_staff, course)
    row = enrolment.enrol(people.teacher_a1, course)
    db.session.commit()
    _answer(people.teacher_a1, lesson, correct=True)
    quizzes.refresh_pulled(course, row)
    assert row.completed_at is not None


# --- assignments ----------------------------------------------------------------------------

def test_assignment_completes_when_graded(make_course, people):
    from tests.courses.conftest import upload

    course = make_course(lessons=(), publish=False)
    lesson = add_lesson(people.teacher_a1, course.chapters[0], "assignment", title="课后作业", max_score=20)
    catalogue.publish_course(people.teacher_a1, course)
    row = enrolment.enrol(people.student_a1, course)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        assignments.submit(people.student_a1, lesson, row, text="  ")
    submission = assignments.submit(people.student_a1, lesson, row, text="x+1=2，x=1",
                                    upload=upload(b"hello", "作业.txt", "text/plain"))
    db.session.commit()
    assert submission.status == SubmissionStatus.SUBMITTED and submission.file.filename == "作业.txt"
    with pytest.raises(ValidationFailed):
        assignments.grade(people.teacher_a1, submission, score=25)
    with pytest.raises(PermissionDenied):
        assignments.grade(people.teacher_b1, submission, score=10)
    assignments.grade(people.teacher_a1, submission, score=None, feedback="请写出检验过程", return_for_redo=True)
    assert submission.status == SubmissionStatus.RETURNED
    assert completion.find_progress(lesson, people.student_a1).status != ProgressStatus.COMPLETED
    assignments.submit(people.student_a1, lesson, row, text="x+1=2，x=1，检验：1+1=2")
    assignments.grade(people.teacher_a1, submission, score=18, feedback="很好")
    db.session.commit()
    progress = completion.find_progress(lesson, people.student_a1)
    assert progress.status == ProgressStatus.COMPLETED and progress.score == 90.0
    assert row.completed_at is not None


# --- Q&A ----------------------------------------------------------------------------------------

def test_questions_wait_for_the_teacher_until_answered(enrolled, people):
    course, _row = enrolled
    lesson = course.lessons[0]
    question = qa.ask(people.student_a1, lesson, "移项为什么要变号？")
    db.session.commit()
    waiting = db.session.scalars(qa.unanswered_query(teacher=people.teacher_a1)).all()
    assert waiting == [question]
    with pytest.raises(PermissionDenied):
        qa.answer(people.teacher_b1, question, "……")
    qa.answer(people.teacher_a1, question, "等式两边同时加减同一个数，等式仍成立。")
    db.session.commit()
    assert question.answered_at is not None
    assert db.session.scalars(qa.unanswered_query(course)).all() == []
    qa.answer(people.student_a1, question, "那乘除呢？")  # a follow-up waits again
    db.session.commit()
    assert db.session.scalars(qa.unanswered_query(course)).all() == [question]


# --- training hours -------------------------------------------------------------------------------

@pytest.fixture
def training_course(make_course, people, tree):
    def make(hours=12.0, title="新课标解读（教师培训）", visible_org=None):
        return make_course(title=title, audience=CourseAudience.TEACHERS, hours=hours, owner=people.city_staff,
                           visible_org=visible_org or tree.city)

    return make


def _complete(user, course):
    row = enrolment.enrol(user, course)
    for lesson in course.lessons:
        completion.mark_opened(lesson, row, user)
    db.session.commit()
    return row


def test_completing_a_training_course_earns_its_hours_once(training_course, people):
    course = training_course(hours=12)
    row = _complete(people.teacher_a1, course)
    assert row.completed_at is not None
    records = training.records_of(people.teacher_a1)
    assert [(r.title, r.hours) for r in records] == [(course.title, 12.0)]
    assert records[0].org_id == people.teacher_a1.org_id
    completion.recompute_course(course)  # recounting never awards twice
    assert db.session.scalar(db.select(db.func.count()).select_from(TrainingRecord)) == 1


def test_student_courses_carry_no_hours(make_course):
    with pytest.raises(ValidationFailed):
        catalogue.create_course(None, {}) if False else catalogue.update_course(
            None, make_course(), {"training_hours": 3})


def test_hours_per_year_and_five_year_cycle(training_course, people, app):
    for year, hours in ((2020, 50), (2021, 30), (2024, 40), (2026, 12)):
        db.session.add(TrainingRecord(user_id=people.teacher_a1.id, org_id=people.teacher_a1.org_id,
                                      title=f"{year} 年培训", hours=hours, earned_on=date(year, 6, 1), year=year))
    db.session.commit()
    assert training.cycle_of(2026) == (2026, 2030) and training.cycle_of(2025) == (2021, 2025)
    summary = training.summary_for(people.teacher_a1, today=date(2025, 3, 1))
    assert summary.cycle == (2021, 2025) and summary.cycle_hours == 70 and summary.year_hours == 0
    summary = training.summary_for(people.teacher_a1, today=date(2026, 12, 1))
    assert summary.cycle_hours == 12 and summary.year_hours == 12 and not summary.met
    app.config["TRAINING_CYCLE_START_YEAR"] = 2019
    try:
        assert training.cycle_of(2023) == (2019, 2023)
    finally:
        app.config["TRAINING_CYCLE_START_YEAR"] = 2021


def test_bureaus_see_totals_per_district_and_school(training_course, people, tree, create_user):
    course = training_course(hours=20)
    b_teacher = people.teacher_b1
    a_teacher2 = create_user("a2teacher", roles=[Role.TEACHER], org=tree.school_a2)
    _complete(people.teacher_a1, course)
    _complete(b_teacher, course)
    today = date.today()
    city = training.training_report(tree.city, today)
    assert city.total.teachers == 3 and city.total.cycle_hours == 40
    by_name = {r.name: r for r in city.rows}
    assert by_name["东湖区教育局"].teachers == 2 and by_name["东湖区教育局"].cycle_hours == 20
    assert by_name["西山区教育局"].cycle_hours == 20
    district = training.training_report(tree.district_a, today)
    assert {r.name: r.cycle_hours for r in district.rows} == {"东湖区实验小学": 20, "东湖区第一中学": 0}
    school = training.training_report(tree.school_a1, today)
    assert [(r.name, r.cycle_hours) for r in school.rows] == [(people.teacher_a1.display_name, 20)]
    sheets = training.report_sheets(city)
    assert sheets[0][0] == "学时汇总" and sheets[1][0] == "教师明细" and len(sheets[1][2]) == 3
    _ = a_teacher2


# --- dashboard ------------------------------------------------------------------------------------

def test_dashboard_lists_each_learner_per_lesson_and_exports(enrolled, people, create_user, tree):
    import io

    from openpyxl import load_workbook

    from eduplatform.core.text.excel import build_workbook

    course, row = enrolled
    other = create_user("a1stu2", roles=[Role.STUDENT], org=tree.school_a1, display_name="李明")
    enrolment.enrol(other, course)
    completion.mark_opened(course.lessons[0], row, people.student_a1)
    db.session.commit()
    board = dashboard.build(course)
    assert len(board.rows) == 2 and board.lesson_completion(course.lessons[0]) == 1
    book = load_workbook(io.BytesIO(build_workbook(dashboard.export_sheets(board))))
    sheet = book["学习进度"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and len(rows) == 3
    assert any(r[4] == 50 for r in rows[1:])
    assert LessonKind.TEXT.label in rows[0][7]


def test_course_figures_reach_the_school_indicators(enrolled, people, tree):
    from eduplatform.schools import indicators

    course, row = enrolled
    for lesson in course.lessons:
        completion.mark_opened(lesson, row, people.student_a1)
    db.session.commit()
    report = indicators.indicator_report(tree.school_a1)
    assert report.total.figures["course_enrolments"] == 1
    assert report.total.figures["course_completions"] == 1
    assert report.total.figures["courses_offered"] == 1
    assert report.total.values()["course_completion_share"] == 100.0
