"""The audit log pages: filter and CSV export, for the audit administrator only."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user, login_required

from eduplatform.audit import bp, services
from eduplatform.audit.permissions import can_read_audit
from eduplatform.audit.schemas import AuditFilterSchema
from eduplatform.core.api import load_args
from eduplatform.core.permissions import require
from eduplatform.extensions import db

FILTER_KEYS = ("realm", "kind", "actor", "object_type", "object_id", "since", "until")


def filtered_query():
    """The audit select for the request's filter arguments (shared by the page, CSV and API)."""
    args = load_args(AuditFilterSchema(), message="筛选条件有误")
    since = datetime.combine(args.pop("since"), time.min) if args.get("since") else None
    until = datetime.combine(args.pop("until"), time.min) + timedelta(days=1) if args.get("until") else None
    args.pop("since", None)
    args.pop("until", None)
    return services.filter_entries(since=since, until=until, **args)


@bp.get("/audit")
@login_required
def audit_log():
    require(can_read_audit(current_user), action="audit.read")
    page = db.paginate(filtered_query(), per_page=50, error_out=False)
    return render_template("audit/log.html", page=page, args=request.args)


@bp.get("/audit/export.csv")
@login_required
def audit_export():
    require(can_read_audit(current_user), action="audit.export")
    query = filtered_query()
    rows = db.session.execute(query.execution_options(yield_per=500)).scalars()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Response(
        stream_with_context(services.export_csv(rows)),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=audit-{stamp}.csv"},
    )
