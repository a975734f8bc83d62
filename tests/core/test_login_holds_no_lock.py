"""Logging in checks the password (scrypt, ~0.1 s) before its first write: on SQLite the one writer
lock is free meanwhile, so a rush of logins does not queue every writer behind the hashing."""

from __future__ import annotations

import sqlite3

import pytest

from eduplatform.accounts import services as accounts
from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit


def _writer_lock_is_free(path: str) -> bool:
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


@pytest.mark.parametrize("password", ["Rush#Pass2026", "wrong-password"])
def test_password_check_runs_outside_the_write(separate_app, monkeypatch, password):
    url = separate_app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's single writer lock")
    with separate_app.app_context():
        school = create_org_unit(None, code="T9000001", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        accounts.create_user(None, username="hasher", display_name="h", roles={Role.BUREAU_STAFF}, org=school,
                             password="Rush#Pass2026", must_change_password=False)
        db.session.commit()
    seen = []
    check = accounts.check_password_hash

    def checking(pwhash, candidate):
        seen.append(_writer_lock_is_free(url.removeprefix("sqlite:///")))
        return check(pwhash, candidate)

    monkeypatch.setattr(accounts, "check_password_hash", checking)
    with separate_app.app_context():
        response = separate_app.test_client().post("/api/v1/auth/token",
                                                   json={"username": "hasher", "password": password})
    assert response.status_code == (201 if password.startswith("Rush") else 401)
    assert seen == [True]
