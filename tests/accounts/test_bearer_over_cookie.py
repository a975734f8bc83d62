"""A bearer token names the caller even when the client also carries a cookie session."""

from __future__ import annotations


def test_the_token_wins_over_a_signed_in_cookie_session(client, auth, api, people):
    token_b = api(people.teacher_b1)
    auth.login(people.teacher_a1)
    assert client.get("/api/v1/me", headers=token_b).get_json()["username"] == people.teacher_b1.username
    assert client.get("/api/v1/me").get_json()["username"] == people.teacher_a1.username  # the cookie alone


def test_a_logged_out_or_anonymous_cookie_does_not_hide_a_valid_token(client, auth, api, people):
    token_b = api(people.teacher_b1)
    client.get("/login")  # an anonymous session (CSRF token) now rides along
    anonymous_cookie = client.get("/api/v1/me", headers=token_b)
    assert anonymous_cookie.status_code == 200
    assert anonymous_cookie.get_json()["username"] == people.teacher_b1.username
    auth.login(people.teacher_a1)
    auth.logout()
    response = client.get("/api/v1/me", headers=token_b)
    assert response.status_code == 200
    assert response.get_json()["username"] == people.teacher_b1.username
    nobody = client.get("/api/v1/me")
    assert nobody.status_code == 401
    assert nobody.get_json()["error"] == {"code": "unauthorized", "message": "请先登录或提供有效的访问令牌"}


def test_an_invalid_token_is_nobody_even_with_a_signed_in_session(client, auth, people):
    auth.login(people.teacher_a1)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.get_json()["error"] == {"code": "unauthorized", "message": "请先登录或提供有效的访问令牌"}
    assert people.teacher_a1.username not in response.get_data(as_text=True)  # the cookie's user stays unnamed
