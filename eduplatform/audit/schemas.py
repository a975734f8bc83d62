"""Audit log shapes."""

from datetime import date

from marshmallow import Schema, fields, validate

from eduplatform.core.api import Id


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


_in_range = validate.Range(min=date(1900, 1, 1), max=date(9999, 12, 30), error="日期须在 {min} 到 {max} 之间")


class AuditFilterSchema(Schema):
    realm = fields.String(load_default=None, validate=validate.Length(max=32))
    kind = fields.String(load_default=None, validate=validate.Length(max=64))
    actor = fields.String(load_default=None, validate=validate.Length(max=64), metadata={"description": "用户名"})
    actor_id = Id(load_default=None, metadata={"description": "操作人编号"})
    org = fields.String(load_default=None, validate=validate.Length(max=32),
                        metadata={"description": "单位代码：该单位及下级单位人员的操作"})
    object_type = fields.String(load_default=None, validate=validate.Length(max=32))
    object_id = fields.String(load_default=None, validate=validate.Length(max=64))
    since = fields.Date(load_default=None, validate=_in_range, metadata={"description": "北京时间日期"})
    #: at most the day before date.max: the query runs to the start of the next day
    until = fields.Date(load_default=None, validate=_in_range, metadata={"description": "北京时间日期，含当日"})
