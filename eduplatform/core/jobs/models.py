"""The ``jobs`` table — the truth about background work that users and administrators see — and the
``job_schedules`` rows through which only one scheduler at a time starts a periodic job."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import enum_column, utcnow
from eduplatform.core.extensions import db


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {JobState.QUEUED: "排队中", JobState.RUNNING: "运行中", JobState.DONE: "已完成",
                JobState.FAILED: "失败"}


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index("ix_jobs_started_by_id_created_at", "started_by_id", "created_at"),
        sa.Index("ix_jobs_state_kind", "state", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the registered kind, e.g. ``resources.process_version``, ``audit.export_csv``
    kind: Mapped[str] = mapped_column(sa.String(64))
    args: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: while queued or running, a second enqueue with the same key returns this job (idempotent enqueue)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(255), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: a short summary the handler returned (counts …)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    #: the file the job made (an export), offered to its starter when done
    result_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    result_file = relationship("StoredFile", lazy="joined")
    #: the worker holding it (host:pid) and its last sign of life; a lease past JOBS_LEASE_SECONDS is
    #: taken over (the worker died: kill -9, a lost machine)
    worker: Mapped[str | None] = mapped_column(sa.String(128))
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    #: not before this time (the backoff of a retry)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    #: when it was last handed (or, committing, about to be handed) to the broker
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    @property
    def label(self) -> str:
        from eduplatform.core.jobs.registry import kind_label

        return kind_label(self.kind)

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class JobSchedule(db.Model):
    """One row per periodic job: a scheduler claims a run with ``UPDATE … WHERE next_run_at <= now``,
    so however many schedulers run, each period starts the job once."""

    __tablename__ = "job_schedules"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_run_at: Mapped[datetime | None] = mapped_column()
    last_job_id: Mapped[int | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128))
