"""Rate limits and counters in a real Redis (``EDU_REDIS_URL``): atomic across processes, and the
database version unchanged without it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from eduplatform.core import ratelimit, sharedstate
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db

redis = pytest.importorskip("redis")


@pytest.fixture
def shared(app, redis_url, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    return redis.Redis.from_url(redis_url)


def _rows(bucket):
    return db.session.scalar(db.select(db.func.count()).select_from(ratelimit.RateHit)
                             .where(ratelimit.RateHit.bucket == bucket))


def test_rate_limit_counts_in_redis_and_refuses_past_the_limit(app, shared):
    with app.test_request_context():
        for _ in range(3):
            ratelimit.hit("letters.write", "203.0.113.5", limit=3, per_seconds=600)
        with pytest.raises(ratelimit.RateLimited) as refused:
            ratelimit.hit("letters.write", "203.0.113.5", limit=3, per_seconds=600)
        assert "每 10 分钟最多 3 次" in refused.value.message
        ratelimit.hit("letters.write", "198.51.100.7", limit=3, per_seconds=600)  # another client
        assert _rows("letters.write") == 0  # nothing written to the database
    assert shared.zcard("edu:rate:letters.write:203.0.113.5") == 3  # the refused one is not recorded
    assert 0 < shared.pttl("edu:rate:letters.write:203.0.113.5") <= 600_000


def test_rate_limit_without_redis_stays_in_the_database(app):
    assert not app.config.get("REDIS_URL")
    with app.test_request_context():
        for _ in range(2):
            ratelimit.hit("letters.track", "203.0.113.6", limit=2, per_seconds=600)
        with pytest.raises(ratelimit.RateLimited):
            ratelimit.hit("letters.track", "203.0.113.6", limit=2, per_seconds=600)
        assert _rows("letters.track") == 2


def test_the_window_slides(app, shared):
    start = utcnow()
    with app.app_context():
        name = sharedstate.key("t", "slide")
        assert sharedstate.window_hit(name, limit=2, window_seconds=60, now=start) == (True, 1)
        assert sharedstate.window_hit(name, limit=2, window_seconds=60, now=start + timedelta(seconds=30)) == (True, 2)
        assert sharedstate.window_hit(name, limit=2, window_seconds=60, now=start + timedelta(seconds=50))[0] is False
        # the first attempt left the window: one place free again
        assert sharedstate.window_hit(name, limit=2, window_seconds=60, now=start + timedelta(seconds=61)) == (True, 2)


def test_window_record_hands_back_the_events_once_full(app, shared):
    now = utcnow()
    with app.app_context():
        name = sharedstate.key("t", "record")
        assert sharedstate.window_record(name, "a", threshold=3, window_seconds=60, now=now) == (1, None)
        assert sharedstate.window_record(name, "b", threshold=3, window_seconds=60, now=now)[1] is None
        count, events = sharedstate.window_record(name, "a", threshold=3, window_seconds=60, now=now)
        assert count == 3 and sorted(label for label, _ in events) == ["a", "a", "b"]
        assert all(abs((at - now).total_seconds()) < 0.01 for _, at in events)
        assert sharedstate.window_record(name, "c", threshold=3, window_seconds=60, now=now) == (1, None)


def test_concurrent_hits_never_pass_the_limit(app, shared):
    """Eight threads (eight clients of the one server, as several nodes would be) race for 50 places."""
    allowed = []

    def worker():
        with app.app_context():
            for _ in range(25):
                ok, _ = sharedstate.window_hit(sharedstate.key("t", "race"), limit=50, window_seconds=60,
                                               now=utcnow())
                allowed.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 50 and len(allowed) == 200


def test_counter_with_a_time_to_live(app, shared):
    with app.app_context():
        name = sharedstate.key("t", "n")
        assert [sharedstate.incr(name, ttl_seconds=100) for _ in range(3)] == [1, 2, 3]
        assert 0 < shared.ttl("edu:t:n") <= 100
        sharedstate.forget(name)
        assert sharedstate.incr(name, ttl_seconds=100) == 1


def test_without_an_answer_from_redis_the_database_counts(app, monkeypatch):
    """A Redis outage costs atomicity, not the limit: the hits fall back to the database's rows."""
    from tests.fixtures.storage import free_port

    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nobody listens
    with app.test_request_context():
        for _ in range(2):
            ratelimit.hit("letters.outage", "203.0.113.8", limit=2, per_seconds=600)
        with pytest.raises(ratelimit.RateLimited):
            ratelimit.hit("letters.outage", "203.0.113.8", limit=2, per_seconds=600)
        assert _rows("letters.outage") == 2
