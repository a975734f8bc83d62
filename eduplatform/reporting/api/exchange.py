"""/api/v1/report-tasks/<id>/data-values: DHIS2-style bulk exchange of data values (JSON or CSV)."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_json
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.streaming import stream_after_request
from eduplatform.reporting import permissions, schemas
from eduplatform.reporting.api import bp
from eduplatform.reporting.api.common import commit
from eduplatform.reporting.lookup import task_for
from eduplatform.reporting.services import exchange


@bp.get("/report-tasks/<int:task_id>/data-values")
@login_required
def export_data_values(task_id):
    """DHIS2-style data values of the task (``format=json`` or ``csv``; ``orgUnit`` = one school code).
    ---
    get:
      parameters:
        - {in: query, schema: DataValuesArgsSchema}
      responses:
        200:
          description: "a dataValueSet JSON {dataSet, period, dataValues: [{dataElement, period, orgUnit,
            value, storedBy, lastUpdated}]} or CSV"
    """
    task = task_for(current_user, task_id)
    args = load_args(schemas.DataValuesArgsSchema())
    if permissions.is_school_reporter(current_user):
        scope, school = current_user.scope_root, current_user.scope_root.code
    else:
        require(permissions.can_view_results(current_user, task), action="report_task.results", obj=task)
        scope, school = current_user.scope_root, args["orgUnit"]
    # The body is read after this view's session is closed: the stream loads its task again by id.
    fmt = args["format"]
    body = stream_after_request(exchange.export_stream, fmt, task.id, scope.id, school_code=school)
    if fmt == "csv":
        return Response(body, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=datavalues-{task.root.id}.csv"})
    return Response(body, mimetype="application/json")


@bp.post("/report-tasks/<int:task_id>/data-values")
@login_required
def import_data_values(task_id):
    """Import DHIS2-style data values (JSON ``{dataValues: [...]}`` or ``text/csv``) into the drafts of
    the schools in the caller's reach; ``dryRun=true`` checks only, ``atomic=true`` writes nothing
    when any value is refused. Answers an import summary with counts and conflicts.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportDataValueSetSchema
          text/csv:
            schema:
              type: string
      responses:
        200:
          description: "{status, dryRun, importCount: {imported, updated, deleted, ignored}, conflicts}"
    """
    task = task_for(current_user, task_id)
    if request.mimetype == "text/csv":
        values = exchange.parse_csv(request.get_data(as_text=True))
    else:
        values = load_json(schemas.ReportDataValueSetSchema())["dataValues"]
    truthy = ("1", "true", "yes")
    summary = exchange.import_values(current_user, task, values,
                                     dry_run=request.args.get("dryRun", "").lower() in truthy,
                                     atomic=request.args.get("atomic", "").lower() in truthy)
    if summary.dry_run:
        db.session.rollback()
    else:
        commit()
    return summary.as_dict()
