"""Enqueue a job: the row now (in the caller's transaction), the message after its commit."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.jobs.models import Job, JobState
from eduplatform.core.jobs.registry import get_kind

log = logging.getLogger(__name__)

_TO_SEND = "edu_jobs_to_send"
#: the one Celery task (registered by the worker, worker.py)
TASK = "eduplatform.jobs.run"
_hooks_installed = False


def enqueue(kind: str, *, actor=None, dedupe_key: str | None = None, delay: float = 0, **args) -> Job:
    """Add a job of a registered ``kind`` to the current transaction; it is sent to the workers after
    the commit (a rollback sends nothing). With ``dedupe_key``, a queued or running job with the same
    key is returned instead of a second one. ``actor``: the user who started it (their 我的任务)."""
    spec = get_kind(kind)
    if spec is None:
        raise KeyError(f"job kind {kind!r} is not registered")
    if dedupe_key is not None:
        existing = db.session.scalar(sa.select(Job).where(
            Job.dedupe_key == dedupe_key, Job.state.in_([JobState.QUEUED, JobState.RUNNING])).limit(1))
        if existing is not None:
            return existing
    actor = getattr(actor, "_get_current_object", lambda: actor)()
    job = Job(kind=kind, args=args, dedupe_key=dedupe_key, max_attempts=spec.max_attempts,
              started_by_id=getattr(actor, "id", None), run_after=utcnow() + timedelta(seconds=delay))
    db.session.add(job)
    db.session.flush()
    if actor is not None:
        from eduplatform.core.signals import audit

        audit("jobs", "job.started", f"提交后台任务「{spec.label}」（任务 {job.id}）", actor=actor, obj=job,
              data={"kind": kind})
    send_after_commit(job)
    return job


def send_after_commit(job: Job, countdown: float = 0) -> None:
    """Send the job once this transaction commits (its ``sent_at`` is part of the transaction: a
    message lost on the way is found by the recovery once that is older than a lease)."""
    job.sent_at = utcnow()
    db.session.info.setdefault(_TO_SEND, {})[job.id] = (job.kind, countdown)


def install_hooks() -> None:
    """Called once by ``init_app`` (the send-after-commit and forget-on-rollback listeners)."""
    global _hooks_installed
    if not _hooks_installed:
        _hooks_installed = True
        event.listen(Session, "after_commit", _send_committed)
        event.listen(Session, "after_soft_rollback", _forget)


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_TO_SEND, None)


def _send_committed(session: Session) -> None:
    pending = session.info.pop(_TO_SEND, None)
    if not pending:
        return
    for job_id, (kind, countdown) in pending.items():
        send(job_id, kind, countdown=countdown)


def send(job_id: int, kind: str, *, countdown: float = 0) -> bool:
    """Hand a job to the broker (``JOBS_DISPATCH=celery``); False when the broker is unreachable —
    the job stays queued and the scheduler's recovery sends it again later."""
    if current_app.config.get("JOBS_DISPATCH", "celery") != "celery":
        return False  # ``manual``: run by ``run_queued()`` (tests) or ``flask jobs run``
    from eduplatform.core.jobs.celery_app import get_celery

    spec = get_kind(kind)
    try:
        get_celery().send_task(TASK, args=[job_id], queue=spec.queue if spec else "default",
                               countdown=countdown or None)
    except Exception:
        log.exception("sending job %s to the broker failed; it stays queued", job_id)
        return False
    return True
