"""What the portal's forms and API take and give."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from eduplatform.core.text.timeutil import BadDate, iso, parse_local_datetime


class LocalDateTime(fields.Field):
    """'2026-10-15 17:00' (Beijing time) in, naive UTC out; empty → None."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in (None, ""):
            return None
        try:
            return parse_local_datetime(value, end_of_day=False)
        except BadDate as exc:
            raise ValidationError(str(exc)) from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return iso(value)


class ArticleFormSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"description": "标题"})
    summary = fields.String(allow_none=True, validate=validate.Length(max=500), metadata={"description": "摘要"})
    body = fields.String(allow_none=True, metadata={"description": "正文（HTML，保存时清理）"})
    doc_number = fields.String(allow_none=True, validate=validate.Length(max=64), metadata={"description": "文号"})
    written_on = fields.Date(allow_none=True, metadata={"description": "成文日期"})
    publish_at = LocalDateTime(allow_none=True, metadata={"description": "定时发布时间（北京时间）"})
    deadline_at = LocalDateTime(allow_none=True, metadata={"description": "截止时间（采购招标，北京时间）"})


class ArticleCreateSchema(ArticleFormSchema):
    column = fields.String(required=True, metadata={"description": "栏目标识，如 news、policy_documents"})


class ReviewFormSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["approve", "return"]))
    opinion = fields.String(allow_none=True, validate=validate.Length(max=1000))


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           error_messages={"required": "请填写理由"})


class ScheduleSchema(Schema):
    publish_at = LocalDateTime(allow_none=True)


class ValiditySchema(Schema):
    validity = fields.String(required=True, validate=validate.OneOf(["valid", "amended", "repealed"]))
    replaced_by = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=300))


class ColumnFormSchema(Schema):
    parent = fields.String(required=True)
    key = fields.String(required=True, validate=validate.Length(max=64))
    name = fields.String(required=True, validate=validate.Length(max=64))
    kind = fields.String(allow_none=True)


class AttachmentOutSchema(Schema):
    id = fields.Integer()
    filename = fields.Function(lambda a: a.file.filename)
    size = fields.Function(lambda a: a.file.size)


class ArticleOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String(allow_none=True)
    body = fields.String(metadata={"description": "正文（已清理的 HTML）"})
    column = fields.Function(lambda a: a.column.key, metadata={"description": "栏目标识"})
    column_name = fields.Function(lambda a: a.column.name)
    org = fields.Function(lambda a: a.org.name, metadata={"description": "发布机构"})
    index_no = fields.String(allow_none=True, metadata={"description": "索引号"})
    doc_number = fields.String(allow_none=True)
    written_on = fields.Date(allow_none=True, metadata={"description": "成文日期"})
    published_at = LocalDateTime(metadata={"description": "发布日期"})
    deadline_at = LocalDateTime(metadata={"description": "投标截止时间（采购招标，北京时间）"})
    deadline_passed = fields.Function(lambda a: a.deadline_passed if a.deadline_at else None,
                                      metadata={"description": "采购招标：是否已截止"})
    validity = fields.Function(lambda a: a.validity.label if a.validity else None,
                               metadata={"description": "效力状态：有效 / 已修改 / 已废止"})
    replaced_by = fields.Integer(attribute="replaced_by_id", allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentOutSchema))


class ArticleStaffOutSchema(ArticleOutSchema):
    state = fields.Function(lambda a: a.state.value)
    state_label = fields.Function(lambda a: a.state.label)
    publish_at = LocalDateTime()
