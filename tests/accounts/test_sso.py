"""统一身份认证 (OpenID Connect) against a real provider: Authlib's authorization server started in
this module (tests/fixtures/oidc_provider.py), the platform served live on loopback, both talking
HTTP — discovery, code + PKCE, token exchange, JWKS, end_session and back-channel logout. A
``requests.Session`` is the browser, following every redirect between the two."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from eduplatform.accounts import sso
from eduplatform.accounts.models import IdNumberHash, LoginSession, Role, SsoLogin, User
from eduplatform.audit.models import AuditEntry
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.schools.models import TeacherProfile, TeacherStatus
from tests.fixtures.oidc_provider import OidcProvider
from tests.fixtures.sso import CLIENT_ID, csrf_token, logged_in_as, own_session, serve_platform, sso_login

ID_NUMBER = "11010519491231002X"


@pytest.fixture(scope="module")
def provider():
    provider = OidcProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def platform(provider, tmp_path_factory):
    with serve_platform(provider, tmp_path_factory.mktemp("sso")) as served:
        yield served


@pytest.fixture(autouse=True)
def _own_session():
    with own_session():
        yield


@pytest.fixture(autouse=True)
def _clean_provider(provider):
    provider.faults.clear()
    yield
    provider.faults.clear()


# --- logging in ----------------------------------------------------------------------------

def test_login_by_staff_no_full_round_trip(platform, provider):
    user_id, _username = platform.person(staff_no="T1001")
    provider.add_user("zhang", staff_no="T1001", school_code="S001")
    since = platform.last_audit_id()
    browser, response = sso_login(platform, "zhang", next="/users")

    assert response.status_code in (200, 403)  # /users is not a teacher's page; we arrived there
    assert urlsplit(response.url).path == "/users"
    history = [urlsplit(r.url) for r in response.chain]
    callback = next(h for h in history if h.path == "/sso/callback")
    assert set(parse_qs(callback.query)) == {"code", "state"}
    authorize = next(urlsplit(r.headers["Location"]) for r in response.chain
                     if r.headers.get("Location", "").startswith(provider.issuer + "/authorize"))
    params = parse_qs(authorize.query)
    assert params["code_challenge_method"] == ["S256"] and params["nonce"] and params["state"]
    assert "测试用户" in logged_in_as(platform, browser)

    kinds = platform.audit_kinds(since)
    assert ("sso.login" in [k for k, _ in kinds])
    with platform.db():
        row = db.session.scalar(sa.select(SsoLogin).join(LoginSession).where(LoginSession.user_id == user_id))
        assert row.subject == provider.users["zhang"].sub and row.sid and row.issuer == provider.issuer
        assert db.session.get(User, user_id).last_login_at is not None


def test_login_by_registry_no(platform, provider):
    _, _username = platform.person(roles=(Role.STUDENT,), registry_no="G110105201001015678")
    provider.add_user("xiaoming", student_registry_no="G110105201001015678")
    browser, response = sso_login(platform, "xiaoming")
    assert response.status_code == 200 and urlsplit(response.url).path == "/"
    assert logged_in_as(platform, browser) is not None


def test_login_by_hashed_id_number_and_only_the_hash_is_stored(platform, provider):
    user_id, _ = platform.person(id_number=ID_NUMBER)
    provider.add_user("wang", id_card=ID_NUMBER.lower())  # normalised before hashing
    browser, _response = sso_login(platform, "wang")
    assert logged_in_as(platform, browser) is not None
    with platform.db():
        stored = db.session.get(IdNumberHash, user_id).digest
        assert stored == sso.id_number_digest(ID_NUMBER) and ID_NUMBER not in stored and len(stored) == 64
        dump = "\n".join(str(e.data) + e.summary for e in db.session.scalars(sa.select(AuditEntry)))
        assert ID_NUMBER not in dump and ID_NUMBER.lower() not in dump


def test_hashes_are_filled_from_the_rosters_by_the_command(platform, provider):
    number = "110105200501010012"
    user_id, _ = platform.person(staff_no="T0099")
    with platform.db():
        profile = db.session.scalar(sa.select(TeacherProfile).where(TeacherProfile.user_id == user_id))
        profile.id_number = number
        db.session.commit()
    provider.add_user("by-roster-id", id_card=number)
    _, response = sso_login(platform, "by-roster-id")
    assert response.status_code == 403  # no hash stored yet
    with platform.db():  # else the command runs in the suite's app, already current
        result = platform.app.test_cli_runner().invoke(args=["sso-hash-ids"])
    assert result.exit_code == 0, result.output
    assert "已为" in result.output
    browser, _ = sso_login(platform, "by-roster-id")
    assert logged_in_as(platform, browser) is not None
    with platform.db():
        again = platform.app.test_cli_runner().invoke(args=["sso-hash-ids"])
    assert "已为 0 个账户" in again.output


def test_the_hash_depends_on_the_server_key(platform):
    with platform.app.test_request_context():
        first = sso.id_number_digest(ID_NUMBER)
        platform.app.config["SSO_ID_HASH_KEY"] = "another-key"
        try:
            assert sso.id_number_digest(ID_NUMBER) != first
        finally:
            platform.app.config["SSO_ID_HASH_KEY"] = "hash-key-for-tests"


def test_no_matching_account_is_refused_and_nothing_is_created(platform, provider):
    provider.add_user("stranger", staff_no="NOBODY-1", school_code="S001")
    with platform.db():
        users_before = db.session.scalar(sa.select(sa.func.count(User.id)))
    since = platform.last_audit_id()
    browser, response = sso_login(platform, "stranger")
    assert response.status_code == 403
    assert "未找到与您的统一身份认证账号对应的本平台账户" in response.text
    assert logged_in_as(platform, browser) is None
    with platform.db():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == users_before
    refused = [d for k, d in platform.audit_kinds(since) if k == "sso.refused"]
    assert refused and refused[0]["reason"] == "no_account" and refused[0]["claims"] == ["staff_no"]


def test_staff_no_is_narrowed_by_the_school_claim_and_ambiguity_is_refused(platform, provider):
    first, _ = platform.person(staff_no="T2002", school="S001")
    platform.person(staff_no="T2002", school="S002")
    provider.add_user("li-s001", staff_no="T2002", school_code="S001")
    provider.add_user("li-anywhere", staff_no="T2002")
    sso_login(platform, "li-s001")
    with platform.db():
        assert db.session.scalar(sa.select(LoginSession.user_id).order_by(LoginSession.created_at.desc())
                                 .limit(1)) == first
    _browser, response = sso_login(platform, "li-anywhere")
    assert response.status_code == 403 and "对应到多个本平台账户" in response.text


def test_a_teacher_who_left_is_not_linked(platform, provider):
    user_id, _ = platform.person(staff_no="T3003")
    with platform.db():
        profile = db.session.scalar(sa.select(TeacherProfile).where(TeacherProfile.user_id == user_id))
        profile.status = TeacherStatus.LEFT
        db.session.commit()
    provider.add_user("left", staff_no="T3003", school_code="S001")
    _, response = sso_login(platform, "left")
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR])
def test_the_three_administrators_are_refused(platform, provider, role):
    number = {Role.SYSADMIN: "110105194912310011", Role.SECADMIN: "110105194912310038",
              Role.AUDITOR: "110105194912310054"}[role]
    _user_id, _ = platform.person(roles=(role,), id_number=number)
    provider.add_user(f"admin-{role}", id_card=number)
    since = platform.last_audit_id()
    browser, response = sso_login(platform, f"admin-{role}")
    assert response.status_code == 403
    assert "三员" in response.text and "请使用本平台账户和密码登录" in response.text
    assert logged_in_as(platform, browser) is None
    refused = [(k, d) for k, d in platform.audit_kinds(since) if k == "sso.refused"]
    assert refused and refused[0][1]["reason"] == "administrator"


def test_a_disabled_account_stays_refused(platform, provider):
    user_id, _ = platform.person(staff_no="T4004")
    with platform.db():
        db.session.get(User, user_id).is_active_account = False
        db.session.commit()
    provider.add_user("disabled", staff_no="T4004", school_code="S001")
    browser, response = sso_login(platform, "disabled")
    assert response.status_code == 403 and "该账户已停用" in response.text
    assert logged_in_as(platform, browser) is None


def test_the_local_lock_out_still_applies(platform, provider):
    user_id, username = platform.person(staff_no="T5005")
    provider.add_user("locked", staff_no="T5005", school_code="S001")
    guesser = requests.Session()
    for _ in range(platform.app.config["LOGIN_MAX_FAILURES"]):
        token = csrf_token(guesser, f"{platform.base}/login")
        guesser.post(f"{platform.base}/login", data={"username": username, "password": "wrong-Pass#1",
                                                     "csrf_token": token})
    with platform.db():
        assert db.session.get(User, user_id).is_locked()
    since = platform.last_audit_id()
    browser, response = sso_login(platform, "locked")
    assert response.status_code == 403 and "暂时锁定" in response.text
    assert logged_in_as(platform, browser) is None
    assert [d["reason"] for k, d in platform.audit_kinds(since) if k == "sso.refused"] == ["locked"]
    with platform.db():  # the lock ends: the same identity logs in
        db.session.get(User, user_id).locked_until = utcnow()
        db.session.commit()
    browser, _ = sso_login(platform, "locked", browser=requests.Session())
    assert logged_in_as(platform, browser) is not None


def test_sso_login_is_not_held_at_the_local_password_change(platform, provider):
    _, _username = platform.person(staff_no="T6006", must_change_password=True)
    provider.add_user("fresh", staff_no="T6006", school_code="S001")
    _browser, response = sso_login(platform, "fresh")
    assert urlsplit(response.url).path == "/"


# --- tokens the relying party must refuse ---------------------------------------------------

@pytest.mark.parametrize("fault", ["signature", "expired", "audience", "nonce", "unpublished_key"])
def test_a_bad_id_token_is_refused(platform, provider, fault):
    _, _ = platform.person(staff_no=f"T7{fault[:3]}")
    provider.add_user(f"bad-{fault}", staff_no=f"T7{fault[:3]}", school_code="S001")
    provider.faults.add(fault)
    since = platform.last_audit_id()
    browser, response = sso_login(platform, f"bad-{fault}")
    assert response.status_code == 403
    assert "统一身份认证未能确认您的身份" in response.text
    assert logged_in_as(platform, browser) is None
    rejected = [d for k, d in platform.audit_kinds(since) if k == "sso.rejected"]
    assert rejected and rejected[0]["reason"] == "invalid_id_token"
    assert "sso.login" not in [k for k, _ in platform.audit_kinds(since)]


def test_a_replayed_callback_is_refused(platform, provider):
    platform.person(staff_no="T8008")
    provider.add_user("replay", staff_no="T8008", school_code="S001")
    _browser, response = sso_login(platform, "replay")
    callback = next(r.url for r in response.history if "/sso/callback" in r.url)
    other = requests.Session()
    assert other.get(callback).status_code == 403  # no state of that login in this session
    assert logged_in_as(platform, other) is None


def test_key_rotation_refetches_the_jwks_once(platform, provider):
    platform.person(staff_no="T9009")
    provider.add_user("rotate", staff_no="T9009", school_code="S001")
    sso_login(platform, "rotate")  # the platform holds the current key set now
    fetched = provider.jwks_requests
    browser, _ = sso_login(platform, "rotate", browser=requests.Session())
    assert provider.jwks_requests == fetched  # cached
    provider.rotate_keys()
    browser, _response = sso_login(platform, "rotate", browser=requests.Session())
    assert logged_in_as(platform, browser) is not None
    assert provider.jwks_requests == fetched + 1  # a new kid: fetched again, once


# --- logout ---------------------------------------------------------------------------------

def test_rp_initiated_logout_ends_both_sessions(platform, provider):
    platform.person(staff_no="T1010")
    provider.add_user("bye", staff_no="T1010", school_code="S001")
    browser, _ = sso_login(platform, "bye")
    with platform.db():
        id_token = db.session.scalar(sa.select(SsoLogin.id_token).order_by(SsoLogin.created_at.desc()).limit(1))
    sids_before = set(provider.sessions)
    since = platform.last_audit_id()
    response = browser.post(f"{platform.base}/logout",
                            data={"csrf_token": csrf_token(browser, f"{platform.base}/account/password")})
    end_session = next(urlsplit(r.headers["Location"]) for r in response.history
                       if r.headers.get("Location", "").startswith(provider.issuer + "/logout"))
    params = parse_qs(end_session.query)
    assert params["id_token_hint"] == [id_token]
    assert params["post_logout_redirect_uri"] == [f"{platform.base}/sso/logged-out"] and params["state"]
    assert urlsplit(response.url).path == "/login" and "已同时退出统一身份认证" in response.text
    assert logged_in_as(platform, browser) is None
    assert len(provider.sessions) == len(sids_before) - 1  # the provider's own session ended too
    assert provider.logout_requests[-1]["claims"]["sub"] == provider.users["bye"].sub
    assert "sso.logout" in [k for k, _ in platform.audit_kinds(since)]
    # the next login asks for the password at the provider again
    again = browser.get(f"{platform.base}/sso/login")
    assert "省统一身份认证平台登录" in again.text


def test_backchannel_logout_ends_the_platform_session(platform, provider):
    user_id, _ = platform.person(staff_no="T1111")
    provider.add_user("elsewhere", staff_no="T1111", school_code="S001")
    browser, _ = sso_login(platform, "elsewhere")
    second, _ = sso_login(platform, "elsewhere", browser=requests.Session())  # another browser
    assert logged_in_as(platform, browser) and logged_in_as(platform, second)
    since = platform.last_audit_id()
    statuses = provider.logout_user("elsewhere")  # the provider POSTs logout_tokens to the platform
    assert statuses == [200, 200]
    assert logged_in_as(platform, browser) is None and logged_in_as(platform, second) is None
    ended = [d for k, d in platform.audit_kinds(since) if k == "sso.backchannel_logout"]
    assert len(ended) == 2
    with platform.db():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))) == 0


def test_backchannel_logout_by_subject_alone(platform, provider):
    platform.person(staff_no="T1212")
    user = provider.add_user("by-sub", staff_no="T1212", school_code="S001")
    browser, _ = sso_login(platform, "by-sub")
    client = provider.clients[CLIENT_ID]
    assert provider.send_backchannel(client, provider.logout_token(user.sub, None, client)).json() == {"ended": 1}
    assert logged_in_as(platform, browser) is None


@pytest.mark.parametrize("bad", ["wrong_audience", "wrong_issuer", "no_event", "with_nonce", "old", "unsigned_key",
                                 "garbage"])
def test_an_invalid_logout_token_ends_nothing(platform, provider, bad):
    platform.person(staff_no=f"T13{bad}")
    user = provider.add_user(f"keep-{bad}", staff_no=f"T13{bad}", school_code="S001")
    browser, _ = sso_login(platform, f"keep-{bad}")
    client = provider.clients[CLIENT_ID]
    overrides = {"wrong_audience": {"aud": "someone-else"}, "wrong_issuer": {"iss": "http://evil.example"},
                 "no_event": {"events": {}}, "with_nonce": {"nonce": "n"},
                 "old": {"iat": int(time.time()) - 3600}}.get(bad, {})
    token = provider.logout_token(user.sub, None, client, **overrides)
    if bad == "unsigned_key":
        token = provider.sign({"iss": provider.issuer, "aud": CLIENT_ID, "iat": int(time.time()), "sub": user.sub,
                               "events": {"http://schemas.openid.net/event/backchannel-logout": {}}},
                              key=provider.unpublished_key)
    elif bad == "garbage":
        token = "not.a.token"
    since = platform.last_audit_id()
    response = provider.send_backchannel(client, token)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_logout_token"
    assert logged_in_as(platform, browser) is not None
    assert "sso.logout_rejected" in [k for k, _ in platform.audit_kinds(since)]


def test_the_login_page_has_no_sso_button_when_not_configured(client):
    page = client.get("/login")
    assert "统一身份认证登录" not in page.get_data(as_text=True)
    assert client.get("/sso/login").status_code == 404


def test_the_logout_form_may_go_on_to_the_provider_and_nowhere_else(platform, provider):
    policy = requests.get(f"{platform.base}/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer};" in policy


def test_an_unreachable_provider_is_said_in_words_and_audited(tmp_path):
    """The issuer answers nothing (a closed port): the login page says so; the local login still works."""
    import flask_migrate

    from eduplatform import create_app
    from tests.fixtures.sso import _free_port

    app = create_app({"ENV_NAME": "testing", "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'down.db'}", "WTF_CSRF_ENABLED": False,
                      "SSO_ISSUER": f"http://127.0.0.1:{_free_port()}", "SSO_CLIENT_ID": "c",
                      "SSO_TIMEOUT_SECONDS": 2})
    with app.app_context():
        flask_migrate.upgrade()
        client = app.test_client()
        page = client.get("/sso/login")
        assert page.status_code == 503
        assert "统一身份认证服务暂时无法访问" in page.get_data(as_text=True)
        assert "统一身份认证登录" in page.get_data(as_text=True)  # the button stays; the form too
        assert db.session.scalar(sa.select(AuditEntry.kind).order_by(AuditEntry.id.desc()).limit(1)) == \
            "sso.unavailable"
        db.session.remove()
        db.engine.dispose()


def test_unknown_keys_in_logout_tokens_refetch_the_jwks_at_most_once_a_minute(platform, provider):
    with platform.db():
        metadata = platform.app.extensions["edu_sso"].create_client("provincial").server_metadata
    metadata.pop("_jwks_refetched_at", None)
    client = provider.clients[CLIENT_ID]
    forged = provider.sign({"iss": provider.issuer, "aud": CLIENT_ID, "iat": int(time.time()), "sub": "anyone",
                            "events": {"http://schemas.openid.net/event/backchannel-logout": {}}},
                           key=provider.unpublished_key)
    before = provider.jwks_requests
    assert [provider.send_backchannel(client, forged).status_code for _ in range(3)] == [400, 400, 400]
    assert provider.jwks_requests == before + 1
    # a rotation at the provider is still followed (after the minute)
    metadata["_jwks_refetched_at"] = 0
    provider.rotate_keys(keep_old=True)
    user = provider.add_user("after-rotation", staff_no="T1414", school_code="S001")
    platform.person(staff_no="T1414")
    browser, _ = sso_login(platform, "after-rotation")
    metadata["_jwks_refetched_at"] = 0
    provider.rotate_keys()
    assert provider.send_backchannel(client, provider.logout_token(user.sub, None, client)).json() == {"ended": 1}
    assert logged_in_as(platform, browser) is None
