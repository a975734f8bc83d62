"""The lock-out suite again with its counters in a real Redis (``EDU_REDIS_URL``), plus what only
Redis does: the counters are there (a second node reads the same ones), and a window that moves
by time alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eduplatform.accounts.models import LockKind, LoginLock
from eduplatform.core import sharedstate
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from tests.accounts import test_lockout as database_suite
from tests.accounts.test_lockout import *  # the same behaviour, on the other store
from tests.accounts.test_lockout import login
from tests.fixtures.factories import PASSWORD

redis = pytest.importorskip("redis")

# These two reach into the database version's rows (failures moved back in time, the counter
# column reset): their Redis counterparts are below.
del test_failures_outside_the_window_do_not_count  # noqa: F821
del test_timing_does_not_tell_unknown_wrong_and_locked_apart  # noqa: F821
assert database_suite.test_failures_outside_the_window_do_not_count


@pytest.fixture(autouse=True)
def shared(app, redis_url, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    return redis.Redis.from_url(redis_url)


def test_account_failures_are_counted_in_redis_and_cleared_by_the_lock(client, people, shared):
    user = people.teacher_a1
    key = f"edu:login:account:{user.id}"
    for n in range(1, 5):
        login(client, user.username, "Wrong#Pass1")
        assert int(shared.get(key)) == n
    db.session.refresh(user)
    assert user.failed_logins == 4 and not user.is_locked()
    # Another node's counting is Redis's: what it holds is what the next failure continues from.
    shared.set(key, 1)
    login(client, user.username, "Wrong#Pass1")
    db.session.refresh(user)
    assert user.failed_logins == 2 and not user.is_locked()
    shared.set(key, 4)
    login(client, user.username, "Wrong#Pass1")
    db.session.refresh(user)
    assert user.is_locked() and shared.get(key) is None
    assert db.session.scalar(db.select(LoginLock).where(LoginLock.kind == LockKind.ACCOUNT)).failures == 5


def test_a_good_login_forgets_the_failures(client, people, shared):
    user = people.teacher_a1
    login(client, user.username, "Wrong#Pass1")
    assert shared.get(f"edu:login:account:{user.id}") == b"1"
    assert login(client, user.username, PASSWORD).status_code == 302
    assert shared.get(f"edu:login:account:{user.id}") is None


def test_address_failures_outside_the_window_do_not_count(client, people, small_throttle, shared):
    ip = "203.0.113.9"
    for _ in range(5):
        login(client, "nobody", "x", ip=ip)
    key = f"edu:login:address:{ip}"
    assert shared.zcard(key) == 5
    # Move the five back by 16 minutes (the window is 15): time alone lets them go.
    old = sharedstate._seconds(utcnow() - timedelta(minutes=16))
    shared.zadd(key, {member: old for member in shared.zrange(key, 0, -1)}, xx=True)
    login(client, "nobody", "x", ip=ip)
    assert shared.zcard(key) == 1
    assert login(client, people.leader.username, PASSWORD, ip=ip).status_code == 302
    assert db.session.scalar(db.select(LoginLock).where(LoginLock.kind == LockKind.ADDRESS)) is None
    client.post("/logout")
    # ... and five more within the window throttle the address.
    for _ in range(5):
        login(client, "nobody", "x", ip=ip)
    lock = db.session.scalar(db.select(LoginLock).where(LoginLock.kind == LockKind.ADDRESS))
    assert lock.ip == ip and lock.failures == 6 and shared.zcard(key) == 0


def test_a_redis_outage_falls_back_to_the_database(app, client, people, monkeypatch):
    from tests.fixtures.storage import free_port

    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nobody listens
    user = people.teacher_a1
    for _ in range(5):
        assert login(client, user.username, "Wrong#Pass1").status_code == 401
    db.session.refresh(user)
    assert user.is_locked()
    assert login(client, user.username, PASSWORD).status_code == 401
