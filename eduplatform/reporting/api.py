"""REST API for reporting: templates, tasks, submissions, review, results, Excel and bulk exchange."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Response, request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_json, make_api_blueprint, paginated
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.streaming import stream_after_request
from eduplatform.core.text.timeutil import iso
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting import permissions, schemas
from eduplatform.reporting.lookup import XLSX, send_temp_file, submission_for, task_for, template_for, when
from eduplatform.reporting.models import Notice, Submission
from eduplatform.reporting.services import (
    aggregation,
    completeness,
    excel,
    exchange,
    notices,
    reminders,
    review,
)
from eduplatform.reporting.services import submissions as submission_services
from eduplatform.reporting.services import tasks as task_services
from eduplatform.reporting.services import templates as template_services
from eduplatform.reporting.spec import DefinitionError, compile_definition

bp = make_api_blueprint("reporting_api", __name__)


def _commit():
    db.session.commit()
    notices.deliver_after_commit()


# --- templates -----------------------------------------------------------------------------------


@bp.get("/report-templates")
@login_required
def list_templates():
    """Report templates the caller's bureau may use (its own, those above and below it).
    ---
    get:
      responses:
        200:
          description: "{items, page, per_page, total, pages} of ReportTemplateSchema"
    """
    require(permissions.is_bureau_user(current_user), action="report_template.list")
    return paginated(template_services.visible_templates_query(current_user), schemas.ReportTemplateSchema())


@bp.post("/report-templates")
@login_required
def create_template():
    """Create a template (with a first draft version) owned by the caller's bureau.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportTemplateCreateSchema
      responses:
        201:
          content:
            application/json:
              schema: ReportTemplateSchema
    """
    require(permissions.can_create_template(current_user), action="report_template.create")
    data = load_json(schemas.ReportTemplateCreateSchema())
    template = template_services.create_template(current_user, owner_org=current_user.scope_root, code=data["code"],
                                                 name=data["name"], description=data["description"],
                                                 definition=data["definition"])
    _commit()
    return schemas.ReportTemplateSchema().dump(template), 201


@bp.get("/report-templates/<int:template_id>")
@login_required
def get_template(template_id):
    """One template with its versions and the current draft's definition.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ReportTemplateSchema
    """
    template = template_for(current_user, template_id)
    body = schemas.ReportTemplateSchema().dump(template)
    current = template.draft or template.latest_published
    body["definition"] = current.definition if current else None
    body["can_edit"] = permissions.can_edit_template(current_user, template)
    return body


@bp.patch("/report-templates/<int:template_id>")
@login_required
def update_template(template_id):
    """Rename a template or change its description.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ReportTemplateUpdateSchema
      responses:
        200:
          content:
            application/json:
              schema: ReportTemplateSchema
    """
    template = template_for(current_user, template_id, edit=True)
    data = load_json(schemas.ReportTemplateUpdateSchema())
    template_services.update_template_info(current_user, template, name=data["name"], description=data["description"])
    _commit()
    return schemas.ReportTemplateSchema().dump(template)


@bp.put("/report-templates/<int:template_id>/draft")
@login_required
def save_template_draft(template_id):
    """Save the designer's definition into the draft version (a draft is opened after a publish).
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: ReportDraftDefinitionSchema
      responses:
        200:
          content:
            application/json:
              schema: ReportVersionSchema
        422:
          description: "definition errors by path, e.g. sections.0.fields.2.formula"
    """
    template = template_for(current_user, template_id, edit=True)
    data = load_json(schemas.ReportDraftDefinitionSchema())
    draft = template_services.save_draft(current_user, template, data["definition"], expected_version=data["version"])
    _commit()
    return schemas.ReportVersionSchema().dump(draft)


@bp.post("/report-templates/<int:template_id>/check")
@login_required
def check_template_definition(template_id):
    """Check a definition without saving it: ``{valid, errors: {path: [message]}}`` (always 200).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportDraftDefinitionSchema
      responses:
        200:
          description: "{valid: bool, errors: {sections.0.fields.2.formula: [message]}}"
    """
    template_for(current_user, template_id, edit=True)
    data = load_json(schemas.ReportDraftDefinitionSchema())
    try:
        compile_definition(data["definition"])
    except DefinitionError as exc:
        return {"valid": False, "message": exc.message, "errors": exc.fields}
    return {"valid": True, "errors": {}}


@bp.post("/report-templates/<int:template_id>/publish")
@login_required
def publish_template(template_id):
    """Publish the draft as a new frozen version.
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: ReportVersionSchema
    """
    template = template_for(current_user, template_id, edit=True)
    version = template_services.publish_draft(current_user, template)
    _commit()
    return schemas.ReportVersionSchema().dump(version)


@bp.get("/report-templates/<int:template_id>/versions/<int:number>")
@login_required
def get_template_version(template_id, number):
    """One version's definition.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ReportVersionSchema
    """
    template = template_for(current_user, template_id)
    version = template_services.version_by_number(template, number)
    if version is None:
        raise NotFound("模板版本不存在")
    return schemas.ReportVersionSchema().dump(version)


# --- tasks ---------------------------------------------------------------------------------------


@bp.get("/report-tasks")
@login_required
def list_tasks():
    """Report tasks the caller sees: issued in their subtree, or reaching their schools / their school.
    ---
    get:
      responses:
        200:
          description: "{items, page, per_page, total, pages} of ReportTaskSchema"
    """
    return paginated(task_services.visible_tasks_query(current_user), schemas.ReportTaskSchema())


def _issue_args(data):
    template = template_services.find_template(data["template"])
    if template is None or not permissions.can_view_template(current_user, template):
        raise ValidationFailed("模板不存在或无权使用", fields={"template": ["模板不存在或无权使用"]})
    if data["version"]:
        version = template_services.version_by_number(template, data["version"])
    else:
        version = template.latest_published
    if version is None or not version.is_published:
        raise ValidationFailed("模板没有可用的已发布版本", fields={"version": ["请指定已发布的版本"]})
    due_at = when(data["due_at"], "due_at")
    lock_at = when(data["lock_at"], "lock_at", required=False) or due_at
    return version, due_at, lock_at


@bp.post("/report-tasks")
@login_required
def issue_task():
    """Issue a task to schools (whole subtree, by 学段, picked by hand), one submission per school.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportTaskIssueSchema
      responses:
        201:
          content:
            application/json:
              schema: ReportTaskSchema
    """
    require(permissions.can_issue_task(current_user), action="report_task.issue")
    data = load_json(schemas.ReportTaskIssueSchema())
    version, due_at, lock_at = _issue_args(data)
    task = task_services.issue_task(current_user, issuer=current_user.scope_root, version=version, title=data["title"],
                                    period=data["period"], due_at=due_at, lock_at=lock_at,
                                    instructions=data["instructions"], targets=data["targets"])
    _commit()
    return schemas.ReportTaskSchema().dump(task), 201


@bp.post("/report-tasks/target-preview")
@login_required
def preview_targets():
    """The schools a target rule would pick (before issuing).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportTargetPreviewSchema
      responses:
        200:
          description: "{count, schools: [{code, name}]} (first 200)"
    """
    require(permissions.can_issue_task(current_user), action="report_task.issue")
    data = load_json(schemas.ReportTargetPreviewSchema())
    schools = task_services.resolve_targets(current_user.scope_root, data["targets"])
    return {"count": len(schools), "schools": [{"code": s.code, "name": s.name} for s in schools[:200]]}


@bp.get("/report-tasks/<int:task_id>")
@login_required
def get_task(task_id):
    """One task, with its pass-downs and attachments; ``my_submission`` for a school.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ReportTaskSchema
    """
    task = task_for(current_user, task_id)
    body = schemas.ReportTaskSchema().dump(task)
    if permissions.is_school_reporter(current_user):
        mine = submission_services.submission_for(task, current_user.scope_root)
        body["my_submission"] = schemas.ReportSubmissionSummarySchema().dump(mine) if mine else None
    body["can_pass_down"] = permissions.can_pass_down(current_user, task)
    return body


@bp.post("/report-tasks/<int:task_id>/pass-down")
@login_required
def pass_down(task_id):
    """A district passes a city task on to its schools with its own earlier dates and instructions.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportPassDownSchema
      responses:
        201:
          content:
            application/json:
              schema: ReportTaskSchema
    """
    task = task_for(current_user, task_id)
    require(permissions.can_pass_down(current_user, task), action="report_task.pass_down", obj=task)
    data = load_json(schemas.ReportPassDownSchema())
    due_at = when(data["due_at"], "due_at")
    lock_at = when(data["lock_at"], "lock_at", required=False) or due_at
    child = task_services.pass_down(current_user, task, district=current_user.scope_root, due_at=due_at,
                                    lock_at=lock_at, instructions=data["instructions"], title=data["title"])
    _commit()
    return schemas.ReportTaskSchema().dump(child), 201


@bp.post("/report-tasks/<int:task_id>/remind")
@login_required
def remind(task_id):
    """催报: notify every school in the caller's scope that has not reported (and e-mail them).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportRemindSchema
      responses:
        200:
          description: "{reminded: number of schools}"
    """
    task = task_for(current_user, task_id)
    require(permissions.can_remind(current_user, task), action="report_task.remind", obj=task)
    data = load_json(schemas.ReportRemindSchema()) if request.get_data() else {"message": ""}
    count = reminders.remind_late(current_user, task, scope=current_user.scope_root, message=data["message"])
    _commit()
    return {"reminded": count}


@bp.post("/report-tasks/<int:task_id>/close")
@login_required
def close_task(task_id):
    """Close the task: nothing more can be entered.
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: ReportTaskSchema
    """
    task = task_for(current_user, task_id)
    require(permissions.can_manage_task(current_user, task), action="report_task.close", obj=task)
    task_services.close_task(current_user, task)
    _commit()
    return schemas.ReportTaskSchema().dump(task)


@bp.post("/report-tasks/<int:task_id>/attachments")
@login_required
def add_task_attachment(task_id):
    """Attach a file (instructions, a notice) to a task: multipart field ``file``.
    ---
    post:
      responses:
        201:
          content:
            application/json:
              schema: ReportAttachmentSchema
    """
    task = task_for(current_user, task_id)
    require(permissions.can_manage_task(current_user, task) or task.issuer_org_id == current_user.scope_root.id,
            action="report_task.attach", obj=task)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要上传的文件", fields={"file": ["请选择文件"]})
    attachment = task_services.add_attachment(current_user, task, upload.stream, filename=upload.filename,
                                              content_type=upload.mimetype)
    _commit()
    return schemas.ReportAttachmentSchema().dump(attachment), 201


# --- submissions ---------------------------------------------------------------------------------


def _submission_body(submission) -> dict:
    body = schemas.ReportSubmissionSchema().dump(submission)
    body["lock_reason"] = submission_services.lock_reason(submission)
    body["waiting"] = review.waiting_label(submission)
    body["actions"] = review.available_actions(submission, current_user)
    body["can_fill"] = permissions.can_fill_submission(current_user, submission) and body["lock_reason"] is None
    return body


@bp.get("/report-tasks/<int:task_id>/submissions")
@login_required
def list_submissions(task_id):
    """The task's submissions the caller may see (a school: its own); filter by ``status``, ``district``.
    ---
    get:
      parameters:
        - {in: query, schema: SubmissionListArgsSchema}
      responses:
        200:
          description: "{items, page, per_page, total, pages} of ReportSubmissionSummarySchema"
    """
    task = task_for(current_user, task_id)
    query = (sa.select(Submission).join(OrgUnit, OrgUnit.id == Submission.school_id)
             .where(Submission.task_id == task.root.id).order_by(OrgUnit.code))
    query = permissions.visible_submissions(current_user, query)
    args = load_args(schemas.SubmissionListArgsSchema())
    if args["status"]:
        query = query.where(Submission.status == args["status"])
    if args["district"]:
        query = query.where(Submission.district_id == args["district"])
    return paginated(query, schemas.ReportSubmissionSummarySchema())


@bp.get("/report-tasks/<int:task_id>/submissions/<int:submission_id>")
@login_required
def get_submission(task_id, submission_id):
    """One submission with its values, lock reason and the actions open to the caller.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ReportSubmissionSchema
    """
    task = task_for(current_user, task_id)
    return _submission_body(submission_for(current_user, submission_id, task))


def _fillable(task_id, submission_id):
    task = task_for(current_user, task_id)
    submission = submission_for(current_user, submission_id, task)
    require(permissions.can_fill_submission(current_user, submission), action="report_submission.fill",
            obj=submission, message="只有本校的学校管理员可以填报")
    return submission


@bp.put("/report-tasks/<int:task_id>/submissions/<int:submission_id>/draft")
@login_required
def save_draft(task_id, submission_id):
    """Save values into the draft (autosave). ``version`` must be the one read; 409 on a conflict.

    Cells with a value of the wrong type are listed in ``errors`` and keep their earlier value.
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: ReportDraftValuesSchema
      responses:
        200:
          description: "{submission: ReportSubmissionSchema, errors: {cell: [message]}, changed: [cell]}"
        409:
          description: "locked (with the reason) or version_conflict"
    """
    submission = _fillable(task_id, submission_id)
    data = load_json(schemas.ReportDraftValuesSchema())
    result = submission_services.save_values(submission, current_user, data["values"], expected_version=data["version"],
                                             source="api" if request.authorization else "form")
    _commit()
    return {"submission": _submission_body(submission), "errors": result.errors, "changed": result.changed}


@bp.post("/report-tasks/<int:task_id>/submissions/<int:submission_id>/submit")
@login_required
def submit(task_id, submission_id):
    """Hand the form in for review; every rule is checked and problems come back per cell (422).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportSubmitSchema
      responses:
        200:
          content:
            application/json:
              schema: ReportSubmissionSchema
        422:
          description: "fields: {cell: [message]}"
    """
    submission = _fillable(task_id, submission_id)
    data = load_json(schemas.ReportSubmitSchema())
    submission_services.submit_submission(submission, current_user, raw=data["values"],
                                          expected_version=data["version"], source="api")
    _commit()
    return _submission_body(submission)


@bp.post("/report-tasks/<int:task_id>/submissions/<int:submission_id>/review")
@login_required
def review_submission(task_id, submission_id):
    """Approve, or return with a reason (required), at the caller's review level.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportReviewSchema
      responses:
        200:
          content:
            application/json:
              schema: ReportSubmissionSchema
    """
    task = task_for(current_user, task_id)
    submission = submission_for(current_user, submission_id, task)
    data = load_json(schemas.ReportReviewSchema())
    if data["action"] == "approve":
        review.approve(submission, current_user, data["comment"])
    else:
        review.send_back(submission, current_user, data["comment"])
    _commit()
    return _submission_body(submission)


@bp.post("/report-tasks/<int:task_id>/submissions/<int:submission_id>/reopen")
@login_required
def reopen(task_id, submission_id):
    """开放补报: let this one school enter data past the lock date, until ``until``.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportReopenSchema
      responses:
        200:
          content:
            application/json:
              schema: ReportSubmissionSchema
    """
    task = task_for(current_user, task_id)
    submission = submission_for(current_user, submission_id, task)
    require(permissions.can_reopen_submission(current_user, submission), action="report_submission.reopen",
            obj=submission)
    data = load_json(schemas.ReportReopenSchema())
    submission_services.reopen_submission(submission, current_user, until=when(data["until"], "until"),
                                          reason=data["reason"])
    _commit()
    return _submission_body(submission)


@bp.get("/report-tasks/<int:task_id>/submissions/<int:submission_id>/history")
@login_required
def value_history(task_id, submission_id):
    """Value history: who changed which cell when (``key`` filters one cell).
    ---
    get:
      responses:
        200:
          description: "{items: [ReportValueChangeSchema]}"
    """
    task = task_for(current_user, task_id)
    submission = submission_for(current_user, submission_id, task)
    changes = submission_services.value_history(submission, request.args.get("key"))
    return {"items": schemas.ReportValueChangeSchema(many=True).dump(changes)}


@bp.get("/report-tasks/<int:task_id>/submissions/<int:submission_id>/events")
@login_required
def events(task_id, submission_id):
    """Every step of the submission: submit, approve, return (with reason), reopen.
    ---
    get:
      responses:
        200:
          description: "{items: [ReportEventSchema]}"
    """
    task = task_for(current_user, task_id)
    submission = submission_for(current_user, submission_id, task)
    return {"items": schemas.ReportEventSchema(many=True).dump(review.events(submission))}


@bp.post("/report-tasks/<int:task_id>/submissions/<int:submission_id>/attachments")
@login_required
def upload_attachment(task_id, submission_id):
    """Upload a file for a file field (multipart ``field`` and ``file``); save its id in the draft.
    ---
    post:
      responses:
        201:
          description: "{id, filename, size, field}"
    """
    submission = _fillable(task_id, submission_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要上传的文件", fields={"file": ["请选择文件"]})
    attachment = submission_services.add_attachment(submission, current_user, field_key=request.form.get("field", ""),
                                                    upload=upload.stream, filename=upload.filename,
                                                    content_type=upload.mimetype)
    _commit()
    return {"id": attachment.id, "filename": attachment.file.filename, "size": attachment.file.size,
            "field": attachment.field_key}, 201


@bp.get("/report-tasks/<int:task_id>/submissions/<int:submission_id>/excel")
@login_required
def download_form(task_id, submission_id):
    """The offline Excel form, pre-filled with the submission's current values.
    ---
    get:
      responses:
        200:
          description: "an .xlsx workbook"
    """
    task = task_for(current_user, task_id)
    submission = submission_for(current_user, submission_id, task)
    path = excel.temp_path()
    excel.form_workbook(submission, path)
    return send_temp_file(path, f"{submission.school.code}-{task.root.title}.xlsx", XLSX)


@bp.post("/report-tasks/<int:task_id>/submissions/<int:submission_id>/excel")
@login_required
def upload_form(task_id, submission_id):
    """Import a filled Excel form into the draft (multipart ``file``; ``overwrite=1`` to replace
    online edits made after the download). Refused whole with cell references when any cell is bad.
    ---
    post:
      responses:
        200:
          description: "{submission, changed}"
        422:
          description: "fields: {'填报表!D7': [message]}"
    """
    submission = _fillable(task_id, submission_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要导入的 Excel 文件", fields={"file": ["请选择文件"]})
    raw = excel.read_form(submission, upload.stream, overwrite=request.form.get("overwrite") in ("1", "true", "on"))
    result = submission_services.save_values(submission, current_user, raw, source="excel")
    _commit()
    return {"submission": _submission_body(submission), "changed": result.changed}


# --- results -------------------------------------------------------------------------------------


def _results_task(task_id):
    task = task_for(current_user, task_id)
    require(permissions.can_view_results(current_user, task), action="report_task.results", obj=task)
    return task


@bp.get("/report-tasks/<int:task_id>/completeness")
@login_required
def completeness_view(task_id):
    """Completeness and timeliness: totals and per district (per school for a district; ``district=``
    drills down to that district's schools).
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
    task = _results_task(task_id)
    return aggregation.aggregate(task, current_user.scope_root, by=request.args.get("by", "district"),
                                 include=request.args.get("include", "reported"))


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
    result = aggregation.aggregate(task, current_user.scope_root, by=request.args.get("by", "district"),
                                   include=request.args.get("include", "reported"))
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
    path = excel.temp_path()
    excel.export_submissions(task, current_user.scope_root, path, statuses=statuses)
    return send_temp_file(path, f"{task.root.title}-填报数据.xlsx", XLSX)


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
        _commit()
    return summary.as_dict()


# --- inbox ---------------------------------------------------------------------------------------


@bp.get("/report-notices")
@login_required
def list_notices():
    """The notice inbox of the caller's school or bureau (``unread=1`` for unread only).
    ---
    get:
      responses:
        200:
          description: "{items, page, per_page, total, pages} of ReportNoticeSchema, plus unread"
    """
    body = paginated(notices.inbox_query(current_user, unread_only=request.args.get("unread") == "1"),
                     schemas.ReportNoticeSchema())
    body["unread"] = notices.unread_count(current_user)
    return body


@bp.post("/report-notices/<int:notice_id>/read")
@login_required
def read_notice(notice_id):
    """Mark a notice read.
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: ReportNoticeSchema
    """
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        raise NotFound("通知不存在")
    require(notices.can_read_notice(current_user, notice), action="report_notice.read", obj=notice)
    notices.mark_read(current_user, notice)
    _commit()
    return schemas.ReportNoticeSchema().dump(notice)

