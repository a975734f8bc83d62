"""API shapes for org units."""

from marshmallow import Schema, fields, validate

from eduplatform.orgs.models import OrgType, Stage


class OrgUnitSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    type = fields.Function(lambda org: org.type.value)
    type_label = fields.Function(lambda org: org.type.label)
    parent = fields.Function(lambda org: org.parent.code if org.parent else None)
    stages = fields.List(fields.String())


class OrgCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{2,32}$",
                                                                 error="单位代码须为 2–32 位字母、数字、_ 或 -"))
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    type = fields.Enum(OrgType, by_value=True, required=True)
    parent = fields.String(load_default=None, allow_none=True)
    stages = fields.List(fields.Enum(Stage, by_value=True), load_default=list)
