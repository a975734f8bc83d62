"""One background-job system for the platform, on Celery.

Domains register their kinds in ``init_app`` (``register_job`` or ``@job``; periodic ones with
``every=``) and ``enqueue(kind, actor=…, **args)`` inside their unit of work; the row is written with
it and the message sent after its commit. The ``jobs`` table is the truth users see (我的任务) and
administrators manage. See ARCHITECTURE.md, "Background jobs".
"""

from __future__ import annotations

from eduplatform.core.jobs.models import STATE_LABELS, Job, JobSchedule, JobState
from eduplatform.core.jobs.registry import JOB_KINDS, JobKind, get_kind, job, kind_label, register_job
from eduplatform.core.jobs.runner import JobContext, JobRefused, run_job, run_queued
from eduplatform.core.jobs.service import enqueue

__all__ = ["JOB_KINDS", "STATE_LABELS", "Job", "JobContext", "JobKind", "JobRefused", "JobSchedule", "JobState", "enqueue",
           "get_kind", "init_app", "job", "kind_label", "register_job", "retry", "run_job", "run_queued"]


def init_app(app) -> None:
    from eduplatform.core.jobs import cleanup, service
    from eduplatform.core.jobs.cli import jobs_cli

    # At start-up, never lazily: adding a Session listener while another thread's commit runs the
    # listeners fails that commit ("deque mutated during iteration").
    service.install_hooks()

    app.config.setdefault("JOBS_DISPATCH", "manual" if app.config.get("TESTING") else "celery")
    app.cli.add_command(jobs_cli)
    cleanup.register()  # finished jobs and their files are not kept for ever


def retry(job: Job) -> Job:
    """Queue a failed (or stuck) job again with fresh attempts; the caller audits and commits."""
    from eduplatform.core.db import utcnow
    from eduplatform.core.extensions import db
    from eduplatform.core.jobs.service import send_after_commit

    job.state, job.attempts, job.progress = JobState.QUEUED, 0, 0
    job.run_after, job.finished_at, job.message = utcnow(), None, "已重新排队"
    db.session.flush()
    send_after_commit(job)
    return job
