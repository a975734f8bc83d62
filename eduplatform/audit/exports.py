"""The audit CSV as a background job (``core.jobs``): a log of millions of entries is written by a
worker, with progress, and offered on the starter's 我的任务 when ready — not streamed by a request."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.templating import LOCAL_TZ

JOB = "audit.export_csv"
#: progress is reported after about this many rows
PROGRESS_ROWS = 5000


def query_for(args: dict):
    """The audit select for loaded filter arguments (the page, the CSV, the API and the job)."""
    from eduplatform.audit import services
    from eduplatform.orgs.services import find_org

    args = dict(args)
    # Dates are the reader's (Asia/Shanghai); the log keeps UTC.
    since, until = args.pop("since", None), args.pop("until", None)
    since = _utc(datetime.combine(since, time.min)) if since else None
    until = _utc(datetime.combine(until, time.min) + timedelta(days=1)) if until else None
    if args.get("org"):
        org = find_org(args["org"])
        if org is None:
            raise ValidationFailed("筛选条件有误", fields={"org": ["单位不存在"]})
        args["org"] = org
    return services.filter_entries(since=since, until=until, **args)


def _utc(local: datetime) -> datetime:
    return local.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def export_job(ctx, *, filters: dict) -> dict:
    """Write the CSV to a temporary file (progress per batch), then store it as the job's file."""
    from eduplatform.accounts.models import User
    from eduplatform.audit.models import AuditEntry
    from eduplatform.audit.permissions import can_read_audit
    from eduplatform.audit.schemas import AuditFilterSchema
    from eduplatform.audit.services import export_csv
    from eduplatform.core.jobs import JobRefused

    starter = db.session.get(User, ctx.started_by_id) if ctx.started_by_id else None
    if starter is None or not can_read_audit(starter):
        raise JobRefused("提交导出的用户已无审计日志权限")
    query = query_for(AuditFilterSchema().load(filters))
    total = db.session.scalar(query.with_only_columns(sa.func.count(AuditEntry.id)).order_by(None)) or 0
    db.session.rollback()
    rows = reported = 0
    with tempfile.TemporaryFile() as out:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        for chunk in export_csv(query, batch=PROGRESS_ROWS):
            text.write(chunk)
            rows += chunk.count("\n")
            if rows - reported >= PROGRESS_ROWS:
                reported = rows
                report_progress(ctx, rows, total)
        text.flush()
        out.seek(0)
        stamp = datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M%S")
        ctx.store_result(out, filename=f"audit-{stamp}.csv", content_type="text/csv")
        text.detach()
    ctx.job.message = f"共导出 {total} 条审计记录"
    return {"entries": total}


def report_progress(ctx, rows: int, total: int) -> None:
    ctx.progress(90 * rows / (total + 1), f"已写出约 {rows} 行，共 {total} 条")


def request_export(actor, filters: dict):
    """Queue the export for ``actor`` (audited as the job's start); the caller commits."""
    from eduplatform.core.jobs import enqueue

    return enqueue(JOB, actor=actor, filters=filters)


def register() -> None:
    from eduplatform.core.jobs import register_job

    register_job(JOB, export_job, label="导出审计日志（CSV）")
