"""The upload pages: the file first, then the form for the type the file suggests.

1. ``GET /resources/upload`` — choose a file (the type is not asked yet).
2. ``POST /resources/upload/file`` — the file is stored and measured (``staging``); the page for its
   likely type follows, prefilled, with the technical check in plain words.
3. ``POST /resources/upload/staged`` — the form makes the draft resource from the staged file.

``POST /resources/upload`` (type, metadata and file in one streamed request) stays for scripts that
hold a cookie session; the API's ``POST /api/v1/resources`` does the same with a token.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError as CsrfError

from eduplatform.core.errors import AppError, Conflict, ValidationFailed
from eduplatform.core.extensions import csrf, db
from eduplatform.core.permissions import require
from eduplatform.resources import bp, permissions, services, staging
from eduplatform.resources.models import Visibility
from eduplatform.resources.processing import process_after_commit
from eduplatform.resources.specs import get_specs
from eduplatform.resources.upload import upload_from_request

UPLOADED = {"pass": ("上传成功，技术规范检查全部通过。", "success"),
            "warning": ("上传成功；技术规范检查有建议改进项，仍可提交审核。", "warning"),
            "fail": ("上传成功，但未通过技术规范检查的必备项：请更换文件后再提交审核。", "danger")}


def check_csrf(token: str | None) -> None:
    """Upload forms stream their body, so their CSRF token (the first field) is checked here."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        validate_csrf(token or request.headers.get("X-CSRFToken"))
    except CsrfError as exc:
        raise AppError("页面已过期或表单令牌无效，请刷新页面后重试", code="csrf_failed") from exc


def form_context(rtype, values=None, errors=None, visibility=None, **extra):
    specs = get_specs()
    return dict(specs=specs, rtype=rtype, spec=specs.describe(rtype) if rtype else None, values=values or {},
                errors=errors or {}, visibilities=list(Visibility), visibility=visibility or Visibility.PLATFORM,
                **extra)


def form_values(fields) -> dict:
    """A posted form as the form macros read it: one value as itself, repeated ones as a list."""
    return {k: fields.getlist(k) if len(fields.getlist(k)) > 1 else fields.get(k) for k in fields}


def _textbook_values(node_id: str | None) -> dict:
    """Opened from a lesson of the 同步资源 pages: the lesson, its volume's 学段/学科/年级/版本."""
    node = get_specs().textbooks.node(node_id or "")
    if node is None:
        return {}
    return {"textbook_nodes": [node.id], "stage": node.volume.stage, "subject": node.volume.subject,
            "grade": node.volume.grade, "textbook_edition": node.volume.edition}


def _choose_file(message=None, status=200, asked=None, **extra):
    """Step 1: the file picker, carrying the type and lesson a link (or the refused post) asked for."""
    asked = request.values if asked is None else asked
    return render_template("resources/upload.html", step="file", message=message, specs=get_specs(),
                           preferred=asked.get("type") or "", textbook_node=asked.get("textbook_node") or "",
                           **extra), status


def _form_page(staged, rtype, values, errors=None, message=None, visibility=None, status=200):
    """Step 2: the chosen file, the types that take it, the check in words and the form."""
    report, result = staging.check(rtype, staged)
    return render_template(
        "resources/upload.html", step="form", staged=staged, candidates=staging.candidate_types(staged.format),
        report=report, result=result,
        textbook_node=request.values.get("textbook_node") or "", message=message,
        **form_context(rtype, values, errors, visibility)), status


@bp.get("/resources/upload")
@login_required
def upload():
    require(permissions.can_upload_resource(current_user), action="resource.create")
    token = request.args.get("staged")
    if not token:
        return _choose_file()
    try:
        staged = staging.get_staged(current_user, token)
    except ValidationFailed as exc:
        return _choose_file(exc.message, 404)
    candidates = staging.candidate_types(staged.format)
    rtype = get_specs().resolve_type(request.args.get("type"))
    if rtype not in candidates:
        rtype = staging.guess_type(staged.format, staged.file.filename)
    values = {**staging.prefill(current_user, staged, rtype), **_textbook_values(request.args.get("textbook_node"))}
    return _form_page(staged, rtype, values)


@csrf.exempt
@bp.post("/resources/upload/file")
@login_required
def upload_file_post():
    require(permissions.can_upload_resource(current_user), action="resource.create")
    incoming = upload_from_request(request)
    check_csrf(incoming.fields.get("csrf_token"))
    try:
        if incoming.file is None or not incoming.file.filename:
            raise ValidationFailed("请选择要上传的文件", code="file_missing", fields={"file": ["请选择要上传的文件"]})
        staged = staging.stage_file(current_user, incoming.file)
        incoming.finish()
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()  # removes the stored object, if any
        duplicate = exc.fields.get("existing_id") if isinstance(exc.fields, dict) else None
        return _choose_file(exc.message, exc.status, asked=incoming.fields, duplicate_id=duplicate)
    rtype = staging.guess_type(staged.format, staged.file.filename, incoming.fields.get("type"))
    db.session.commit()
    return redirect(url_for("resources.upload", staged=staged.token, type=rtype.code,
                            textbook_node=incoming.fields.get("textbook_node") or None))


@bp.post("/resources/upload/staged")
@login_required
def upload_staged_post():
    require(permissions.can_upload_resource(current_user), action="resource.create")
    try:
        staged = staging.get_staged(current_user, request.form.get("staged"))
    except ValidationFailed as exc:
        return _choose_file(exc.message, 404)
    rtype = get_specs().resolve_type(request.form.get("type"))
    if rtype not in staging.candidate_types(staged.format):
        rtype = staging.guess_type(staged.format, staged.file.filename)
    try:
        resource = staging.create_from_staged(current_user, staged, request.form)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        staged = staging.get_staged(current_user, request.form.get("staged"))
        return _form_page(staged, rtype, form_values(request.form), exc.fields if isinstance(exc.fields, dict)
                          else {}, exc.message, request.form.get("visibility"), exc.status)
    db.session.commit()
    process_after_commit(resource)
    text, category = UPLOADED[resource.version.conformance_status]
    flash(text, category)
    return redirect(url_for("resources.detail", resource_id=resource.id))


@bp.post("/resources/upload/discard")
@login_required
def upload_discard():
    """Choose another file: the staged one goes."""
    require(permissions.can_upload_resource(current_user), action="resource.create")
    try:
        staging.discard(current_user, staging.get_staged(current_user, request.form.get("staged")))
    except ValidationFailed:
        pass  # already gone: choosing another file is what the person wants either way
    db.session.commit()
    return redirect(url_for("resources.upload", type=request.form.get("type") or None,
                            textbook_node=request.form.get("textbook_node") or None))


@csrf.exempt
@bp.post("/resources/upload")
@login_required
def upload_post():
    require(permissions.can_upload_resource(current_user), action="resource.create")
    incoming = upload_from_request(request)
    check_csrf(incoming.fields.get("csrf_token"))
    try:
        resource = services.create_from_upload(current_user, incoming)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()  # removes a stored object, if any
        duplicate = exc.fields.get("existing_id") if isinstance(exc.fields, dict) else None
        return _choose_file(exc.message, exc.status, asked=incoming.fields, duplicate_id=duplicate)
    db.session.commit()
    process_after_commit(resource)
    text, category = UPLOADED[resource.version.conformance_status]
    flash(text, category)
    return redirect(url_for("resources.detail", resource_id=resource.id))
