"""GET data-values streams its body after the view returned, as a real server reads it.

Under gunicorn the request's teardown closes its session before the body is read; the test client
shares the test's app context, so here the session is closed at that moment by hand.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest

from eduplatform.core.extensions import db


@contextmanager
def session_closed_before_the_body_is_read(app):
    """Close the session when the view has returned, before any chunk of the body is produced:
    the order of a real server (teardown, then the body). The test client reads the first chunk
    itself before handing the response back, so closing it afterwards would be too late."""

    def close(response):
        db.session.close()
        return response

    app.after_request_funcs.setdefault(None, []).append(close)
    try:
        yield
    finally:
        app.after_request_funcs[None].remove(close)


def read(response) -> str:
    try:
        return "".join(c if isinstance(c, str) else c.decode("utf-8") for c in response.response)
    finally:
        response.close()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_data_values_for_every_role_that_may_read_them(app, client, api, people, tree, task, sub_of, good_values, fmt):
    from eduplatform.reporting.services import submissions as services

    sub = sub_of(task, tree.school_a1)
    services.save_values(sub, people.school_a1_admin, good_values)
    db.session.commit()
    school_code, period, task_id = tree.school_a1.code, task.period, task.id
    readers = [(u.username, api(u)) for u in (people.city_staff, people.district_a_staff, people.school_a1_admin)]
    for username, headers in readers:
        db.session.expunge_all()  # a request starts with an empty session, as in production
        with session_closed_before_the_body_is_read(app):
            response = client.get(f"/api/v1/report-tasks/{task_id}/data-values?format={fmt}", headers=headers,
                                  buffered=False)
            assert response.status_code == 200, username
            body = read(response)
        if fmt == "json":
            values = json.loads(body)["dataValues"]
            assert {v["orgUnit"] for v in values} == {school_code}, username
            assert any(v["dataElement"] == "teachers_total" for v in values)
        else:
            assert f"teachers_total,{period},{school_code}," in body, username
