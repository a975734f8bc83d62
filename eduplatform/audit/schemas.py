"""Audit log shapes."""

from marshmallow import Schema, fields, validate


class AuditEntrySchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    realm = fields.String()
    kind = fields.String()
    summary = fields.String()
    data = fields.Dict()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)


class AuditFilterSchema(Schema):
    realm = fields.String(load_default=None, validate=validate.Length(max=32))
    kind = fields.String(load_default=None, validate=validate.Length(max=64))
    actor = fields.String(load_default=None, validate=validate.Length(max=64), metadata={"description": "用户名"})
    actor_id = fields.Integer(load_default=None, metadata={"description": "操作人编号"})
    org = fields.String(load_default=None, validate=validate.Length(max=32),
                        metadata={"description": "单位代码：该单位及下级单位人员的操作"})
    object_type = fields.String(load_default=None, validate=validate.Length(max=32))
    object_id = fields.String(load_default=None, validate=validate.Length(max=64))
    since = fields.Date(load_default=None, metadata={"description": "北京时间日期"})
    until = fields.Date(load_default=None, metadata={"description": "北京时间日期，含当日"})
