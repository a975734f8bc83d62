"""Counters every node must see at once, in Redis when ``EDU_REDIS_URL`` is set.

Without Redis (``make run``, one host) the callers keep their database rows, which every worker of
one database already shares. With Redis, the counting moves here, where it is atomic: each
operation is one Lua script (read, decide and write in one step on the server), so two nodes
counting the same client's attempts at the same moment can neither both slip under a limit nor
lose one another's increments (the database versions read, then write).

* :func:`window_hit` — a sliding window of attempts (a sorted set of timestamps): count the ones
  inside the window and record this one only if the limit is not reached (``core.ratelimit``).
* :func:`window_record` — record one event in a sliding window and, once ``threshold`` events fall
  inside it, hand them all back and start afresh (the address throttle of ``accounts.lockout``).
* :func:`incr` / :func:`forget` — a plain counter with a time to live (failed logins per account).

When Redis cannot be reached, every function raises :class:`Unavailable`; the callers then count
in the database as on one host (logged), so a Redis outage costs atomicity, not logins.

Keys are prefixed with ``EDU_REDIS_PREFIX`` (default ``edu:``), so a Redis database can be shared
with the job broker. redis-py's connection pool notices a fork and reconnects in the child, so the
client made in a pre-forking master is safe in the workers.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
from datetime import UTC, datetime

from flask import current_app

log = logging.getLogger(__name__)

_clients: dict[str, object] = {}
_clients_lock = threading.Lock()

_WINDOW_HIT = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then return {0, count} end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, math.ceil(window * 1000))
return {1, count + 1}
"""

_WINDOW_RECORD = """
local key, now, window, threshold = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, math.ceil(window * 1000))
local count = redis.call('ZCARD', key)
if count < threshold then return {count} end
local members = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
redis.call('DEL', key)
return {count, members}
"""

_INCR = """
local value = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return value
"""


class Unavailable(Exception):
    """Redis did not answer (down, unreachable, timed out)."""


def _redis_errors(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        import redis

        try:
            return function(*args, **kwargs)
        except redis.RedisError as exc:
            log.warning("shared state unavailable (%s): counting in the database", exc.__class__.__name__)
            raise Unavailable(str(exc)) from exc
    return wrapper


def redis_client():
    """The app's Redis client, or None when ``REDIS_URL`` is not set (one client per URL)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                              health_check_interval=30)
                _clients[url] = client
    return client


def enabled() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def key(*parts: object) -> str:
    return current_app.config.get("REDIS_PREFIX", "edu:") + ":".join(str(p) for p in parts)


def _seconds(now: datetime) -> float:
    """Seconds since the epoch of a naive UTC time (``core.db.utcnow``), the same on every node."""
    return now.replace(tzinfo=UTC).timestamp()


def from_seconds(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _unique(label: str = "") -> str:
    return f"{label}\x1f{secrets.token_hex(6)}"


@_redis_errors
def window_hit(name: str, *, limit: int, window_seconds: float, now: datetime) -> tuple[bool, int]:
    """Count an attempt in the sliding window ``name``: (allowed, attempts in the window).
    A refused attempt is not recorded (as in the database version)."""
    allowed, count = redis_client().eval(_WINDOW_HIT, 1, name, _seconds(now), window_seconds, limit, _unique())
    return bool(allowed), int(count)


@_redis_errors
def window_record(name: str, label: str, *, threshold: int, window_seconds: float,
                  now: datetime) -> tuple[int, list[tuple[str, datetime]] | None]:
    """Record one event (with a label) in the window ``name``: (events in the window, and — once
    ``threshold`` is reached — every (label, time) of them, the window then emptied)."""
    answer = redis_client().eval(_WINDOW_RECORD, 1, name, _seconds(now), window_seconds, threshold, _unique(label))
    if len(answer) == 1:
        return int(answer[0]), None
    flat = answer[1]
    events = [(flat[i].decode().split("\x1f")[0], from_seconds(float(flat[i + 1]))) for i in range(0, len(flat), 2)]
    return int(answer[0]), events


@_redis_errors
def incr(name: str, *, ttl_seconds: int) -> int:
    """Add one to the counter ``name`` (kept ``ttl_seconds`` after its last increment)."""
    return int(redis_client().eval(_INCR, 1, name, int(ttl_seconds)))


@_redis_errors
def forget(*names: str) -> None:
    if names:
        redis_client().delete(*names)
