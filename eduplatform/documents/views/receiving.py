"""The receiving side's pages: 来文签收 (公文交换), 收文登记 (paper), 传阅, 答复, 督办, and the
sender's 催办 of units that have not signed."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_form
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.documents import bp
from eduplatform.documents.doctypes import doctypes
from eduplatform.documents.models import SECRECY_LEVELS, URGENCY_LEVELS
from eduplatform.documents.schemas import (
    CirculateSchema,
    DeliveryArgsSchema,
    NoteSchema,
    PaperIncomingSchema,
    ReasonSchema,
    ReplySchema,
)
from eduplatform.documents.services import access, circulation, exchange, incoming, supervision


@bp.get("/documents/exchange")
@login_required
def exchange_inbox():
    """来文签收: what was sent to my unit, 待签收 first."""
    require(exchange.clerk_unit(current_user) is not None, action="documents.exchange")
    args = load_args(DeliveryArgsSchema())
    query = exchange.inbox_query(current_user, status=args["status"])
    page = db.paginate(query, page=args["page"], per_page=30, error_out=False)
    return render_template("documents/exchange.html", page=page, unit=exchange.clerk_unit(current_user),
                           status=args["status"], labels=exchange.STATUS_LABELS)


@bp.post("/documents/exchange/<int:delivery_id>/sign")
@login_required
def sign_delivery(delivery_id):
    received = exchange.sign_for(delivery_id, actor=current_user)
    db.session.commit()
    flash(f"已签收，生成收文，请登记（{received.title}）", "success")
    return redirect(url_for("documents.document_page", document_id=received.id))


@bp.post("/documents/exchange/<int:delivery_id>/return")
@login_required
def return_delivery(delivery_id):
    data = load_form(ReasonSchema())
    exchange.return_delivery(delivery_id, actor=current_user, reason=data["reason"])
    db.session.commit()
    flash("已退文，发文单位会收到退文理由", "success")
    return redirect(url_for("documents.exchange_inbox"))


@bp.post("/documents/<int:document_id>/chase-exchange")
@login_required
def chase_exchange(document_id):
    document = access.get_readable(document_id, current_user)
    count = exchange.chase(document, actor=current_user, note=load_form(NoteSchema()).get("note"))
    db.session.commit()
    flash(f"已向 {count} 个未签收单位催办", "success")
    return redirect(url_for("documents.document_page", document_id=document.id) + "#exchange")


@bp.route("/documents/incoming/new", methods=["GET", "POST"])
@login_required
def register_incoming():
    """收文登记 of a paper 来文, its scan attached."""
    unit = incoming.receiving_unit(current_user)
    if request.method == "POST":
        data = load_form(PaperIncomingSchema(), empty_is_none=True)
        body = data.pop("body")
        document = incoming.register_paper(current_user, elements=data, body=body,
                                     scan_upload=request.files.get("scan"))
        db.session.commit()
        flash("已录入来文，请登记编收文号", "success")
        return redirect(url_for("documents.document_page", document_id=document.id))
    return render_template("documents/incoming_new.html", unit=unit, doctypes=doctypes().values(),
                           secrecy_levels=SECRECY_LEVELS, urgency_levels=URGENCY_LEVELS, scan_types=incoming.SCAN_TYPES)


@bp.post("/documents/<int:document_id>/circulate")
@login_required
def circulate_page(document_id):
    document = access.get_readable(document_id, current_user)
    data = load_form(CirculateSchema())
    made = circulation.circulate(document, data["reader_ids"], actor=current_user, note=data.get("note"))
    db.session.commit()
    flash(f"已传阅给 {len(made)} 人" if made else "所选人员已在传阅中", "success")
    return redirect(url_for("documents.document_page", document_id=document.id) + "#circulation")


@bp.post("/documents/<int:document_id>/read")
@login_required
def mark_read_page(document_id):
    document = access.get_readable(document_id, current_user)
    marked = circulation.mark_read(document, current_user)
    db.session.commit()
    flash("已阅" if marked else "您没有待阅的传阅", "success")
    return redirect(url_for("documents.document_page", document_id=document.id) + "#circulation")


@bp.post("/documents/circulations/<int:circulation_id>/recall")
@login_required
def recall_page(circulation_id):
    row = circulation.recall(circulation_id, actor=current_user)
    db.session.commit()
    flash("已收回传阅", "success")
    return redirect(url_for("documents.document_page", document_id=row.document_id) + "#circulation")


@bp.post("/documents/<int:document_id>/reply")
@login_required
def reply_page(document_id):
    document = access.get_readable(document_id, current_user)
    reply = incoming.draft_reply(document, actor=current_user, agency_code=load_form(ReplySchema()).get("agency_code"))
    db.session.commit()
    flash("已起草答复（发文），请填写正文后送核稿", "success")
    return redirect(url_for("documents.document_page", document_id=reply.id))


@bp.get("/documents/supervision")
@login_required
def supervision_page():
    """督办: overdue and nearly due 公文 steps of my unit, per 科室."""
    groups = supervision.board(current_user)
    return render_template("documents/supervision.html", groups=groups, unit=supervision.supervised_unit(current_user))


@bp.post("/documents/<int:document_id>/chase")
@login_required
def chase_step(document_id):
    document = access.get_readable(document_id, current_user)
    count = supervision.chase(document, actor=current_user, message=load_form(NoteSchema()).get("note") or "")
    db.session.commit()
    flash(f"已催办（{count} 人）", "success")
    return redirect(request.referrer or url_for("documents.supervision_page"))
