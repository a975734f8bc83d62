"""/api/v1/report-tasks/<id>/…: completeness and timeliness, aggregation, Excel exports of the results."""

from __future__ import annotations

from datetime import datetime

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args
from eduplatform.core.permissions import require
from eduplatform.core.streaming import stream_after_request
from eduplatform.core.text.timeutil import iso
from eduplatform.reporting import permissions, schemas
from eduplatform.reporting.api import bp
from eduplatform.reporting.lookup import XLSX, send_temp_file, stream_download, task_for
from eduplatform.reporting.services import aggregation, completeness, excel


def _results_task(task_id):
    task = task_for(current_user, task_id)
    require(permissions.can_view_results(current_user, task), action="report_task.results", obj=task)
    return task


def _aggregate(task) -> dict:
    """The aggregation the query asks for: ``by`` district | stage | none, ``include`` reported | approved."""
    return aggregation.aggregate(task, current_user.scope_root, by=request.args.get("by", "district"),
                                 include=request.args.get("include", "reported"))


@bp.get("/report-tasks/<int:task_id>/completeness")
@login_required
def completeness_view(task_id):
    """Completeness and timeliness: totals and per district (per school for a district; ``district=``
    drills down to that district's schools). expected = reported + returned + missing; reported =
    on_time + late; completeness_rate = reported ÷ expected; timeliness_rate = on_time ÷ expected. A
    returned submission is not reported until it is handed in again.
    ---
    get:
      responses:
        200:
          description: "{total, groups[, schools]}"
    """
    task = _results_task(task_id)
    scope = current_user.scope_root
    body = completeness.summary(task, scope)
    if request.args.get("district"):
        rows = completeness.schools(task, scope, district=request.args["district"])
        body["schools"] = [{key: iso(value) if isinstance(value, datetime) else value for key, value in row.items()}
                           for row in rows]
    return body


@bp.get("/report-tasks/<int:task_id>/aggregate")
@login_required
def aggregate_view(task_id):
    """Sum, mean, min, max and count of every number, ``by`` district | stage | none,
    over ``include`` = reported (default) or approved submissions.
    ---
    get:
      responses:
        200:
          description: "{groups, fields, values: {key: {group: {n, sum, mean, min, max}, _total: …}}}"
    """
    return _aggregate(_results_task(task_id))


@bp.get("/report-tasks/<int:task_id>/aggregate.xlsx")
@login_required
def aggregate_excel(task_id):
    """The aggregation as an Excel workbook (one sheet per statistic).
    ---
    get:
      responses:
        200:
          description: "an .xlsx workbook"
    """
    task = _results_task(task_id)
    result = _aggregate(task)
    path = excel.temp_path()
    excel.export_aggregate(result, path, task=task.root)
    return send_temp_file(path, f"{task.root.title}-汇总.xlsx", XLSX)


@bp.get("/report-tasks/<int:task_id>/export.xlsx")
@login_required
def export_excel(task_id):
    """Every submission's values in the caller's scope as an Excel workbook (streamed in batches).
    ---
    get:
      parameters:
        - {in: query, schema: SubmissionExportArgsSchema}
      responses:
        200:
          description: "an .xlsx workbook"
    """
    task = _results_task(task_id)
    statuses = load_args(schemas.SubmissionExportArgsSchema())["status"] or None
    body = stream_after_request(excel.export_submissions_stream, task.root.id, current_user.scope_root.id,
                                statuses=statuses)
    return stream_download(body, f"{task.root.title}-填报数据.xlsx", XLSX)
