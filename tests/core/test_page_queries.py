"""The SQL each busy page costs, counted and capped, so that an N+1 cannot creep back in.

The pages of ``bench/bench_pages.py`` (the 工作台, the portal home, the unified search, a course page,
the report fill page), each requested as the demo user who sees it, on the project's own demo data
(``seed-demo``). A cap is the count measured when it was set: a change that adds a query per row or
per block fails here and says which statements ran. On PostgreSQL the demo lives in a schema of its
own on the test server, so the per-test rolled-back database is untouched.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from contextlib import contextmanager

import flask_migrate
import pytest
import sqlalchemy as sa

from eduplatform import create_app
from eduplatform.accounts.seed import DEMO_PASSWORD
from eduplatform.core.extensions import db
from tests.fixtures.app import IsolatedClient

#: page → most statements one request may run (measured: 工作台 19, portal 14, search 9, course 15,
#: report fill 15; before the fixes 25, 35, 10, 22, 17)
# The 班级作业 domain then added its menu (teacher profile + one EXISTS, once per request) to every
# teacher page, and its 工作台 card (the teacher's classes, their subjects, today's minutes and budgets,
# the homework awaiting the 班主任: one query each, not one per class): 工作台 27, search 11.
CAPS = {"workbench": 27, "portal": 14, "search": 11, "course": 15, "report_fill": 15}
# 家校 then added its 家校沟通 menu for a 班主任 (the classes the teacher heads: one query per request,
# remembered for the page): 工作台 28, search 12.
CAPS.update({"workbench": 28, "search": 12})
# 家校: a parent's child page (homework with items and answers, notices with 回执, the thread, other
# domains' panels), the 班主任's class page (notices with 回执 counts, links per student, threads) and the
# school's audit list — a fixed number of queries each, whatever the number of rows.
# Measured: 18, 19, 13 and 9 (tests/families/test_queries.py: the same count with five times the rows);
# the child page +2 for its 错题本 panel (the counts, the most-missed knowledge points) and +8 for its
# 学情 panel (the graded-answer feed in three, homework this term in three, group levels, courses).
CAPS.update({"family_child": 28, "family_class": 19, "family_school": 13, "parent_workbench": 9})
# 学情 (learning analytics): the teacher's heat map (the cache's freshness check: states, rosters, two
# grade watermarks; then one GROUP BY and its points), a class's students × points, a student's own page
# (the feed in three statements, homework in three, courses in one) — measured 18, 18, 17.
# +1 on the two teacher pages since the 班主任's 家校沟通 menu entry (its headed classes, once a request).
CAPS.update({"mastery_heatmap": 19, "mastery_class": 19, "mastery_student": 17})


@pytest.fixture(scope="module")
def demo_pages(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("pages")
    url = os.environ.get("EDU_TEST_DATABASE_URL")
    schema = None
    if url:
        schema = f"pages_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        url = str(sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}))
    else:
        url = f"sqlite:///{data_dir / 'demo.db'}"
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "page-queries",
                      "DATA_DIR": str(data_dir), "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": url})
    app.test_client_class = IsolatedClient
    saved = db.session
    db.session = db._make_scoped_session({})
    try:
        with app.app_context():
            flask_migrate.upgrade()
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        yield app
    finally:
        db.session = saved
        with app.app_context():
            db.engine.dispose()
        if schema:
            engine = sa.create_engine(os.environ["EDU_TEST_DATABASE_URL"])
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()


@pytest.fixture
def demo(demo_pages):
    saved = db.session
    db.session = db._make_scoped_session({})
    try:
        yield demo_pages
    finally:
        db.session = saved


def client_as(app, username):
    client = app.test_client()
    if username:
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302
    return client


@contextmanager
def counted(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split())[:160])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def scalar(app, statement):
    with app.app_context():
        try:
            return db.session.scalar(statement)
        finally:
            db.session.remove()


def assert_capped(app, username, path, cap):
    client = client_as(app, username)
    first = client.get(path)  # the first request may do one-off work (a column sync, a pulled grade)
    assert first.status_code == 200, path
    with counted(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    listing = "\n".join(f"{n} × {s}" for s, n in Counter(statements).most_common())
    assert len(statements) <= cap, f"{path}: {len(statements)} statements (cap {cap}):\n{listing}"
    assert statements, "the counter saw nothing: the test would pass whatever the page ran"
    return response


def test_workbench_of_a_teacher(demo):
    response = assert_capped(demo, "teacher", "/", CAPS["workbench"])
    assert "工作台" in response.get_data(as_text=True)


def test_portal_home(demo):
    response = assert_capped(demo, None, "/portal/", CAPS["portal"])
    assert "通知公告" in response.get_data(as_text=True) or "新闻" in response.get_data(as_text=True)


def test_unified_search(demo):
    assert_capped(demo, "teacher", "/search?q=函数", CAPS["search"])


def test_course_page(demo):
    from eduplatform.courses.models import Course, CourseStatus

    course_id = scalar(demo, sa.select(Course.id).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.id))
    assert_capped(demo, "teacher", f"/courses/{course_id}", CAPS["course"])


def test_report_fill_page(demo):
    from eduplatform.accounts.models import User
    from eduplatform.reporting.models import Submission

    org = scalar(demo, sa.select(User.org_id).where(User.username == "school_admin"))
    submission_id = scalar(demo, sa.select(Submission.id).where(Submission.school_id == org))
    assert_capped(demo, "school_admin", f"/reporting/submissions/{submission_id}", CAPS["report_fill"])


def _family_ids(app):
    from eduplatform.families.models import ParentLink
    from eduplatform.schools.models import StudentProfile

    student = scalar(app, sa.select(ParentLink.student_id).order_by(ParentLink.id))
    return student, scalar(app, sa.select(StudentProfile.class_id).where(StudentProfile.id == student))


def test_parent_child_page(demo):
    student, _ = _family_ids(demo)
    response = assert_capped(demo, "parent", f"/families/children/{student}", CAPS["family_child"])
    assert "班主任通知" in response.get_data(as_text=True)


def test_parent_workbench(demo):
    assert_capped(demo, "parent", "/", CAPS["parent_workbench"])


def test_head_teacher_family_class_page(demo):
    _, class_id = _family_ids(demo)
    response = assert_capped(demo, "teacher", f"/families/classes/{class_id}", CAPS["family_class"])
    assert "家长留言" in response.get_data(as_text=True)


def test_school_family_page(demo):
    assert_capped(demo, "school_admin", "/families/school", CAPS["family_school"])
def _demo_student(app):
    from eduplatform.accounts.models import User
    from eduplatform.schools.models import StudentProfile

    return scalar(app, sa.select(StudentProfile).join(User, User.id == StudentProfile.user_id)
                  .where(User.username == "student"))


def test_mastery_heatmap(demo):
    response = assert_capped(demo, "teacher", "/learning/mastery", CAPS["mastery_heatmap"])
    text = response.get_data(as_text=True)
    assert 'id="heatmap-data"' in text and "一元一次方程" in text


def test_mastery_class_page(demo):
    student = _demo_student(demo)
    assert_capped(demo, "teacher", f"/learning/mastery/classes/{student.class_id}?subject=math", CAPS["mastery_class"])


def test_mastery_student_page(demo):
    student = _demo_student(demo)
    response = assert_capped(demo, "student", f"/learning/mastery/students/{student.id}", CAPS["mastery_student"])
    assert "我的学情" in response.get_data(as_text=True)
