"""API shapes for reporting: separate input and output schemas (marshmallow 4)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from eduplatform.core.api import EnumArg, Id, one_of
from eduplatform.core.text.timeutil import iso
from eduplatform.reporting.models.submissions import SubmissionStatus


def _when(attr):
    return fields.Function(lambda obj: iso(getattr(obj, attr)))


# --- input ---------------------------------------------------------------------------------------


class SubmissionListArgsSchema(Schema):
    status = EnumArg(SubmissionStatus, load_default=None)
    district = Id(load_default=None, metadata={"description": "区县教育局的单位编号"})


class SubmissionExportArgsSchema(Schema):
    status = fields.List(EnumArg(SubmissionStatus), load_default=list)


class DataValuesArgsSchema(Schema):
    format = fields.String(load_default="json", validate=one_of(["json", "csv"]))
    orgUnit = fields.String(load_default=None, metadata={"description": "一所学校的单位代码"})


#: The template definition in the OpenAPI document (``reporting.api`` registers the component): the
#: designer's shape, checked by ``spec.compile_definition`` (errors by path, 422), not by this schema.
DEFINITION_REF = {"allOf": [{"$ref": "#/components/schemas/ReportTemplateDefinition"}]}


class ReportTemplateCreateSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(load_default="")
    definition = fields.Dict(load_default=None, allow_none=True)


class ReportTemplateUpdateSchema(Schema):
    name = fields.String(required=True)
    description = fields.String(load_default="")


class ReportDraftDefinitionSchema(Schema):
    definition = fields.Dict(required=True, metadata=DEFINITION_REF)
    #: the draft version number the designer edits (a conflict if another draft was opened since)
    version = fields.Integer(load_default=None, allow_none=True)


class ReportDescribeSchema(Schema):
    """An expression of the designer's unsaved draft, to be said in words."""

    definition = fields.Dict(required=True, metadata=DEFINITION_REF)
    expression = fields.String(required=True, validate=validate.Length(max=1000))
    #: ``formula`` (a computed field or column) or ``rule`` (a condition)
    purpose = fields.String(load_default="formula", validate=one_of(["formula", "rule"]))
    #: the table whose column or row rule this is (its columns are named bare)
    table = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class ReportTargetsSchema(Schema):
    subtrees = fields.List(fields.String(), load_default=list)
    stages = fields.List(fields.String(), load_default=list)
    school_types = fields.List(fields.String(), load_default=list)
    schools = fields.List(fields.String(), load_default=list)
    exclude = fields.List(fields.String(), load_default=list)


class ReportTaskIssueSchema(Schema):
    template = fields.String(required=True, metadata={"description": "模板代码"})
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "模板版本号；缺省为最新发布版本"})
    title = fields.String(required=True)
    period = fields.String(required=True)
    due_at = fields.String(required=True,
                           metadata={"description": "按时上报截止时间（北京时间），如 2026-12-10 或 2026-12-10 17:00"})
    lock_at = fields.String(load_default=None, allow_none=True,
                            metadata={"description": "锁定时间（此后不能填报），缺省同截止时间"})
    instructions = fields.String(load_default="")
    targets = fields.Nested(ReportTargetsSchema, required=True)


class ReportTargetPreviewSchema(Schema):
    targets = fields.Nested(ReportTargetsSchema, required=True)


class ReportPassDownSchema(Schema):
    due_at = fields.String(required=True)
    lock_at = fields.String(load_default=None, allow_none=True)
    instructions = fields.String(load_default="")
    title = fields.String(load_default=None, allow_none=True)


class ReportRemindSchema(Schema):
    message = fields.String(load_default="", validate=validate.Length(max=500, error="附言不超过 500 字"))


class ReportDraftValuesSchema(Schema):
    values = fields.Dict(required=True,
                         metadata={"description": "{字段代码: 值}；固定行表格 {行代码: {列代码: 值}}；可增行表格为行的列表"})
    version = fields.Integer(required=True, error_messages={"required": "必须提供版本号以防覆盖他人的修改"})


class ReportSubmitSchema(Schema):
    values = fields.Dict(load_default=None, allow_none=True)
    version = fields.Integer(required=True, error_messages={"required": "必须提供版本号以防覆盖他人的修改"})


class ReportReviewSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["approve", "return"], error="须为 approve 或 return"))
    comment = fields.String(load_default="")


class ReportReopenSchema(Schema):
    until = fields.String(required=True)
    reason = fields.String(required=True)


class ReportDataValueSchema(Schema):
    dataElement = fields.String(required=True)
    period = fields.String(load_default=None, allow_none=True)
    orgUnit = fields.String(required=True)
    value = fields.Raw(load_default=None, allow_none=True)


class ReportDataValueSetSchema(Schema):
    dataValues = fields.List(fields.Dict(), required=True)


# --- output --------------------------------------------------------------------------------------


class ReportOrgRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class ReportVersionSummarySchema(Schema):
    number = fields.Integer()
    status = fields.Function(lambda v: v.status.value)
    field_count = fields.Integer()
    published_at = _when("published_at")
    updated_at = _when("updated_at")


class ReportVersionSchema(ReportVersionSummarySchema):
    definition = fields.Dict()


class ReportTemplateSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    description = fields.String()
    owner = fields.Function(lambda t: ReportOrgRefSchema().dump(t.owner_org))
    versions = fields.Function(lambda t: ReportVersionSummarySchema(many=True).dump(t.versions))
    draft_version = fields.Function(lambda t: t.draft.number if t.draft else None)
    latest_published = fields.Function(lambda t: t.latest_published.number if t.latest_published else None)
    updated_at = _when("updated_at")


class ReportAttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.Function(lambda a: a.file.filename)
    size = fields.Function(lambda a: a.file.size)


class ReportTaskSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    period = fields.String()
    status = fields.Function(lambda t: t.status.value)
    template = fields.Function(lambda t: t.template_version.template.code)
    template_version = fields.Function(lambda t: t.template_version.number)
    issuer = fields.Function(lambda t: ReportOrgRefSchema().dump(t.issuer_org))
    parent_id = fields.Integer(allow_none=True)
    instructions = fields.String()
    due_at = _when("due_at")
    lock_at = _when("lock_at")
    target_rule = fields.Dict()
    target_count = fields.Integer()
    created_at = _when("created_at")
    pass_downs = fields.Function(lambda t: [{"id": p.id, "issuer": ReportOrgRefSchema().dump(p.issuer_org),
                                              "due_at": iso(p.due_at), "lock_at": iso(p.lock_at),
                                              "instructions": p.instructions} for p in t.pass_downs])
    attachments = fields.Function(lambda t: ReportAttachmentSchema(many=True).dump(t.attachments))


class ReportSubmissionSummarySchema(Schema):
    id = fields.Integer()
    task_id = fields.Integer()
    school = fields.Function(lambda s: ReportOrgRefSchema().dump(s.school))
    status = fields.Function(lambda s: s.status.value)
    status_label = fields.Function(lambda s: s.status.label)
    version = fields.Integer()
    due_at = fields.Function(lambda s: iso(s.due_at))
    lock_at = fields.Function(lambda s: iso(s.lock_at))
    first_submitted_at = _when("first_submitted_at")
    submitted_at = _when("submitted_at")
    on_time = fields.Boolean(allow_none=True)
    updated_at = _when("updated_at")


class ReportSubmissionSchema(ReportSubmissionSummarySchema):
    data = fields.Dict()
    last_comment = fields.String()
    reopened_until = _when("reopened_until")


class ReportValueChangeSchema(Schema):
    key = fields.String()
    old_value = fields.Raw()
    new_value = fields.Raw()
    changed_by = fields.Function(lambda c: c.changed_by.username if c.changed_by else None)
    changed_at = _when("changed_at")
    source = fields.String()


class ReportEventSchema(Schema):
    action = fields.String()
    from_status = fields.String()
    to_status = fields.String()
    actor = fields.Function(lambda e: e.actor.username if e.actor else None)
    org = fields.Function(lambda e: e.actor_org.name if e.actor_org else None)
    comment = fields.String()
    data = fields.Dict()
    created_at = _when("created_at")


class ReportNoticeSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String()
    task_id = fields.Integer(allow_none=True, attribute="object_id")
    created_at = _when("created_at")
    read_at = _when("read_at")
