"""政府信息公开工作年度报告 pages (staff of a bureau): the tables, the office's part, DOCX / PDF, publication."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_form
from eduplatform.core.errors import AppError, NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.portal import bp
from eduplatform.portal.disclosure_permissions import can_handle_disclosure, can_handle_request
from eduplatform.portal.disclosure_schemas import ReportRowSchema, annual_report_schema
from eduplatform.portal.permissions import can_draft_article
from eduplatform.portal.services import annual_report as reports
from eduplatform.portal.services import disclosure as services
from eduplatform.portal.services import disclosure_lists as lists

FIRST_YEAR = 2008  # the first 条例 (2007) took effect on 2008-05-01
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}


def _bureau():
    require(can_handle_disclosure(current_user), action="disclosure.annual_report")
    return lists.staff_bureau(current_user)


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= services.today_local().year:
        raise NotFound("没有这一年度的报告")
    return year


def _page(bureau, year: int, *, values: dict | None = None, error: str | None = None, status: int = 200):
    data = reports.build(bureau, year)
    return render_template("portal/disclosure/annual_report.html", data=data, bureau=bureau, year=year,
                           values=values, error=error, leaf_rows=reports.leaf_rows(), row_of=reports.row_of,
                           may_publish=can_draft_article(current_user, bureau),
                           overview_default=reports.default_overview(data),
                           years=list(range(services.today_local().year, FIRST_YEAR - 1, -1))), status


@bp.get("/disclosure/annual-report")
@login_required
def annual_report_index():
    _bureau()
    return redirect(url_for("portal.annual_report", year=services.today_local().year - 1))


@bp.get("/disclosure/annual-report/<int:year>")
@login_required
def annual_report(year: int):
    return _page(_bureau(), _year(year))


@bp.post("/disclosure/annual-report/<int:year>")
@login_required
def annual_report_save(year: int):
    bureau, year = _bureau(), _year(year)
    data = load_form(annual_report_schema())
    try:
        reports.save_entries(bureau, year, actor=current_user, data=data)
    except AppError as exc:
        db.session.rollback()
        return _page(bureau, year, values=data, error=exc.message, status=422)
    db.session.commit()
    flash("已保存年度报告", "success")
    return redirect(url_for("portal.annual_report", year=year))


@bp.get("/disclosure/annual-report/<int:year>/report.<ext>")
@login_required
def annual_report_file(year: int, ext: str):
    bureau, year = _bureau(), _year(year)
    if ext not in MIME:
        raise NotFound("没有这种格式")
    data = reports.build(bureau, year)
    blob = reports.render_docx(data) if ext == "docx" else reports.render_pdf(data)
    return Response(blob, mimetype=MIME[ext], headers={
        "Content-Disposition": "attachment; filename*=UTF-8''" + quote(reports.filename(data, ext)),
        "Cache-Control": "no-store"})


@bp.post("/disclosure/annual-report/<int:year>/publish")
@login_required
def annual_report_publish(year: int):
    bureau, year = _bureau(), _year(year)
    require(can_draft_article(current_user, bureau), action="disclosure.annual_report_publish",
            message="只有本局的工作人员可以发布年度报告")
    article = reports.publish(bureau, year, actor=current_user)
    db.session.commit()
    flash("已生成年度报告门户信息（附 DOCX、PDF），并提交审核", "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


@bp.post("/disclosure/requests/<int:request_id>/report-row")
@login_required
def disclosure_report_row(request_id: int):
    _bureau()
    found = services.get_request(request_id)
    require(can_handle_request(current_user, found), action="disclosure.annual_report", obj=found)
    data = load_form(ReportRowSchema())
    reports.classify_request(found, actor=current_user, row=data["report_row"])
    db.session.commit()
    flash(f"已归类 {found.tracking_code}", "success")
    back = request.form.get("year", "")
    if back.isdigit():
        return redirect(url_for("portal.annual_report", year=int(back)) + "#handled")
    return redirect(url_for("portal.disclosure_case", request_id=found.id))
