"""Input and output schemas of 家校 (marshmallow 4); the HTML forms load the same inputs."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from eduplatform.core.api import Id
from eduplatform.core.text.timeutil import iso


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class CodeInSchema(_In):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    relation = fields.String(load_default="家长", validate=validate.Length(max=16))


class RegisterInSchema(CodeInSchema):
    username = fields.String(required=True, validate=validate.Length(min=3, max=64))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(load_default="", validate=validate.Length(max=32))
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))
    password2 = fields.String(required=True, validate=validate.Length(min=1, max=128))


class NoticeInSchema(_In):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="", validate=validate.Length(max=5000))
    needs_receipt = fields.Boolean(load_default=True)


class ReceiptInSchema(_In):
    student_id = Id(required=True)


class MessageInSchema(_In):
    #: emptiness is the service's refusal (请填写留言内容)
    body = fields.String(required=True, validate=validate.Length(max=2000))


class CodesInSchema(_In):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=180))


def child_out(student) -> dict:
    school_class = student.school_class
    return {"id": student.id, "name": student.name, "school": student.school.name,
            "class": school_class.name if school_class else None}


def homework_out(row: dict) -> dict:
    homework = row["homework"]
    return {
        "id": homework.id, "subject": homework.subject, "title": homework.title, "note": homework.note,
        "day": homework.load_date.isoformat(), "due_at": iso(homework.due_at), "today": row["today"],
        "minutes": homework.total_minutes, "handed": row["handed"], "items_count": row["count"],
        "marked": row["marked"], "returned": row["returned"], "late": row["late"],
        "score": row["score"], "max_score": row["max_score"],
        "items": [{
            "id": e["item"].id, "title": e["item"].title, "kind": e["item"].kind.value, "minutes": e["item"].minutes,
            "max_score": e["item"].max_score,
            "status": e["answer"].status.value if e["answer"] else "not_handed",
            "status_label": e["answer"].status.label if e["answer"] else "未提交",
            "late": bool(e["answer"] and e["answer"].late),
            "score": e["answer"].score if e["answer"] else None,
            "grade": e["answer"].grade if e["answer"] else None,
            "comment": e["answer"].comment if e["answer"] else "",
        } for e in row["items"]],
    }


def notice_out(row: dict) -> dict:
    notice, receipt = row["notice"], row["receipt"]
    return {"id": notice.id, "title": notice.title, "body": notice.body, "created_at": iso(notice.created_at),
            "author": notice.author.display_name, "needs_receipt": notice.needs_receipt,
            "acknowledged_at": iso(receipt.acknowledged_at) if receipt else None,
            "acknowledged_by": receipt.parent.display_name if receipt else None}


def message_out(message) -> dict:
    return {"id": message.id, "sender": message.sender.display_name, "sender_id": message.sender_id,
            "body": message.body, "created_at": iso(message.created_at)}
