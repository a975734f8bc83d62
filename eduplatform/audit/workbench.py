"""The audit administrator's workbench card: today's entries, refusals and failed logins, and how
far the hash chain has sealed the log (a few counts; the log itself is one click away)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa

from eduplatform.audit.models import AuditArchive, AuditChainLink, AuditEntry
from eduplatform.core.extensions import db
from eduplatform.core.templating import LOCAL_TZ

#: what the card counts for today: (label, kind prefix)
TODAY_KINDS = [("拒绝访问", "permission.denied"), ("登录失败", "login.failed"), ("账户锁定", "account.locked")]


def local_midnight_utc(now: datetime | None = None) -> datetime:
    local = (now or datetime.now(UTC)).astimezone(LOCAL_TZ)
    return datetime.combine(local.date(), time.min, tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def overview(user) -> dict:
    since = local_midnight_utc()
    today = sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.created_at >= since)
    counts = [(label, kind, db.session.scalar(today.where(AuditEntry.kind.startswith(kind))) or 0)
              for label, kind in TODAY_KINDS]
    last_entry = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    sealed_upto = db.session.scalar(sa.select(sa.func.max(AuditChainLink.entry_id))) or 0
    unsealed = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.id > sealed_upto)) or 0
    sealed_at = db.session.scalar(sa.select(sa.func.max(AuditChainLink.sealed_at)))
    archives = db.session.scalar(sa.select(sa.func.count()).select_from(AuditArchive)) or 0
    return {"today": db.session.scalar(today) or 0, "counts": counts, "unsealed": unsealed,
            "sealed_at": sealed_at, "archives": archives, "last_entry": last_entry,
            "since": since.replace(tzinfo=UTC).astimezone(LOCAL_TZ).date().isoformat()}
