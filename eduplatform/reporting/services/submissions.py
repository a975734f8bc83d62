"""Filling in: drafts with a version check, submitting, deadline locks and reopening, value history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError, Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.templating import localtime
from eduplatform.reporting.models import (
    SCHOOL_HOLDS,
    Submission,
    SubmissionAttachment,
    SubmissionStatus,
    ValueChange,
)
from eduplatform.reporting.services import notices, review
from eduplatform.reporting.services.standing import lock_reason, spec_of
from eduplatform.reporting.spec import TemplateSpec


class Locked(AppError):
    """The form cannot be changed now; ``message`` says why (closed, approved, past the deadline)."""

    status = 409
    code = "locked"


@dataclass
class SaveResult:
    changed: list[str] = field(default_factory=list)
    #: cells refused for their type; their earlier value was kept
    errors: dict[str, list[str]] = field(default_factory=dict)


def ensure_editable(submission: Submission) -> None:
    reason = lock_reason(submission)
    if reason:
        raise Locked(reason)


def _check_version(submission: Submission, expected_version) -> None:
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("版本号无效", fields={"version": ["版本号须为整数"]}) from exc
    if expected != submission.version:
        who = submission_editor_name(submission)
        raise Conflict(f"此填报已被{who}于 {localtime(submission.updated_at)} 修改（当前版本 {submission.version}，"
                       f"您编辑的是版本 {expected}）。为避免覆盖对方的修改，请刷新页面后再保存。",
                       code="version_conflict")


def submission_editor_name(submission: Submission) -> str:
    from eduplatform.accounts.models import User

    user = db.session.get(User, submission.updated_by_id) if submission.updated_by_id else None
    return user.display_name if user else "他人"


def save_values(submission: Submission, actor, raw: dict, *, expected_version=None, source: str = "form",
                spec: TemplateSpec | None = None, parsed: bool = False) -> SaveResult:
    """Merge ``raw`` values into the draft, recompute, and keep the numbers and history in step.

    Cells with a value of the wrong type are reported and keep their earlier value. The document,
    the numbers, the history and the version bump go into the caller's transaction together.
    """
    ensure_editable(submission)
    _check_version(submission, expected_version)
    spec = spec or spec_of(submission)
    if parsed:
        values, errors = raw, {}
    else:
        values, errors = spec.parse_values(raw)
    _check_attachments(submission, spec, values, errors)
    old = submission.data or {}
    new = spec.compute(spec.merge(old, values))
    changed = _write_cells(submission, spec, old, new, actor, source)
    submission.data = new
    if submission.status == SubmissionStatus.NOT_STARTED:
        submission.status = SubmissionStatus.DRAFT
    submission.updated_at = utcnow()
    submission.updated_by_id = getattr(actor, "id", None)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict("此填报刚被他人修改，请刷新页面后再保存", code="version_conflict") from exc
    if changed:
        record("reporting", "submission.saved", f"保存“{submission.task.title}”草稿（{len(changed)} 项变更）",
               actor=actor, obj=submission, data={"source": source, "changed": changed[:50]})
    return SaveResult(changed=changed, errors=errors)


def _check_attachments(submission, spec, values, errors) -> None:
    file_fields = [code for code, f in spec.fields.items() if f["type"] == "file" and values.get(code)]
    if not file_fields:
        return
    owned = dict(db.session.execute(sa.select(SubmissionAttachment.id, SubmissionAttachment.field_key).where(
        SubmissionAttachment.submission_id == submission.id)).all())
    for code in file_fields:
        if owned.get(values[code]) != code:
            errors.setdefault(code, []).append("附件不属于此填报项，请重新上传")
            del values[code]


def _write_cells(submission, spec, old, new, actor, source) -> list[str]:
    """History rows for changed cells; the packed numbers kept equal to the document."""
    old_cells, new_cells = spec.cells(old), spec.cells(new)
    changed = [key for key in {**old_cells, **new_cells} if old_cells.get(key) != new_cells.get(key)]
    now = utcnow()
    if changed:
        db.session.execute(ValueChange.__table__.insert(), [
            {"submission_id": submission.id, "key": key, "old_value": old_cells.get(key),
             "new_value": new_cells.get(key), "changed_by_id": getattr(actor, "id", None), "changed_at": now,
             "source": source} for key in changed])
    submission.numbers = spec.pack_numbers(new)
    return sorted(changed)


def submit_submission(submission: Submission, actor, *, raw: dict | None = None, expected_version=None,
                      source: str = "form") -> None:
    """Save what came with the request, check everything, and hand the form to the reviewers."""
    ensure_editable(submission)
    if raw:
        result = save_values(submission, actor, raw, expected_version=expected_version, source=source)
        if result.errors:
            raise ValidationFailed(f"有 {len(result.errors)} 处填写格式不正确，未能上报", fields=result.errors)
    else:
        _check_version(submission, expected_version)
    problems = spec_of(submission).submit_problems(submission.data or {})
    if problems:
        raise ValidationFailed(f"有 {len(problems)} 处需要修改后才能上报", code="invalid_values",
                               fields=problems)
    review.submit(submission, actor)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict("此填报刚被他人修改，请刷新页面后再上报", code="version_conflict") from exc


def reopen_submission(submission: Submission, actor, *, until: datetime, reason: str) -> None:
    """开放补报: let one school enter data past the lock date, until ``until``; audited."""
    reason = (reason or "").strip()
    if submission.status not in SCHOOL_HOLDS:
        raise Conflict(f"当前状态为“{submission.status.label}”，无需开放补报（已上报的请使用退回）")
    if not submission.task.is_open:
        raise Conflict("任务已关闭，不能开放补报")
    if until <= utcnow():
        raise ValidationFailed("补报截止时间须晚于现在", fields={"until": ["补报截止时间须晚于现在"]})
    if len(reason) < 2:
        raise ValidationFailed("请填写开放补报的原因", fields={"reason": ["请填写原因"]})
    previous = submission.reopened_until
    submission.reopened_until = until
    submission.updated_at = utcnow()
    review.record_event(submission, actor, "reopen", reason, {"until": until.isoformat()})
    record("reporting", "submission.reopened",
           f"为{submission.school.name}开放“{submission.task.title}”补报至 {localtime(until)}：{reason}",
           actor=actor, obj=submission,
           data={"until": until.isoformat(), "previous": previous.isoformat() if previous else None})
    notices.notify(submission.school, f"已开放补报：“{submission.task.title}”",
                   f"可补报至 {localtime(until)}。原因：{reason}", link=f"/reporting/submissions/{submission.id}",
                   kind="reopened", task=submission.task, email=True)
    db.session.flush()


def value_history(submission: Submission, key: str | None = None, limit: int = 500) -> list[ValueChange]:
    query = (sa.select(ValueChange).where(ValueChange.submission_id == submission.id)
             .order_by(ValueChange.changed_at.desc(), ValueChange.id.desc()).limit(limit))
    if key:
        query = query.where(ValueChange.key == key)
    return list(db.session.scalars(query))


def get_submission(submission_id: int) -> Submission | None:
    return db.session.get(Submission, submission_id)


def submission_for(task, school) -> Submission | None:
    return db.session.scalar(sa.select(Submission).where(Submission.task_id == task.root.id,
                                                         Submission.school_id == school.id))


def add_attachment(submission: Submission, actor, *, field_key: str, upload, filename: str,
                   content_type: str | None) -> SubmissionAttachment:
    """Store a file for a file field; the draft references it by id once saved."""
    from flask import current_app

    from eduplatform.core.storage.services import store_file
    from eduplatform.reporting.services.attachments import check_upload

    ensure_editable(submission)
    spec = spec_of(submission)
    field_def = spec.field(field_key)
    if field_def is None or field_def["type"] != "file":
        raise ValidationFailed("该字段不是附件字段", fields={"field": ["该字段不是附件字段"]})
    stream = check_upload(upload, filename)
    stored = store_file(stream, prefix="reporting/submissions", filename=filename, content_type=content_type,
                        actor=actor, max_size=current_app.config["REPORTING_MAX_ATTACHMENT_BYTES"])
    attachment = SubmissionAttachment(submission_id=submission.id, field_key=field_key, file=stored,
                                      created_by_id=getattr(actor, "id", None))
    db.session.add(attachment)
    db.session.flush()
    record("reporting", "submission.attachment_added", f"上传附件 {stored.filename}", actor=actor,
           obj=submission, data={"field": field_key, "file": stored.id})
    return attachment


def attachments_of(submission: Submission) -> dict[int, SubmissionAttachment]:
    return {a.id: a for a in db.session.scalars(sa.select(SubmissionAttachment).where(
        SubmissionAttachment.submission_id == submission.id))}
