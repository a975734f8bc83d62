"""The library's background jobs (``core.jobs``): one upload's processing, and the periodic sweep
that catches what no job was queued for (seeded or synced versions, stale index entries, staged
files never sent)."""

from __future__ import annotations

from datetime import timedelta

from eduplatform.core.extensions import db
from eduplatform.core.jobs import register_job
from eduplatform.resources.processing import PROCESS_JOB as PROCESS

SWEEP = "resources.sweep"


def process_version_job(ctx, *, version_id: int) -> dict:
    """Text, thumbnail and previews of one version; nothing when it is no longer pending (idempotent).

    The quick part is committed before the preview: a LibreOffice conversion (up to
    RESOURCES_CONVERT_TIMEOUT) must not hold the database's writer lock (SQLite: one writer) while
    it runs. A worker killed in between leaves the version pending; the next delivery redoes it."""
    from eduplatform.core.db import utcnow
    from eduplatform.resources.models import ProcessingState, ResourceVersion
    from eduplatform.resources.processing import make_previews, media_of, process_version

    version = db.session.get(ResourceVersion, version_id)
    if version is None or version.processing_state != ProcessingState.PENDING:
        return {"processed": 0}
    process_version(version, previews=False)
    if version.processing_state == ProcessingState.PENDING:  # it needs a preview
        ctx.progress(40, "已提取文字，正在生成预览")
        version = db.session.get(ResourceVersion, version_id)
        version.processing_state = ProcessingState.DONE
        make_previews(version, media_of(version.format))  # failed, with a reason, when it cannot
        version.resource.updated_at = utcnow()  # reindexed after the commit
        db.session.flush()
    return {"processed": 1, "state": version.processing_state.value}


def sweep_job(ctx) -> dict:
    from eduplatform.resources.cli import run_once

    processed, refreshed = run_once()
    return {"processed": processed, "refreshed": refreshed}


def register(app) -> None:
    register_job(PROCESS, process_version_job, label="处理资源文件（文字、缩略图、预览）", queue="previews")
    every = int(app.config.get("JOBS_RESOURCE_SWEEP_SECONDS", 60))
    register_job(SWEEP, sweep_job, label="资源库例行处理（补做待处理文件、刷新索引）", every=timedelta(seconds=every),
                 max_attempts=1)

