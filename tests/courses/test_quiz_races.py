"""Two "start attempt" requests at once give one new attempt; the migration's downgrade refuses to drop
retakes unless told to keep only each learner's latest attempt.

Real threads and connections against a database of their own (the shared ``separate_app`` fixture:
the per-test rollback shares one connection).
"""

from __future__ import annotations

import os
import threading

import flask_migrate
import pytest
import sqlalchemy as sa

from eduplatform import create_app
from eduplatform.accounts.models import Role
from eduplatform.accounts.services import create_user
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit
from eduplatform.questions.models import ExamAttempt

PASSWORD = "Race#Pass2026"


def _setup(app) -> dict:
    """A course with a quiz (allowing 3 attempts) and an enrolled student whose first attempt failed."""
    from eduplatform.courses import catalogue, enrolment, quizzes, structure
    from eduplatform.courses.models import CourseAudience, EnrolmentMode, LessonKind
    from eduplatform.questions import exams, papers
    from eduplatform.questions import services as qservices

    with app.app_context():
        city = create_org_unit(None, code="C1", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        district = create_org_unit(None, code="D1", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
        school = create_org_unit(None, code="S1", name="东湖区实验中学", type=OrgType.SCHOOL, parent=district)
        teacher, _ = create_user(None, username="teacher1", display_name="教师", roles={Role.TEACHER}, org=school,
                                 password=PASSWORD, must_change_password=False)
        student, _ = create_user(None, username="student1", display_name="学生", roles={Role.STUDENT}, org=school,
                                 password=PASSWORD, must_change_password=False)
        question = qservices.create_question(teacher, {
            "type": "true_false", "stem": "两个负数的和一定是负数。", "data": {"answer": True}, "analysis": "",
            "score": 10, "difficulty": 1, "subject": "math", "stage": "junior", "grade": "g7", "tags": [],
            "source": "", "sharing": "org"}, knowledge_points=[])
        paper = papers.create_paper(teacher, {"title": "测验卷", "subject": "math"},
                                    [{"title": "一、", "items": [{"question_id": question.id, "score": 10}]}])
        course = catalogue.create_course(teacher, {
            "title": "七年级数学", "summary": "", "description": "", "stage": "junior", "subject": "math",
            "grade": "g7", "audience": CourseAudience.STUDENTS, "enrolment_mode": EnrolmentMode.OPEN, "training_hours": 0,
            "visible_org_id": None})
        chapter = structure.add_chapter(teacher, course, "第一章")
        lesson = structure.add_lesson(teacher, chapter, {"title": "测验", "kind": LessonKind.QUIZ, "required": True,
                                                         "body": "", "paper_id": paper.id})
        catalogue.publish_course(teacher, course)
        row = enrolment.enrol(student, course)
        attempt = quizzes.start_attempt(student, lesson, row)
        exams.save_answers(student, attempt, {paper.items[0].id: False})
        exams.submit_attempt(student, attempt)
        quizzes.refresh_pulled(course, row)
        db.session.commit()
        return {"lesson": lesson.id, "exam": lesson.exam_id, "student": student.id}


def _token(app, username: str) -> dict:
    client = app.test_client()
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_two_start_requests_at_once_give_one_new_attempt(separate_app):
    ids = _setup(separate_app)
    headers = _token(separate_app, "student1")
    barrier = threading.Barrier(2, timeout=20)
    results: list[tuple[int, dict]] = []

    def start():
        client = separate_app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/lessons/{ids['lesson']}/quiz/attempts", headers=headers)
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # SQLite serialises the two (the second resumes: 200); on PostgreSQL the loser of the insert race
    # may answer 201 too — either way both name the same, single new attempt.
    codes = sorted(code for code, _ in results)
    assert codes in ([200, 201], [201, 201]), results
    assert len({body["attempt_id"] for _, body in results}) == 1
    with separate_app.app_context():
        numbers = db.session.scalars(sa.select(ExamAttempt.attempt_no).where(ExamAttempt.exam_id == ids["exam"])
                                     .order_by(ExamAttempt.attempt_no)).all()
        db.session.remove()
    assert numbers == [1, 2]


@pytest.mark.nodb
def test_downgrade_refuses_retakes_unless_told_to_keep_the_latest(tmp_path, capfd):
    if (os.environ.get("EDU_TEST_DATABASE_URL") or "").startswith("postgresql"):
        pytest.skip("SQLite file database of its own")
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'down.db'}"})
    saved_session = db.session
    db.session = db._make_scoped_session({})
    try:
        with app.app_context():
            flask_migrate.upgrade()
        ids = _setup(app)
        from eduplatform.accounts.models import User
        from eduplatform.courses import quizzes
        from eduplatform.courses.models import Enrolment, Lesson

        with app.app_context():
            student = db.session.get(User, ids["student"])
            lesson = db.session.get(Lesson, ids["lesson"])
            row = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == student.id))
            latest = quizzes.start_attempt(student, lesson, row)  # attempt 2
            latest_id = latest.id
            db.session.commit()
            with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
                flask_migrate.downgrade(revision="5be0c4a2d9e1")
            assert "drop_older_attempts=1" in capfd.readouterr().err
            db.session.remove()
            db.engine.dispose()
        with app.app_context():
            columns = {c["name"] for c in db.inspect(db.engine).get_columns("exam_attempts")}
            assert "attempt_no" in columns  # refused whole: nothing changed
            flask_migrate.downgrade(revision="5be0c4a2d9e1", x_arg=["drop_older_attempts=1"])
            with db.engine.connect() as conn:
                left = conn.execute(sa.text("SELECT id FROM exam_attempts")).scalars().all()
            assert left == [latest_id]
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT attempt_no FROM exam_attempts")).scalars().all() == [1]
            db.session.remove()
            db.engine.dispose()
    finally:
        db.session = saved_session
