"""Training hours (继续教育学时): a teacher's own record; totals per school and district for bureaus; export."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from eduplatform.accounts.models import Role, User
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import get_visible_or_404, require
from eduplatform.courses import bp, permissions, training
from eduplatform.orgs.services import find_org


@bp.get("/training/mine")
@login_required
def my_training():
    require(current_user.has_role(Role.TEACHER), action="training.mine")
    return _record_page(current_user)


@bp.get("/training/teachers/<int:user_id>")
@login_required
def teacher_training(user_id: int):
    teacher = get_visible_or_404(User, user_id, current_user, can=permissions.can_view_training_record,
                                 action="training.view", missing="教师不存在")
    return _record_page(teacher)


def _record_page(teacher):
    return render_template("courses/training_record.html", teacher=teacher, summary=training.summary_for(teacher),
                           records=training.records_of(teacher))


def _report_org():
    code = request.args.get("org")
    org = find_org(code) if code else current_user.scope_root
    if org is None:
        raise NotFound("单位不存在")
    require(permissions.can_view_training_report(current_user, org), action="training.report", obj=org)
    return org


@bp.get("/training/report")
@login_required
def training_report_page():
    org = _report_org()
    return render_template("courses/training_report.html", report=training.training_report(org), org=org)


@bp.get("/training/report.xlsx")
@login_required
def training_report_export():
    from eduplatform.audit.services import record
    from eduplatform.core.text.excel import xlsx_download

    org = _report_org()
    report = training.training_report(org)
    record("courses", "training.exported", f"导出继续教育学时：{org.name}", actor=current_user, obj=org)
    db.session.commit()
    return xlsx_download(f"{org.name}-继续教育学时-{report.year}.xlsx", training.report_sheets(report))
