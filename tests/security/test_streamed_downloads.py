"""Streamed downloads read the database while they stream, after the view has returned.

Flask removes the request's session when the view returns; the stream gets a new one. These run
on the demo app without an outer app context, as a production request does (the domain suites share
one session across requests and could not see this).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from eduplatform.core.extensions import db
from tests.security.conftest import login

pytestmark = pytest.mark.nodb  # runs on its own SQLite database (tests/security/conftest.py)


def test_audit_csv_export_streams_every_entry(demo):
    client = login(demo, "auditor")
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    with demo.app_context():
        count = db.session.scalar(sa.text("select count(*) from audit_entries"))
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) - 1 >= count > 0  # header + one line per entry (entries written since only add)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_report_data_values_stream_to_the_end(demo, fmt):
    client = login(demo, "dh_staff")
    with demo.app_context():
        task = db.session.scalar(sa.text("select id from report_tasks where parent_id is not null"))
    response = client.get(f"/api/v1/report-tasks/{task}/data-values?format={fmt}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if fmt == "json":
        assert json.loads(body)["dataValues"]
    else:
        assert body.lower().startswith("dataelement") and len(body.splitlines()) > 1
