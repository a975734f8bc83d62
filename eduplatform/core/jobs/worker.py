"""The worker side: the one Celery task, which runs a job row by id in the Flask app's context."""

from __future__ import annotations

from celery import Celery
from flask import Flask

from eduplatform.core.extensions import db
from eduplatform.core.jobs.celery_app import get_celery
from eduplatform.core.jobs.runner import lease_seconds, run_job
from eduplatform.core.jobs.service import TASK


def worker_celery(app: Flask) -> Celery:
    celery = get_celery(app)
    if TASK not in celery.tasks:
        @celery.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
        def run(task, job_id: int) -> str:
            with app.app_context():
                try:
                    outcome = run_job(job_id)
                    # Held by a live worker, or not yet due: look again later (a new message, this one
                    # acknowledged) — the holder may die, and then this delivery takes the job over.
                    if outcome in ("busy", "early"):
                        wait = _wait_seconds(job_id) if outcome == "early" else lease_seconds() / 2
                        raise task.retry(countdown=max(1.0, wait))
                    return outcome
                finally:
                    db.session.remove()
    return celery


def _wait_seconds(job_id: int) -> float:
    from eduplatform.core.db import utcnow
    from eduplatform.core.jobs.models import Job

    job = db.session.get(Job, job_id)
    return (job.run_after - utcnow()).total_seconds() if job is not None else 1.0
