"""/api/v1/schools/<code>/equipment: the equipment ledger, its history and its Excel exchange."""

from __future__ import annotations

from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_json, paginated, uploaded_file
from eduplatform.core.extensions import db
from eduplatform.core.text.excel import download
from eduplatform.schools import connectivity, equipment_io, permissions
from eduplatform.schools.api import bp
from eduplatform.schools.api.common import school_for
from eduplatform.schools.schemas import (
    EquipmentChangeSchema,
    EquipmentFilterArgsSchema,
    EquipmentInputSchema,
    EquipmentSchema,
)


@bp.get("/schools/<code>/equipment")
@login_required
def list_equipment(code: str):
    """The equipment ledger, filterable by `category`, `state` and `q`.
    ---
    get:
      parameters:
        - {name: category, in: query, schema: {type: string}}
        - {name: state, in: query, schema: {type: string}}
        - {name: q, in: query, schema: {type: string}}
      responses:
        200:
          description: 分页的设备台账
    """
    school = school_for(code, permissions.can_view_roster, "school.equipment")
    filters = load_args(EquipmentFilterArgsSchema())
    return paginated(connectivity.equipment_query(school, **filters), EquipmentSchema())


@bp.post("/schools/<code>/equipment")
@login_required
def create_equipment(code: str):
    """Add a ledger line (its history starts with this creation).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: EquipmentInputSchema
      responses:
        201:
          content:
            application/json:
              schema: EquipmentSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.equipment.create")
    item = connectivity.create_equipment(current_user, school, load_json(EquipmentInputSchema()))
    db.session.commit()
    return EquipmentSchema().dump(item), 201


@bp.get("/schools/<code>/equipment/<int:equipment_id>")
@login_required
def get_equipment(code: str, equipment_id: int):
    """One ledger line with its change history.
    ---
    get:
      responses:
        200:
          description: "Equipment + history: [EquipmentChange]"
    """
    school = school_for(code, permissions.can_view_roster, "school.equipment.view")
    item = connectivity.find_equipment(school, equipment_id)
    body = EquipmentSchema().dump(item)
    body["history"] = EquipmentChangeSchema(many=True).dump(connectivity.equipment_history(item))
    return body


@bp.patch("/schools/<code>/equipment/<int:equipment_id>")
@login_required
def update_equipment(code: str, equipment_id: int):
    """Edit a ledger line (state 在用 / 维修 / 报废, quantity, …); `note` goes into the history.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: EquipmentInputSchema
      responses:
        200:
          content:
            application/json:
              schema: EquipmentSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.equipment.update")
    item = connectivity.find_equipment(school, equipment_id)
    connectivity.update_equipment(current_user, item, load_json(EquipmentInputSchema(), partial=True))
    db.session.commit()
    return EquipmentSchema().dump(item)


@bp.get("/schools/<code>/equipment/export.xlsx")
@login_required
def export_equipment(code: str):
    """The equipment ledger as an Excel workbook (same filters as the list: `category`, `state`, `q`);
    the file imports back unchanged.
    ---
    get:
      responses:
        200:
          description: 设备台账 .xlsx
          content:
            application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {}
    """
    school = school_for(code, permissions.can_view_roster, "school.equipment.export")
    filters = load_args(EquipmentFilterArgsSchema())
    items = db.session.execute(connectivity.equipment_query(school, **filters)
                               .execution_options(yield_per=500)).scalars()
    return download(equipment_io.export_workbook(items), f"设备台账-{school.code}.xlsx")


@bp.get("/schools/<code>/equipment/template.xlsx")
@login_required
def equipment_import_template(code: str):
    """The Excel template for `POST …/equipment/import`, with a sheet explaining every column.
    ---
    get:
      responses:
        200:
          description: 设备台账导入模板 .xlsx
          content:
            application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {}
    """
    school_for(code, permissions.can_manage_school, "school.equipment.import")
    return download(equipment_io.template_workbook(), "设备台账导入模板.xlsx")


@bp.post("/schools/<code>/equipment/import")
@login_required
def import_equipment(code: str):
    """Upsert the ledger from Excel or CSV (multipart `file`) by 资产编号. All or nothing: any problem
    refuses the whole file (422, `error.fields.problems` lists row, column and message).
    ---
    post:
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                file: {type: string, format: binary}
      responses:
        200:
          description: "{created, updated, unchanged}"
        422:
          description: 文件有问题，未导入任何数据
    """
    school = school_for(code, permissions.can_manage_school, "school.equipment.import")
    upload = uploaded_file("请上传设备台账文件（file）", field_message="必填")
    result = equipment_io.import_equipment_upload(current_user, school, upload.stream, upload.filename)
    db.session.commit()
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
