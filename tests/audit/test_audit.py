"""The audit log: append-only, read by the audit admin only, filterable, exportable."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from eduplatform.audit.models import AuditEntry, AuditEntryImmutable
from eduplatform.audit.services import record
from eduplatform.extensions import db


def test_entries_cannot_be_changed_through_the_orm(app, people):
    entry = record("test", "thing.done", "做了一件事", actor=people.teacher_a1)
    db.session.commit()
    entry.summary = "改过了"
    with pytest.raises(AuditEntryImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditEntryImmutable):
        db.session.flush()
    db.session.rollback()


def test_entries_cannot_be_changed_in_the_database(app, people):
    entry = record("test", "thing.done", "做了一件事", actor=people.teacher_a1)
    db.session.commit()
    for statement in ("UPDATE audit_entries SET summary = 'x' WHERE id = :id",
                      "DELETE FROM audit_entries WHERE id = :id"):
        nested = db.session.begin_nested()
        with pytest.raises(DatabaseError, match="(?i)append-only|audit"):
            db.session.execute(sa.text(statement), {"id": entry.id})
        nested.rollback()
    assert db.session.get(AuditEntry, entry.id).summary == "做了一件事"


def test_only_the_auditor_reads_the_log(client, auth, api, people):
    for user in (people.sysadmin, people.secadmin, people.city_staff, people.teacher_a1):
        assert client.get("/api/v1/audit", headers=api(user)).status_code == 403, user.username
    auth.login(people.sysadmin)
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    auth.logout()
    auth.login(people.auditor)
    page = client.get("/audit")
    assert page.status_code == 200 and "审计日志" in page.get_data(as_text=True)


def test_the_auditor_changes_nothing(client, api, people, tree):
    headers = api(people.auditor)
    response = client.post("/api/v1/users", headers=headers, json={
        "username": "byauditor", "display_name": "x", "roles": ["teacher"], "org": tree.school_a1.code})
    assert response.status_code == 403
    assert client.post("/api/v1/orgs", headers=headers, json={
        "code": "AUD1", "name": "某校", "type": "school", "parent": tree.district_a.code}).status_code == 403


def test_denials_and_logins_are_recorded_with_ip(client, api, people):
    client.get("/api/v1/audit", headers=api(people.teacher_a1))
    body = client.get("/api/v1/audit?kind=permission.denied", headers=api(people.auditor)).get_json()
    assert body["items"][0]["actor_name"] == "a1teacher"
    assert body["items"][0]["ip"] == "127.0.0.1"
    assert body["items"][0]["data"] == {"action": "audit.read"}


def test_filters(client, api, people):
    headers = api(people.auditor)
    record("test", "widget.created", "新建", actor=people.teacher_a1, object_type="widget", object_id=7)
    record("test", "widget.deleted", "删除", actor=people.teacher_b1, object_type="widget", object_id=8)
    db.session.commit()
    by_realm = client.get("/api/v1/audit?realm=test", headers=headers).get_json()
    assert {e["kind"] for e in by_realm["items"]} == {"widget.created", "widget.deleted"}
    by_actor = client.get("/api/v1/audit?realm=test&actor=b1teacher", headers=headers).get_json()
    assert [e["kind"] for e in by_actor["items"]] == ["widget.deleted"]
    by_object = client.get("/api/v1/audit?object_type=widget&object_id=7", headers=headers).get_json()
    assert [e["kind"] for e in by_object["items"]] == ["widget.created"]
    by_kind_prefix = client.get("/api/v1/audit?kind=widget.", headers=headers).get_json()
    assert by_kind_prefix["total"] == 2
    future = client.get("/api/v1/audit?realm=test&since=2999-01-01", headers=headers).get_json()
    assert future["total"] == 0
    today = client.get("/api/v1/audit?realm=test&until=2999-01-01", headers=headers).get_json()
    assert today["total"] == 2
    assert client.get("/api/v1/audit?since=yesterday", headers=headers).status_code == 422


def test_csv_export(client, auth, people):
    record("test", "widget.created", "=HYPERLINK(\"http://x\")", actor=people.teacher_a1)
    db.session.commit()
    auth.login(people.auditor)
    response = client.get("/audit/export.csv?realm=test")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff编号,")
    lines = text.strip().splitlines()
    assert len(lines) == 2
    assert "'=HYPERLINK" in lines[1]  # a formula is neutralised for Excel
    empty = client.get("/audit/export.csv?realm=nothing-here").get_data(as_text=True)
    assert empty.strip().splitlines() == [lines[0]]
