"""Lock-out that tells nobody which accounts exist or are locked, per-address throttling, and the
security administrator's view of the locks."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import pytest
from werkzeug.security import check_password_hash

from eduplatform.accounts import services
from eduplatform.accounts.lockout import FAILURE_MESSAGE
from eduplatform.accounts.models import LockKind, LoginFailure, LoginLock, User
from eduplatform.audit.models import AuditEntry
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from tests.fixtures.factories import PASSWORD

#: scrypt at half the default work factor: a real, memory-hard verification (tens of ms, well
#: above the test request's other work and its noise) at half the cost.
CHEAP_SCRYPT = "scrypt:16384:8:1"


def page_body(response, *names: str) -> str:
    """The page without its CSRF token (signed with a timestamp) and without the name typed
    (the form shows it back)."""
    text = re.sub(r'(csrf[-_]token"[^>]*(content|value)=")[^"]*', r"\1", response.get_data(as_text=True))
    for name in names:
        text = text.replace(f'value="{name}"', 'value=""')
    return text


def login(client, username, password, ip="10.1.1.1"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def token(client, username, password, ip="10.1.1.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def lock(user, minutes=10):
    user.locked_until = utcnow() + timedelta(minutes=minutes)
    db.session.commit()


# --- one answer for unknown, wrong and locked ------------------------------------------------

def test_unknown_wrong_locked_and_locked_with_right_password_answer_the_same(client, people):
    wrong_user, locked_user = people.teacher_a1, people.teacher_b1
    lock(locked_user)
    cases = {
        "unknown": ("nobody-here", "Whatever#1"),
        "wrong": (wrong_user.username, "Wrong#Pass1"),
        "locked": (locked_user.username, "Wrong#Pass1"),
        "locked, right password": (locked_user.username, PASSWORD),
    }
    pages = {case: login(client, *creds) for case, creds in cases.items()}
    assert {r.status_code for r in pages.values()} == {401}
    names = [creds[0] for creds in cases.values()]
    assert len({page_body(r, *names) for r in pages.values()}) == 1
    page = pages["locked, right password"].get_data(as_text=True)
    assert "用户名或密码错误" in page and "多次失败后账户会被暂时锁定，请稍后再试或联系安全管理员" in page
    assert "已被锁定" not in page and "已锁定" not in page

    answers = {case: token(client, *creds) for case, creds in cases.items()}
    assert {(r.status_code, r.get_data()) for r in answers.values()} == \
        {(401, answers["unknown"].get_data())}
    assert answers["unknown"].get_json() == {"error": {"code": "login_failed", "message": FAILURE_MESSAGE}}
    assert not any("Retry-After" in r.headers for r in answers.values())
    db.session.refresh(locked_user)
    assert locked_user.is_locked() and locked_user.last_login_at is None


def test_every_refusal_runs_exactly_one_password_verification(client, people, monkeypatch):
    lock(people.teacher_b1)
    calls = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    for username, password in [("nobody-here", "x"), (people.teacher_a1.username, "Wrong#1"),
                               (people.teacher_b1.username, "Wrong#1"), (people.teacher_b1.username, PASSWORD)]:
        calls.clear()
        assert login(client, username, password).status_code == 401
        assert len(calls) == 1, username
    # The locked account's own hash is never checked: the dummy stands in.
    assert calls == [services._dummy_hash()]


@pytest.fixture
def cheap_scrypt(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", CHEAP_SCRYPT)
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_MAX_FAILURES", 10_000)


@pytest.mark.real_password_hash
def test_timing_does_not_tell_unknown_wrong_and_locked_apart(client, create_user, tree, cheap_scrypt):
    """Median answer times of the three cases lie within half of one hash verification of each
    other (before the fix a locked account skipped the hash: the whole verification apart)."""
    wrong_user = create_user("timing-wrong", org=tree.school_a1)
    locked_user = create_user("timing-locked", org=tree.school_a1)
    assert wrong_user.password_hash.startswith(CHEAP_SCRYPT)
    lock(locked_user, minutes=60)
    dummy = services._dummy_hash()
    hash_times = []
    for _ in range(7):
        start = time.perf_counter()
        check_password_hash(dummy, "Whatever#1")
        hash_times.append(time.perf_counter() - start)
    hash_time = statistics.median(hash_times)

    cases = {"unknown": "timing-nobody", "wrong": "timing-wrong", "locked": "timing-locked"}
    # Measured twice at most: a machine busy with other work (CI runs two suites side by side) can
    # stretch one case's database writes for a while; a skipped hash is a whole verification apart
    # in every measurement, so it still fails both.
    for attempt in range(2):
        medians = _median_times(client, cases, wrong_user)
        spread = max(medians.values()) - min(medians.values())
        if spread < hash_time / 2:
            break
    assert spread < hash_time / 2, (medians, hash_time)


def _median_times(client, cases: dict, wrong_user) -> dict[str, float]:
    samples: dict[str, list[float]] = {case: [] for case in cases}
    for round_ in range(15):
        for case, username in cases.items():  # interleaved, so load on the machine hits all alike
            # The same preparation before every case: the wrong one stays below its lock.
            db.session.execute(db.update(User).where(User.id == wrong_user.id).values(failed_logins=0))
            db.session.commit()
            start = time.perf_counter()
            response = login(client, username, "Wrong#Pass1")
            elapsed = time.perf_counter() - start
            assert response.status_code == 401
            if round_ >= 2:  # warm-up rounds left out
                samples[case].append(elapsed)
    return {case: statistics.median(values) for case, values in samples.items()}


# --- per-address throttling ------------------------------------------------------------------

@pytest.fixture
def small_throttle(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_MAX_FAILURES", 6)
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_WINDOW_MINUTES", 15)
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_LOCK_MINUTES", 20)


def test_one_address_failing_across_accounts_is_throttled_for_every_account(client, people, small_throttle):
    victims = [people.teacher_a1, people.teacher_b1, people.student_a1]
    for i in range(6):  # two tries per account: none reaches its own lock of 5
        assert login(client, victims[i % 3].username, "Wrong#Pass1", ip="203.0.113.9").status_code == 401
    assert not any(v.is_locked() for v in victims)
    refused = login(client, people.leader.username, PASSWORD, ip="203.0.113.9")
    assert refused.status_code == 401
    assert page_body(refused, people.leader.username) == \
        page_body(login(client, "nobody", "x", ip="198.51.100.1"), "nobody")
    api = token(client, people.leader.username, PASSWORD, ip="203.0.113.9")
    assert api.status_code == 401 and api.get_json()["error"]["message"] == FAILURE_MESSAGE
    # Another address is not affected, nor is the account locked.
    assert login(client, people.leader.username, PASSWORD, ip="198.51.100.2").status_code == 302
    lock_row = db.session.scalar(db.select(LoginLock).where(LoginLock.kind == LockKind.ADDRESS))
    assert lock_row.ip == "203.0.113.9" and lock_row.failures == 6
    assert {s["username"]: s["count"] for s in lock_row.sources} == {v.username: 2 for v in victims}
    assert timedelta(minutes=19) < lock_row.locked_until - utcnow() <= timedelta(minutes=20)
    kinds = set(db.session.scalars(db.select(AuditEntry.kind)))
    assert {"address.locked", "login.throttled"} <= kinds


def test_throttled_attempts_do_not_lock_accounts_further(client, people, small_throttle):
    for _ in range(6):
        login(client, "nobody", "x", ip="203.0.113.9")
    for _ in range(10):
        login(client, people.teacher_a1.username, "Wrong#Pass1", ip="203.0.113.9")
    db.session.refresh(people.teacher_a1)
    assert people.teacher_a1.failed_logins == 0 and not people.teacher_a1.is_locked()


def test_failures_outside_the_window_do_not_count(client, people, small_throttle):
    for _ in range(5):
        login(client, "nobody", "x", ip="203.0.113.9")
    db.session.execute(db.update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    login(client, "nobody", "x", ip="203.0.113.9")
    answer = login(client, people.leader.username, PASSWORD, ip="203.0.113.9")
    assert answer.status_code == 302
    assert not answer.headers["Location"].endswith("/login")  # signed in, not sent back to the form
    assert db.session.scalar(db.select(LoginLock).where(LoginLock.kind == LockKind.ADDRESS)) is None
    kinds = list(db.session.scalars(db.select(AuditEntry.kind).order_by(AuditEntry.id)))
    assert kinds[-1] == "login.succeeded" and "address.locked" not in kinds and "login.throttled" not in kinds


def test_x_forwarded_for_is_ignored_unless_behind_a_trusted_proxy(app, client, people, small_throttle,
                                                                  monkeypatch):
    from eduplatform import configure_proxy

    spoof = {"X-Forwarded-For": "192.0.2.77"}
    client.post("/login", data={"username": "nobody", "password": "x"}, headers=spoof,
                environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert db.session.scalar(db.select(LoginFailure.ip)) == "10.9.9.9"

    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # restored after the test
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_COUNT", 1)
    configure_proxy(app)
    client.post("/login", data={"username": "nobody", "password": "x"}, headers=spoof,
                environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert set(db.session.scalars(db.select(LoginFailure.ip))) == {"10.9.9.9", "192.0.2.77"}


# --- the security administrator sees and lifts locks -----------------------------------------

def _lock_by_failures(client, user, ip="10.2.2.2"):
    for i in range(5):
        login(client, user.username, "Wrong#Pass1", ip=ip if i % 2 else "10.3.3.3")


def test_security_admin_sees_locks_with_their_reason_and_lifts_them(client, auth, people, small_throttle):
    _lock_by_failures(client, people.teacher_a1)
    for i in range(6):
        login(client, f"guess{i % 2}", "x", ip="203.0.113.9")
    auth.login(people.secadmin)
    page = client.get("/security/locks").get_data(as_text=True)
    assert "a1teacher" in page and "10.3.3.3（3 次）" in page and "10.2.2.2（2 次）" in page
    assert "203.0.113.9" in page and "guess0（3 次）" in page
    assert "登录锁定" in client.get("/").get_data(as_text=True)  # linked in the top bar

    account_lock = db.session.scalar(db.select(LoginLock).where(LoginLock.kind == LockKind.ACCOUNT))
    address_lock = db.session.scalar(db.select(LoginLock).where(LoginLock.kind == LockKind.ADDRESS))
    assert account_lock.failures == 5
    # A reason is required.
    client.post(f"/security/locks/{account_lock.id}/lift", data={"reason": "  "})
    db.session.refresh(people.teacher_a1)
    assert people.teacher_a1.is_locked()
    assert client.post(f"/security/locks/{account_lock.id}/lift",
                       data={"reason": "本人电话核实后解锁"}).status_code == 302
    assert client.post(f"/security/locks/{address_lock.id}/lift",
                       data={"reason": "学校出口地址，已核实"}).status_code == 302
    db.session.refresh(people.teacher_a1)
    db.session.refresh(address_lock)
    assert not people.teacher_a1.is_locked()
    assert address_lock.lifted_by_id == people.secadmin.id and address_lock.lift_reason == "学校出口地址，已核实"
    entries = {e.kind: e for e in db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.kind.in_(["account.unlocked", "address.unlocked"])))}
    assert entries["account.unlocked"].data["reason"] == "本人电话核实后解锁"
    assert entries["address.unlocked"].data["ip"] == "203.0.113.9"
    assert "当前没有被锁定的账户" in client.get("/security/locks").get_data(as_text=True)
    # The address may log in again, and needs fresh failures to be throttled again.
    client.post("/logout")
    assert login(client, people.leader.username, PASSWORD, ip="203.0.113.9").status_code == 302


def test_locks_api_lists_and_lifts(client, api, people, small_throttle):
    _lock_by_failures(client, people.teacher_a1)
    for _ in range(6):
        login(client, "guess", "x", ip="203.0.113.9")
    headers = api(people.secadmin)
    items = client.get("/api/v1/security/locks", headers=headers).get_json()["items"]
    by_kind = {item["kind"]: item for item in items}
    assert by_kind["account"]["user"]["username"] == "a1teacher"
    assert by_kind["account"]["failures"] == 5
    assert {s["ip"] for s in by_kind["account"]["sources"]} == {"10.2.2.2", "10.3.3.3"}
    assert by_kind["account"]["locked_until"] and by_kind["account"]["first_failure_at"]
    assert by_kind["address"]["ip"] == "203.0.113.9" and by_kind["address"]["failures"] == 6
    lift = f"/api/v1/security/locks/{by_kind['address']['id']}/lift"
    assert client.post(lift, json={}, headers=headers).status_code == 422
    assert client.post(lift, json={"reason": "误报"}, headers=headers).status_code == 204
    assert client.post(lift, json={"reason": "误报"}, headers=headers).status_code == 409
    unlock = f"/api/v1/users/{people.teacher_a1.id}/unlock"
    assert client.post(unlock, json={"reason": "核实"}, headers=headers).status_code == 204
    assert client.get("/api/v1/security/locks", headers=headers).get_json()["items"] == []


@pytest.mark.parametrize("who", ["sysadmin", "auditor", "school_a1_admin", "teacher_a1"])
def test_only_the_security_admin_sees_or_lifts_locks(client, api, auth, people, who):
    _lock_by_failures(client, people.teacher_b1)
    row = db.session.scalar(db.select(LoginLock))
    user = getattr(people, who)
    headers = api(user)
    assert client.get("/api/v1/security/locks", headers=headers).status_code == 403
    assert client.post(f"/api/v1/security/locks/{row.id}/lift", json={"reason": "x"},
                       headers=headers).status_code == 403
    assert client.post(f"/api/v1/users/{people.teacher_b1.id}/unlock", json={"reason": "x"},
                       headers=headers).status_code == 403
    auth.login(user)
    assert client.get("/security/locks").status_code == 403
    assert "登录锁定" not in client.get("/").get_data(as_text=True)
    db.session.refresh(people.teacher_b1)
    assert people.teacher_b1.is_locked()


def test_deactivated_account_is_told_only_to_whoever_knows_the_password(client, people):
    people.teacher_a1.is_active_account = False
    db.session.commit()
    wrong = login(client, people.teacher_a1.username, "Wrong#Pass1")
    assert FAILURE_MESSAGE in wrong.get_data(as_text=True) and "停用" not in wrong.get_data(as_text=True)
    assert "已停用" in login(client, people.teacher_a1.username, PASSWORD).get_data(as_text=True)


def test_a_wrong_current_password_counts_like_a_failed_login(client, api, people):
    """Changing the password checks a credential: a stolen session is no way round the lock-out."""
    user = people.teacher_a1
    headers = api(user)
    for _ in range(5):
        wrong = client.post("/api/v1/me/password", headers=headers,
                            json={"current_password": "Wrong#Pass1", "new_password": "Brand#New2026x"})
        assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "wrong_password"
    db.session.refresh(user)
    assert user.is_locked()
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginFailure)) == 5
    # Locked: not even the right current password changes it now.
    right = client.post("/api/v1/me/password", headers=headers,
                        json={"current_password": PASSWORD, "new_password": "Brand#New2026x"})
    assert right.status_code == 422 and right.get_json()["error"]["code"] == "throttled"
    assert login(client, user.username, PASSWORD).status_code == 401


def test_a_throttled_address_cannot_check_a_password_through_the_change_form(client, people, small_throttle):
    user = people.leader
    token, _ = services.issue_api_token(user)
    db.session.commit()
    for _ in range(6):
        login(client, "nobody", "x", ip="127.0.0.1")  # the test client's own address
    before = user.password_hash
    response = client.post("/api/v1/me/password", headers={"Authorization": f"Bearer {token}"},
                           json={"current_password": PASSWORD, "new_password": "Brand#New2026x"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "throttled"
    db.session.refresh(user)
    assert user.password_hash == before
