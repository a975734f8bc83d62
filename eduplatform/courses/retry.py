"""Short write transactions on hot endpoints (progress beats, SCORM commits) that never lose a beat.

SQLite in WAL mode lets one writer at a time; a transaction that read first and then wants to write
fails at once with "database is locked" when another writer committed in between (busy_timeout does
not help there: its snapshot is stale). So on SQLite ``begin_write`` ends the read transaction that
the login opened and takes the writer lock with the transaction's first statement — later writers
then wait their turn (busy_timeout) instead of failing. ``retry_on_lock`` runs the work again on a
fresh transaction if a race is lost all the same. On PostgreSQL the row lock (``SELECT … FOR UPDATE``)
serialises concurrent beats of one learner and neither is needed.
"""

from __future__ import annotations

import random
import time

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from eduplatform.core.extensions import db

ATTEMPTS = 8


def begin_write() -> None:
    """SQLite: start a transaction that holds the writer lock before it reads anything."""
    session = db.session
    if session.get_bind().dialect.name != "sqlite":
        return
    inner = session()
    keep = inner.expire_on_commit
    inner.expire_on_commit = False  # the user loaded a moment ago stays loaded (no reloading queries)
    try:
        session.commit()  # ends the read transaction of the login
    finally:
        inner.expire_on_commit = keep
    session.execute(sa.text("UPDATE course_lesson_progress SET id = id WHERE 0"))  # takes the lock, changes nothing


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
            time.sleep(0.01 * (2 ** attempt) * (1 + random.random()))
    raise RuntimeError("unreachable")
