"""Periodic jobs (the workflow tick, the resource sweep …) started once per period however many
schedulers run: each claims the period with ``UPDATE job_schedules SET next_run_at = … WHERE name = ?
AND next_run_at <= now`` (a row lock on PostgreSQL, the one writer on SQLite); the winner enqueues."""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import Flask

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.jobs.models import JobSchedule
from eduplatform.core.jobs.registry import periodic_kinds

log = logging.getLogger(__name__)


def tick(now=None) -> list[str]:
    """Enqueue each periodic job whose time has come (and that this scheduler won); recover lost jobs."""
    from eduplatform.core.jobs.runner import recover, worker_name
    from eduplatform.core.jobs.service import enqueue

    now = now or utcnow()
    started = []
    known = set(db.session.scalars(sa.select(JobSchedule.name)))
    for kind in periodic_kinds():
        if kind.name not in known:
            try:
                with db.session.begin_nested():
                    db.session.add(JobSchedule(name=kind.name, next_run_at=now))
            except sa.exc.IntegrityError:
                pass  # another scheduler made it first
        won = db.session.execute(
            sa.update(JobSchedule).where(JobSchedule.name == kind.name, JobSchedule.next_run_at <= now)
            .values(next_run_at=now + kind.every, last_run_at=now, claimed_by=worker_name())
            .execution_options(synchronize_session=False)).rowcount == 1
        if won:
            job = enqueue(kind.name, dedupe_key=f"periodic:{kind.name}")
            db.session.execute(sa.update(JobSchedule).where(JobSchedule.name == kind.name)
                               .values(last_job_id=job.id).execution_options(synchronize_session=False))
            started.append(kind.name)
        db.session.commit()
    recover(now)
    return started


class SchedulerThread(threading.Thread):
    """Beside a worker (``flask jobs worker``): the scheduler every ``interval`` seconds and the lease
    heartbeat of the jobs this process runs."""

    def __init__(self, app: Flask, *, interval: float, schedule: bool = True):
        super().__init__(name="jobs-scheduler", daemon=True)
        self.app, self.interval, self.schedule = app, interval, schedule
        self.stopped = threading.Event()

    def run(self) -> None:
        from eduplatform.core.jobs.runner import beat_leases

        while not self.stopped.is_set():
            with self.app.app_context():
                try:
                    beat_leases()
                    if self.schedule:
                        tick()
                except Exception:
                    log.exception("job scheduler round failed")
                    db.session.rollback()
                finally:
                    db.session.remove()
            self.stopped.wait(self.interval)
