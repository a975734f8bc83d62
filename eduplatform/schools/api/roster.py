"""/api/v1/schools/<code>/import and …/rollover: roster imports (preview, then apply) and the
school-year roll-over."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import uploaded_file
from eduplatform.core.extensions import db
from eduplatform.schools import permissions, rollover, roster_import
from eduplatform.schools.api import bp
from eduplatform.schools.api.common import school_for
from eduplatform.schools.schemas import ImportSchema


@bp.post("/schools/<code>/import")
@login_required
def import_roster(code: str):
    """Upload a roster (multipart `file`, `kind` = students | teachers) for preview; nothing changes yet.
    ---
    post:
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                kind: {type: string, enum: [students, teachers]}
                file: {type: string, format: binary}
      responses:
        201:
          description: 预检结果；status 为 ready 时可确认导入，invalid 时 problems 逐行逐列列出问题
          content:
            application/json:
              schema: ImportSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.import")
    upload = uploaded_file("请上传名册文件（file）", field_message="必填")
    run = roster_import.preview_import(current_user, school, request.form.get("kind", ""), upload.stream,
                                       upload.filename, upload.mimetype)
    db.session.commit()
    return ImportSchema().dump(run), 201


@bp.get("/schools/<code>/import/<int:import_id>")
@login_required
def get_import(code: str, import_id: int):
    """A roster import's preview or outcome.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ImportSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.import")
    return ImportSchema().dump(roster_import.find_import(school, import_id))


@bp.post("/schools/<code>/import/<int:import_id>/confirm")
@login_required
def confirm_import(code: str, import_id: int):
    """Apply a clean preview (all rows or none).
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: ImportSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.import")
    run = roster_import.apply_import(current_user, roster_import.find_import(school, import_id))
    db.session.commit()
    return ImportSchema().dump(run)


@bp.get("/schools/<code>/rollover")
@login_required
def preview_rollover(code: str):
    """What a school-year roll-over would do (classes promoted, graduating).
    ---
    get:
      responses:
        200:
          description: 升级预览
    """
    school = school_for(code, permissions.can_manage_school, "school.rollover")
    return rollover.plan_rollover(school).as_dict()


@bp.post("/schools/<code>/rollover")
@login_required
def apply_rollover(code: str):
    """Roll the school over into the next school year.
    ---
    post:
      responses:
        200:
          description: 已升级（与预览相同的结构）
    """
    school = school_for(code, permissions.can_manage_school, "school.rollover")
    plan = rollover.apply_rollover(current_user, school)
    db.session.commit()
    return plan.as_dict()
