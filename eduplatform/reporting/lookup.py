"""Fetching objects by id for views and the API, always through a permission predicate (IDOR)."""

from __future__ import annotations

import os
from urllib.parse import quote

from flask import Response, send_file

from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import get_visible_or_404, require
from eduplatform.core.text.timeutil import BadDate, parse_local_datetime
from eduplatform.reporting import permissions
from eduplatform.reporting.models import ReportTemplate, Submission
from eduplatform.reporting.models.tasks import ReportTask


def template_for(user, template_id: int, *, edit: bool = False) -> ReportTemplate:
    template = get_visible_or_404(ReportTemplate, template_id, user, can=permissions.can_view_template,
                                  action="report_template.view", missing="报表模板不存在")
    if edit:
        require(permissions.can_edit_template(user, template), action="report_template.edit", obj=template,
                message="只有模板所属单位可以修改模板")
    return template


def task_for(user, task_id: int) -> ReportTask:
    return get_visible_or_404(ReportTask, task_id, user, can=permissions.can_view_task, action="report_task.view",
                              missing="填报任务不存在")


def submission_for(user, submission_id: int, task: ReportTask | None = None) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None or (task is not None and submission.task_id != task.root.id):
        raise NotFound("填报记录不存在")
    require(permissions.can_view_submission(user, submission), action="report_submission.view", obj=submission)
    return submission


def when(value, field: str, *, required: bool = True):
    if value in (None, "") and not required:
        return None
    try:
        return parse_local_datetime(value)
    except BadDate as exc:
        raise ValidationFailed(str(exc), fields={field: [str(exc)]}) from exc


def send_temp_file(path: str, download_name: str, mimetype: str):
    """Send a generated file and delete it once sent."""
    response = send_file(path, as_attachment=True, download_name=download_name, mimetype=mimetype,
                         max_age=0)
    response.call_on_close(lambda: os.path.exists(path) and os.unlink(path))
    return response


def stream_download(body, download_name: str, mimetype: str) -> Response:
    """A download whose body is produced while it is sent (``core.streaming.stream_after_request``)."""
    ascii_name = download_name.encode("ascii", "ignore").decode().strip() or "export"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download_name)}",
        "Cache-Control": "no-store", "X-Accel-Buffering": "no"})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
