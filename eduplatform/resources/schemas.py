"""API output shapes for resources (inputs are generated from resource_specs/, see specs.py)."""

from __future__ import annotations

from marshmallow import Schema, fields

from eduplatform.resources.specs import get_specs


def _labels(resource) -> dict:
    specs = get_specs()
    rtype = specs.get(resource.type)
    return {
        "type": rtype.label if rtype else resource.type,
        "stage": specs.label("stage", resource.stage),
        "subject": specs.label("subject", resource.subject),
        "grade": specs.label("grade", resource.grade),
        "textbook_edition": specs.label("textbook_edition", resource.textbook_edition),
        "knowledge_points": [specs.label("knowledge_point", c) for c in resource.knowledge_points or []],
        "format": specs.label("format", resource.format),
        "state": resource.state.label,
        "visibility": resource.visibility.label,
        "requested_visibility": resource.requested_visibility.label if resource.requested_visibility else None,
    }


class ConformanceItemSchema(Schema):
    rule = fields.String()
    label = fields.String()
    level = fields.String()
    status = fields.String()
    value = fields.Raw()
    message = fields.String()
    clause = fields.String()
    confirmed = fields.String()


class VersionSchema(Schema):
    number = fields.Integer()
    format = fields.String()
    filename = fields.Function(lambda v: v.file.filename)
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()
    note = fields.String(allow_none=True)
    conformance_status = fields.String()
    processing_state = fields.Function(lambda v: v.processing_state.value)


class ResourceSchema(Schema):
    id = fields.Integer()
    uid = fields.String()
    type = fields.String()
    title = fields.String()
    description = fields.String()
    stage = fields.String()
    subject = fields.String()
    grade = fields.String(allow_none=True)
    textbook_edition = fields.String(allow_none=True)
    knowledge_points = fields.List(fields.String())
    keywords = fields.List(fields.String())
    extra = fields.Dict(metadata={"description": "该类型规范中的其他元数据元素"})
    format = fields.String()
    state = fields.Function(lambda r: r.state.value)
    visibility = fields.Function(lambda r: r.visibility.value)
    #: "public" while 向社会公开 waits for the review; null otherwise.
    requested_visibility = fields.Function(lambda r: r.requested_visibility.value if r.requested_visibility else None)
    visibility_note = fields.String(allow_none=True)
    return_reason = fields.String(allow_none=True)
    owner = fields.Function(lambda r: r.owner.display_name)
    org = fields.Function(lambda r: r.org.name)
    org_id = fields.Integer()
    current_version = fields.Integer()
    download_count = fields.Integer()
    favourite_count = fields.Integer()
    rating_avg = fields.Float()
    rating_count = fields.Integer()
    comment_count = fields.Integer()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    labels = fields.Function(_labels)
    download_url = fields.Function(lambda r: f"/api/v1/resources/{r.id}/download")


class ResourceDetailSchema(ResourceSchema):
    conformance = fields.Function(lambda r: r.version.conformance if r.version else [])
    conformance_status = fields.Function(lambda r: r.version.conformance_status if r.version else None)
    media_info = fields.Function(lambda r: r.version.media_info if r.version else {})
    processing_state = fields.Function(lambda r: r.version.processing_state.value if r.version else None)
    processing_error = fields.Function(lambda r: r.version.processing_error if r.version else None,
                                       metadata={"description": "处理失败的原因（如文档无法转换、转换超时）"})
    page_count = fields.Function(lambda r: r.version.page_count if r.version else None,
                                 metadata={"description": "转换后文档的页数（非分页格式为空）"})
    preview_pages = fields.Function(lambda r: len(r.version.preview_pages or []) if r.version else 0,
                                    metadata={"description": "已生成的页面预览图数（视频为封面 1 张）"})
    #: the review actions the caller may take now (filled in by the view)
    actions = fields.List(fields.String(), dump_only=True)
    #: send back with a review action to be told (409) when someone else acted first
    review_token = fields.String(dump_only=True)


class SearchHitSchema(Schema):
    resource = fields.Nested(ResourceSchema)
    highlights = fields.Dict()
    score = fields.Float()


class CommentSchema(Schema):
    id = fields.Integer()
    body = fields.String()
    user = fields.Function(lambda c: c.user.display_name)
    created_at = fields.DateTime()


class ReviewStepSchema(Schema):
    """The optional body of a review action: the ``review_token`` read with the resource; if the
    review has moved since, the action is refused with 409 ``review_changed``."""

    review_token = fields.String(load_default=None)


class ApproveSchema(ReviewStepSchema):
    """At the publishing step of a resource asking for 向社会公开: ``public`` "public" approves it,
    "platform" lowers it to 全平台 (``public_reason`` required)."""

    public = fields.String(load_default=None, validate=lambda v: v in ("public", "platform", ""),
                           error_messages={"validator_failed": "public 应为 public 或 platform"})
    public_reason = fields.String(load_default=None)


class VisibilityChangeSchema(Schema):
    visibility = fields.String(required=True, error_messages={"required": "请选择可见范围"})


class PublicDecisionSchema(Schema):
    public = fields.String(required=True, error_messages={"required": "请选择是否同意向社会公开"})
    reason = fields.String(load_default=None)


class ReturnSchema(ReviewStepSchema):
    reason = fields.String(required=True, error_messages={"required": "请填写退回理由"})


class RatingSchema(Schema):
    stars = fields.Integer(required=True, error_messages={"required": "请给出 1–5 星评分",
                                                           "invalid": "评分应为 1–5 的整数"})


class CommentCreateSchema(Schema):
    body = fields.String(required=True, error_messages={"required": "请填写评论内容"})


class ExportSchema(Schema):
    ids = fields.List(fields.Integer(), load_default=list, metadata={"description": "要导出的资源编号"})
    #: A collection by criteria: every published resource in the caller's scope that matches.
    collection = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None,
                             metadata={"description": "按条件导出一组资源：type、stage、subject、grade、org"})
