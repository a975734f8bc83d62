"""领导信箱 and 12345: input schemas (every text bounded) and the hotline API's output."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from eduplatform.core.api import Id


def _text(max_len: int, *, required: bool = False, description: str = ""):
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=max_len),
                             metadata={"description": description})
    return fields.String(load_default="", validate=validate.Length(max=max_len), metadata={"description": description})


def _email_or_empty(value: str) -> None:
    if value:
        validate.Email(error="电子邮箱格式不正确")(value)


class LetterSchema(Schema):
    """What a writer sends to 领导信箱 (no login)."""

    org_id = Id(required=True, metadata={"description": "收信的教育局"})
    kind = fields.String(required=True, metadata={"description": "类别：consult 咨询 / complaint 投诉 / suggestion 建议"})
    name = _text(60, required=True, description="姓名")
    phone = _text(40, description="联系电话")
    email = fields.String(load_default="", validate=[validate.Length(max=120), _email_or_empty],
                          metadata={"description": "电子邮箱"})
    id_number = _text(40, description="身份证号码（选填）")
    address = _text(255, description="通信地址（选填）")
    title = _text(120, required=True, description="标题")
    content = _text(5000, required=True, description="内容")
    consent_publish = fields.Boolean(load_default=False, metadata={"description": "同意隐去个人信息后公开"})
    captcha_token = _text(64, description="验证码令牌")
    captcha = _text(8, description="验证码答案")


class TrackSchema(Schema):
    code = _text(20, required=True, description="查询码")
    secret = _text(40, required=True, description="查询密码")


class RateSchema(TrackSchema):
    rating = fields.String(required=True, validate=validate.OneOf(["satisfied", "fair", "unsatisfied"],
                                                                  error="请选择满意度"),
                           metadata={"description": "满意度"})
    comment = _text(500, description="评价意见")


class LetterActionSchema(Schema):
    version = fields.Integer(load_default=None, allow_none=True)
    department_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "承办科室"})
    reason = _text(2000, description="理由（退单、改派、并案）或回访情况")
    reply = _text(8000, description="答复内容")
    into_code = _text(20, description="并入的主办件查询码")


class PublishSchema(Schema):
    title = _text(120, description="公开标题（默认来信标题）")
    reason = _text(500, description="撤下理由")


class CitizenSchema(Schema):
    name = _text(60, description="来电人姓名")
    phone = _text(40, description="联系电话")
    email = _text(120, description="电子邮箱")


class HotlineOrderSchema(Schema):
    """A work order handed over by the 12345 system."""

    order_no = _text(64, required=True, description="12345 工单编号（同一编号重复提交返回同一件）")
    kind = fields.String(load_default="咨询", validate=validate.OneOf(
        ["咨询", "投诉", "建议", "求助", "举报", "consult", "complaint", "suggestion"], error="工单类型不正确"),
        metadata={"description": "工单类型：咨询 / 投诉 / 建议（求助按咨询、举报按投诉办理）"})
    title = _text(120, description="标题")
    content = _text(5000, required=True, description="诉求内容")
    citizen = fields.Nested(CitizenSchema, load_default=dict, metadata={"description": "来电人"})
    deadline = fields.Date(required=True, metadata={"description": "办结时限（日期）"})


class HotlineStatusSchema(Schema):
    order_no = fields.String()
    tracking_code = fields.String()
    status = fields.String(metadata={"description": "received 已接收 / accepted 已受理 / replied 已答复 / closed 已办结"})
    status_label = fields.String()
    state_label = fields.String()
    department = fields.String(allow_none=True)
    deadline = fields.String()
    reply = fields.String(allow_none=True)
    replied_on = fields.String(allow_none=True)
    closed_on = fields.String(allow_none=True)
