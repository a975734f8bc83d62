"""HTML pages for reporting: templates and the designer, tasks, the fill-in form, review, results."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_form, load_json
from eduplatform.core.errors import AppError, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.core.permissions import require
from eduplatform.core.streaming import stream_after_request
from eduplatform.core.text.timeutil import local_input_value
from eduplatform.orgs.models import STAGE_LABELS, OrgType, OrgUnit
from eduplatform.reporting import bp, designer, permissions, schemas
from eduplatform.reporting.lookup import (
    XLSX,
    send_temp_file,
    stream_download,
    submission_for,
    task_for,
    template_for,
    when,
)
from eduplatform.reporting.models import ReportTemplate, Submission, TaskAttachment
from eduplatform.reporting.models.submissions import SubmissionAttachment
from eduplatform.reporting.services import aggregation, completeness, excel, notices, reminders, review
from eduplatform.reporting.services import submissions as submission_services
from eduplatform.reporting.services import tasks as task_services
from eduplatform.reporting.services import templates as template_services
from eduplatform.reporting.services.submissions import spec_of
from eduplatform.reporting.spec import DefinitionError
from eduplatform.schools.models.profile import SCHOOL_TYPE_LABELS


def _commit():
    db.session.commit()
    notices.deliver_after_commit()


@bp.get("/")
@login_required
def index():
    if permissions.is_school_reporter(current_user):
        return redirect(url_for("reporting.todo"))
    return redirect(url_for("reporting.task_list"))


# --- templates -----------------------------------------------------------------------------------


@bp.get("/templates")
@login_required
def template_list():
    require(permissions.is_bureau_user(current_user), action="report_template.list")
    templates = db.session.scalars(template_services.visible_templates_query(current_user)).all()
    return render_template("reporting/template_list.html", templates=templates,
                           can_create=permissions.can_create_template(current_user))


@bp.post("/templates")
@login_required
def template_create():
    require(permissions.can_create_template(current_user), action="report_template.create")
    data = load_form(schemas.ReportTemplateCreateSchema())
    template = template_services.create_template(current_user, owner_org=current_user.scope_root,
                                                 code=data["code"], name=data["name"],
                                                 description=data["description"])
    _commit()
    flash(f"已建立模板“{template.name}”，请设计字段后发布", "success")
    return redirect(url_for("reporting.template_design", template_id=template.id))


@bp.get("/templates/<int:template_id>")
@login_required
def template_detail(template_id):
    template = template_for(current_user, template_id)
    from eduplatform.reporting.fieldtypes import FIELD_TYPE_LABELS
    from eduplatform.reporting.spec import spec_for

    current = template.draft or template.latest_published
    try:
        spec = spec_for(current) if current else None
    except DefinitionError:  # an unfinished draft: its formulas are shown as typed
        spec = None
    return render_template("reporting/template_detail.html", template=template, type_labels=FIELD_TYPE_LABELS,
                           spec=spec, can_edit=permissions.can_edit_template(current_user, template))


@bp.get("/templates/<int:template_id>/design")
@login_required
def template_design(template_id):
    template = template_for(current_user, template_id, edit=True)
    current = template.draft or template.latest_published
    return render_template("reporting/designer.html", template=template,
                           designer={"template_id": template.id, "definition": current.definition,
                                     "draft_version": template.draft.number if template.draft else None,
                                     "published": template.latest_published.number if template.latest_published
                                     else None,
                                     "describe_url": url_for("reporting_api.describe_template_expression",
                                                             template_id=template.id),
                                     "preview_url": url_for("reporting.template_preview", template_id=template.id),
                                     "functions": designer.function_menu()})


@bp.post("/templates/<int:template_id>/preview")
@login_required
def template_preview(template_id):
    """The designer's unsaved draft as the school's form (the filling page's own macros); nothing saved.
    A draft too broken to show (asked while it is being typed) answers 200 with the reason, as ``/check``."""
    template = template_for(current_user, template_id, edit=True)
    data = load_json(schemas.ReportDraftDefinitionSchema())
    try:
        spec, problems = designer.draft_spec(data["definition"])
    except DefinitionError as exc:
        html = render_template("reporting/_preview.html", spec=None, problems=exc.fields, template=template)
        return jsonify({"valid": False, "html": html, "problems": exc.fields})
    html = render_template("reporting/_preview.html", spec=spec, problems=problems, template=template)
    return jsonify({"valid": not problems, "html": html, "problems": problems})


@bp.post("/templates/<int:template_id>/publish")
@login_required
def template_publish(template_id):
    template = template_for(current_user, template_id, edit=True)
    version = template_services.publish_draft(current_user, template)
    _commit()
    flash(f"已发布 V{version.number}，可用于下发任务", "success")
    return redirect(url_for("reporting.template_detail", template_id=template.id))


# --- tasks ---------------------------------------------------------------------------------------


@bp.get("/tasks")
@login_required
def task_list():
    require(permissions.is_bureau_user(current_user) or permissions.is_school_reporter(current_user),
            action="report_task.list")
    if permissions.is_school_reporter(current_user):
        return redirect(url_for("reporting.todo"))
    tasks = db.session.scalars(task_services.visible_tasks_query(current_user).limit(200)).all()
    summaries = {task.id: completeness.summary(task, current_user.scope_root)["total"] for task in tasks}
    return render_template("reporting/task_list.html", tasks=tasks, summaries=summaries,
                           can_issue=permissions.can_issue_task(current_user))


def _issue_choices():
    scope = current_user.scope_root
    templates = [t for t in db.session.scalars(template_services.visible_templates_query(current_user))
                 if t.latest_published is not None and t.archived_at is None]
    units = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.path.startswith(scope.path),
                                                        OrgUnit.type.in_([OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU,
                                                                          OrgType.SCHOOL]),
                                                        OrgUnit.is_active.is_(True)).order_by(OrgUnit.path)).all()
    return templates, [u for u in units if u.is_bureau], [u for u in units if u.type == OrgType.SCHOOL]


@bp.route("/tasks/new", methods=["GET", "POST"])
@login_required
def task_new():
    require(permissions.can_issue_task(current_user), action="report_task.issue")
    templates, bureaus, schools = _issue_choices()
    errors: dict = {}
    form = request.form
    if request.method == "POST":
        try:
            template = db.session.get(ReportTemplate, form.get("template_id", type=int) or 0)
            if template is None or template not in templates:
                raise ValidationFailed("请选择模板", fields={"template_id": ["请选择已发布的模板"]})
            due_at = when(form.get("due_at"), "due_at")
            lock_at = when(form.get("lock_at"), "lock_at", required=False) or due_at
            targets = {"subtrees": form.getlist("subtrees"), "stages": form.getlist("stages"),
                       "school_types": form.getlist("school_types"),
                       "schools": form.getlist("schools"), "exclude": form.getlist("exclude")}
            task = task_services.issue_task(current_user, issuer=current_user.scope_root,
                                            version=template.latest_published, title=form.get("title", ""),
                                            period=form.get("period", ""), due_at=due_at, lock_at=lock_at,
                                            instructions=form.get("instructions", ""), targets=targets)
            for upload in request.files.getlist("attachments"):
                if upload and upload.filename:
                    task_services.add_attachment(current_user, task, upload.stream, filename=upload.filename,
                                                 content_type=upload.mimetype)
            _commit()
            flash(f"已向 {task.target_count} 所学校下发任务“{task.title}”", "success")
            return redirect(url_for("reporting.task_detail", task_id=task.id))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields or {"_": [exc.message]}
            flash(exc.message, "danger")
    return render_template("reporting/task_new.html", templates=templates, bureaus=bureaus, schools=schools,
                           stages=STAGE_LABELS, school_types=SCHOOL_TYPE_LABELS, errors=errors, form=form), \
        (422 if errors else 200)


@bp.get("/tasks/<int:task_id>")
@login_required
def task_detail(task_id):
    task = task_for(current_user, task_id).root
    if permissions.is_school_reporter(current_user):
        mine = submission_services.submission_for(task, current_user.scope_root)
        return redirect(url_for("reporting.submission_page", submission_id=mine.id))
    scope = current_user.scope_root
    summary = completeness.summary(task, scope)
    district = request.args.get("district")
    if summary["level"] == "school":
        district = str(scope.id)
    rows = completeness.schools(task, scope, district=district) if district else None
    pass_down = next((p for p in task.pass_downs if p.issuer_org_id == scope.id), None)
    from eduplatform.reporting.services.violations import task_violations

    violations, violation_count = task_violations(task, scope)
    return render_template("reporting/task_detail.html", task=task, summary=summary, rows=rows, district=district,
                           violations=violations, violation_count=violation_count,
                           chart={"groups": summary["groups"]}, definitions=completeness.DEFINITIONS, pass_down=pass_down,
                           can_pass_down=permissions.can_pass_down(current_user, task),
                           can_manage=permissions.can_manage_task(current_user, task),
                           can_remind=permissions.can_remind(current_user, task),
                           local_input_value=local_input_value)


@bp.post("/tasks/<int:task_id>/pass-down")
@login_required
def task_pass_down(task_id):
    task = task_for(current_user, task_id)
    require(permissions.can_pass_down(current_user, task), action="report_task.pass_down", obj=task)
    data = load_form(schemas.ReportPassDownSchema())
    due_at = when(data["due_at"], "due_at")
    lock_at = when(data["lock_at"], "lock_at", required=False) or due_at
    task_services.pass_down(current_user, task, district=current_user.scope_root, due_at=due_at, lock_at=lock_at,
                            instructions=data["instructions"])
    _commit()
    flash("已转发给本区学校", "success")
    return redirect(url_for("reporting.task_detail", task_id=task.id))


@bp.post("/tasks/<int:task_id>/remind")
@login_required
def task_remind(task_id):
    task = task_for(current_user, task_id)
    require(permissions.can_remind(current_user, task), action="report_task.remind", obj=task)
    count = reminders.remind_late(current_user, task, scope=current_user.scope_root,
                                  message=load_form(schemas.ReportRemindSchema())["message"])
    _commit()
    flash(f"已向 {count} 所未上报的学校发送催报通知" if count else "所有学校均已上报，无需催报", "success")
    return redirect(url_for("reporting.task_detail", task_id=task.id))


@bp.post("/tasks/<int:task_id>/close")
@login_required
def task_close(task_id):
    task = task_for(current_user, task_id)
    require(permissions.can_manage_task(current_user, task), action="report_task.close", obj=task)
    task_services.close_task(current_user, task)
    _commit()
    flash("任务已关闭", "success")
    return redirect(url_for("reporting.task_detail", task_id=task.id))


@bp.get("/tasks/<int:task_id>/attachments/<int:attachment_id>")
@login_required
def task_attachment(task_id, attachment_id):
    task = task_for(current_user, task_id)
    attachment = db.session.get(TaskAttachment, attachment_id)
    if attachment is None or attachment.task_id not in {task.id, *[p.id for p in task.pass_downs]}:
        abort(404)
    return attachment.file.send(cache=None)  # the application's no-store: filled-in data stays private


@bp.get("/tasks/<int:task_id>/aggregate")
@login_required
def task_aggregate(task_id):
    task = task_for(current_user, task_id).root
    require(permissions.can_view_results(current_user, task), action="report_task.results", obj=task)
    by, include = request.args.get("by", "district"), request.args.get("include", "reported")
    try:
        result = aggregation.aggregate(task, current_user.scope_root, by=by, include=include)
    except ValidationFailed as exc:
        flash(exc.message, "warning")
        by, include = "district", "reported"
        result = aggregation.aggregate(task, current_user.scope_root)
    stat = request.args.get("stat", "sum")
    return render_template("reporting/aggregate.html", task=task, result=result, by=by, include=include,
                           stat=stat if stat in ("sum", "mean", "min", "max", "n") else "sum",
                           groupings=aggregation.GROUPINGS, includes=aggregation.INCLUDES)


@bp.get("/tasks/<int:task_id>/aggregate.xlsx")
@login_required
def task_aggregate_excel(task_id):
    task = task_for(current_user, task_id).root
    require(permissions.can_view_results(current_user, task), action="report_task.results", obj=task)
    result = aggregation.aggregate(task, current_user.scope_root, by=request.args.get("by", "district"),
                                   include=request.args.get("include", "reported"))
    path = excel.temp_path()
    excel.export_aggregate(result, path, task=task)
    return send_temp_file(path, f"{task.title}-汇总.xlsx", XLSX)


@bp.get("/tasks/<int:task_id>/export.xlsx")
@login_required
def task_export_excel(task_id):
    task = task_for(current_user, task_id).root
    require(permissions.can_view_results(current_user, task), action="report_task.results", obj=task)
    body = stream_after_request(excel.export_submissions_stream, task.id, current_user.scope_root.id)
    return stream_download(body, f"{task.title}-填报数据.xlsx", XLSX)


# --- schools' to-do and the form -----------------------------------------------------------------


@bp.get("/todo")
@login_required
def todo():
    require(permissions.is_school_reporter(current_user), action="report_submission.todo",
            message="只有学校管理员有填报任务")
    rows = db.session.scalars(sa.select(Submission).where(Submission.school_id == current_user.scope_root.id)
                              .order_by(Submission.created_at.desc())).all()
    return render_template("reporting/todo.html", rows=rows, lock_reason=submission_services.lock_reason)


def _form_values(spec) -> tuple[dict, dict]:
    """The posted form (names ``v:<cell key>``) as nested raw values for the spec."""
    flat = {}
    for name in request.form:
        if not name.startswith("v:"):
            continue
        key = name[2:]
        items = request.form.getlist(name)
        try:
            definition, _, _ = spec.cell_definition(key)
        except KeyError:
            continue
        if definition["type"] == "multiselect":
            flat[key] = [item for item in items if item]
        else:
            flat[key] = items[-1]
    nested, _ = spec.unflatten(flat)
    for table in spec.tables:
        if not table["rows"] and f"t:{table['code']}" in request.form:
            nested.setdefault(table["code"], [])  # every row removed: the table is empty now
    for code, field in spec.fields.items():
        if field["type"] == "multiselect" and f"m:{code}" in request.form:
            nested.setdefault(code, [])
    return nested, flat


def _page(submission, *, errors=None, raw=None, status=200):
    spec = spec_of(submission)
    attachments = submission_services.attachments_of(submission)
    return render_template(
        "reporting/submission.html", sub=submission, task=submission.task, spec=spec, data=submission.data or {},
        violations=spec.violations(submission.data or {}),
        errors=errors or {}, raw=raw or {}, lock_reason=submission_services.lock_reason(submission),
        can_fill=permissions.can_fill_submission(current_user, submission),
        actions=review.available_actions(submission, current_user), events=review.events(submission),
        history=submission_services.value_history(submission, limit=100), attachments=attachments,
        can_reopen=permissions.can_reopen_submission(current_user, submission)
        and submission.status.value in ("not_started", "draft", "returned"),
        waiting=review.waiting_label(submission), chain=review.review_chain(submission),
        instance=review.process_instance(submission)), status


@bp.get("/submissions/<int:submission_id>")
@login_required
def submission_page(submission_id):
    submission = submission_for(current_user, submission_id)
    return _page(submission)


@bp.post("/submissions/<int:submission_id>")
@login_required
def submission_save(submission_id):
    submission = submission_for(current_user, submission_id)
    require(permissions.can_fill_submission(current_user, submission), action="report_submission.fill",
            obj=submission, message="只有本校的学校管理员可以填报")
    spec = spec_of(submission)
    nested, flat = _form_values(spec)
    version = request.form.get("version")
    action = request.form.get("action", "save")
    try:
        result = submission_services.save_values(submission, current_user, nested, expected_version=version)
        if result.errors:
            db.session.rollback()
            flash(f"有 {len(result.errors)} 处格式不正确，请按提示修改", "danger")
            return _page(db.session.get(Submission, submission_id), errors=result.errors, raw=flat, status=422)
        if action == "submit":
            submission_services.submit_submission(submission, current_user)
            _commit()
            flash("已上报，等待审核", "success")
        else:
            _commit()
            flash("草稿已保存", "success")
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _page(db.session.get(Submission, submission_id), errors=exc.fields, raw=flat, status=422)
    except AppError as exc:  # locked, version conflict
        db.session.rollback()
        flash(exc.message, "danger")
        return _page(db.session.get(Submission, submission_id), raw=flat, status=exc.status)
    return redirect(url_for("reporting.submission_page", submission_id=submission.id))


@bp.post("/submissions/<int:submission_id>/autosave")
@login_required
def submission_autosave(submission_id):
    """The page's autosave: the same form, answered in JSON (version, errors, computed values)."""
    submission = submission_for(current_user, submission_id)
    require(permissions.can_fill_submission(current_user, submission), action="report_submission.fill",
            obj=submission)
    spec = spec_of(submission)
    nested, _ = _form_values(spec)
    result = submission_services.save_values(submission, current_user, nested,
                                             expected_version=request.form.get("version"))
    _commit()
    cells = spec.cells(submission.data)
    computed = {}
    for code, field in spec.fields.items():
        if spec.is_computed(code):
            computed[code] = cells.get(code)
        for column in field.get("columns", []) if field["type"] == "table" else []:
            if spec.is_computed(code, column["code"]):
                computed.update({key: value for key, value in cells.items()
                                 if key.startswith(code + ".") and key.endswith("." + column["code"])})
    return jsonify(version=submission.version, errors=result.errors, computed=computed, changed=len(result.changed),
                   saved_at=submission.updated_at.isoformat())


@bp.post("/submissions/<int:submission_id>/review")
@login_required
def submission_review(submission_id):
    submission = submission_for(current_user, submission_id)
    action = request.form.get("action")
    if action == "approve":
        review.approve(submission, current_user, request.form.get("comment", ""))
        message = "已审核通过"
    elif action == "return":
        review.send_back(submission, current_user, request.form.get("comment", ""))
        message = "已退回学校"
    else:
        abort(400)
    _commit()
    flash(message, "success")
    return redirect(url_for("reporting.submission_page", submission_id=submission.id))


@bp.post("/submissions/<int:submission_id>/reopen")
@login_required
def submission_reopen(submission_id):
    submission = submission_for(current_user, submission_id)
    require(permissions.can_reopen_submission(current_user, submission), action="report_submission.reopen",
            obj=submission)
    data = load_form(schemas.ReportReopenSchema())
    submission_services.reopen_submission(submission, current_user, until=when(data["until"], "until"),
                                          reason=data["reason"])
    _commit()
    flash("已为该校开放补报", "success")
    return redirect(url_for("reporting.submission_page", submission_id=submission.id))


@bp.get("/submissions/<int:submission_id>/excel")
@login_required
def submission_excel(submission_id):
    submission = submission_for(current_user, submission_id)
    path = excel.temp_path()
    excel.form_workbook(submission, path)
    return send_temp_file(path, f"{submission.school.code}-{submission.task.title}.xlsx", XLSX)


@bp.post("/submissions/<int:submission_id>/excel")
@login_required
def submission_excel_import(submission_id):
    submission = submission_for(current_user, submission_id)
    require(permissions.can_fill_submission(current_user, submission), action="report_submission.fill",
            obj=submission)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed("请选择要导入的 Excel 文件")
        raw = excel.read_form(submission, upload.stream, overwrite=request.form.get("overwrite") == "1")
        result = submission_services.save_values(submission, current_user, raw, source="excel")
        _commit()
        flash(f"已从 Excel 导入（{len(result.changed)} 项变更），请检查后上报", "success")
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _page(db.session.get(Submission, submission_id),
                     errors={"_excel": [f"{ref}：{'；'.join(msgs)}" for ref, msgs in exc.fields.items()]}, status=422)
    return redirect(url_for("reporting.submission_page", submission_id=submission.id))


@bp.post("/submissions/<int:submission_id>/attachments")
@login_required
def submission_attachment_upload(submission_id):
    submission = submission_for(current_user, submission_id)
    require(permissions.can_fill_submission(current_user, submission), action="report_submission.fill",
            obj=submission)
    upload = request.files.get("file")
    field = request.form.get("field", "")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要上传的文件")
    attachment = submission_services.add_attachment(submission, current_user, field_key=field, upload=upload.stream,
                                                    filename=upload.filename, content_type=upload.mimetype)
    submission_services.save_values(submission, current_user, {field: attachment.id},
                                    expected_version=request.form.get("version"))
    _commit()
    flash(f"已上传附件 {attachment.file.filename}", "success")
    return redirect(url_for("reporting.submission_page", submission_id=submission.id))


@bp.get("/submissions/<int:submission_id>/attachments/<int:attachment_id>")
@login_required
def submission_attachment(submission_id, attachment_id):
    submission = submission_for(current_user, submission_id)
    attachment = db.session.get(SubmissionAttachment, attachment_id)
    if attachment is None or attachment.submission_id != submission.id:
        abort(404)
    return attachment.file.send(cache=None)


# --- inbox ---------------------------------------------------------------------------------------


@bp.get("/inbox")
@login_required
def inbox():
    require(permissions.acting_org(current_user) is not None, action="report_notice.list")
    items = db.session.scalars(notices.inbox_query(current_user).limit(200)).all()
    return render_template("reporting/inbox.html", items=items, unread=notices.unread_count(current_user))


@bp.post("/inbox/<int:notice_id>/read")
@login_required
def inbox_read(notice_id):
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.realm != notices.REALM:
        abort(404)
    require(notices.can_read_notice(current_user, notice), action="report_notice.read", obj=notice)
    notices.mark_read(current_user, notice)
    _commit()
    if notice.link and notice.link.startswith("/reporting/"):
        return redirect(notice.link)
    return redirect(url_for("reporting.inbox"))
