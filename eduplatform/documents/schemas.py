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


class BodyUploadSchema(Schema):
    """正文 as an uploaded DOCX (the file ``docx`` on a page, ``file`` in the API) and a note."""

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
    source_org_name = fields.String(allow_none=True, metadata={"description": "来文机关（收文）"})
    source_doc_number = fields.String(allow_none=True, metadata={"description": "来文字号（收文）"})
    receipt_number = fields.String(allow_none=True, metadata={"description": "收文号（收文登记后）"})
    received_on = fields.Date(allow_none=True, metadata={"description": "收文日期"})
    reply_to_id = fields.Integer(allow_none=True, metadata={"description": "所答复的收文"})
    instance_id = fields.Integer(allow_none=True, metadata={"description": "发文流程实例（办理见 workflow API）"})
    versions = fields.List(fields.Nested(BodyVersionSchema))
    actions = fields.List(fields.Nested(ActionSchema), metadata={
        "description": "我现在可办理的步骤：POST /api/v1/instances/{instance_id}/transitions/{key}，带 version"})


class DocumentPageSchema(Schema):
    items = fields.List(fields.Nested(DocumentSchema(exclude=("versions", "actions"))))
    total = fields.Integer()
    page = fields.Integer()


# --- 收文, 传阅, 公文交换 ------------------------------------------------------------------------

class PaperIncomingSchema(Schema):
    """收文登记 of a paper 来文 (the scan is an uploaded file ``scan`` beside these fields)."""

    doctype = fields.String(required=True, metadata={"description": "文种代码"})
    title = _text(200, required=True, description="文件标题")
    source_org_name = _text(200, required=True, description="来文机关")
    source_doc_number = _text(64, description="来文字号")
    secrecy = _text(8, description="密级")
    urgency = _text(8, description="紧急程度")
    main_recipients = _text(2000, description="主送机关")
    written_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "成文日期"})
    received_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "收文日期（默认今天）"})
    remark = _text(2000, description="附注")
    body = _text(200_000, description="正文（可录入，也可只附扫描件）")


class CirculateSchema(Schema):
    reader_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=200),
                             metadata={"description": "传阅人员（用户 ID）"})
    note = _text(500, description="传阅说明")


class ReasonSchema(Schema):
    reason = _text(500, required=True, description="理由")


class NoteSchema(Schema):
    note = _text(200, description="说明")


class ReplySchema(Schema):
    agency_code = _text(32, description="答复的发文机关代字（默认本单位第一个）")


class DeliveryArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "signed", "returned"]),
                           metadata={"description": "pending 待签收 / signed 已签收 / returned 已退文"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))


class DeliverySchema(Schema):
    id = fields.Integer()
    document_id = fields.Integer(metadata={"description": "所发公文"})
    title = fields.String(attribute="document.title")
    doc_number = fields.String(attribute="document.doc_number", allow_none=True)
    sender = fields.String(attribute="document.org.name", metadata={"description": "发文机关"})
    urgency = fields.String(attribute="document.urgency", allow_none=True)
    recipient_org_id = fields.Integer()
    recipient = fields.String(attribute="recipient.name")
    kind = fields.String(metadata={"description": "main 主送 / cc 抄送"})
    status = fields.String(metadata={"description": "pending 待签收 / signed 已签收 / returned 已退文"})
    sent_at = fields.DateTime()
    first_read_at = fields.DateTime(allow_none=True, metadata={"description": "回执：收发员首次查阅"})
    signed_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    return_reason = fields.String(allow_none=True)
    chase_count = fields.Integer()
    reply_text = fields.String(allow_none=True, metadata={"description": "学校办结时的答复"})
    replied_at = fields.DateTime(allow_none=True)
    incoming_document_id = fields.Integer(allow_none=True, metadata={"description": "签收后生成的收文"})


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    total = fields.Integer()
    page = fields.Integer()


class ExchangeStatusSchema(Schema):
    total = fields.Integer()
    pending = fields.Integer(metadata={"description": "待签收"})
    signed = fields.Integer()
    returned = fields.Integer()
    read = fields.Integer(metadata={"description": "已查阅（回执）"})
    deliveries = fields.List(fields.Nested(DeliverySchema))


class CirculationSchema(Schema):
    id = fields.Integer()
    reader_id = fields.Integer()
    reader = fields.String(attribute="reader.display_name")
    note = fields.String(allow_none=True)
    sent_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class CountSchema(Schema):
    count = fields.Integer()


# --- 归档 -------------------------------------------------------------------------------------

RETENTION_CHOICES = ("永久", "定期30年", "定期10年")


class ArchiveRequestSchema(Schema):
    retention = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        RETENTION_CHOICES, error="保管期限只能是永久、定期30年或定期10年"),
        metadata={"description": "保管期限；不填则按保管期限表。与表中不同须写明理由"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500),
                           metadata={"description": "改定保管期限的理由"})


class ArchiveListArgsSchema(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=1900, max=2999, error="年度须为四位年份"),
                          metadata={"description": "年度"})
    retention = fields.String(load_default=None, validate=validate.OneOf(
        RETENTION_CHOICES, error="保管期限只能是永久、定期30年或定期10年"))


class ArchiveExportArgsSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=1900, max=2999, error="年度须为四位年份"),
                          metadata={"description": "年度"})


class ArchiveItemSchema(Schema):
    id = fields.Integer()
    document_id = fields.Integer()
    archival_code = fields.String(metadata={"description": "档号（DA/T 22-2015）"})
    fonds_code = fields.String(metadata={"description": "全宗号"})
    year = fields.Integer(metadata={"description": "年度"})
    retention = fields.String(metadata={"description": "保管期限"})
    retention_code = fields.String(metadata={"description": "保管期限代码 Y / D30 / D10"})
    retention_rule = fields.String(allow_none=True, metadata={"description": "保管期限表中适用的规则"})
    retention_reason = fields.String(allow_none=True, metadata={"description": "改定保管期限的理由"})
    department_code = fields.String(metadata={"description": "机构（问题）代码"})
    department_name = fields.String(allow_none=True, metadata={"description": "机构（问题）"})
    item_number = fields.Integer(metadata={"description": "件号"})
    title = fields.String(metadata={"description": "题名"})
    responsible = fields.String(allow_none=True, metadata={"description": "责任者"})
    doc_number = fields.String(allow_none=True, metadata={"description": "文号"})
    doc_date = fields.Date(allow_none=True, metadata={"description": "日期"})
    pages = fields.Integer(allow_none=True, metadata={"description": "页数"})
    secrecy = fields.String(allow_none=True, metadata={"description": "密级"})
    archived_at = fields.DateTime()
    archived_by = fields.Function(lambda i: i.archived_by.display_name if i.archived_by else None)
    package_sha256 = fields.String(allow_none=True, metadata={"description": "归档数据包的 SHA-256"})
    package_size = fields.Integer(allow_none=True)


class ArchiveVerifySchema(Schema):
    ok = fields.Boolean(metadata={"description": "全部文件与清单一致"})
    label = fields.String(metadata={"description": "结论（中文）"})
    problems = fields.List(fields.String(), metadata={"description": "缺少、改动或清单外的文件（中文）"})
    checked = fields.Integer(metadata={"description": "核对的文件数"})
    items = fields.Integer(metadata={"description": "年度移交包中核对的件数"})
    identifier = fields.String(metadata={"description": "档号（件的数据包）"})


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
