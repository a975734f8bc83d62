"""A per-client attempt counter for public forms (申请, 查询, later 咨询投诉): ``hit(bucket, key)``.

Hits are rows (``rate_limit_hits``), so every worker process and every node sees the same count.
A hit is committed at once, like ``core.permissions.require``'s refusal entry: a request that fails
afterwards (a wrong captcha, a bad form) still counts — otherwise refused attempts would be free.
Call it first in the view, before anything else is written.

With ``EDU_REDIS_URL`` set the window is a Redis sorted set instead (``core.sharedstate``): one
atomic step, so concurrent attempts on several nodes cannot all pass a nearly full window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core import sharedstate
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db


class RateLimited(AppError):
    status = 429
    code = "too_many_requests"


class RateHit(db.Model):
    __tablename__ = "rate_limit_hits"
    __table_args__ = (sa.Index("ix_rate_limit_hits_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what is limited, e.g. "disclosure.apply"
    bucket: Mapped[str] = mapped_column(sa.String(48))
    #: whom: the client address (``core.security.client_ip``)
    key: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


def recent_hits(bucket: str, key: str, *, per_seconds: int, now: datetime | None = None) -> int:
    since = (now or utcnow()) - timedelta(seconds=per_seconds)
    return db.session.scalar(sa.select(sa.func.count()).select_from(RateHit).where(
        RateHit.bucket == bucket, RateHit.key == key, RateHit.at > since)) or 0


def hit(bucket: str, key: str | None, *, limit: int, per_seconds: int,
        message: str = "提交过于频繁，请稍后再试") -> None:
    """Count one attempt of ``key`` at ``bucket``; refuse (429) once ``limit`` attempts fall inside
    the last ``per_seconds``. Commits the hit (and only it: call before any other write)."""
    key = (key or "unknown")[:64]
    now = utcnow()
    if sharedstate.enabled():
        try:
            allowed, _ = sharedstate.window_hit(sharedstate.key("rate", bucket, key), limit=limit,
                                                window_seconds=per_seconds, now=now)
        except sharedstate.Unavailable:
            pass  # counted in the database below
        else:
            if not allowed:
                raise RateLimited(f"{message}（每 {max(1, per_seconds // 60)} 分钟最多 {limit} 次）")
            return
    # old hits of this client are no longer needed: the table stays small without a cron job
    db.session.execute(sa.delete(RateHit).where(RateHit.bucket == bucket, RateHit.key == key,
                                                RateHit.at <= now - timedelta(seconds=per_seconds)))
    count = recent_hits(bucket, key, per_seconds=per_seconds, now=now)
    if count >= limit:
        db.session.commit()
        minutes = max(1, per_seconds // 60)
        raise RateLimited(f"{message}（每 {minutes} 分钟最多 {limit} 次）")
    db.session.add(RateHit(bucket=bucket, key=key, at=now))
    db.session.commit()
