"""The periodic ``jobs.cleanup`` job: finished jobs are kept for a while, then removed — the
scheduler's own (no starter) after JOBS_KEEP_SYSTEM_DAYS, users' after JOBS_KEEP_DAYS together with
their files (an export is not kept for ever)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.jobs.models import Job, JobState

KIND = "jobs.cleanup"
BATCH = 500


def cleanup_job(ctx, now=None) -> dict:
    now = now or utcnow()
    config = current_app.config
    finished = Job.state.in_([JobState.DONE, JobState.FAILED])
    system_before = now - timedelta(days=int(config.get("JOBS_KEEP_SYSTEM_DAYS", 7)))
    removed = db.session.execute(sa.delete(Job).where(finished, Job.started_by_id.is_(None),
                                                      Job.result_file_id.is_(None), Job.finished_at < system_before)
                                 .execution_options(synchronize_session=False)).rowcount
    user_before = now - timedelta(days=int(config.get("JOBS_KEEP_DAYS", 30)))
    old = db.session.scalars(sa.select(Job).where(finished, Job.finished_at < user_before).limit(BATCH)).all()
    from eduplatform.core.storage.services import delete_file

    files = 0
    for job in old:
        stored = job.result_file
        db.session.delete(job)
        db.session.flush()
        if stored is not None:
            delete_file(stored)
            files += 1
    return {"removed": removed + len(old), "files": files}


def register() -> None:
    from eduplatform.core.jobs.registry import register_job

    register_job(KIND, cleanup_job, label="清理过期的后台任务记录与导出文件", max_attempts=1, every=timedelta(hours=6))
