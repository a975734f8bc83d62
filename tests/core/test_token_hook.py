"""The foundation asks whichever token authenticator is registered; it knows no account model."""

from __future__ import annotations

from eduplatform.accounts import authentication


def test_accounts_registers_its_token_lookup(app):
    assert app.extensions["edu_token_authenticator"] is authentication.user_for_token


def test_the_api_calls_the_registered_authenticator(app, monkeypatch, client, people):
    asked = []

    def authenticate(token):
        asked.append(token)
        return people.teacher_b1 if token == "from-the-hook" else None

    monkeypatch.setitem(app.extensions, "edu_token_authenticator", authenticate)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer from-the-hook"})
    assert response.status_code == 200
    assert response.get_json()["username"] == people.teacher_b1.username
    refused = client.get("/api/v1/me", headers={"Authorization": "Bearer something-else"})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"
    assert "from-the-hook" in asked and "something-else" in asked


def test_without_an_authenticator_a_token_names_nobody(app, monkeypatch, client, auth, api, people):
    headers = api(people.teacher_b1)
    monkeypatch.delitem(app.extensions, "edu_token_authenticator")
    auth.login(people.teacher_a1)  # a signed-in cookie does not stand in for the token
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "请先登录或提供有效的访问令牌"


def test_pages_send_the_anonymous_to_the_login_view_accounts_names(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
