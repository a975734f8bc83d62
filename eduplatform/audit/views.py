"""The audit log pages: filter and CSV export, for the audit administrator only."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.audit import bp, exports, labels, services
from eduplatform.audit.models import AuditEntry
from eduplatform.audit.permissions import can_read_audit
from eduplatform.audit.schemas import AuditFilterSchema
from eduplatform.core.api import load_args
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.streaming import stream_after_request
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.orgs.services import find_org


def filtered_query():
    """The audit select for the request's filter arguments (shared by the page, CSV and API)."""
    return exports.query_for(load_args(AuditFilterSchema(), message="筛选条件有误"))


@bp.get("/audit")
@login_required
def audit_log():
    require(can_read_audit(current_user), action="audit.read")
    page = db.paginate(filtered_query(), per_page=50, error_out=False)
    return render_template("audit/log.html", page=page, args=request.args,
                           names=services.person_names(e.actor_id for e in page.items),
                           titles=services.object_titles(page.items), **filter_choices())


def filter_choices() -> dict:
    """The drop-downs: realms and kinds by their Chinese names, units, and the people of the unit."""
    from eduplatform.accounts.models import User
    from eduplatform.orgs.models import OrgUnit

    kinds_in_log = set(db.session.scalars(sa.select(AuditEntry.kind).distinct()))
    kinds = sorted(set(labels.KIND_LABELS) | kinds_in_log, key=lambda k: (labels.kind_label(k), k))
    units = db.session.scalars(sa.select(OrgUnit).order_by(OrgUnit.path)).all()
    people = []
    org = find_org(request.args.get("org")) if request.args.get("org") else None
    if org is not None:
        people = db.session.execute(sa.select(User.id, User.display_name, User.username)
                                    .where(User.org_id == org.id).order_by(User.display_name).limit(500)).all()
    return {"realms": labels.REALM_LABELS, "kinds": [(k, labels.kind_label(k)) for k in kinds],
            "units": units, "people": people, "labels": labels}


@bp.get("/audit/export.csv")
@login_required
def audit_export():
    require(can_read_audit(current_user), action="audit.export")
    query = filtered_query()  # checked now: bad filters answer 422, not a broken download
    stamp = datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M%S")
    return Response(
        stream_after_request(services.export_csv, query),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=audit-{stamp}.csv"},
    )


@bp.post("/audit/export-job")
@login_required
def audit_export_job():
    """The whole export as a background job: its file is offered on 我的任务 when ready."""
    require(can_read_audit(current_user), action="audit.export")
    filtered_query()  # bad filters answer 422 now, not as a failed job
    filters = {k: v for k, v in request.args.items() if v != ""}
    job = exports.request_export(current_user, filters)
    db.session.commit()
    flash(f"已提交导出任务（任务 {job.id}），完成后可在「我的任务」下载文件", "success")
    return redirect(url_for("jobs.my_jobs"))
