"""Reading and managing jobs for the pages."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core import jobs
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.jobs import Job, JobState


def my_jobs_query(user):
    return sa.select(Job).where(Job.started_by_id == user.id).order_by(Job.id.desc())


def all_jobs_query(*, state: str | None = None, kind: str | None = None):
    query = sa.select(Job).order_by(Job.id.desc())
    if state:
        query = query.where(Job.state == state)
    if kind:
        query = query.where(Job.kind == kind)
    return query


def overview() -> list[dict]:
    """Per queue and kind: how many jobs are in each state (one grouped query)."""
    rows = db.session.execute(sa.select(Job.kind, Job.state, sa.func.count()).group_by(Job.kind, Job.state)).all()
    by_kind: dict[str, dict] = {}
    for kind, state, count in rows:
        spec = jobs.get_kind(kind)
        entry = by_kind.setdefault(kind, {"kind": kind, "label": jobs.kind_label(kind),
                                          "queue": spec.queue if spec else "—",
                                          **{s.value: 0 for s in JobState}})
        entry[JobState(state).value] = count
    return sorted(by_kind.values(), key=lambda e: (e["queue"], e["kind"]))


def retry_job(actor, job: Job) -> Job:
    """Queue a failed job again (fresh attempts), audited; the caller commits."""
    if job.state != JobState.FAILED:
        raise ValidationFailed("只有失败的任务可以重新执行")
    jobs.retry(job)
    record("jobs", "job.retried", f"重新执行后台任务「{job.label}」（任务 {job.id}）", actor=actor, obj=job,
           data={"kind": job.kind, "error": (job.error or "")[:200]})
    return job


def broker_queues() -> dict[str, int] | None:
    """What waits in the broker per queue (the jobs table says what should)."""
    from flask import current_app

    from eduplatform.core.jobs.celery_app import broker_depths

    if current_app.config.get("JOBS_DISPATCH") != "celery":
        return {}
    queues = sorted({k.queue for k in jobs.JOB_KINDS.values()})
    return broker_depths(queues)
