"""依申请公开: the input schemas (every text bounded) and the output schemas of the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from eduplatform.core.api import Id, PaginationSchema
from eduplatform.portal.models.disclosure import (
    ANSWER_TYPES,
    APPLICANT_TYPES,
    OBTAIN_METHODS,
    ORG_KINDS,
    PROVIDE_FORMATS,
    STATES,
)


def _text(max_len: int, *, required: bool = False, description: str = ""):
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=max_len),
                             metadata={"description": description})
    return fields.String(load_default="", validate=validate.Length(max=max_len), metadata={"description": description})


def _one_of(choices: dict, description: str, *, required: bool = True):
    kwargs = {"required": True} if required else {"load_default": None, "allow_none": True}
    # An optional choice left at the form's empty option ("—") arrives as "": it means none (a browser
    # always sends the select, so a 自然人's empty 组织类别 must not be refused).
    values = list(choices) if required else [*choices, ""]
    return fields.String(validate=validate.OneOf(values), metadata={"description": description}, **kwargs)


def _email_or_empty(value: str) -> None:
    if value:
        validate.Email(error="电子邮箱格式不正确")(value)


class ApplicationSchema(Schema):
    """What an applicant writes (the online form; staff entering a letter write the same)."""

    org_id = Id(required=True, metadata={"description": "受理机关（教育局）"})
    applicant_type = _one_of(APPLICANT_TYPES, "申请人类型：person 自然人 / organisation 法人或其他组织")
    org_kind = _one_of(ORG_KINDS, "法人或其他组织的类别", required=False)
    name = _text(120, required=True, description="姓名或名称")
    id_type = _text(40, description="证件名称（身份证、统一社会信用代码证 …）")
    id_number = _text(40, required=True, description="证件号码")
    contact_person = _text(60, description="联系人（法人或其他组织）")
    phone = _text(40, description="联系电话")
    email = fields.String(load_default="", validate=[validate.Length(max=120), _email_or_empty],
                          metadata={"description": "电子邮箱"})
    address = _text(255, description="通信地址")
    postcode = _text(12, description="邮政编码")
    description = _text(4000, required=True, description="所需信息的内容描述")
    doc_title = _text(255, description="文件名称（如知道）")
    doc_number = _text(80, description="文号（如知道）")
    provide_format = _one_of(PROVIDE_FORMATS, "提供方式：paper 纸质 / email 电子邮件 / disc 光盘 / disk 磁盘 / other")
    obtain_method = _one_of(OBTAIN_METHODS, "获取方式：mail 邮寄 / pickup 自行领取 / email 电子邮件 / online 网上查看")


class PublicApplicationSchema(ApplicationSchema):
    captcha_token = _text(64, description="验证码令牌")
    captcha = _text(8, description="验证码答案")


class StaffEntrySchema(ApplicationSchema):
    channel = fields.String(required=True, validate=validate.OneOf(["letter", "in_person"]),
                            metadata={"description": "申请渠道：letter 信函 / in_person 当面"})
    received_on = fields.Date(required=True, metadata={"description": "收到申请之日（信函以签收之日为准）"})


class TrackSchema(Schema):
    code = _text(20, required=True, description="查询码")
    secret = _text(40, required=True, description="查询密码")


class CorrectionSubmitSchema(TrackSchema):
    text = _text(4000, required=True, description="补正内容")


class ActionSchema(Schema):
    """The fields of a step; which ones a step reads is said with each action."""

    version = fields.Integer(load_default=None, allow_none=True, metadata={"description": "看到的待办版本（并发检查）"})
    notice = _text(2000, description="补正：需要补正的事项")
    text = _text(4000, description="收到补正：补正内容（信函补正）")
    received_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "收到补正的日期"})
    reason = _text(2000, description="理由（视为放弃、延期、不同意延期）")
    third_party = _text(200, description="征求意见的第三方")
    outcome = _text(2000, description="第三方意见")
    days = fields.Integer(load_default=None, allow_none=True, metadata={"description": "延长的工作日数（1–20）"})
    answer_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(ANSWER_TYPES)),
                                metadata={"description": "答复类型（第三十六条）：" + "、".join(
                                    f"{k} {v}" for k, v in ANSWER_TYPES.items())})
    where = _text(2000, description="已主动公开：获取途径")
    provision = _text(4000, description="予以公开 / 部分公开：公开的信息及提供方式")
    withheld = _text(2000, description="部分公开：不予公开的部分")
    reasons = _text(4000, description="不予公开 / 部分公开：理由")
    basis = _text(1000, description="不予公开：法律依据")
    search_record = _text(4000, description="信息不存在：检索情况")
    right_office = _text(1000, description="非本机关负责公开：负责的机关及联系方式")
    right_office_unknown = fields.Boolean(load_default=False, metadata={"description": "无法确定负责的机关"})
    earlier = _text(200, description="重复申请：原申请的查询码或答复书文号")
    law = _text(1000, description="其他法律法规另有规定：法律、行政法规及条款")
    channel = _text(1000, description="其他法律法规另有规定：办理渠道")
    note = _text(4000, description="其他说明")


class ListArgsSchema(PaginationSchema):
    """The staff list's filters; paging is the platform's (``core.api.PaginationSchema``)."""

    state = fields.String(load_default=None, validate=validate.OneOf(list(STATES)), metadata={"description": "状态"})
    applicant_type = fields.String(load_default=None, validate=validate.OneOf(list(APPLICANT_TYPES)))
    q = fields.String(load_default=None, validate=validate.Length(max=60), metadata={"description": "查询码、申请人或内容"})
    overdue = fields.Boolean(load_default=False, metadata={"description": "只看已逾期"})


class EntrySchema(Schema):
    day = fields.Date()
    kind = fields.String()
    text = fields.String()


class PublicStatusSchema(Schema):
    """What the applicant sees with code + secret."""

    tracking_code = fields.String()
    state = fields.String()
    state_label = fields.String()
    received_on = fields.Date()
    due_on = fields.Date(allow_none=True, metadata={"description": "答复期限（计时暂停或补正中为空）"})
    paused = fields.Boolean(metadata={"description": "征求第三方意见，计时暂停"})
    correction_notice = fields.String(metadata={"description": "需要补正的事项（如有）"})
    answer_type = fields.String(allow_none=True)
    answer_label = fields.String()
    letter_number = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(EntrySchema))


class PauseSchema(Schema):
    third_party = fields.String()
    started_on = fields.Date()
    third_party_due_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    outcome = fields.String()


class RequestSchema(Schema):
    id = fields.Integer()
    tracking_code = fields.String()
    org_id = fields.Integer()
    org_name = fields.String()
    state = fields.String()
    state_label = fields.String()
    applicant_type = fields.String()
    applicant_label = fields.String()
    org_kind = fields.String(allow_none=True)
    name = fields.String()
    id_type = fields.String()
    id_number = fields.String()
    phone = fields.String()
    email = fields.String()
    address = fields.String()
    description = fields.String()
    doc_title = fields.String()
    doc_number = fields.String()
    provide_format = fields.String()
    obtain_method = fields.String()
    channel = fields.String()
    received_on = fields.Date()
    clock_start_on = fields.Date()
    due_on = fields.Date(allow_none=True)
    working_days_left = fields.Integer(allow_none=True)
    correction_requested_on = fields.Date(allow_none=True)
    correction_notice = fields.String()
    correction_received_on = fields.Date(allow_none=True)
    extension_days = fields.Integer()
    answer_type = fields.String(allow_none=True)
    answer_label = fields.String()
    answer_fields = fields.Dict()
    answered_on = fields.Date(allow_none=True)
    letter_number = fields.String(allow_none=True)
    pauses = fields.List(fields.Nested(PauseSchema))
    timeline = fields.List(fields.Nested(EntrySchema))
    actions = fields.List(fields.Dict(), metadata={"description": "当前用户可执行的步骤（key、label、version）"})


class ReceiptSchema(Schema):
    id = fields.Integer()
    tracking_code = fields.String()
    secret = fields.String(metadata={"description": "查询密码（只显示这一次）"})
    due_on = fields.Date()


# --- the annual report (政府信息公开工作年度报告): what the office enters ------------------------------

def _annual_report_fields() -> dict:
    from eduplatform.portal.services.annual_report import TEXT_LIMIT, template

    t = template()
    out = {key: _text(TEXT_LIMIT) for key in ("overview", "problems", "other")}
    out |= {f"rules_{i}": _text(12) for i in range(len(t["proactive"][0]["columns"]))}
    out |= {key: _text(16) for key in ("licensing", "penalty", "enforcement", "fees")}
    out |= {f"{g['key']}_{c['key']}": _text(12) for g in t["review_groups"] for c in t["review_columns"]
            if c["key"] != "total"}
    return out


def annual_report_schema() -> Schema:
    """The form of the office's part: texts bounded, figures as typed (checked by the service)."""
    return Schema.from_dict(_annual_report_fields(), name="AnnualReportEntrySchema")()


class ReportRowSchema(Schema):
    report_row = _text(32)
