"""Run one job: claim it (idempotently), call its handler, finish, or retry with backoff.

A job is claimed with ``UPDATE jobs SET state='running' … WHERE id = ? AND (queued and due, or running
with a lease past JOBS_LEASE_SECONDS)``: a second delivery of a job that is done, or that a live
worker holds, does nothing. The handler's writes and the job's ``done`` commit together, so a worker
killed in the middle leaves no effect and the redelivered job does it once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.jobs.models import Job, JobState
from eduplatform.core.jobs.registry import get_kind

log = logging.getLogger(__name__)

#: job ids this process is running (the heartbeat thread keeps their leases)
RUNNING: set[int] = set()
_running_lock = threading.Lock()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_seconds() -> float:
    return float(current_app.config.get("JOBS_LEASE_SECONDS", 300))


def backoff_seconds(attempt: int) -> float:
    """Exponential: base · 2^(attempt−1), capped (JOBS_RETRY_BASE_SECONDS, JOBS_RETRY_MAX_SECONDS)."""
    base = float(current_app.config.get("JOBS_RETRY_BASE_SECONDS", 30))
    return min(base * 2 ** max(attempt - 1, 0), float(current_app.config.get("JOBS_RETRY_MAX_SECONDS", 3600)))


class JobRefused(Exception):
    """A failure that retrying cannot cure (the starter lost the right, the object is gone): the job
    fails at once with this message instead of being retried."""


class JobContext:
    """What a handler gets: its job row, progress reports, and a place for its file."""

    def __init__(self, job: Job):
        self.job_id = job.id
        self.kind = job.kind
        self.attempt = job.attempts
        self.started_by_id = job.started_by_id

    @property
    def job(self) -> Job:
        return db.session.get(Job, self.job_id)

    def progress(self, percent: float, message: str = "") -> None:
        """Show progress (0–100) and renew the lease. It commits the unit of work so far: a handler
        whose effect must be all-or-nothing writes it after its last progress report."""
        job = self.job
        job.progress = max(0, min(99, int(percent)))
        if message:
            job.message = message[:255]
        job.heartbeat_at = utcnow()
        db.session.commit()

    def store_result(self, stream, *, filename: str, content_type: str) -> None:
        """Store the job's file (offered to its starter on 我的任务 when the job is done)."""
        from eduplatform.core.storage.services import store_file

        stored = store_file(stream, prefix="exports", filename=filename, content_type=content_type, actor=None)
        self.job.result_file_id = stored.id
        db.session.flush()


def claim(job_id: int) -> bool:
    now = utcnow()
    stale = now - timedelta(seconds=lease_seconds())
    table = Job.__table__
    result = db.session.execute(
        sa.update(table).where(
            table.c.id == job_id,
            sa.or_(sa.and_(table.c.state == JobState.QUEUED.value, table.c.run_after <= now),
                   sa.and_(table.c.state == JobState.RUNNING.value, table.c.heartbeat_at < stale)))
        .values(state=JobState.RUNNING.value, attempts=table.c.attempts + 1, heartbeat_at=now,
                worker=worker_name(), started_at=sa.func.coalesce(table.c.started_at, now))
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def run_job(job_id: int) -> str:
    """Run the job if it is due and nobody holds it; returns done / retry / failed, or without running
    it: skipped (finished or unknown), busy (a live worker holds it) or early (its backoff not over)."""
    if not claim(job_id):
        state = db.session.scalar(sa.select(Job.state).where(Job.id == job_id))
        db.session.rollback()
        return {JobState.RUNNING: "busy", JobState.QUEUED: "early"}.get(state, "skipped")
    with _running_lock:
        RUNNING.add(job_id)
    try:
        return _run_claimed(job_id)
    finally:
        with _running_lock:
            RUNNING.discard(job_id)


def _run_claimed(job_id: int) -> str:
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    spec = get_kind(job.kind)
    if spec is None:
        job.state, job.error, job.finished_at = JobState.FAILED, f"未注册的任务类型 {job.kind}", utcnow()
        db.session.commit()
        return "failed"
    ctx = JobContext(job)
    try:
        result = spec.func(ctx, **(job.args or {}))
        job = ctx.job
        job.state, job.progress, job.finished_at = JobState.DONE, 100, utcnow()
        job.result = result if isinstance(result, dict) else None
        job.error = None
        if not job.message or job.message.startswith("第"):
            job.message = "已完成"
        db.session.commit()
        return "done"
    except Exception as exc:  # noqa: BLE001 - a failed job is recorded and retried, never lost
        db.session.rollback()
        log.warning("job %s (%s) attempt failed: %s", job_id, spec.name, exc)
        return _record_failure(job_id, exc, final=isinstance(exc, JobRefused))


def _record_failure(job_id: int, exc: Exception, *, final: bool = False) -> str:
    from eduplatform.core.jobs.service import send_after_commit

    job = db.session.get(Job, job_id)
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    job.error = detail[:4000]
    if job.attempts < job.max_attempts and not final:
        delay = backoff_seconds(job.attempts)
        job.state = JobState.QUEUED
        job.run_after = utcnow() + timedelta(seconds=delay)
        job.message = f"第 {job.attempts} 次执行失败，{int(delay)} 秒后重试"
        send_after_commit(job, countdown=delay)
        db.session.commit()
        return "retry"
    job.state, job.finished_at = JobState.FAILED, utcnow()
    job.message = str(exc)[:255] if final else f"执行 {job.attempts} 次均失败"
    db.session.commit()
    return "failed"


def run_queued(*, kind: str | None = None, limit: int = 1000, ignore_delay: bool = False) -> dict[str, int]:
    """Run the due queued jobs in this process, oldest first (``JOBS_DISPATCH=manual``, tests,
    ``flask jobs run``). ``ignore_delay`` runs retries without waiting for their backoff."""
    counts: dict[str, int] = {}
    seen: set[int] = set()
    for _ in range(limit):
        query = sa.select(Job.id).where(Job.state == JobState.QUEUED, Job.id.not_in(seen) if seen else sa.true())
        if not ignore_delay:
            query = query.where(Job.run_after <= utcnow())
        if kind:
            query = query.where(Job.kind == kind)
        job_id = db.session.scalar(query.order_by(Job.id).limit(1))
        if job_id is None:
            break
        if ignore_delay:
            db.session.execute(sa.update(Job).where(Job.id == job_id).values(run_after=utcnow())
                               .execution_options(synchronize_session=False))
            db.session.commit()
        outcome = run_job(job_id)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome != "retry" or not ignore_delay:
            seen.add(job_id)  # a retry without its delay runs again in this call, up to its attempts
    return counts


def recover(now=None) -> int:
    """Send again what the broker may have lost: running jobs whose worker stopped renewing its lease
    (killed), and queued jobs due for longer than a lease that no worker took. Returns how many."""
    from eduplatform.core.jobs.service import send

    now = now or utcnow()
    stale = now - timedelta(seconds=lease_seconds())
    rows = db.session.execute(sa.select(Job.id, Job.kind, Job.state, Job.attempts, Job.max_attempts).where(
        sa.or_(sa.and_(Job.state == JobState.RUNNING, Job.heartbeat_at < stale),
               sa.and_(Job.state == JobState.QUEUED, Job.run_after < stale,
                       sa.or_(Job.sent_at.is_(None), Job.sent_at < stale))))).all()
    db.session.rollback()
    resent = 0
    for row in rows:
        if row.state == JobState.RUNNING and row.attempts >= row.max_attempts:
            db.session.execute(sa.update(Job).where(Job.id == row.id, Job.state == JobState.RUNNING,
                                                    Job.heartbeat_at < stale)
                               .values(state=JobState.FAILED, finished_at=now,
                                       error="工作进程中断（租约过期），已达最多执行次数")
                               .execution_options(synchronize_session=False))
            db.session.commit()
            continue
        db.session.execute(sa.update(Job).where(Job.id == row.id).values(sent_at=now)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        send(row.id, row.kind)
        resent += 1
    return resent


def beat_leases() -> None:
    """Renew the leases of the jobs this process runs (the worker's heartbeat thread)."""
    with _running_lock:
        ids = list(RUNNING)
    if not ids:
        return
    with db.engine.begin() as conn:
        conn.execute(sa.update(Job.__table__).where(Job.__table__.c.id.in_(ids),
                                                    Job.__table__.c.worker == worker_name(),
                                                    Job.__table__.c.state == JobState.RUNNING.value)
                     .values(heartbeat_at=utcnow()))
