"""What the documents API returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class SignatureCheckSchema(Schema):
    field_name = fields.String(metadata={"description": "签名域名称"})
    signer = fields.String(metadata={"description": "签章单位（证书 CN）"})
    signed_at = fields.DateTime(allow_none=True, metadata={"description": "签章时间（北京时间）"})
    intact = fields.Boolean(metadata={"description": "签名覆盖的内容未被改动"})
    valid = fields.Boolean(metadata={"description": "签名值与证书相符"})
    trusted = fields.Boolean(metadata={"description": "证书由受信任的机构签发"})
    covered = fields.List(fields.List(fields.Integer()), metadata={"description": "签名覆盖的字节范围 [起, 止)"})
    file_size = fields.Integer()
    entire_file = fields.Boolean(metadata={"description": "签名覆盖整个文件"})
    later_changes = fields.String(metadata={"description": "签名之后的改动"})
    verdict = fields.String()
    explanation = fields.String()


class ReportSchema(Schema):
    verdict = fields.String(metadata={"description": "valid / modified / untrusted / invalid / unsigned / "
                                                     "unreadable"})
    label = fields.String(metadata={"description": "结论（中文）"})
    signatures = fields.List(fields.Nested(SignatureCheckSchema))


class VerificationSchema(Schema):
    sha256 = fields.String(metadata={"description": "所验证文件的 SHA-256"})
    report = fields.Nested(ReportSchema)


# --- 发文: input ------------------------------------------------------------------------------

def _text(max_len: int, *, required: bool = False, description: str = ""):
    if required:
        return fields.String(required=True, validate=validate.Length(max=max_len),
                             metadata={"description": description})
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_len),
                         metadata={"description": description})


class ElementsSchema(Schema):
    """The elements a drafter sets (发文字号, 签发人, 成文日期, 印章 come from the flow)."""

    doctype = fields.String(metadata={"description": "文种代码（notice 通知、request 请示 …，见 doctypes）"})
    title = _text(200, description="标题")
    agency_code = _text(32, description="发文机关代字，如 示教发")
    copy_number = _text(6, description="份号")
    secrecy = _text(8, description="密级：秘密 / 机密 / 绝密，空为不涉密")
    secrecy_term = _text(32, description="保密期限")
    urgency = _text(8, description="紧急程度：加急 / 特急，空为普通")
    issuer_mark = _text(100, description="发文机关标志")
    main_recipients = _text(2000, description="主送机关")
    attachment_note = _text(2000, description="附件说明")
    issuer_signature = _text(200, description="发文机关署名")
    remark = _text(2000, description="附注")
    cc_recipients = _text(2000, description="抄送机关")
    printing_org = _text(100, description="印发机关")


class DraftSchema(ElementsSchema):
    doctype = fields.String(required=True, metadata={"description": "文种代码"})
    title = _text(200, required=True, description="标题")
    agency_code = _text(32, required=True, description="发文机关代字")
    body = _text(200_000, description="正文（每段一行）")
    reviewer_id = fields.Integer(load_default=None, metadata={"description": "核稿人（用户 ID）"})
    cosign_department_ids = fields.List(fields.Integer(), load_default=list,
                                        metadata={"description": "会签科室（单位 ID）"})


class BodySchema(Schema):
    text = _text(200_000, required=True, description="正文")
    note = _text(200, description="修改说明")


class GrantSchema(Schema):
    user_id = fields.Integer(required=True)
    reason = _text(200, required=True, description="授权理由")


class DiffArgsSchema(Schema):
    a = fields.Integer(required=True, metadata={"description": "旧稿序号"})
    b = fields.Integer(required=True, metadata={"description": "新稿序号"})


class DocumentSearchArgsSchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200),
                      metadata={"description": "检索词（标题、发文字号、收文号、来文机关、主送机关、正文、附注），空格分隔"})
    direction = fields.String(load_default=None, validate=validate.OneOf(["out", "in"]),
                              metadata={"description": "out 发文 / in 收文"})
    doctype = fields.String(load_default=None, validate=validate.Length(max=32), metadata={"description": "文种代码"})
    year = fields.Integer(load_default=None, validate=validate.Range(min=1900, max=9999),
                          metadata={"description": "年度（发文字号的年份，否则收文、成文或拟稿年份）"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))


class DocumentListArgsSchema(Schema):
    state = fields.String(load_default=None)
    page = fields.Integer(load_default=1)


# --- 发文: output -----------------------------------------------------------------------------

class BodyVersionSchema(Schema):
    number = fields.Integer()
    saved_at = fields.DateTime()
    author_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    is_final = fields.Boolean()


class ActionSchema(Schema):
    key = fields.String()
    label = fields.String()
    version = fields.Integer(metadata={"description": "办理时回传（防止两人同时办理）"})
    reason_required = fields.Boolean()


class DocumentSchema(Schema):
    id = fields.Integer()
    direction = fields.String(metadata={"description": "out 发文 / in 收文"})
    state = fields.String(metadata={"description": "流程环节"})
    doctype = fields.String()
    title = fields.String()
    org_id = fields.Integer(metadata={"description": "发文机关"})
    agency_code = fields.String()
    doc_number = fields.String(allow_none=True, metadata={"description": "发文字号（登记后）"})
    copy_number = fields.String(allow_none=True)
    secrecy = fields.String(allow_none=True)
    secrecy_term = fields.String(allow_none=True)
    urgency = fields.String(allow_none=True)
    issuer_mark = fields.String(allow_none=True)
    signers = fields.String(allow_none=True)
    main_recipients = fields.String(allow_none=True)
    attachment_note = fields.String(allow_none=True)
    issuer_signature = fields.String(allow_none=True)
    written_on = fields.Date(allow_none=True)
    remark = fields.String(allow_none=True)
    cc_recipients = fields.String(allow_none=True)
    printing_org = fields.String(allow_none=True)
    printed_on = fields.Date(allow_none=True)
    finalized_at = fields.DateTime(allow_none=True)
    sealed_sha256 = fields.String(allow_none=True)
    instance_id = fields.Integer(allow_none=True, metadata={"description": "发文流程实例（办理见 workflow API）"})
    versions = fields.List(fields.Nested(BodyVersionSchema))
    actions = fields.List(fields.Nested(ActionSchema), metadata={
        "description": "我现在可办理的步骤：POST /api/v1/instances/{instance_id}/transitions/{key}，带 version"})


class DocumentPageSchema(Schema):
    items = fields.List(fields.Nested(DocumentSchema(exclude=("versions", "actions"))))
    total = fields.Integer()
    page = fields.Integer()


class SearchHitSchema(Schema):
    id = fields.Integer()
    direction = fields.String(metadata={"description": "out 发文 / in 收文"})
    doctype = fields.String()
    state = fields.String()
    title = fields.String()
    doc_number = fields.String(allow_none=True, metadata={"description": "发文字号"})
    receipt_number = fields.String(allow_none=True, metadata={"description": "收文号"})
    source_org_name = fields.String(allow_none=True, metadata={"description": "来文机关"})
    secrecy = fields.String(allow_none=True)
    urgency = fields.String(allow_none=True)
    title_html = fields.String(metadata={"description": "标题，命中词以 <mark> 标出（已转义的 HTML）"})
    snippet_html = fields.String(metadata={"description": "正文（或附注、主送机关）摘要，命中词以 <mark> 标出"})
    score = fields.Float()


class FacetCountSchema(Schema):
    value = fields.String()
    label = fields.String()
    count = fields.Integer()


class DocumentSearchSchema(Schema):
    items = fields.List(fields.Nested(SearchHitSchema))
    total = fields.Integer(metadata={"description": "我可查阅的命中公文数"})
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetCountSchema)),
                         metadata={"description": "direction / doctype / year 的分面计数（仅我可查阅的）"})
