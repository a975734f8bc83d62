"""A refusal is audited, and the audit write can never turn the 403 into a 500."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from eduplatform.accounts.models import Role
from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db


def test_refusal_is_audited(client, api, create_user, tree):
    teacher = create_user("t_refused", roles=[Role.TEACHER], org=tree.school_a1)
    response = client.get("/api/v1/audit", headers=api(teacher))
    assert response.status_code == 403
    kinds = db.session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.actor_name == "t_refused")).all()
    assert "permission.denied" in kinds


def test_refusal_entry_names_the_action_and_the_object(client, api, people, tree):
    response = client.get(f"/api/v1/schools/{tree.school_a1.code}", headers=api(people.teacher_b1))
    assert response.status_code == 403
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.actor_id == people.teacher_b1.id,
                                                           AuditEntry.kind == "permission.denied")).one()
    assert entry.realm == "security" and entry.data == {"action": "school.view"}
    assert entry.summary == "拒绝访问" and entry.data["action"] == "school.view"
    assert (entry.object_type, entry.object_id) == ("org_units", str(tree.school_a1.id))


class _Kept(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_refusal_answers_403_when_the_audit_write_fails(app, client, api, create_user, tree, monkeypatch):
    teacher = create_user("t_busy", roles=[Role.TEACHER], org=tree.school_a1)
    headers = api(teacher)

    def database_busy(*args, **kwargs):
        raise OperationalError("INSERT INTO audit_entries …", {}, Exception("database is locked"))

    monkeypatch.setattr("eduplatform.audit.services.record", database_busy)
    kept = _Kept()
    # Alembic's fileConfig (migrations/env.py) disables loggers that exist when a test migrates.
    monkeypatch.setattr(app.logger, "disabled", False)
    app.logger.addHandler(kept)
    try:
        response = client.get("/api/v1/audit", headers=headers)
    finally:
        app.logger.removeHandler(kept)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert any("permission.denied" in r.getMessage() and "t_busy" in r.getMessage() for r in kept.records)
