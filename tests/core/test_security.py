"""HTTP hardening: headers, cookie flags, CSRF, secret keys."""

from __future__ import annotations

import pytest

from config import ensure_secret_key
from eduplatform import create_app
from tests.fixtures.factories import PASSWORD


def test_security_headers(client):
    response = client.get("/login")
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(client, auth, people):
    response = auth.login(people.teacher_a1)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_need_a_secret(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "DATA_DIR": str(tmp_path), "SECRET_KEY": None})
    app = create_app({"ENV_NAME": "production", "DATA_DIR": str(tmp_path), "SECRET_KEY": "x" * 32})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_keeps_one_generated_secret(tmp_path):
    first = {"ENV_NAME": "development", "DATA_DIR": tmp_path}
    second = {"ENV_NAME": "development", "DATA_DIR": tmp_path}
    ensure_secret_key(first)
    ensure_secret_key(second)
    assert len(first["SECRET_KEY"]) == 64 and first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_forms_need_the_csrf_token(csrf_on, client, people):
    response = client.post("/login", data={"username": people.teacher_a1.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "刷新页面" in response.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post("/login", data={"username": people.teacher_a1.username, "password": PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302


def test_api_with_bearer_token_needs_no_csrf_but_cookie_sessions_do(csrf_on, client, people, tree):
    token = client.post("/api/v1/auth/token", json={"username": "sys", "password": PASSWORD}).get_json()["token"]
    body = {"code": "CSRF1", "name": "某学校", "type": "school", "parent": tree.district_a.code}
    assert client.post("/api/v1/orgs", json=body, headers={"Authorization": f"Bearer {token}"}).status_code == 201
    # The same call riding on a browser session without the header is refused.
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "sys", "password": PASSWORD, "csrf_token": csrf})
    body["code"] = "CSRF2"
    refused = client.post("/api/v1/orgs", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    home = client.get("/").get_data(as_text=True)
    meta = home.split('<meta name="csrf-token" content="')[1].split('"')[0]
    accepted = client.post("/api/v1/orgs", json=body, headers={"X-CSRFToken": meta})
    assert accepted.status_code == 201, accepted.get_json()
