"""The worker side: the one Celery task, which runs a job row by id in the Flask app's context."""

from __future__ import annotations

from celery import Celery
from flask import Flask

from eduplatform.core.extensions import db
from eduplatform.core.jobs.celery_app import get_celery
from eduplatform.core.jobs.runner import run_job
from eduplatform.core.jobs.service import TASK


def worker_celery(app: Flask) -> Celery:
    celery = get_celery(app)
    if TASK not in celery.tasks:
        @celery.task(name=TASK, acks_late=True, reject_on_worker_lost=True)
        def run(job_id: int) -> str:
            with app.app_context():
                try:
                    return run_job(job_id)
                finally:
                    db.session.remove()
    return celery
