"""/api/v1 for the parent app: the linked children, a child's homework and marks, class notices with
回执, and the messages with the 班主任. Another family's child, notice or thread answers 404."""

from __future__ import annotations

from flask_login import current_user, login_required

from eduplatform.core.api import load_body, make_api_blueprint
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.families import permissions, presenters, services
from eduplatform.families.access import child_for, child_notice
from eduplatform.families.schemas import (
    CodeInSchema,
    MessageInSchema,
    ReceiptInSchema,
    child_out,
    homework_out,
    message_out,
    notice_out,
)

bp = make_api_blueprint("families_api", __name__)


@bp.get("/my/children")
@login_required
def my_children():
    """The children linked to the signed-in parent account.
    ---
    get:
      responses:
        200:
          description: "{items: [{id, name, school, class}]}"
    """
    require(permissions.is_parent(current_user), action="families.my_children", message="只有家长账户可以查看")
    return {"items": [child_out(s) for s in services.children_of(current_user)]}


@bp.post("/my/children")
@login_required
def link_child():
    """Link a child to the signed-in parent account with the school's one-time invitation code.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: CodeInSchema
      responses:
        201:
          description: the linked child
    """
    from flask import current_app

    from eduplatform.core import ratelimit
    from eduplatform.core.security import client_ip

    ratelimit.hit("families.join", client_ip(), limit=int(current_app.config.get("FAMILY_JOIN_LIMIT", 10)),
                  per_seconds=int(current_app.config.get("FAMILY_JOIN_WINDOW", 600)),
                  message="邀请码尝试过于频繁，请稍后再试")
    data = load_body(CodeInSchema())
    link = services.redeem_code(current_user, data["code"], relation=data["relation"])
    db.session.commit()
    return child_out(link.student), 201


@bp.get("/my/children/<int:student_id>/homework")
@login_required
def child_homework(student_id: int):
    """A linked child's homework of today and the last two weeks: status, marks and comments per item.
    ---
    get:
      responses:
        200:
          description: "{items: [{id, subject, title, day, today, handed, score, items: [...]}]}"
    """
    student = child_for(student_id)
    return {"items": [homework_out(r) for r in presenters.homework_rows(student)]}


@bp.get("/my/children/<int:student_id>/notices")
@login_required
def child_notices(student_id: int):
    """The 班主任's notices of a linked child's class, with this child's 回执 (time and parent).
    ---
    get:
      responses:
        200:
          description: "{items: [{id, title, body, needs_receipt, acknowledged_at}]}"
    """
    student = child_for(student_id)
    return {"items": [notice_out(r) for r in presenters.notice_rows(student)]}


@bp.post("/family-notices/<int:notice_id>/receipt")
@login_required
def acknowledge(notice_id: int):
    """回执 a class notice for a linked child (once per child; 409 the second time).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReceiptInSchema
      responses:
        201:
          description: "{notice_id, student_id, acknowledged_at}"
    """
    data = load_body(ReceiptInSchema())
    student = child_for(data["student_id"])
    notice = child_notice(student, notice_id)
    receipt = services.acknowledge(current_user, notice, student)
    db.session.commit()
    from eduplatform.core.text.timeutil import iso

    return {"notice_id": notice.id, "student_id": student.id, "acknowledged_at": iso(receipt.acknowledged_at)}, 201


@bp.get("/my/children/<int:student_id>/messages")
@login_required
def child_messages(student_id: int):
    """The signed-in parent's messages with the 班主任 about a linked child.
    ---
    get:
      responses:
        200:
          description: "{thread_id, head_teacher, items: [{id, sender, body, created_at}]}"
    """
    student = child_for(student_id)
    thread = services.thread_of(current_user, student)
    head = services.head_teacher_user(student)
    return {"thread_id": thread.id if thread else None, "head_teacher": head.display_name if head else None,
            "items": [message_out(m) for m in services.thread_messages(thread)] if thread else []}


@bp.post("/my/children/<int:student_id>/messages")
@login_required
def send_message(student_id: int):
    """Write to the 班主任 about a linked child.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: MessageInSchema
      responses:
        201:
          description: the message
    """
    student = child_for(student_id)
    message = services.write_to_head_teacher(current_user, student, load_body(MessageInSchema())["body"])
    db.session.commit()
    return message_out(message), 201
