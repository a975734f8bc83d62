"""公文 pages: 公文 home (待办 by kind and urgency, what I may see), 拟稿, the document (elements,
正文 and its versions, the difference between two, the flow), the printed and the sealed PDF.

Acting on a step (opinions, 会签科室, recipients) happens on the engine's instance page, which the
document page links to: the form there is the one the definition describes, for every process.
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from eduplatform import workflow
from eduplatform.accounts.models import BUREAU_ROLES, User
from eduplatform.core.api import load_args, load_form
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.documents import bp
from eduplatform.documents.doctypes import doctypes, get_doctype
from eduplatform.documents.models import RETENTIONS, SECRECY_LEVELS, URGENCY_LEVELS, Delivery, Document
from eduplatform.documents.schemas import (
    BodySchema,
    BodyUploadSchema,
    DiffArgsSchema,
    DocumentSearchArgsSchema,
    DraftSchema,
    ElementsSchema,
    GrantSchema,
)
from eduplatform.documents.services import access, circulation, exchange, incoming, outgoing, supervision
from eduplatform.documents.services import archive as archiving
from eduplatform.documents.services.body import diff_versions
from eduplatform.documents.services.output import print_document
from eduplatform.documents.services.search import DIRECTION_LABELS, search_documents
from eduplatform.orgs.models import OrgType, OrgUnit


def _state_labels() -> dict[str, str]:
    labels = {}
    for key in access.FLOWS:
        labels.update({k: s.label for k, s in workflow.get_process(key).states.items()})
    return labels


def _urgency_rank(document) -> int:
    return {"特急": 0, "加急": 1}.get(document.urgency or "", 2)


@bp.get("/documents")
@login_required
def index():
    """公文 home: my open steps, most urgent first, then every document I may see."""
    to_read = circulation.waiting_for(current_user)
    require(exchange.handles_documents(current_user) or to_read, action="documents.read")
    todo = []
    for key in access.FLOWS:
        for task in db.session.scalars(workflow.todo_query(current_user, key)):
            document = _subject(task.instance)
            if document is not None:
                todo.append((document, task))
    todo.sort(key=lambda pair: (_urgency_rank(pair[0]), pair[1].due_at is None, pair[1].due_at or 0))
    groups = {"发文": [p for p in todo if p[0].direction == "out"], "收文": [p for p in todo if p[0].direction == "in"]}
    page = db.paginate(access.visible_query(current_user), per_page=20, error_out=False)
    clerk_unit = exchange.clerk_unit(current_user)
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(
        exchange.inbox_query(current_user, status="pending").subquery())) if clerk_unit else 0
    return render_template("documents/index.html", groups=groups, page=page, labels=_state_labels(),
                           doctype_name=_doctype_name, clerk_unit=clerk_unit, pending=pending, to_read=to_read,
                           documents={c.document_id: db.session.get(Document, c.document_id) for c in to_read},
                           may_draft=outgoing.is_bureau_user(current_user),
                           may_supervise=supervision.supervised_unit(current_user) is not None,
                           flows=[(key, workflow.get_process(key).name) for key in access.FLOWS])


@bp.get("/documents/search")
@login_required
def search():
    """公文检索: the documents I may read that match the words, with the matched passage."""
    require(exchange.handles_documents(current_user), action="documents.read")
    args = load_args(DocumentSearchArgsSchema())
    found = search_documents(current_user, args["q"], direction=args["direction"], doctype=args["doctype"],
                             year=args["year"], page=args["page"])
    filters = {k: args[k] for k in ("direction", "doctype", "year") if args[k]}
    return render_template("documents/search.html", q=args["q"], filters=filters, found=found,
                           labels=_state_labels(), doctype_name=_doctype_name, direction_labels=DIRECTION_LABELS,
                           facet_titles={"direction": "收发", "doctype": "文种", "year": "年度"})


def _subject(instance):
    if instance is None or instance.subject_type != Document.__audit_type__:
        return None
    return db.session.get(Document, int(instance.subject_id))


def _doctype_name(code: str) -> str:
    doctype = get_doctype(code)
    return doctype.name if doctype else code


def _reviewers(bureau: OrgUnit) -> list[User]:
    """Who may 核稿: bureau staff of the bureau and its 科室 (the drafter picks, usually their head)."""
    units = sa.select(OrgUnit.id).where(sa.or_(OrgUnit.id == bureau.id, OrgUnit.parent_id == bureau.id))
    users = db.session.scalars(sa.select(User).where(User.org_id.in_(units), User.is_active_account.is_(True))
                               .order_by(User.org_id, User.id))
    return [u for u in users if set(u.roles) & BUREAU_ROLES]


def _departments(bureau: OrgUnit) -> list[OrgUnit]:
    return [c for c in bureau.children if c.type == OrgType.DEPARTMENT]


@bp.route("/documents/new", methods=["GET", "POST"])
@login_required
def new_document():
    """拟稿."""
    bureau = outgoing.issuing_unit(current_user)
    if request.method == "POST":
        data = load_form(DraftSchema(), empty_is_none=True)
        flow = {"reviewer": data.pop("reviewer_id"), "cosign_departments": data.pop("cosign_department_ids")}
        body = data.pop("body")
        document = outgoing.draft(current_user, elements=data, body=body,
                                  flow={k: v for k, v in flow.items() if v})
        db.session.commit()
        flash("已保存草稿；填好核稿人后可“送核稿”", "success")
        return redirect(url_for("documents.document_page", document_id=document.id))
    return render_template("documents/new.html", bureau=bureau, doctypes=doctypes().values(),
                           agency_codes=outgoing.agency_codes(bureau), reviewers=_reviewers(bureau),
                           departments=_departments(bureau), secrecy_levels=SECRECY_LEVELS,
                           urgency_levels=URGENCY_LEVELS)


@bp.get("/documents/<int:document_id>")
@login_required
def document_page(document_id):
    document = access.get_readable(document_id, current_user)
    instance = outgoing.instance_of(document) if document.direction == "out" else incoming.instance_of(document)
    state = workflow.process_for(instance).states[instance.state] if instance else None
    tasks = workflow.current_tasks(instance) if instance else []
    may_act = bool(instance and workflow.available_transitions(instance, current_user))
    # 公文交换: a recipient's 收发员 opening it is the read receipt; the sender sees every unit
    delivery = _my_delivery(document)
    if delivery is not None and exchange.record_read(delivery, current_user):
        db.session.commit()
    sender_view = document.direction == "out" and exchange.is_sender_office(current_user, document)
    circulations = circulation.active(document)
    return render_template(
        "documents/document.html", document=document, instance=instance, state=state, tasks=tasks,
        may_act=may_act, doctype=get_doctype(document.doctype), doctypes=doctypes().values(),
        events=workflow.events(instance) if instance else [],
        may_edit_body=outgoing.can_edit_now(document, current_user, outgoing.BODY_STATES),
        may_edit_elements=outgoing.can_edit_now(document, current_user, outgoing.ELEMENT_STATES),
        may_grant=access.can_grant(current_user, document), secrecy_levels=SECRECY_LEVELS,
        urgency_levels=URGENCY_LEVELS, authors=_authors(document), labels=_state_labels(),
        delivery=delivery, exchange_status=exchange.status(document) if sender_view else None,
        deliveries=exchange.deliveries(document) if sender_view else [],
        circulations=circulations, my_circulation=next((c for c in circulations if c.reader_id == current_user.id),
                                                       None),
        members=circulation.candidates(document) if delivery is None else [],
        may_reply=document.direction == "in" and may_act and document.org.type != OrgType.SCHOOL,
        replies=incoming.replies_to(document), reply_to=db.session.get(Document, document.reply_to_id)
        if document.reply_to_id else None, source=_source(document),
        diagram_url=url_for("workflow.process_detail", key=instance.process_key) if instance else None,
        current_node=workflow.current_node(instance) if instance else None,
        archive_item=archiving.item_of(document), may_archive=archiving.can_archive(current_user, document),
        proposed_retention=archiving.propose_retention(document) if archiving.is_finished(document) else None,
        retentions=list(RETENTIONS))


def _my_delivery(document):
    unit = exchange.clerk_unit(current_user)
    if unit is None or document.direction != "out":
        return None
    return db.session.scalar(sa.select(Delivery).where(Delivery.document_id == document.id,
                                                       Delivery.recipient_org_id == unit.id))


def _source(document):
    """The sent document a 收文 came from, when the reader may open it."""
    if not document.source_document_id:
        return None
    source = db.session.get(Document, document.source_document_id)
    return source if source is not None and access.can_read(current_user, source) else None


def _authors(document) -> dict[int, str]:
    ids = {v.author_id for v in document.versions if v.author_id}
    return {u.id: u.display_name for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}


@bp.post("/documents/<int:document_id>/elements")
@login_required
def save_elements(document_id):
    document = access.get_readable(document_id, current_user)
    changed = outgoing.edit_elements(document, actor=current_user,
                                     changes=load_form(ElementsSchema(), partial=True, empty_is_none=True))
    db.session.commit()
    flash(f"已保存 {len(changed)} 项要素" if changed else "要素没有变化", "success")
    return redirect(url_for("documents.document_page", document_id=document.id))


@bp.post("/documents/<int:document_id>/body")
@login_required
def save_body_page(document_id):
    document = access.get_readable(document_id, current_user)
    upload = request.files.get("docx")
    if upload is not None and upload.filename:  # 上传 DOCX: its paragraphs become the next version
        version = outgoing.edit_body_from_docx(document, upload, actor=current_user,
                                               note=load_form(BodyUploadSchema(), empty_is_none=True).get("note"))
    else:
        data = load_form(BodySchema(), empty_is_none=True)
        version = outgoing.edit_body(document, actor=current_user, text=data["text"], note=data.get("note"))
    db.session.commit()
    flash(f"已保存正文第 {version.number} 稿", "success")
    return redirect(url_for("documents.document_page", document_id=document.id) + "#body")


@bp.get("/documents/<int:document_id>/versions/<int:number>/source.docx")
@login_required
def version_source(document_id, number):
    """The DOCX a 正文 version was uploaded as."""
    document = access.get_readable(document_id, current_user)
    version = next((v for v in document.versions if v.number == number), None)
    stored = outgoing.version_source_file(version) if version is not None else None
    if stored is None:
        raise NotFound("这一稿不是上传的 DOCX")
    return stored.send()


@bp.get("/documents/<int:document_id>/diff")
@login_required
def diff_page(document_id):
    """痕迹: two versions side by side, what was taken out and what was put in."""
    document = access.get_readable(document_id, current_user)
    args = load_args(DiffArgsSchema())
    by_number = {v.number: v for v in document.versions}
    old, new = by_number.get(args["a"]), by_number.get(args["b"])
    if old is None or new is None:
        raise NotFound("没有这一稿")
    return render_template("documents/diff.html", document=document, old=old, new=new,
                           rows=diff_versions(old.text, new.text), authors=_authors(document))


@bp.get("/documents/<int:document_id>/print.pdf")
@login_required
def printed_pdf(document_id):
    """The GB/T 9704 layout (印制 proof), once numbered and 清稿'd."""
    document = access.get_readable(document_id, current_user)
    pdf = print_document(document)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"{document.doc_number}.pdf")


@bp.get("/documents/<int:document_id>/sealed.pdf")
@login_required
def sealed_pdf(document_id):
    document = access.get_readable(document_id, current_user)
    stored = outgoing.sealed_file(document)
    if stored is None:
        raise NotFound("该公文尚未用印")
    return stored.send()


@bp.post("/documents/<int:document_id>/grants")
@login_required
def grant_page(document_id):
    document = access.get_readable(document_id, current_user)
    data = load_form(GrantSchema())
    user = db.session.get(User, data["user_id"])
    if user is None:
        raise NotFound("用户不存在")
    access.grant_access(document, user, actor=current_user, reason=data["reason"])
    db.session.commit()
    flash(f"已授权 {user.display_name} 查阅", "success")
    return redirect(url_for("documents.document_page", document_id=document.id))
