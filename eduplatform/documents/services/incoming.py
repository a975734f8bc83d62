"""收文: a document another unit sent (公文交换) or a paper one typed in, run through the 收文 flow.

    (签收 in 公文交换) ─▶ 登记 ─▶ 初审 ─▶ 拟办 ─┬─ 阅知件 ─▶ 传阅 ─▶ 办结
                                   │ 退文     └─ 批办件 ─▶ 批办 ─▶ 承办 ─▶ (协办) ─▶ 答复 ─▶ 办结

A bureau runs ``processes/incoming_document.yaml`` (its 办公室, 局领导 and 科室); a school, having no
科室, runs ``incoming_document_school.yaml`` (学校管理员 as office and leader, a named 承办人). The
hook below does the document's part, in the transaction of every step, whoever performs it:

- 登记 gives the 收文号 (a counter per unit and year, like the 发文字号);
- 拟办 and 批办 circulate the document to the 传阅人员 named there, with the opinion as the note
  (批办's readers are "the people named" in the leader's 批示: they are notified);
- 退文 at 初审 tells the sender's drafter why (a notice);
- 答复: the handler may draft a 发文 linked to the 收文 (``draft_reply``), sent back to the sender.

A 收文 that came through 公文交换 carries the sender's elements, its final 正文 and its sealed PDF
(the same stored object: verifiable by anyone), and ``source_document_id``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.accounts.models import BUREAU_ROLES, Role, User
from eduplatform.core import notices
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.core.storage.inspect import inspect_upload
from eduplatform.core.storage.services import store_file
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.documents.doctypes import get_doctype
from eduplatform.documents.models import SECRECY_LEVELS, URGENCY_LEVELS, Delivery, Document
from eduplatform.documents.services import circulation, outgoing
from eduplatform.documents.services.body import save_body
from eduplatform.documents.services.numbering import assign_receipt_number
from eduplatform.orgs.models import OrgType, OrgUnit

BUREAU_PROCESS = "incoming_document"
SCHOOL_PROCESS = "incoming_document_school"
PROCESSES = (BUREAU_PROCESS, SCHOOL_PROCESS)
SUBJECT = Document.__audit_type__
#: elements copied from the sent document onto the 收文 (the recipient sees them filled in)
COPIED = ("doctype", "copy_number", "secrecy", "secrecy_term", "urgency", "issuer_mark", "agency_code", "signers",
          "title", "main_recipients", "attachment_note", "issuer_signature", "written_on", "remark",
          "cc_recipients", "printing_org", "printed_on", "attachments", "sealed_file_key", "sealed_sha256")


def register() -> None:
    for key in PROCESSES:
        workflow.register_due_policy(key, outgoing.due_for_urgency)
        workflow.on_transition(key)(_on_transition)


def process_key_for(unit: OrgUnit) -> str:
    if unit.type == OrgType.SCHOOL:
        return SCHOOL_PROCESS
    if unit.type in (OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU):
        return BUREAU_PROCESS
    raise ValidationFailed(f"「{unit.name}」不办理收文（只有教育局和学校收文）", code="not_a_receiver")


def receiving_unit(user) -> OrgUnit:
    """The unit whose 收文 the user registers: a school's administrator → the school, bureau staff → the bureau."""
    unit = db.session.get(OrgUnit, user.org_id) if user.org_id else None
    roles = set(user.roles)
    if unit is not None and roles & BUREAU_ROLES:
        found = unit.nearest(OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU)
    elif unit is not None and Role.SCHOOL_ADMIN in roles:
        found = unit.nearest(OrgType.SCHOOL)
    else:
        found = None
    if found is None:
        raise PermissionDenied("只有教育局工作人员或学校管理员可以登记收文")
    return found


def instance_of(document: Document):
    for key in PROCESSES:
        instance = workflow.instance_for(document, key)
        if instance is not None:
            return instance
    return None


def _start(document: Document, unit: OrgUnit, actor) -> None:
    key = process_key_for(unit)
    data = {"office_department": outgoing.office_of(unit).id} if key == BUREAU_PROCESS else {}
    workflow.start(key, subject=document, org=unit, actor=actor, title=document.title, data=data)


def _today():
    return datetime.now(LOCAL_TZ).date()


def receive_from_exchange(delivery, actor) -> Document:
    """After a 收发员 signed for a delivery (公文交换's ``on_signed`` hook): the unit's 收文, at 登记."""
    source = db.session.get(Document, delivery.document_id)
    unit = db.session.get(OrgUnit, delivery.recipient_org_id)
    final = next((v for v in source.versions if v.is_final), None) or source.current_version
    document = Document(org_id=unit.id, created_by_id=actor.id, direction="in", state="register",
                        source_org_name=source.org.name, source_doc_number=source.doc_number,
                        source_document_id=source.id, received_on=_today(),
                        **{name: getattr(source, name) for name in COPIED})
    db.session.add(document)
    db.session.flush()
    if final is not None:
        save_body(document, final.text, author=None, note=f"来文正文（{source.doc_number}）")
    delivery.incoming_document_id = document.id
    _start(document, unit, actor)
    audit("documents", "document.received", f"收文：{source.org.name} {source.doc_number}《{source.title}》",
          actor=actor, obj=document, data={"source_document_id": source.id, "delivery_id": delivery.id})
    return document


#: what a scan of a paper 来文 may be
SCAN_TYPES = ("pdf", "jpg", "jpeg", "png", "tif", "tiff", "ofd")
SCAN_MAX_BYTES = 50 * 1024 * 1024


def store_scan(upload, actor):
    """The uploaded scan of a paper 来文, inspected and stored (None when no file was sent)."""
    if upload is None or not getattr(upload, "filename", None):
        return None
    checked = inspect_upload(upload, allowed=SCAN_TYPES, max_bytes=SCAN_MAX_BYTES, allow_empty=False)
    return store_file(checked.stream, prefix="documents/scans", filename=checked.filename,
                      content_type=getattr(upload, "mimetype", None), actor=actor)


def register_paper(actor, *, elements: dict, body: str | None = None, scan=None, scan_upload=None) -> Document:
    """A paper 来文 typed in by the office, its scan attached (a stored file, or the upload to store);
    the flow starts at 登记."""
    unit = receiving_unit(actor)
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in elements.items() if v not in (None, "")}
    problems = {}
    for name, label in (("title", "文件标题"), ("source_org_name", "来文机关")):
        if not values.get(name):
            problems[name] = [f"请填写{label}"]
    if get_doctype(values.get("doctype") or "") is None:
        problems["doctype"] = ["未知的文种"]
    if values.get("secrecy") and values["secrecy"] not in SECRECY_LEVELS:
        problems["secrecy"] = [f"密级只能是{'、'.join(SECRECY_LEVELS)}或留空"]
    if values.get("urgency") and values["urgency"] not in URGENCY_LEVELS:
        problems["urgency"] = [f"紧急程度只能是{'、'.join(URGENCY_LEVELS)}或留空（普通）"]
    if problems:
        detail = "；".join(m for messages in problems.values() for m in messages)
        raise ValidationFailed(f"收文登记有误：{detail}", fields=problems)
    allowed = {"doctype", "title", "source_org_name", "source_doc_number", "secrecy", "secrecy_term", "urgency",
               "written_on", "main_recipients", "remark"}
    if scan is None:
        scan = store_scan(scan_upload, actor)
    document = Document(org_id=unit.id, created_by_id=actor.id, direction="in", state="register",
                        agency_code="", received_on=values.pop("received_on", None) or _today(),
                        **{k: v for k, v in values.items() if k in allowed})
    if scan is not None:
        document.attachments = [{"key": scan.key, "name": scan.filename, "size": scan.size, "kind": "scan"}]
    db.session.add(document)
    db.session.flush()
    if body and body.strip():
        save_body(document, body, author=actor, note="纸质来文录入")
    _start(document, unit, actor)
    audit("documents", "document.received", f"登记纸质来文：{document.source_org_name}《{document.title}》",
          actor=actor, obj=document, data={"paper": True, "scan": scan.key if scan is not None else None})
    return document


def act(document: Document, key: str, *, actor, reason=None, data=None, expected_version=None):
    instance = instance_of(document)
    if instance is None:
        raise Conflict("该公文没有收文流程")
    return workflow.perform(instance, key, actor=actor, reason=reason, data=data, expected_version=expected_version)


# --- each step's part ----------------------------------------------------------------------------

def _on_transition(event) -> None:
    document = event.subject
    if not isinstance(document, Document):
        return
    document.state = event.instance.state
    if event.kind != "transition" or event.transition is None:
        return
    key = event.transition.key
    data = event.instance.data or {}
    if key == "register":
        assign_receipt_number(document, actor=event.actor)
    elif key in ("propose", "instruct") and data.get("readers"):
        opinion = data.get("proposal") if key == "propose" else data.get("instruction")
        circulation.circulate(document, data["readers"], actor=event.actor, note=opinion)
    elif key == "return_to_sender":
        _tell_sender_returned(document, event)
    elif key == "finish" and data.get("reply"):
        _reply_to_sender(document, data["reply"], event)
    db.session.flush()


def _tell_sender_returned(document: Document, event) -> None:
    source = db.session.get(Document, document.source_document_id) if document.source_document_id else None
    if source is None or source.created_by_id is None:
        return
    drafter = db.session.get(User, source.created_by_id)
    notices.notify(circulation.REALM, "returned", f"退文：{document.org.name}退回《{source.title}》",
                   users=[drafter], body=event.reason or "", obj=source)


def _reply_to_sender(document: Document, text: str, event) -> None:
    """办结 with a 答复: a 收文 that came through 公文交换 carries it back to the sender's list of units."""
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.incoming_document_id == document.id))
    if delivery is None:
        return
    delivery.reply_text, delivery.replied_at = text, utcnow()
    source = db.session.get(Document, delivery.document_id)
    drafter = db.session.get(User, source.created_by_id) if source.created_by_id else None
    notices.notify(circulation.REALM, "replied", f"答复：{document.org.name}已办结《{source.title}》",
                   users=[drafter] if drafter else [], body=text, obj=source)
    audit("documents", "document.replied", f"{document.org.name}答复《{source.title}》：{text[:100]}",
          actor=event.actor, obj=source, data={"delivery_id": delivery.id, "incoming_id": document.id})


def draft_reply(incoming: Document, *, actor, agency_code: str | None = None) -> Document:
    """答复: a 发文 linked to the 收文, addressed to its sender (批复 for a 请示, otherwise 函)."""
    instance = instance_of(incoming)
    if instance is None or not workflow.available_transitions(instance, actor):
        raise PermissionDenied("只有当前办理人可以起草答复")
    if incoming.org.type == OrgType.SCHOOL:
        raise ValidationFailed("学校的答复在“办结并答复”中填写答复意见", code="school_reply")
    source = db.session.get(Document, incoming.source_document_id) if incoming.source_document_id else None
    doctype = "reply" if incoming.doctype == "request" else "letter"
    codes = outgoing.agency_codes(incoming.org)
    agency_code = (agency_code or "").strip() or (codes[0] if codes else "")
    if not agency_code:
        raise ValidationFailed("请填写答复的发文机关代字", fields={"agency_code": ["必填"]})
    kind = "批复" if doctype == "reply" else "复函"
    reply = outgoing.draft(actor, elements={
        "doctype": doctype, "title": f"关于{incoming.title.removeprefix('关于')}的{kind}", "agency_code": agency_code,
        "main_recipients": incoming.source_org_name},
        flow={"main_recipient_orgs": [source.org_id]} if source else None)
    reply.reply_to_id = incoming.id
    db.session.flush()
    return reply


def replies_to(document: Document) -> list[Document]:
    return db.session.scalars(sa.select(Document).where(Document.reply_to_id == document.id)).all()
