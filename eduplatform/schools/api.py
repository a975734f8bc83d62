"""REST API under /api/v1/schools/<code>/… and /api/v1/indicators (same services as the pages)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, make_api_blueprint, page_args, paginated
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require, visible_to
from eduplatform.core.text.excel import download
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.orgs.services import find_org
from eduplatform.schools import (
    connectivity,
    equipment_io,
    indicators,
    permissions,
    provisioning,
    rollover,
    roster_import,
    services,
)
from eduplatform.schools.models import StudentProfile, TeacherProfile
from eduplatform.schools.schemas import (
    CampusInputSchema,
    CampusSchema,
    ClassInputSchema,
    ClassSchema,
    ClassUpdateSchema,
    EquipmentChangeSchema,
    EquipmentInputSchema,
    EquipmentSchema,
    ImportSchema,
    NetworkInputSchema,
    NetworkSchema,
    ProfileInputSchema,
    ReceivingPointInputSchema,
    ReceivingPointSchema,
    SchoolSchema,
    StudentInputSchema,
    StudentListArgsSchema,
    StudentSchema,
    StudentStatusSchema,
    TeacherInputSchema,
    TeacherSchema,
    load_input,
)

bp = make_api_blueprint("schools_api", __name__)


def _json(schema, *, partial: bool = False) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed("请求体必须是 JSON 对象", code="invalid_json")
    return load_input(schema, data, partial=partial)


def _school(code: str, predicate, action: str) -> OrgUnit:
    school = services.get_school(code)
    require(predicate(current_user, school), action=action, obj=school)
    return school


def _view(school) -> str:
    return "full" if permissions.can_see_personal_data(current_user, school) else "list"


# --- schools and profiles --------------------------------------------------------------------

@bp.get("/schools")
@login_required
def list_schools():
    """Schools the caller oversees, with their profiles (bureaus and the system admin).
    ---
    get:
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200:
          description: "分页的学校列表 {items: [School], page, per_page, total, pages}"
    """
    require(permissions.can_list_schools(current_user), action="school.list")
    query = visible_to(current_user, sa.select(OrgUnit).where(OrgUnit.type == OrgType.SCHOOL).order_by(OrgUnit.code),
                       org_column=OrgUnit.id)
    page, per_page = page_args()
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return {"items": SchoolSchema(many=True).dump([services.profile_for(s) for s in result.items]),
            "page": page, "per_page": per_page, "total": result.total, "pages": result.pages}


@bp.get("/schools/<code>")
@login_required
def get_school(code: str):
    """One school's profile, campuses included.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: SchoolSchema
    """
    school = _school(code, permissions.can_view_school, "school.view")
    return SchoolSchema().dump(services.profile_for(school))


@bp.patch("/schools/<code>")
@login_required
def update_school(code: str):
    """Edit the profile (school admin); the change is kept in the profile history.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ProfileInputSchema
      responses:
        200:
          content:
            application/json:
              schema: SchoolSchema
    """
    school = _school(code, permissions.can_manage_school, "school.profile.update")
    profile = services.update_profile(current_user, school, _json(ProfileInputSchema(), partial=True))
    db.session.commit()
    return SchoolSchema().dump(profile)


@bp.get("/schools/<code>/history")
@login_required
def school_history(code: str):
    """The profile's change history, newest first.
    ---
    get:
      responses:
        200:
          description: "{items: [{changed_at, actor, changes}]}"
    """
    school = _school(code, permissions.can_view_school, "school.view")
    return {"items": [{"changed_at": r.changed_at.isoformat(), "actor": r.actor.username if r.actor else None,
                       "changes": r.changes} for r in services.profile_revisions(school)]}


# --- classes ---------------------------------------------------------------------------------

@bp.get("/schools/<code>/classes")
@login_required
def list_classes(code: str):
    """The current school year's classes.
    ---
    get:
      responses:
        200:
          description: "{items: [Class], school_year}"
    """
    school = _school(code, permissions.can_view_roster, "school.classes")
    year = services.current_year(school)
    return {"school_year": year.name if year else None,
            "items": ClassSchema(many=True).dump(services.current_classes(school))}


@bp.post("/schools/<code>/classes")
@login_required
def create_class(code: str):
    """Create a class in the current school year.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ClassInputSchema
      responses:
        201:
          content:
            application/json:
              schema: ClassSchema
    """
    school = _school(code, permissions.can_manage_school, "school.class.create")
    school_class = services.create_class(current_user, school, **_json(ClassInputSchema()))
    db.session.commit()
    return ClassSchema().dump(school_class), 201


def _class(code: str, class_id: int):
    school = services.get_school(code)
    school_class = services.find_class(school, class_id)
    require(permissions.can_view_class(current_user, school_class), action="school.class.view", obj=school_class)
    return school, school_class


@bp.get("/schools/<code>/classes/<int:class_id>")
@login_required
def get_class(code: str, class_id: int):
    """One class with its current students (head and subject teachers may read it too).
    ---
    get:
      responses:
        200:
          description: "Class + students: [Student]"
    """
    _, school_class = _class(code, class_id)
    body = ClassSchema().dump(school_class)
    body["students"] = StudentSchema(many=True).dump(db.session.scalars(services.class_students(school_class)))
    return body


@bp.patch("/schools/<code>/classes/<int:class_id>")
@login_required
def update_class(code: str, class_id: int):
    """Change the head teacher.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ClassUpdateSchema
      responses:
        200:
          content:
            application/json:
              schema: ClassSchema
    """
    school = _school(code, permissions.can_manage_school, "school.class.update")
    school_class = services.find_class(school, class_id)
    services.update_class(current_user, school_class, **_json(ClassUpdateSchema()))
    db.session.commit()
    return ClassSchema().dump(school_class)


@bp.post("/schools/<code>/classes/<int:class_id>/accounts")
@login_required
def provision_class(code: str, class_id: int):
    """Open accounts for the class's students who have none; initial passwords are returned once.
    ---
    post:
      responses:
        200:
          description: "{items: [{name, number, username, password|null}]}"
    """
    school = _school(code, permissions.can_manage_school, "school.accounts.provision")
    slips = provisioning.provision_class_accounts(current_user, services.find_class(school, class_id))
    db.session.commit()
    return {"items": [slip.__dict__ for slip in slips]}


# --- teachers --------------------------------------------------------------------------------

@bp.get("/schools/<code>/teachers")
@login_required
def list_teachers(code: str):
    """The school's teachers (phone and ID numbers masked except for the school admin).
    ---
    get:
      responses:
        200:
          description: 分页的教师列表
    """
    school = _school(code, permissions.can_view_roster, "school.teachers")
    query = sa.select(TeacherProfile).where(TeacherProfile.school_id == school.id).order_by(TeacherProfile.teacher_no)
    return paginated(query, TeacherSchema())


@bp.post("/schools/<code>/teachers")
@login_required
def create_teacher(code: str):
    """Add a teacher; `assignments` lists [{class_id, subject}].
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: TeacherInputSchema
      responses:
        201:
          content:
            application/json:
              schema: TeacherSchema
    """
    school = _school(code, permissions.can_manage_school, "school.teacher.create")
    teacher = services.create_teacher(current_user, school, _json(TeacherInputSchema()))
    db.session.commit()
    return TeacherSchema(view="full").dump(teacher), 201


@bp.get("/schools/<code>/teachers/<int:teacher_id>")
@login_required
def get_teacher(code: str, teacher_id: int):
    """One teacher.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: TeacherSchema
    """
    school = services.get_school(code)
    teacher = services.find_teacher(school, teacher_id)
    require(permissions.can_view_teacher(current_user, teacher), action="school.teacher.view", obj=teacher)
    return TeacherSchema(view=_view(school)).dump(teacher)


@bp.patch("/schools/<code>/teachers/<int:teacher_id>")
@login_required
def update_teacher(code: str, teacher_id: int):
    """Edit a teacher (fields given replace the stored ones).
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: TeacherInputSchema
      responses:
        200:
          content:
            application/json:
              schema: TeacherSchema
    """
    school = _school(code, permissions.can_manage_school, "school.teacher.update")
    teacher = services.find_teacher(school, teacher_id)
    data = _json(TeacherInputSchema(), partial=True)
    services.update_teacher(current_user, teacher, {k: v for k, v in data.items() if k in request.get_json()})
    db.session.commit()
    return TeacherSchema(view="full").dump(teacher)


# --- students --------------------------------------------------------------------------------

@bp.get("/schools/<code>/students")
@login_required
def list_students(code: str):
    """The school's students; filters `class_id`, `status` (default enrolled, or `all`).
    ---
    get:
      parameters:
        - {in: query, schema: StudentListArgsSchema}
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200:
          description: 分页的学生列表（身份证号、电话脱敏）
    """
    school = _school(code, permissions.can_view_roster, "school.students")
    query = sa.select(StudentProfile).where(StudentProfile.school_id == school.id)
    args = load_args(StudentListArgsSchema())
    if args["status"] != "all":
        query = query.where(StudentProfile.status == args["status"])
    if args["class_id"]:
        query = query.where(StudentProfile.class_id == args["class_id"])
    return paginated(query.order_by(StudentProfile.student_no), StudentSchema())


@bp.post("/schools/<code>/students")
@login_required
def create_student(code: str):
    """Add a student to a class of the current year.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: StudentInputSchema
      responses:
        201:
          content:
            application/json:
              schema: StudentSchema
    """
    school = _school(code, permissions.can_manage_school, "school.student.create")
    student = services.create_student(current_user, school, _json(StudentInputSchema()))
    db.session.commit()
    return StudentSchema(view="full").dump(student), 201


@bp.get("/schools/<code>/students/<int:student_id>")
@login_required
def get_student(code: str, student_id: int):
    """One student (a student may read only their own record).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: StudentSchema
    """
    school = services.get_school(code)
    student = services.find_student(school, student_id)
    require(permissions.can_view_student(current_user, student), action="school.student.view", obj=student)
    return StudentSchema(view=_view(school)).dump(student)


@bp.patch("/schools/<code>/students/<int:student_id>")
@login_required
def update_student(code: str, student_id: int):
    """Edit a student; `status` (with `left_on`) changes 在读 / 转出 / 毕业.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: StudentInputSchema
      responses:
        200:
          content:
            application/json:
              schema: StudentSchema
    """
    school = _school(code, permissions.can_manage_school, "school.student.update")
    student = services.find_student(school, student_id)
    body = request.get_json(silent=True) or {}
    status_part = {k: body.pop(k) for k in ("status", "left_on") if k in body}
    if body:
        data = load_input(StudentInputSchema(), body, partial=True)
        services.update_student(current_user, student, data)
    if status_part:
        data = load_input(StudentStatusSchema(), status_part)
        services.set_student_status(current_user, student, data["status"], data.get("left_on"))
    db.session.commit()
    return StudentSchema(view="full").dump(student)


# --- roster import ---------------------------------------------------------------------------

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
    school = _school(code, permissions.can_manage_school, "school.import")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请上传名册文件（file）", fields={"file": ["必填"]})
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
    school = _school(code, permissions.can_manage_school, "school.import")
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
    school = _school(code, permissions.can_manage_school, "school.import")
    run = roster_import.apply_import(current_user, roster_import.find_import(school, import_id))
    db.session.commit()
    return ImportSchema().dump(run)


# --- roll-over -------------------------------------------------------------------------------

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
    school = _school(code, permissions.can_manage_school, "school.rollover")
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
    school = _school(code, permissions.can_manage_school, "school.rollover")
    plan = rollover.apply_rollover(current_user, school)
    db.session.commit()
    return plan.as_dict()


# --- connectivity ----------------------------------------------------------------------------

@bp.get("/schools/<code>/network")
@login_required
def get_network(code: str):
    """The school's internet access and campus network (null when not reported).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: NetworkSchema
    """
    school = _school(code, permissions.can_view_school, "school.connectivity")
    network = connectivity.network_for(school)
    return NetworkSchema().dump(network) if network else {}


@bp.put("/schools/<code>/network")
@login_required
def put_network(code: str):
    """Report the school's network access.
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: NetworkInputSchema
      responses:
        200:
          content:
            application/json:
              schema: NetworkSchema
    """
    school = _school(code, permissions.can_manage_school, "school.network.update")
    network = connectivity.save_network(current_user, school, _json(NetworkInputSchema()))
    db.session.commit()
    return NetworkSchema().dump(network)


@bp.get("/schools/<code>/receiving-points")
@login_required
def list_receiving_points(code: str):
    """Remote-education receiving points (卫星教学收视点, 光盘播放点, 计算机教室).
    ---
    get:
      responses:
        200:
          description: "{items: [ReceivingPoint]}"
    """
    school = _school(code, permissions.can_view_school, "school.connectivity")
    return {"items": ReceivingPointSchema(many=True).dump(connectivity.receiving_points(school))}


@bp.post("/schools/<code>/receiving-points")
@login_required
def create_receiving_point(code: str):
    """Register a receiving point.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReceivingPointInputSchema
      responses:
        201:
          content:
            application/json:
              schema: ReceivingPointSchema
    """
    school = _school(code, permissions.can_manage_school, "school.receiving_point.create")
    point = connectivity.create_receiving_point(current_user, school, _json(ReceivingPointInputSchema()))
    db.session.commit()
    return ReceivingPointSchema().dump(point), 201


@bp.patch("/schools/<code>/receiving-points/<int:point_id>")
@login_required
def update_receiving_point(code: str, point_id: int):
    """Change a receiving point (e.g. its state).
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ReceivingPointInputSchema
      responses:
        200:
          content:
            application/json:
              schema: ReceivingPointSchema
    """
    school = _school(code, permissions.can_manage_school, "school.receiving_point.update")
    point = connectivity.find_receiving_point(school, point_id)
    connectivity.update_receiving_point(current_user, point, _json(ReceivingPointInputSchema(), partial=True))
    db.session.commit()
    return ReceivingPointSchema().dump(point)


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
    from eduplatform.schools.views.connectivity import _filters

    school = _school(code, permissions.can_view_roster, "school.equipment")
    return paginated(connectivity.equipment_query(school, **_filters()), EquipmentSchema())


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
    school = _school(code, permissions.can_manage_school, "school.equipment.create")
    item = connectivity.create_equipment(current_user, school, _json(EquipmentInputSchema()))
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
    school = _school(code, permissions.can_view_roster, "school.equipment.view")
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
    school = _school(code, permissions.can_manage_school, "school.equipment.update")
    item = connectivity.find_equipment(school, equipment_id)
    connectivity.update_equipment(current_user, item, _json(EquipmentInputSchema(), partial=True))
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
    from eduplatform.schools.views.connectivity import _filters

    school = _school(code, permissions.can_view_roster, "school.equipment.export")
    items = db.session.execute(connectivity.equipment_query(school, **_filters())
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
    _school(code, permissions.can_manage_school, "school.equipment.import")
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
    school = _school(code, permissions.can_manage_school, "school.equipment.import")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请上传设备台账文件（file）", fields={"file": ["必填"]})
    result = equipment_io.import_equipment_upload(current_user, school, upload.stream, upload.filename)
    db.session.commit()
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


# --- indicators ------------------------------------------------------------------------------

@bp.get("/indicators")
@login_required
def get_indicators():
    """Indicators of the org `org` (city, district or school code; default: the caller's own) and of
    each unit one level down, for drill-down.
    ---
    get:
      parameters:
        - {name: org, in: query, schema: {type: string}}
      responses:
        200:
          description: "{org, total: {figures, indicators}, rows: [...], definitions, figure_labels}"
    """
    from eduplatform.core.permissions import org_scope

    code = request.args.get("org")
    if code:
        org = find_org(code)
        if org is None or org.type == OrgType.DEPARTMENT:
            raise NotFound("单位不存在")
    else:
        org = org_scope(current_user)
        if org is None:
            raise NotFound("没有可查看的单位")
    require(permissions.can_view_indicators(current_user, org), action="indicators.view", obj=org)
    return indicators.indicator_report(org).as_dict()


# --- campuses --------------------------------------------------------------------------------

@bp.post("/schools/<code>/campuses")
@login_required
def create_campus(code: str):
    """Add a campus (校区); `is_main` moves the main-campus mark to it.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: CampusInputSchema
      responses:
        201:
          content:
            application/json:
              schema: CampusSchema
    """
    school = _school(code, permissions.can_manage_school, "school.campus.create")
    campus = services.add_campus(current_user, school, _json(CampusInputSchema()))
    db.session.commit()
    return CampusSchema().dump(campus), 201


@bp.put("/schools/<code>/campuses/<int:campus_id>")
@login_required
def update_campus(code: str, campus_id: int):
    """Replace a campus's name, address and main-campus mark.
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: CampusInputSchema
      responses:
        200:
          content:
            application/json:
              schema: CampusSchema
    """
    school = _school(code, permissions.can_manage_school, "school.campus.update")
    campus = services.update_campus(current_user, services.find_campus(school, campus_id), _json(CampusInputSchema()))
    db.session.commit()
    return CampusSchema().dump(campus)


@bp.delete("/schools/<code>/campuses/<int:campus_id>")
@login_required
def delete_campus(code: str, campus_id: int):
    """Remove a campus.
    ---
    delete:
      responses:
        204:
          description: 已删除
    """
    school = _school(code, permissions.can_manage_school, "school.campus.delete")
    services.delete_campus(current_user, services.find_campus(school, campus_id))
    db.session.commit()
    return "", 204
