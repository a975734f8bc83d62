"""Retrying a short write transaction that lost a race for SQLite's single writer lock.

SQLite in WAL mode lets one writer at a time; a transaction that read first and then wants to write
fails at once with "database is locked" when another writer committed in between (busy_timeout does
not help there). The beat endpoint is hot, so it simply runs again on a fresh transaction. On
PostgreSQL the row lock (``SELECT … FOR UPDATE``) serialises the writers instead and this never fires.
"""

from __future__ import annotations

import random
import time

from sqlalchemy.exc import IntegrityError, OperationalError

from eduplatform.extensions import db

ATTEMPTS = 6


def _retryable(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    if isinstance(exc, OperationalError):
        return "locked" in text or "busy" in text or "deadlock" in text or "could not serialize" in text
    return isinstance(exc, IntegrityError) and "unique" in text  # two first beats racing to insert the row


def retry_on_lock(work):
    for attempt in range(ATTEMPTS):
        try:
            return work()
        except (OperationalError, IntegrityError) as exc:
            if attempt == ATTEMPTS - 1 or not _retryable(exc):
                raise
            db.session.rollback()
            time.sleep(0.005 * (2 ** attempt) * (1 + random.random()))
    raise RuntimeError("unreachable")
