"""The documents API, receiving side: 公文交换 (my unit's deliveries, 签收, 退文; the sender's status and
催办), 收文登记 of a paper 来文, 传阅 (send, 已阅, recall, who has it), 答复, 督办.

Routes live on the documents API blueprint (``api_base``; ``api.py`` imports this module at its end). 收文 steps
(登记, 初审, 拟办, 批办 …) are taken through the engine's API, like 发文's: a 收文 carries its
``instance_id`` and ``actions``.
"""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_form, load_json, paginated
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.documents.api_base import bp
from eduplatform.documents.api_base import dump_document as _dump
from eduplatform.documents.schemas import (
    CirculateSchema,
    CirculationSchema,
    DeliveryArgsSchema,
    DeliverySchema,
    ExchangeStatusSchema,
    NoteSchema,
    PaperIncomingSchema,
    ReasonSchema,
    ReplySchema,
)
from eduplatform.documents.services import access, circulation, exchange, incoming, supervision


@bp.get("/exchange/deliveries")
@login_required
def list_deliveries():
    """来文签收: what was sent to my unit (I am its 收发员), 待签收 first.
    ---
    get:
      parameters:
        - {in: query, schema: DeliveryArgsSchema}
      responses:
        200:
          description: "{items: [delivery], page, per_page, total, pages}"
    """
    args = load_args(DeliveryArgsSchema())
    return paginated(exchange.inbox_query(current_user, status=args["status"]), DeliverySchema())


@bp.get("/exchange/deliveries/<int:delivery_id>")
@login_required
def get_delivery(delivery_id):
    """One delivery (to its unit's 收发员, or to the sender's office).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: DeliverySchema
    """
    return DeliverySchema().dump(exchange.get_delivery(delivery_id, current_user))


@bp.post("/exchange/deliveries/<int:delivery_id>/sign")
@login_required
def sign_delivery(delivery_id):
    """签收: the time is recorded and my unit's 收文 is made, at 登记.
    ---
    post:
      responses:
        201:
          content:
            application/json:
              schema: DocumentSchema
    """
    received = exchange.sign_for(delivery_id, actor=current_user)
    db.session.commit()
    return _dump(received), 201


@bp.post("/exchange/deliveries/<int:delivery_id>/return")
@login_required
def return_delivery(delivery_id):
    """退文 with a reason (the sender is told).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReasonSchema
      responses:
        200:
          content:
            application/json:
              schema: DeliverySchema
    """
    data = load_json(ReasonSchema())
    delivery = exchange.return_delivery(delivery_id, actor=current_user, reason=data["reason"])
    db.session.commit()
    return DeliverySchema().dump(delivery)


@bp.get("/documents/<int:document_id>/exchange")
@login_required
def exchange_status(document_id):
    """The sender's view: every recipient unit, who signed, returned, read; counts.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ExchangeStatusSchema
    """
    document = access.get_readable(document_id, current_user)
    require(exchange.is_sender_office(current_user, document), action="documents.exchange_status")
    return ExchangeStatusSchema().dump({**exchange.status(document), "deliveries": exchange.deliveries(document)})


@bp.post("/documents/<int:document_id>/exchange/chase")
@login_required
def chase_exchange(document_id):
    """催办 the units that have not signed yet.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: NoteSchema
      responses:
        200:
          content:
            application/json:
              schema: CountSchema
    """
    document = access.get_readable(document_id, current_user)
    count = exchange.chase(document, actor=current_user, note=load_json(NoteSchema()).get("note"))
    db.session.commit()
    return {"count": count}


@bp.post("/documents/incoming")
@login_required
def register_incoming():
    """收文登记 of a paper 来文: the elements as form fields, its scan as the file ``scan`` (optional).
    ---
    post:
      requestBody:
        content:
          multipart/form-data:
            schema: PaperIncomingSchema
      responses:
        201:
          content:
            application/json:
              schema: DocumentSchema
    """
    data = load_form(PaperIncomingSchema(), empty_is_none=True)
    body = data.pop("body")
    document = incoming.register_paper(current_user, elements=data, body=body,
                                     scan_upload=request.files.get("scan"))
    db.session.commit()
    return _dump(document), 201


@bp.get("/documents/<int:document_id>/circulations")
@login_required
def list_circulations(document_id):
    """传阅: who has the document, who has read it (recalled ones are left out).
    ---
    get:
      responses:
        200:
          description: "{items: [circulation]}"
    """
    document = access.get_readable(document_id, current_user)
    return {"items": CirculationSchema(many=True).dump(circulation.active(document))}


@bp.post("/documents/<int:document_id>/circulations")
@login_required
def circulate(document_id):
    """Send the document to readers of its own unit, with a note.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: CirculateSchema
      responses:
        201:
          description: "{items: [circulation]} (the new ones; readers who had it are skipped)"
    """
    document = access.get_readable(document_id, current_user)
    data = load_json(CirculateSchema())
    made = circulation.circulate(document, data["reader_ids"], actor=current_user, note=data.get("note"))
    db.session.commit()
    return {"items": CirculationSchema(many=True).dump(made)}, 201


@bp.post("/documents/<int:document_id>/read")
@login_required
def mark_read(document_id):
    """已阅 (once).
    ---
    post:
      responses:
        200:
          description: "{marked: true|false}"
    """
    document = access.get_readable(document_id, current_user)
    marked = circulation.mark_read(document, current_user)
    db.session.commit()
    return {"marked": marked}


@bp.post("/circulations/<int:circulation_id>/recall")
@login_required
def recall_circulation(circulation_id):
    """收回 a circulation not read yet (its sender, or a leader of the unit).
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: CirculationSchema
    """
    row = circulation.recall(circulation_id, actor=current_user)
    db.session.commit()
    return CirculationSchema().dump(row)


@bp.post("/documents/<int:document_id>/reply")
@login_required
def draft_reply(document_id):
    """答复: a 发文 linked to the 收文, addressed to its sender (by its current handler).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReplySchema
      responses:
        201:
          content:
            application/json:
              schema: DocumentSchema
    """
    document = access.get_readable(document_id, current_user)
    reply = incoming.draft_reply(document, actor=current_user, agency_code=load_json(ReplySchema()).get("agency_code"))
    db.session.commit()
    return _dump(reply), 201


@bp.get("/documents/supervision")
@login_required
def supervision_board():
    """督办: my unit's overdue and nearly due 公文 steps, per 科室.
    ---
    get:
      responses:
        200:
          description: "{groups: [{unit, overdue, rows: [{document_id, title, step, holders, due_at, overdue_hours}]}]}"
    """
    groups = supervision.board(current_user)
    return {"groups": [{"unit": g.unit, "overdue": g.overdue, "rows": [
        {"document_id": r.document.id, "title": r.document.title, "direction": r.document.direction,
         "step": r.step, "holders": r.holders, "due_at": r.task.due_at.isoformat(),
         "overdue_hours": int(r.overdue_by.total_seconds() // 3600) if r.overdue_by else None}
        for r in g.rows]} for g in groups]}


@bp.post("/documents/<int:document_id>/chase")
@login_required
def chase_step(document_id):
    """催办 the current step of the document's flow (the step's 督办 lane, e.g. the office).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: NoteSchema
      responses:
        200:
          content:
            application/json:
              schema: CountSchema
    """
    document = access.get_readable(document_id, current_user)
    count = supervision.chase(document, actor=current_user, message=load_json(NoteSchema()).get("note") or "")
    db.session.commit()
    return {"count": count}
