"""/api/v1/report-tasks/<id>/submissions: a school's form — autosave, submit, review, 补报, history,
file fields and the offline Excel form."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_json, paginated, uploaded_file
from eduplatform.core.permissions import require
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting import permissions, schemas
from eduplatform.reporting.api import bp
from eduplatform.reporting.api.common import commit
from eduplatform.reporting.lookup import XLSX, send_temp_file, submission_for, task_for, when
from eduplatform.reporting.models import Submission
from eduplatform.reporting.services import excel, review
from eduplatform.reporting.services import submissions as submission_services


def _submission_body(submission) -> dict:
    body = schemas.ReportSubmissionSchema().dump(submission)
    body["lock_reason"] = submission_services.lock_reason(submission)
    body["waiting"] = review.waiting_label(submission)
    body["actions"] = review.available_actions(submission, current_user)
    body["can_fill"] = permissions.can_fill_submission(current_user, submission) and body["lock_reason"] is None
    return body


def _submission(task_id, submission_id) -> Submission:
    """The submission, which must belong to the task; both must be visible to the caller."""
    return submission_for(current_user, submission_id, task_for(current_user, task_id))


def _fillable(task_id, submission_id) -> Submission:
    submission = _submission(task_id, submission_id)
    require(permissions.can_fill_submission(current_user, submission), action="report_submission.fill",
            obj=submission, message="只有本校的学校管理员可以填报")
    return submission


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
    return _submission_body(_submission(task_id, submission_id))


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
    commit()
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
    commit()
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
    submission = _submission(task_id, submission_id)
    data = load_json(schemas.ReportReviewSchema())
    if data["action"] == "approve":
        review.approve(submission, current_user, data["comment"])
    else:
        review.send_back(submission, current_user, data["comment"])
    commit()
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
    submission = _submission(task_id, submission_id)
    require(permissions.can_reopen_submission(current_user, submission), action="report_submission.reopen",
            obj=submission)
    data = load_json(schemas.ReportReopenSchema())
    submission_services.reopen_submission(submission, current_user, until=when(data["until"], "until"),
                                          reason=data["reason"])
    commit()
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
    submission = _submission(task_id, submission_id)
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
    submission = _submission(task_id, submission_id)
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
    upload = uploaded_file("请选择要上传的文件")
    attachment = submission_services.add_attachment(submission, current_user, field_key=request.form.get("field", ""),
                                                    upload=upload.stream, filename=upload.filename,
                                                    content_type=upload.mimetype)
    commit()
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
    submission = _submission(task_id, submission_id)
    path = excel.temp_path()
    excel.form_workbook(submission, path)
    return send_temp_file(path, f"{submission.school.code}-{submission.task.title}.xlsx", XLSX)


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
    upload = uploaded_file("请选择要导入的 Excel 文件")
    raw = excel.read_form(submission, upload.stream, overwrite=request.form.get("overwrite") in ("1", "true", "on"))
    result = submission_services.save_values(submission, current_user, raw, source="excel")
    commit()
    return {"submission": _submission_body(submission), "changed": result.changed}
