"""Logging in: lock-out, sessions, forced password change, policy."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from werkzeug.security import check_password_hash

from eduplatform.accounts.models import Role
from eduplatform.audit.models import AuditEntry
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from tests.fixtures.factories import PASSWORD


def page_body(response) -> str:
    """The page without its CSRF token (signed with a timestamp, so it differs every second)."""
    return re.sub(r'(csrf[-_]token"[^>]*(content|value)=")[^"]*', r"\1", response.get_data(as_text=True))


def audit_kinds(**filters) -> list[str]:
    query = db.select(AuditEntry.kind).order_by(AuditEntry.id)
    for name, value in filters.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return list(db.session.scalars(query))


def test_login_shows_chinese_home_with_org_and_role(client, auth, people, tree):
    response = auth.login(people.teacher_a1)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert f"{people.teacher_a1.display_name}的工作台" in page
    assert tree.school_a1.name in page
    assert "教师" in page
    assert '<html lang="zh-CN">' in page
    assert "login.succeeded" in audit_kinds(actor_name=people.teacher_a1.username)


def test_pages_require_login(client):
    response = client.get("/notices")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_anonymous_visitor_of_the_address_gets_the_public_portal(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/portal/")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "登录工作平台" in page


def test_wrong_password_is_refused_counted_and_audited(client, auth, people):
    response = auth.login(people.teacher_a1, "Wrong#Pass1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    db.session.refresh(people.teacher_a1)
    assert people.teacher_a1.failed_logins == 1
    assert audit_kinds(actor_name=people.teacher_a1.username) == ["login.failed"]


def test_unknown_user_gets_the_same_message_and_is_audited(client, auth):
    response = auth.login("nobody-here", "Whatever#1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert audit_kinds(actor_name="nobody-here") == ["login.failed"]


def test_five_failures_lock_the_account_for_fifteen_minutes(client, auth, people):
    user = people.teacher_a1
    answers = [auth.login(user, "Wrong#Pass1") for _ in range(5)]
    db.session.refresh(user)
    assert user.locked_until is not None
    remaining = user.locked_until - utcnow()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    # Even the right password is refused while locked — with the same words as a wrong one.
    sixth = auth.login(user, PASSWORD)
    assert sixth.status_code == 401
    assert {(r.status_code, page_body(r)) for r in [*answers, sixth]} == {(401, page_body(answers[0]))}
    assert "已被锁定" not in sixth.get_data(as_text=True)
    assert "用户名或密码错误" in sixth.get_data(as_text=True)
    assert "多次失败后账户会被暂时锁定，请稍后再试或联系安全管理员" in sixth.get_data(as_text=True)
    assert "account.locked" in audit_kinds(actor_name=user.username)
    assert "login.blocked" in audit_kinds(actor_name=user.username)


def test_lock_expires(client, auth, people):
    user = people.teacher_a1
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    answer = auth.login(user)
    assert answer.status_code == 302 and not answer.headers["Location"].endswith("/login")
    home = client.get("/")
    assert home.status_code == 200  # signed in: the home page, not the login form
    assert user.display_name in home.get_data(as_text=True)
    assert audit_kinds(actor_name=user.username)[-1] == "login.succeeded"
    assert "login.blocked" not in audit_kinds(actor_name=user.username)
    assert not db.session.get(type(user), user.id).is_locked()


def test_successful_login_resets_the_failure_count(client, auth, people):
    user = people.teacher_a1
    for _ in range(3):
        auth.login(user, "Wrong#Pass1")
    assert auth.login(user).status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0


def test_deactivated_account_cannot_log_in(client, auth, people):
    people.teacher_a1.is_active_account = False
    db.session.commit()
    response = auth.login(people.teacher_a1)
    assert response.status_code == 401
    assert "已停用" in response.get_data(as_text=True)


def test_login_starts_a_new_session(client, auth, people):
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    auth.login(people.teacher_a1)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_login_redirect_stays_on_this_site(client, auth, people):
    response = client.post("/login?next=//evil.example/x", data={
        "username": people.teacher_a1.username, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    response = client.post("/logout")
    response = client.post("/login?next=/orgs", data={
        "username": people.teacher_a1.username, "password": PASSWORD})
    assert response.headers["Location"] == "/orgs"


def test_idle_session_times_out(app, client, auth, people):
    auth.login(people.teacher_a1)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["_last_seen"] = int(time.time()) - app.config["SESSION_IDLE_SECONDS"] - 5
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "会话已超时" in follow


def test_a_copy_of_the_cookie_is_worthless_after_logout(app, client, auth, people):
    """A response still in flight at logout may set the old cookie again: the server has ended it."""
    auth.login(people.teacher_a1)
    name = app.config["SESSION_COOKIE_NAME"]
    old_cookie = client.get_cookie(name).value
    signed_in = client.get("/")
    assert signed_in.status_code == 200
    assert people.teacher_a1.display_name in signed_in.get_data(as_text=True)
    client.post("/logout")
    client.set_cookie(name, old_cookie)
    response = client.get("/notices")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    home = client.get("/").get_data(as_text=True)
    assert people.teacher_a1.display_name not in home  # the old cookie names nobody
    assert client.get("/api/v1/me").status_code == 401


def test_idle_timeout_ends_the_login_session_on_the_server(app, client, auth, people):
    auth.login(people.teacher_a1)
    name = app.config["SESSION_COOKIE_NAME"]
    with client.session_transaction() as session:
        session["_last_seen"] = int(time.time()) - app.config["SESSION_IDLE_SECONDS"] - 5
    stale_cookie = client.get_cookie(name).value
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # Replaying the stale cookie with a fresh clock does not bring the session back.
    client.set_cookie(name, stale_cookie)
    with client.session_transaction() as session:
        session["_last_seen"] = int(time.time())
    assert client.get("/").status_code == 302
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.kind == "session.expired"))
    assert entry is not None and entry.actor_name == people.teacher_a1.username


def test_logout_needs_post_and_ends_the_session(client, auth, people):
    auth.login(people.teacher_a1)
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302
    assert "logout" in audit_kinds(actor_name=people.teacher_a1.username)


def test_initial_password_must_be_changed_first(client, auth, create_user, tree):
    user = create_user("newteacher", roles=[Role.TEACHER], org=tree.school_a1, must_change_password=True)
    auth.login(user)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    assert "请先设置自己的密码" in client.get("/account/password").get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Brand#New2026x", "confirm_password": "Brand#New2026x"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    db.session.refresh(user)
    assert user.must_change_password is False
    assert "password.changed" in audit_kinds(actor_name="newteacher")


def test_expired_password_must_be_changed(app, client, auth, people):
    user = people.teacher_a1
    user.password_changed_at = utcnow() - timedelta(days=app.config["PASSWORD_MAX_AGE_DAYS"] + 1)
    db.session.commit()
    auth.login(user)
    assert client.get("/").headers["Location"].endswith("/account/password")


def test_password_policy_errors_are_shown_beside_the_field(client, auth, people):
    auth.login(people.teacher_a1)
    cases = {
        "Ab#1": "至少 8 位",
        "alllowercaseletters": "至少 3 类",
        "Password123!": "过于常见",
        f"{people.teacher_a1.username}#X9y": "不能包含用户名",
    }
    for password, message in cases.items():
        response = client.post("/account/password", data={
            "current_password": PASSWORD, "new_password": password, "confirm_password": password})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, password
        assert message in page, (password, message)
        assert "invalid-feedback" in page
    db.session.refresh(people.teacher_a1)
    assert people.teacher_a1.must_change_password is False


def test_wrong_current_password_and_mismatch_are_refused(client, auth, people):
    auth.login(people.teacher_a1)
    page = client.post("/account/password", data={
        "current_password": "Not#ThePass1", "new_password": "Brand#New2026x",
        "confirm_password": "Brand#New2026x"}).get_data(as_text=True)
    assert "当前密码不正确" in page
    page = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Brand#New2026x",
        "confirm_password": "Other#New2026x"}).get_data(as_text=True)
    assert "两次输入的新密码不一致" in page


def test_password_change_ends_other_sessions_and_tokens(app, client, auth, api, people):
    user = people.teacher_a1
    headers = api(user)
    other = app.test_client()
    other.post("/login", data={"username": user.username, "password": PASSWORD})
    assert other.get("/").status_code == 200
    auth.login(user)
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Brand#New2026x", "confirm_password": "Brand#New2026x"})
    assert check_password_hash(db.session.get(type(user), user.id).password_hash, "Brand#New2026x")
    renewed = client.get("/")
    assert renewed.status_code == 200  # this session was renewed
    assert user.display_name in renewed.get_data(as_text=True)
    gone = other.get("/")
    assert gone.status_code == 302  # the other one is gone
    assert user.display_name not in other.get(gone.headers["Location"]).get_data(as_text=True)  # the public home
    assert "/login" in other.get("/notices").headers["Location"]
    token = app.test_client().get("/api/v1/me", headers=headers)
    assert token.status_code == 401
    assert token.get_json()["error"]["code"] == "unauthorized"
