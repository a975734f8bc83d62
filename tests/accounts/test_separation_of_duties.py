"""三员分立: the system, security and audit administrators read no business records.

On the demo city (what `flask seed-demo` makes), every business-record route whose path can be
filled with a real record is asked for by each of the three administrators, on the API and in the
browser, and must answer 403 or 404; their home pages offer no link that would be refused.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.courses.models import Course, Lesson
from eduplatform.questions.models import Exam, Paper, Question
from eduplatform.reporting.models import ReportTemplate, Submission
from eduplatform.resources.models import Resource, ReviewState
from eduplatform.schools.models import Equipment, SchoolClass, StudentProfile, TeacherProfile
from eduplatform.workflow.models import ProcessInstance, WorkflowTask

DEMO_PASSWORD = "Demo#2026edu"
ADMINS = ("sysadmin", "secadmin", "auditor")

#: Blueprints that hold business records (the org tree, accounts, audit and the engine's process
#: models are administration, not records).
BUSINESS_BLUEPRINTS = {"schools", "schools_api", "reporting", "reporting_api", "questions", "questions_api",
                       "courses", "courses_api", "resources", "resources_api"}
#: Engine routes that show a business case (its form, its history).
BUSINESS_RULES = {"/api/v1/instances/<int:instance_id>", "/api/v1/tasks/<int:task_id>",
                  "/workflow/instances/<int:instance_id>", "/workflow/instances/<int:instance_id>/diagram.bpmn",
                  "/tasks/<int:task_id>"}
#: Lists that are open to every signed-in user by design: the published library, the resource
#: types and the knowledge-point vocabulary (no one's records), one's own training hours.
OPEN_LISTS = {"/api/v1/resources", "/api/v1/resource-specs", "/api/v1/knowledge-points",
              "/api/v1/training-records"}  # the last: the caller's own record


def _first(model, *where):
    return db.session.scalar(sa.select(model).where(*where).order_by(model.id).limit(1))


def _record_ids() -> dict[str, object]:
    """A real record for every path argument the business routes take."""
    student = _first(StudentProfile)
    sub = _first(Submission)
    # The school routes are filled with the student's school: its teachers and classes too.
    school_id = student.school_id
    ids = {
        "code": student.school.code,
        "student_id": student.id,
        "teacher_id": _first(TeacherProfile, TeacherProfile.school_id == school_id).id,
        "class_id": _first(SchoolClass, SchoolClass.school_id == school_id).id,
        "task_id": sub.task_id,
        "submission_id": sub.id,
        "template_id": _first(ReportTemplate).id,
        "exam_id": _first(Exam).id,
        "paper_id": _first(Paper).id,
        "question_id": _first(Question).id,
        "course_id": _first(Course).id,
        "lesson_id": _first(Lesson).id,
        "instance_id": _first(ProcessInstance).id,
        "workflow_task_id": _first(WorkflowTask).id,
        # Someone's draft or one under review: not the published library.
        "resource_id": _first(Resource, Resource.state != ReviewState.PUBLISHED).id,
    }
    equipment = _first(Equipment, Equipment.school_id == school_id)
    if equipment is not None:
        ids["equipment_id"] = equipment.id
    return ids


def _business_routes(app, ids) -> list[str]:
    """GET paths of business records, with the path filled in from ``ids``."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        blueprint = rule.endpoint.split(".")[0]
        if blueprint not in BUSINESS_BLUEPRINTS and rule.rule not in BUSINESS_RULES:
            continue
        if not rule.arguments or not rule.arguments <= ids.keys() - {"workflow_task_id"}:
            continue
        # The workflow task id is the engine's, not the report task's: use a real engine task.
        values = dict(ids)
        if rule.rule.startswith(("/api/v1/tasks/", "/tasks/")):
            values["task_id"] = ids["workflow_task_id"]
        paths.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(paths))


@pytest.fixture
def demo_city(app):
    """The demo data (hashed cheaply, as everywhere in the suite: this test is about who reads what)."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return _record_ids()


def _api_headers(client, username) -> dict:
    token = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert token.status_code == 201, token.get_json()
    return {"Authorization": f"Bearer {token.get_json()['token']}"}


def test_the_three_administrators_read_no_business_records(app, client, demo_city):
    """One test on one seeding (the demo city takes most of its time)."""
    paths = _business_routes(app, demo_city)
    api_paths = [p for p in paths if p.startswith("/api/")]
    # Students, teachers, classes, report submissions, exams, courses, drafts, business cases.
    for must in (f"/api/v1/schools/{demo_city['code']}/students/{demo_city['student_id']}",
                 f"/api/v1/schools/{demo_city['code']}/students",
                 f"/api/v1/report-tasks/{demo_city['task_id']}/submissions/{demo_city['submission_id']}",
                 f"/api/v1/exams/{demo_city['exam_id']}/attempts",
                 f"/api/v1/courses/{demo_city['course_id']}/progress",
                 f"/api/v1/resources/{demo_city['resource_id']}",
                 f"/api/v1/instances/{demo_city['instance_id']}"):
        assert must in paths
    assert len(api_paths) >= 40 and len(paths) >= 90
    lists = sorted({rule.rule for rule in app.url_map.iter_rules()
                    if "GET" in rule.methods and not rule.arguments and rule.rule.startswith("/api/")
                    and rule.endpoint.split(".")[0] in BUSINESS_BLUEPRINTS and rule.rule not in OPEN_LISTS
                    and not rule.rule.endswith(".xlsx")})
    assert "/api/v1/schools" in lists and "/api/v1/report-tasks" in lists

    allowed, leaks, refused_links = [], [], []
    for username in ADMINS:
        headers = _api_headers(client, username)
        for path in api_paths:
            status = client.get(path, headers=headers).status_code
            if status not in (403, 404):
                allowed.append((username, path, status))
        for path in lists:  # refused, or answered with nothing in it
            response = client.get(path, headers=headers)
            body = response.get_json(silent=True)
            if response.status_code not in (403, 404) and not (isinstance(body, dict) and body.get("items") == []):
                leaks.append((username, path, response.status_code))

        client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        for path in paths:
            if not path.startswith("/api/") and (status := client.get(path).status_code) not in (403, 404):
                allowed.append((username, path, status))
        # The home page (and top bar) offers no link that would be refused, none into records.
        home = client.get("/")
        assert home.status_code == 200
        links = sorted({href for href in re.findall(r'href="(/[^"#?]*)', home.get_data(as_text=True))
                        if not href.startswith("/static/")})
        refused_links += [(username, href, status) for href in links
                          if (status := client.get(href).status_code) >= 400]
        for business in ("/schools", "/indicators", "/reporting/tasks", "/questions/exams", "/courses/manage",
                         "/courses/training/report"):
            assert business not in links, (username, business)
        client.post("/logout")
    assert allowed == []
    assert leaks == []
    assert refused_links == []
