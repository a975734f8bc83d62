"""校校通 pages: network access, receiving points and the equipment ledger."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_form
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.text.excel import build_workbook, download
from eduplatform.schools import bp, connectivity, equipment_io, permissions
from eduplatform.schools.models import (
    EquipmentCategory,
    EquipmentState,
    ReceivingPointMode,
    ReceivingPointState,
)
from eduplatform.schools.models.connectivity import ACCESS_TYPES, FUNDING_SOURCES, PROVIDERS, WIFI_COVERAGE
from eduplatform.schools.schemas import (
    FIELD_LABELS,
    EquipmentFilterArgsSchema,
    EquipmentInputSchema,
    NetworkInputSchema,
    ReceivingPointInputSchema,
)
from eduplatform.schools.views._helpers import page_context, save_form, school_for


@bp.get("/schools/<code>/connectivity")
@login_required
def connectivity_view(code: str):
    school = school_for(code, permissions.can_view_school, "school.connectivity")
    return render_template("schools/connectivity.html", network=connectivity.network_for(school),
                           points=connectivity.receiving_points(school), access_types=ACCESS_TYPES,
                           providers=PROVIDERS, wifi=WIFI_COVERAGE,
                           mode_options=[(m.value, m.label) for m in ReceivingPointMode],
                           point_states=list(ReceivingPointState), **page_context(school))


@bp.get("/schools/<code>/receiving-points/export.xlsx")
@login_required
def receiving_point_export(code: str):
    school = school_for(code, permissions.can_view_school, "school.connectivity.export")
    rows = ([p.mode.label, p.name, p.location, p.state.label, p.established_on, p.note]
            for p in connectivity.receiving_points(school))
    return download(build_workbook([("接收站点", ["类型", "名称", "位置", "状态", "建成日期", "备注"], rows)]),
                    f"接收站点-{school.code}.xlsx")


@bp.post("/schools/<code>/network")
@login_required
def network_save(code: str):
    school = school_for(code, permissions.can_manage_school, "school.network.update")
    connectivity.save_network(current_user, school, load_form(NetworkInputSchema(), empty_is_none=True))
    db.session.commit()
    flash("网络接入情况已保存", "success")
    return redirect(url_for("schools.connectivity_view", code=code))


@bp.post("/schools/<code>/receiving-points")
@login_required
def receiving_point_create(code: str):
    school = school_for(code, permissions.can_manage_school, "school.receiving_point.create")
    connectivity.create_receiving_point(current_user, school, load_form(ReceivingPointInputSchema(), empty_is_none=True))
    db.session.commit()
    flash("接收站点已添加", "success")
    return redirect(url_for("schools.connectivity_view", code=code))


@bp.post("/schools/<code>/receiving-points/<int:point_id>")
@login_required
def receiving_point_update(code: str, point_id: int):
    school = school_for(code, permissions.can_manage_school, "school.receiving_point.update")
    point = connectivity.find_receiving_point(school, point_id)
    connectivity.update_receiving_point(current_user, point, load_form(ReceivingPointInputSchema(), empty_is_none=True))
    db.session.commit()
    flash("接收站点已更新", "success")
    return redirect(url_for("schools.connectivity_view", code=code))


@bp.post("/schools/<code>/receiving-points/<int:point_id>/delete")
@login_required
def receiving_point_delete(code: str, point_id: int):
    school = school_for(code, permissions.can_manage_school, "school.receiving_point.delete")
    connectivity.delete_receiving_point(current_user, connectivity.find_receiving_point(school, point_id))
    db.session.commit()
    flash("接收站点已删除", "success")
    return redirect(url_for("schools.connectivity_view", code=code))


# --- equipment ledger ------------------------------------------------------------------------

@bp.get("/schools/<code>/equipment")
@login_required
def equipment_list(code: str):
    school = school_for(code, permissions.can_view_school, "school.equipment")
    require(permissions.can_view_roster(current_user, school), action="school.equipment", obj=school)
    filters = load_args(EquipmentFilterArgsSchema())
    page = db.paginate(connectivity.equipment_query(school, **filters), per_page=50, error_out=False)
    args = {k: v for k, v in request.args.items() if k in ("category", "state", "q")}
    return render_template("schools/equipment.html", page=page, args=args, categories=list(EquipmentCategory),
                           states=list(EquipmentState), totals=connectivity.equipment_totals(school),
                           problems=[], **page_context(school))


@bp.get("/schools/<code>/equipment/export.xlsx")
@login_required
def equipment_export(code: str):
    school = school_for(code, permissions.can_view_roster, "school.equipment.export")
    filters = load_args(EquipmentFilterArgsSchema())
    items = db.session.execute(connectivity.equipment_query(school, **filters)
                               .execution_options(yield_per=500)).scalars()
    return download(equipment_io.export_workbook(items), f"设备台账-{school.code}.xlsx")


@bp.get("/schools/<code>/equipment/template.xlsx")
@login_required
def equipment_template(code: str):
    school_for(code, permissions.can_manage_school, "school.equipment.import")
    return download(equipment_io.template_workbook(), "设备台账导入模板.xlsx")


@bp.post("/schools/<code>/equipment/import")
@login_required
def equipment_import(code: str):
    school = school_for(code, permissions.can_manage_school, "school.equipment.import")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要上传的 Excel 或 CSV 文件")
    try:
        result = equipment_io.import_equipment_upload(current_user, school, upload.stream, upload.filename)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        page = db.paginate(connectivity.equipment_query(school), per_page=50, error_out=False)
        return render_template("schools/equipment.html", page=page, args={}, categories=list(EquipmentCategory),
                               states=list(EquipmentState), totals=connectivity.equipment_totals(school),
                               problems=exc.fields.get("problems", []), **page_context(school)), 422
    db.session.commit()
    flash(f"设备台账导入完成：新增 {result.created} 条，更新 {result.updated} 条，未变 {result.unchanged} 条", "success")
    return redirect(url_for("schools.equipment_list", code=code))


@bp.route("/schools/<code>/equipment/new", methods=["GET", "POST"])
@login_required
def equipment_create(code: str):
    school = school_for(code, permissions.can_manage_school, "school.equipment.create")
    return _equipment_form(school, None)


@bp.route("/schools/<code>/equipment/<int:equipment_id>", methods=["GET", "POST"])
@login_required
def equipment_detail(code: str, equipment_id: int):
    school = school_for(code, permissions.can_view_roster, "school.equipment.view")
    item = connectivity.find_equipment(school, equipment_id)
    if request.method == "POST":
        require(permissions.can_manage_school(current_user, school), action="school.equipment.update", obj=item)
    return _equipment_form(school, item)


def _equipment_form(school, item):
    errors = {}
    if request.method == "POST":
        saved, errors = save_form(lambda: _save_equipment(school, item))
        if saved is not None:
            flash("设备信息已保存", "success")
            return redirect(url_for("schools.equipment_detail", code=school.code, equipment_id=saved.id))
    return render_template("schools/equipment_form.html", item=item, errors=errors,
                           form=request.form if request.method == "POST" else None,
                           history=connectivity.equipment_history(item) if item else [],
                           category_options=[(c.value, c.label) for c in EquipmentCategory],
                           state_options=[(s.value, s.label) for s in EquipmentState],
                           funding_options=[(f, f) for f in FUNDING_SOURCES], field_labels=FIELD_LABELS,
                           value_labels={"state": {s.value: s.label for s in EquipmentState},
                                         "category": {c.value: c.label for c in EquipmentCategory}},
                           **page_context(school))


def _save_equipment(school, item):
    data = load_form(EquipmentInputSchema(), empty_is_none=True)
    if item is None:
        return connectivity.create_equipment(current_user, school, data)
    connectivity.update_equipment(current_user, item, data)
    return item
