"""/api/v1/report-tasks: issuing a task down the tree, passing it down, 催报, closing, attachments."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import load_json, paginated, uploaded_file
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.permissions import require
from eduplatform.reporting import permissions, schemas
from eduplatform.reporting.api import bp
from eduplatform.reporting.api.common import commit
from eduplatform.reporting.lookup import task_for, when
from eduplatform.reporting.services import reminders
from eduplatform.reporting.services import submissions as submission_services
from eduplatform.reporting.services import tasks as task_services
from eduplatform.reporting.services import templates as template_services


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
    return (version, *_deadlines(data))


def _deadlines(data) -> tuple:
    """``due_at`` (required) and ``lock_at``, which defaults to the due date."""
    due_at = when(data["due_at"], "due_at")
    return due_at, when(data["lock_at"], "lock_at", required=False) or due_at


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
    commit()
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
    due_at, lock_at = _deadlines(data)
    child = task_services.pass_down(current_user, task, district=current_user.scope_root, due_at=due_at,
                                    lock_at=lock_at, instructions=data["instructions"], title=data["title"])
    commit()
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
    commit()
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
    commit()
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
    upload = uploaded_file("请选择要上传的文件")
    attachment = task_services.add_attachment(current_user, task, upload.stream, filename=upload.filename,
                                              content_type=upload.mimetype)
    commit()
    return schemas.ReportAttachmentSchema().dump(attachment), 201
