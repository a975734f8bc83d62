"""Every field-type message the API answers a wrong input with is Chinese, in every domain; an HTML
form refuses with the same message."""

from __future__ import annotations

import pytest


def texts(value):
    """Every message string inside an error's ``fields`` (nested dicts and lists)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)
    else:
        yield str(value)


def chinese(text: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in text)


#: (who, method, url, body): wrong types for the fields of one input per domain, so that string,
#: integer, float, boolean, list, enum, date-time, nested and unknown-field messages all come back.
CASES = [
    ("sysadmin", "post", "/api/v1/users", {"username": 7, "display_name": ["x"], "roles": "teacher",
                                            "email": "nobody", "active": "perhaps", "nonsense": 1}),
    ("sysadmin", "post", "/api/v1/orgs", {"code": 1, "name": 2, "type": "kingdom", "stages": "all"}),
    ("sysadmin", "put", "/api/v1/calendar/2026-10-08", {"kind": "holiday?", "name": 3}),
    ("teacher_a1", "post", "/api/v1/notices/read", {"ids": ["x", 0]}),
    ("teacher_a1", "post", "/api/v1/questions", {"type": 5, "stem": [], "difficulty": "hard",
                                                  "sharing": "world", "data": "x"}),
    ("teacher_a1", "post", "/api/v1/courses", {"title": 9, "training_hours": "many", "audience": "all",
                                                "visible_org_id": "x"}),
    ("city_staff", "post", "/api/v1/resource-packages/export", {"ids": "1,2", "collection": ["x"]}),
    ("school_a1_admin", "post", "/api/v1/schools/{school}/classes", {"grade": "one", "number": 1.5,
                                                                      "head_teacher_id": "x"}),
    ("city_staff", "post", "/api/v1/report-templates", {"code": [], "name": {}, "description": 4}),
    ("city_staff", "post", "/api/v1/report-tasks", {"template": 1, "title": None, "due_at": 5,
                                                     "targets": "everyone"}),
    ("teacher_a1", "post", "/api/v1/exams", {"paper_id": "x", "title": 1, "opens_at": "soon",
                                              "time_limit_minutes": "long", "publish": "maybe"}),
]


@pytest.mark.parametrize(("who", "method", "url", "body"), CASES, ids=[c[2] for c in CASES])
def test_wrong_types_are_refused_in_chinese(client, api, people, tree, who, method, url, body):
    response = getattr(client, method)(url.format(school=tree.school_a1.code), json=body,
                                       headers=api(getattr(people, who)))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    messages = list(texts(error["fields"]))
    assert len(messages) >= 2, error  # more than one field was checked
    english = [m for m in messages + [error["message"]] if not chinese(m)]
    assert not english, english


@pytest.mark.parametrize("url", ["/api/v1/users?page=x", "/api/v1/courses?audience=1&user_id=x",
                                 "/api/v1/audit?page=0"])
def test_wrong_query_args_are_refused_in_chinese(client, api, people, url):
    who = people.auditor if "/audit" in url else people.sysadmin if "/users" in url else people.teacher_a1
    response = client.get(url, headers=api(who))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert all(chinese(m) for m in [*texts(error["fields"]), error["message"]]), error


def test_an_html_form_shows_the_api_message(client, api, auth, people):
    """The course form and the course API refuse the same wrong value with the same words."""
    body = {"title": "课程", "training_hours": "many"}
    api_error = client.post("/api/v1/courses", json=body, headers=api(people.teacher_a1)).get_json()["error"]
    auth.login(people.teacher_a1)
    page = client.post("/courses/new", data=body, follow_redirects=True)
    assert api_error["fields"] == {"training_hours": ["学时须为数字"]}
    assert api_error["message"] in page.get_data(as_text=True)
