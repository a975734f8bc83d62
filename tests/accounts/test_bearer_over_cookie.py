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
    assert client.get("/api/v1/me", headers=token_b).status_code == 200
    auth.login(people.teacher_a1)
    auth.logout()
    response = client.get("/api/v1/me", headers=token_b)
    assert response.status_code == 200 and response.get_json()["username"] == people.teacher_b1.username
    assert client.get("/api/v1/me").status_code == 401


def test_an_invalid_token_is_nobody_even_with_a_signed_in_session(client, auth, people):
    auth.login(people.teacher_a1)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
