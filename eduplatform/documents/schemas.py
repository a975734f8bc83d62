"""What the documents API returns."""

from __future__ import annotations

from marshmallow import Schema, fields


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
