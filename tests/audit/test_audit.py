"""The audit log: append-only, read by the audit admin only, filterable, exportable."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from eduplatform.audit.models import AuditEntry, AuditEntryImmutable
from eduplatform.audit.services import record
from eduplatform.core.extensions import db
from tests.assertions import api_error, count, denials, page_message


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
        refused = client.get("/api/v1/audit", headers=api(user))
        assert refused.status_code == 403, user.username
        assert api_error(refused)["code"] == "forbidden", user.username
        assert "summary" not in refused.get_data(as_text=True)  # no entry went out with the refusal
        assert len(denials(user)) == 1, user.username
    auth.login(people.sysadmin)
    page = client.get("/audit")
    assert page.status_code == 403
    assert "没有权限" in page_message(page)
    export = client.get("/audit/export.csv")
    assert export.status_code == 403
    assert export.mimetype == "text/html" and "没有权限" in page_message(export)  # an error page, not a CSV
    assert len(denials(people.sysadmin)) == 3
    auth.logout()
    auth.login(people.auditor)
    page = client.get("/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "审计日志" in text
    assert "拒绝访问" in text and people.teacher_a1.display_name in text  # the refusals above, by name


def test_the_auditor_changes_nothing(client, api, people, tree):
    from eduplatform.accounts.models import User
    from eduplatform.orgs.models import OrgUnit

    headers = api(people.auditor)
    response = client.post("/api/v1/users", headers=headers, json={
        "username": "byauditor", "display_name": "x", "roles": ["teacher"], "org": tree.school_a1.code})
    assert response.status_code == 403
    assert api_error(response)["code"] == "forbidden"
    org = client.post("/api/v1/orgs", headers=headers, json={
        "code": "AUD1", "name": "某校", "type": "school", "parent": tree.district_a.code})
    assert org.status_code == 403
    assert api_error(org)["code"] == "forbidden"
    assert count(User, User.username == "byauditor") == 0
    assert count(OrgUnit, OrgUnit.code == "AUD1") == 0
    assert len(denials(people.auditor)) == 2


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


def test_the_page_speaks_chinese(client, auth, api, people, tree):
    record("accounts", "user.created", "新建用户", actor=people.sysadmin, obj=people.teacher_a1)
    record("test", "thing.done", "东湖区的事", actor=people.school_a1_admin)
    record("test", "thing.done", "西山区的事", actor=people.teacher_b1)
    db.session.commit()
    auth.login(people.auditor)
    html = client.get("/audit").get_data(as_text=True)
    assert "新建用户</td>" in html and "user.created</td>" not in html
    assert "登录成功" in html and "login.succeeded" not in html.split("<tbody>")[1]
    assert "账户</td>" in html  # the realm
    assert f'title="账号：{people.sysadmin.username}">{people.sysadmin.display_name}</span>' in html
    assert f"用户：{people.teacher_a1.display_name}" in html and "users#" not in html
    # Filters are drop-downs of names, not codes to type.
    assert '<select class="form-select form-select-sm" id="f-kind" name="kind">' in html
    assert '<option value="login.failed" >登录失败</option>' in html or '>登录失败</option>' in html
    assert f'<option value="{tree.district_a.code}" >' in html or tree.district_a.name in html
    by_unit = client.get(f"/audit?org={tree.district_a.code}&realm=test").get_data(as_text=True)
    assert "东湖区的事" in by_unit and "西山区的事" not in by_unit
    assert f'<option value="{people.school_a1_admin.id}"' not in by_unit  # the people of the unit itself only
    by_school = client.get(f"/audit?org={tree.school_b1.code}&actor_id={people.teacher_b1.id}").get_data(as_text=True)
    assert "西山区的事" in by_school and f'<option value="{people.teacher_b1.id}" selected>' in by_school
    assert client.get("/api/v1/audit?org=NOPE", headers=api(people.auditor)).status_code == 422


def test_dates_are_beijing_time(client, api, people):
    from datetime import datetime

    import sqlalchemy as sa

    # 2026-03-01 17:30 UTC is 2026-03-02 01:30 in Beijing.
    db.session.execute(sa.insert(AuditEntry), [{"created_at": datetime(2026, 3, 1, 17, 30), "realm": "test",
                                                 "kind": "thing.done", "summary": "夜里", "data": {}}])
    db.session.commit()
    headers = api(people.auditor)
    assert client.get("/api/v1/audit?realm=test&since=2026-03-02&until=2026-03-02",
                      headers=headers).get_json()["total"] == 1
    assert client.get("/api/v1/audit?realm=test&since=2026-03-01&until=2026-03-01",
                      headers=headers).get_json()["total"] == 0
