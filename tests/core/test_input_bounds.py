"""Numbers past what the database holds are refused as input, never a 500 from the driver.

Ids and counters are INTEGER columns: 32 bits on PostgreSQL (64 on SQLite), so 2**31 is the first
id that fails there; 2**63 the first that fails on SQLite too.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

TOO_BIG = 2**31  # one past PostgreSQL's INTEGER
PAST_64_BITS = 2**63  # one past PostgreSQL's BIGINT and SQLite's INTEGER


def int_routes(app, value: int):
    """(rule, url) for every rule with an int converter, each int argument set to ``value``."""
    for rule in app.url_map.iter_rules():
        ints = {name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)}
        if ints:
            yield rule, fill(rule, {name: str(value) if name in ints else "1" for name in rule.arguments})


def fill(rule, values: dict) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)


@pytest.mark.parametrize("value", [TOO_BIG, PAST_64_BITS])
def test_every_int_route_answers_404_for_an_id_the_column_cannot_hold(app, client, people, api, value):
    headers = api(people.sysadmin)
    routes = list(int_routes(app, value))
    assert len(routes) > 200  # the whole application (230 rules today), not a sample
    failures = []
    for rule, url in routes:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, headers=headers)
            if response.status_code != 404:
                failures.append(f"{method} {url} ({rule.endpoint}) → {response.status_code}")
    assert not failures, "\n".join(failures)


# -- query args ---------------------------------------------------------------------------------

HUGE = "99999999999999999999"  # past 2**64


def test_api_page_past_the_bound_is_422(client, people, api):
    # The system administrator lists accounts; school records are bureau staff's (三员分立).
    for who, url in (("sysadmin", f"/api/v1/users?page={TOO_BIG}"), ("city_staff", f"/api/v1/schools?page={HUGE}"),
                     ("sysadmin", f"/api/v1/users?per_page={HUGE}")):
        response = client.get(url, headers=api(getattr(people, who)))
        assert response.status_code == 422, (url, response.get_json())
        error = response.get_json()["error"]
        field = "page" if "page=" in url and "per_page" not in url else "per_page"
        assert error["message"] == f"分页参数有误：{error['fields'][field][0]}"
        assert error["fields"][field] == [f"必须是 1 到 {2**31 - 1} 之间的整数"]


def plain_html_pages(app):
    """Every HTML GET page without URL arguments (the list pages among them)."""
    for rule in app.url_map.iter_rules():
        if ("GET" in (rule.methods or ()) and not rule.arguments and not rule.rule.startswith(("/api/", "/static"))
                and rule.endpoint not in ("accounts.logout",)):
            yield rule.rule


@pytest.mark.parametrize("who", ["sysadmin", "city_staff", "teacher_a1"])
def test_html_pages_take_any_page_number(app, client, people, auth, who):
    auth.login(getattr(people, who))
    failures = []
    for url in plain_html_pages(app):
        for page in (HUGE, "9" * 5000):  # past 64 bits; past Python's int-from-str digit limit
            response = client.get(f"{url}?page={page}")
            if response.status_code >= 500:
                failures.append(f"{url}?page={page[:24]} → {response.status_code}")
    assert not failures, "\n".join(failures)


def test_an_enum_query_arg_outside_its_values_is_422_listing_them(client, people, api):
    response = client.get("/api/v1/courses?audience=null", headers=api(people.teacher_a1))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "查询参数有误：取值无效，可选值：students, teachers"
    assert error["fields"]["audience"] == ["取值无效，可选值：students, teachers"]
    response = client.get("/api/v1/users?role=wizard", headers=api(people.sysadmin))
    assert response.status_code == 422 and "teacher" in response.get_json()["error"]["fields"]["role"][0]


def test_an_empty_enum_query_arg_is_no_filter(client, people, api):
    headers = api(people.teacher_a1)
    response = client.get("/api/v1/courses?audience=&stage=", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["total"] == client.get("/api/v1/courses", headers=headers).get_json()["total"]


def test_ids_in_query_args_past_64_bits_are_422(client, people, api, tree):
    headers = api(people.city_staff)  # business records are not the system administrator's (三员分立)
    for url in (f"/api/v1/training-records?user_id={TOO_BIG}",
                f"/api/v1/schools/{tree.school_a1.code}/students?class_id={TOO_BIG}",
                f"/api/v1/questions?knowledge_point={TOO_BIG}",
                f"/api/v1/questions/export?ids=1,{TOO_BIG}"):
        response = client.get(url, headers=headers if "/questions" not in url else api(people.teacher_a1))
        assert response.status_code == 422, (url, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] == "invalid" and error["message"].startswith("查询参数有误："), url
        (field,) = error["fields"]
        assert field in url and re.search("整数", error["fields"][field][0]), (url, error)


def test_html_filters_past_64_bits_do_not_fail(client, people, auth, tree):
    auth.login(people.school_a1_admin)
    response = client.get(f"/schools/{tree.school_a1.code}/students?class_id={TOO_BIG}")
    assert response.status_code < 500
    assert response.status_code == 302  # back with a message, as any refused form is
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "查询参数有误：必须是 1 到 2147483647 之间的整数" in shown


def test_ids_in_json_bodies_past_64_bits_are_422(client, people, api):
    headers = api(people.teacher_a1)
    for too_big in (TOO_BIG, PAST_64_BITS):
        body = {"title": "卷", "subject": "math", "sections": [{"title": "一", "items": [{"question_id": too_big}]}]}
        response = client.post("/api/v1/papers", json=body, headers=headers)
        assert response.status_code == 422
        assert "question_id" in str(response.get_json()["error"]["fields"])


def test_ids_in_form_bodies_past_64_bits_are_422(client, people, api):
    """A form (multipart or urlencoded) has no JSON numbers: the Id field itself bounds the value."""
    response = client.post("/api/v1/courses", data={"title": "课", "visible_org_id": str(TOO_BIG)},
                           headers=api(people.teacher_a1))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "visible_org_id": [f"必须是 1 到 {TOO_BIG - 1} 之间的整数"]}


def test_id_and_bounded_integer_fields():
    from marshmallow import ValidationError

    from eduplatform.core.api import BoundedInteger, Id

    assert Id().deserialize(str(TOO_BIG - 1)) == TOO_BIG - 1
    for value in (0, TOO_BIG, "9" * 30):
        with pytest.raises(ValidationError) as info:
            Id().deserialize(value)
        assert "之间的整数" in str(info.value)
    assert BoundedInteger().deserialize(-TOO_BIG) == -TOO_BIG
    with pytest.raises(ValidationError):
        BoundedInteger().deserialize(-TOO_BIG - 1)


def test_the_converter_pattern_matches_exactly_the_ids_a_column_holds():
    from eduplatform.core.converters import MAX_INT, BoundedIntConverter

    pattern = re.compile(BoundedIntConverter.regex + r"\Z")
    for n in [*range(1200), MAX_INT - 1, MAX_INT, 1999999999, 2099999999, 2147399999]:
        assert pattern.match(str(n)) and pattern.match(f"00{n}"), n
    for n in (MAX_INT + 1, MAX_INT + 10, 2147483700, 2150000000, 9999999999, PAST_64_BITS):
        assert not pattern.match(str(n)), n


def test_any_integer_past_64_bits_in_a_json_body_is_422(client, people, api):
    """Also inside free-form parts that no bounded field checks (here a question's type data)."""
    body = {"type": "single", "stem": "题", "subject": "math",
            "data": {"options": ["a", "b"], "answer": -PAST_64_BITS - 1}}
    response = client.post("/api/v1/questions", json=body, headers=api(people.teacher_a1))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"data.answer": ["数值超出范围"]}


def test_workflow_and_audit_args_out_of_range(client, people, api):
    headers = api(people.sysadmin)
    for url in (f"/api/v1/processes/incoming_document?version={TOO_BIG}", "/api/v1/calendar?year=²",
                "/api/v1/calendar/working-days?start=2026-01-05&days=²",
                "/api/v1/calendar/working-days?start=2026-01-05"):
        response = client.get(url, headers=headers)
        assert response.status_code == 422, (url, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] == "invalid" and error["message"].startswith("查询参数有误："), url
        assert set(error["fields"]) <= {"version", "year", "days"} and error["fields"], (url, error)
    response = client.get("/api/v1/audit?until=9999-12-31", headers=api(people.auditor))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"until": ["日期须在 1900-01-01 到 9999-12-30 之间"]}


def test_workflow_pages_ignore_unreadable_numbers(client, people, auth):
    def heading(response) -> str:
        return re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.DOTALL).group(1)

    auth.login(people.sysadmin)
    for unreadable, plain in (("/workflow/calendar?year=²", "/workflow/calendar"),
                              (f"/processes/incoming_document?version={TOO_BIG}", "/processes/incoming_document")):
        response = client.get(unreadable)
        assert response.status_code == 200, unreadable
        assert heading(response) == heading(client.get(plain)), unreadable  # as if the number were not given
