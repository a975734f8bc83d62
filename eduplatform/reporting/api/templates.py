"""/api/v1/report-templates: the form designer's templates, their drafts and frozen versions."""

from __future__ import annotations

from flask_login import current_user, login_required

from eduplatform.core.api import load_json, paginated, register_openapi_hook
from eduplatform.core.errors import NotFound, error_payload
from eduplatform.core.permissions import require
from eduplatform.reporting import designer, permissions, schemas
from eduplatform.reporting.api import bp
from eduplatform.reporting.api.common import commit
from eduplatform.reporting.expressions import ExpressionError
from eduplatform.reporting.lookup import template_for
from eduplatform.reporting.services import templates as template_services
from eduplatform.reporting.spec import DEFAULT_IMPORTANCE, IMPORTANCE, DefinitionError, compile_definition


def _rule_component(table_rule: bool) -> dict:
    return {"type": "object", "required": ["expression", "message"], "properties": {
        "expression": {"type": "string", "description": "条件（字段代码、比较与函数），如 girls <= total"
                       + ("；表格的每行规则中列代码直接写" if table_rule else "")},
        "message": {"type": "string", "maxLength": 200, "description": "不满足时给学校的提示"},
        "field": {"type": "string", "description": "提示显示在哪个字段（或列）旁；缺省为条件中的第一个字段"},
        "importance": {"type": "string", "enum": list(IMPORTANCE), "default": DEFAULT_IMPORTANCE,
                       "description": "重要程度：" + "、".join(f"{k} {v}" for k, v in IMPORTANCE.items())
                       + "。显示在违反的规则旁，并按高→中→低排列违反情况；每条规则都须满足才能上报"}}}


def _openapi_components(spec, app) -> None:
    spec.components.schema("ReportTemplateRule", _rule_component(False))
    spec.components.schema("ReportTemplateDefinition", {
        "type": "object", "required": ["sections"],
        "description": "报表模板定义：分节 → 字段（表格含列、行与每行规则），跨字段校验规则；由服务器检查，错误按路径返回",
        "properties": {
            "sections": {"type": "array", "items": {"type": "object", "properties": {
                "title": {"type": "string"}, "description": {"type": "string"},
                "fields": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "string"}, "label": {"type": "string"}, "type": {"type": "string"},
                    "formula": {"type": "string"},
                    "rules": {"type": "array", "items": {"$ref": "#/components/schemas/ReportTemplateRule"}}},
                    "additionalProperties": True}}}}},
            "rules": {"type": "array", "items": {"$ref": "#/components/schemas/ReportTemplateRule"}}}})


register_openapi_hook(_openapi_components)


@bp.get("/report-templates")
@login_required
def list_templates():
    """Report templates the caller's bureau may use (its own, those above and below it).
    ---
    get:
      responses:
        200:
          description: "{items, page, per_page, total, pages} of ReportTemplateSchema"
    """
    require(permissions.is_bureau_user(current_user), action="report_template.list")
    return paginated(template_services.visible_templates_query(current_user), schemas.ReportTemplateSchema())


@bp.post("/report-templates")
@login_required
def create_template():
    """Create a template (with a first draft version) owned by the caller's bureau.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportTemplateCreateSchema
      responses:
        201:
          content:
            application/json:
              schema: ReportTemplateSchema
    """
    require(permissions.can_create_template(current_user), action="report_template.create")
    data = load_json(schemas.ReportTemplateCreateSchema())
    template = template_services.create_template(current_user, owner_org=current_user.scope_root, code=data["code"],
                                                 name=data["name"], description=data["description"],
                                                 definition=data["definition"])
    commit()
    return schemas.ReportTemplateSchema().dump(template), 201


@bp.get("/report-templates/<int:template_id>")
@login_required
def get_template(template_id):
    """One template with its versions and the current draft's definition.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ReportTemplateSchema
    """
    template = template_for(current_user, template_id)
    body = schemas.ReportTemplateSchema().dump(template)
    current = template.draft or template.latest_published
    body["definition"] = current.definition if current else None
    body["can_edit"] = permissions.can_edit_template(current_user, template)
    return body


@bp.patch("/report-templates/<int:template_id>")
@login_required
def update_template(template_id):
    """Rename a template or change its description.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ReportTemplateUpdateSchema
      responses:
        200:
          content:
            application/json:
              schema: ReportTemplateSchema
    """
    template = template_for(current_user, template_id, edit=True)
    data = load_json(schemas.ReportTemplateUpdateSchema())
    template_services.update_template_info(current_user, template, name=data["name"], description=data["description"])
    commit()
    return schemas.ReportTemplateSchema().dump(template)


@bp.put("/report-templates/<int:template_id>/draft")
@login_required
def save_template_draft(template_id):
    """Save the designer's definition into the draft version (a draft is opened after a publish).
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: ReportDraftDefinitionSchema
      responses:
        200:
          content:
            application/json:
              schema: ReportVersionSchema
        422:
          description: "definition errors by path, e.g. sections.0.fields.2.formula"
    """
    template = template_for(current_user, template_id, edit=True)
    data = load_json(schemas.ReportDraftDefinitionSchema())
    draft = template_services.save_draft(current_user, template, data["definition"], expected_version=data["version"])
    commit()
    return schemas.ReportVersionSchema().dump(draft)


@bp.post("/report-templates/<int:template_id>/check")
@login_required
def check_template_definition(template_id):
    """Check a definition without saving it: ``{valid, errors: {path: [message]}}`` (always 200).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportDraftDefinitionSchema
      responses:
        200:
          description: "{valid: bool, errors: {sections.0.fields.2.formula: [message]}}"
    """
    template_for(current_user, template_id, edit=True)
    data = load_json(schemas.ReportDraftDefinitionSchema())
    try:
        compile_definition(data["definition"])
    except DefinitionError as exc:
        return {"valid": False, "message": exc.message, "errors": exc.fields}
    return {"valid": True, "errors": {}}


@bp.post("/report-templates/<int:template_id>/describe")
@login_required
def describe_template_expression(template_id):
    """An expression of the unsaved draft in the words the school reads (nothing is saved).

    Like ``/check`` it answers 200 for an expression that does not parse or fit the draft (the
    designer asks while the expression is being typed): ``valid`` false and the Chinese error.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReportDescribeSchema
      responses:
        200:
          description: "{valid: true, text: 学生总数 ÷ 计算机台数} or {valid: false, error: {code, message, fields}}"
    """
    template_for(current_user, template_id, edit=True)
    data = load_json(schemas.ReportDescribeSchema())
    try:
        text = designer.describe_expression(data["definition"], data["expression"], purpose=data["purpose"],
                                            table=data["table"])
    except ExpressionError as exc:
        return {"valid": False, **error_payload("invalid_expression", exc.message)}
    except DefinitionError as exc:
        return {"valid": False, **error_payload(exc.code, exc.message, exc.fields)}
    return {"valid": True, "text": text}


@bp.post("/report-templates/<int:template_id>/publish")
@login_required
def publish_template(template_id):
    """Publish the draft as a new frozen version.
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: ReportVersionSchema
    """
    template = template_for(current_user, template_id, edit=True)
    version = template_services.publish_draft(current_user, template)
    commit()
    return schemas.ReportVersionSchema().dump(version)


@bp.get("/report-templates/<int:template_id>/versions/<int:number>")
@login_required
def get_template_version(template_id, number):
    """One version's definition.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ReportVersionSchema
    """
    template = template_for(current_user, template_id)
    version = template_services.version_by_number(template, number)
    if version is None:
        raise NotFound("模板版本不存在")
    return schemas.ReportVersionSchema().dump(version)
