"""发文: a document drafted here, run through ``processes/outgoing_document.yaml`` on the engine.

    拟稿 ─▶ 核稿 ─▶ (会签, in parallel) ─▶ 签发 ─▶ 复核 ─▶ 登记 ─▶ 印制 ─▶ 用印 ─▶ 核发
      ▲      │            │ 有不同意见          │        │ 正文签发后改过 → 报签发人复审
      └──────┴────────────┴────── 退回 ─────────┴────────┘

The engine keeps who does what and when; the document keeps its elements. The hook below runs in
the transaction of every transition, whoever performs it (these pages, the API or the engine's own
pages), and does the document's part of each step — so a step whose part fails is not taken:

- 送核稿 needs a 正文; 签发 records the 签发人 and, if empty, the 成文日期 (条例 Art. 9: the date the
  leader signs);
- 复核无误 is refused when the 正文 changed after 签发 (a substantive change goes back to the signer);
- 登记 does 清稿 and assigns the 发文字号 (once: a step returned and redone keeps the number);
- 印制 lays the document out (a document that cannot be printed stays at 印制), 印发日期 today;
- 用印 seals and signs it and stores the sealed PDF;
- 核发 hands it to every recipient unit (公文交换, through the registered dispatcher).

Due dates: the definition holds the ordinary term of each step; 加急 / 特急 shorten it to at most
``DOC_URGENCY_DUE_WORKING_DAYS`` working days (default 加急 2, 特急 1).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, url_for

from eduplatform import workflow
from eduplatform.accounts.models import BUREAU_ROLES
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.core.storage.inspect import inspect_bytes, inspect_upload
from eduplatform.core.storage.models import StoredFile
from eduplatform.core.storage.services import store_file
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.core.text.office import docx_paragraphs
from eduplatform.documents.doctypes import get_doctype
from eduplatform.documents.models import SECRECY_LEVELS, URGENCY_LEVELS, Document
from eduplatform.documents.services import access
from eduplatform.documents.services.body import finalize_body, save_body
from eduplatform.documents.services.numbering import assign_number
from eduplatform.documents.services.output import print_document, seal_document
from eduplatform.orgs.models import OrgType, OrgUnit

PROCESS = "outgoing_document"
SUBJECT = Document.__audit_type__
DEFAULT_URGENCY_DAYS = {"加急": 2, "特急": 1}
#: the steps at which the 正文 may still be edited, and the elements
BODY_STATES = ("draft", "review", "sign_off", "recheck")
ELEMENT_STATES = ("draft", "review", "recheck", "register")
#: elements a drafter (or a later editor) may set; 发文字号, 印章 and the flow's own records are not here
EDITABLE_ELEMENTS = ("doctype", "title", "agency_code", "copy_number", "secrecy", "secrecy_term", "urgency",
                     "issuer_mark", "main_recipients", "attachment_note", "issuer_signature", "remark",
                     "cc_recipients", "printing_org")

#: fn(document, main_org_ids, cc_org_ids, actor) — 核发 hands the document to 公文交换
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_MAX_BYTES = 20 * 1024 * 1024

_dispatchers: list[Callable] = []


def register_dispatcher(fn: Callable) -> None:
    if fn not in _dispatchers:
        _dispatchers.append(fn)


def register() -> None:
    """Tell the engine about documents (from ``documents.init_app``)."""
    workflow.register_subject(SUBJECT, lambda did: db.session.get(Document, int(did)),
                              url=lambda d: url_for("documents.document_page", document_id=d.id),
                              can_view=access.can_read, label=lambda d: "收文" if d.direction == "in" else "发文")
    workflow.register_due_policy(PROCESS, due_for_urgency)
    workflow.on_transition(PROCESS)(_on_transition)


def due_for_urgency(instance, state_key: str, working_days):
    document = db.session.get(Document, int(instance.subject_id)) if instance.subject_id else None
    if document is None or document.urgency not in URGENCY_LEVELS:
        return working_days
    caps = {**DEFAULT_URGENCY_DAYS, **(current_app.config.get("DOC_URGENCY_DUE_WORKING_DAYS") or {})}
    cap = caps.get(document.urgency)
    if cap is None:
        return working_days
    return cap if working_days is None else min(working_days, cap)


# --- drafting -----------------------------------------------------------------------------------

def is_bureau_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and set(user.roles) & BUREAU_ROLES)


def issuing_unit(user) -> OrgUnit:
    """The bureau a bureau user drafts for (a 科室's user drafts for the bureau above it)."""
    unit = db.session.get(OrgUnit, user.org_id) if user.org_id and set(user.roles) & BUREAU_ROLES else None
    bureau = unit.nearest(OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU) if unit is not None else None
    if bureau is None:
        raise PermissionDenied("只有教育局（含其科室）的工作人员可以拟制发文")
    return bureau


def office_of(bureau: OrgUnit) -> OrgUnit:
    """The 办公室 that rechecks, numbers, prints, seals and sends (the bureau itself if it has none)."""
    return next((c for c in bureau.children if c.type == OrgType.DEPARTMENT and c.name.endswith("办公室")), bureau)


def agency_codes(bureau: OrgUnit) -> list[str]:
    """The unit's 发文机关代字 (``DOC_AGENCY_CODES``: unit code → list); none configured: any."""
    return list((current_app.config.get("DOC_AGENCY_CODES") or {}).get(bureau.code) or [])


def _clean_elements(data: dict, bureau: OrgUnit) -> dict:
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in EDITABLE_ELEMENTS}
    problems = {}
    if "doctype" in values and get_doctype(values["doctype"] or "") is None:
        problems["doctype"] = ["未知的文种"]
    if "title" in values and not values["title"]:
        problems["title"] = ["标题不能为空"]
    if values.get("secrecy") and values["secrecy"] not in SECRECY_LEVELS:
        problems["secrecy"] = [f"密级只能是{'、'.join(SECRECY_LEVELS)}或留空"]
    if values.get("urgency") and values["urgency"] not in URGENCY_LEVELS:
        problems["urgency"] = [f"紧急程度只能是{'、'.join(URGENCY_LEVELS)}或留空（普通）"]
    codes = agency_codes(bureau)
    if "agency_code" in values and (not values["agency_code"] or (codes and values["agency_code"] not in codes)):
        problems["agency_code"] = [f"请选择发文机关代字：{'、'.join(codes)}" if codes else "发文机关代字不能为空"]
    if problems:
        detail = "；".join(message for messages in problems.values() for message in messages)
        raise ValidationFailed(f"公文要素填写有误：{detail}", fields=problems)
    return {k: (v or None) if k not in ("doctype", "title", "agency_code") else v for k, v in values.items()}


def draft(actor, *, elements: dict, body: str | None = None, flow: dict | None = None) -> Document:
    """拟稿: a new document of the actor's bureau, its first 正文, and its 发文 instance."""
    bureau = issuing_unit(actor)
    elements = {k: v for k, v in elements.items() if v not in (None, "")}  # empty: the default, or left out
    for required in ("doctype", "title", "agency_code"):
        elements.setdefault(required, "")
    values = _clean_elements(elements, bureau)
    values.setdefault("issuer_mark", f"{bureau.name}文件")
    values.setdefault("issuer_signature", bureau.name)
    values.setdefault("printing_org", office_of(bureau).name)
    document = Document(org_id=bureau.id, created_by_id=actor.id, direction="out", state="draft", **values)
    db.session.add(document)
    db.session.flush()
    if body and body.strip():
        save_body(document, body, author=actor)
    unit = db.session.get(OrgUnit, actor.org_id)
    data = {"drafting_department": unit.id if unit.type == OrgType.DEPARTMENT else None,
            "office_department": office_of(bureau).id, **(flow or {})}
    workflow.start(PROCESS, subject=document, org=bureau, actor=actor, title=document.title,
                   data={k: v for k, v in data.items() if v is not None})
    audit("documents", "document.drafted", f"拟稿：《{document.title}》", actor=actor, obj=document,
          data={"doctype": document.doctype, "secrecy": document.secrecy, "urgency": document.urgency})
    return document


def instance_of(document: Document):
    return workflow.instance_for(document, PROCESS)


def can_edit_now(document: Document, user, states) -> bool:
    """The user holds the current step (may act on it) and the step allows the edit."""
    instance = instance_of(document)
    return (instance is not None and instance.state in states
            and bool(workflow.available_transitions(instance, user)))


def edit_elements(document: Document, *, actor, changes: dict) -> list[str]:
    """Change elements at a step that allows it, by whoever holds the step; returns what changed."""
    if not can_edit_now(document, actor, ELEMENT_STATES):
        raise PermissionDenied("当前环节您不能修改公文要素")
    values = _clean_elements(changes, document.org)
    changed = [k for k, v in values.items() if getattr(document, k) != v]
    for key in changed:
        setattr(document, key, values[key])
    if changed:
        instance = instance_of(document)
        if "title" in changed:
            instance.title = document.title[:255]
        db.session.flush()
        audit("documents", "document.edited", f"修改公文要素：《{document.title}》", actor=actor, obj=document,
              data={"changed": changed})
    return changed


def edit_body(document: Document, *, actor, text: str, note: str | None = None):
    """A new 正文 version by whoever holds an editing step (核稿 and 签发 edit too: the 痕迹 stay)."""
    if not can_edit_now(document, actor, BODY_STATES):
        raise PermissionDenied("当前环节您不能修改正文")
    if not (text or "").strip():
        raise ValidationFailed("正文不能为空", fields={"text": ["必填"]})
    return save_body(document, text, author=actor, note=note)


def edit_body_from_docx(document: Document, upload, *, actor, note: str | None = None):
    """A new 正文 version from an uploaded DOCX: its paragraphs become the text (one a line), the file
    is kept beside the version as it came. Only a real, non-empty DOCX is taken."""
    if not can_edit_now(document, actor, BODY_STATES):
        raise PermissionDenied("当前环节您不能修改正文")
    checked = inspect_upload(upload, allowed=("docx",), max_bytes=DOCX_MAX_BYTES, allow_empty=False)
    data = checked.stream.read()
    inspect_bytes(data, what="DOCX 正文")  # traversal, bombs, entities: refused before python-docx reads it
    try:
        lines = docx_paragraphs(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        raise ValidationFailed("无法读取该 DOCX 文件，请用 WPS 或 Word 另存为 .docx 后重新上传",
                               code="unreadable_docx", fields={"file": ["无法读取"]}) from exc
    if not lines:
        raise ValidationFailed("DOCX 中没有正文文字", code="empty_docx", fields={"file": ["没有文字"]})
    text = "\n".join(lines)
    current = document.current_version
    if current is not None and current.text == text and document.finalized_at is None:
        return current  # the same text again: no new version, no file kept
    version = save_body(document, text, author=actor, note=note or f"上传正文：{checked.filename}")
    version.source_file_key = store_file(io.BytesIO(data), prefix="documents/bodies", filename=checked.filename,
                                         content_type=DOCX_TYPE, actor=actor).key
    return version


def act(document: Document, key: str, *, actor, reason=None, data=None, expected_version=None):
    """Perform a 发文 transition; the hook does the document's part in the same transaction."""
    instance = instance_of(document)
    if instance is None:
        raise Conflict("该公文没有发文流程")
    return workflow.perform(instance, key, actor=actor, reason=reason, data=data,
                            expected_version=expected_version)


# --- each step's part ----------------------------------------------------------------------------

def _today():
    """Dates on a 公文 are the bureau's calendar days."""
    return datetime.now(LOCAL_TZ).date()


def _signed_at(document: Document):
    steps = [s for s in workflow.steps_taken(PROCESS, SUBJECT, document.id) if s.transition == "sign"]
    return steps[-1].created_at if steps else None


def _on_transition(event) -> None:
    document = event.subject
    if not isinstance(document, Document):
        return
    document.state = event.instance.state
    if event.kind != "transition" or event.transition is None:
        return
    step = _STEP_PARTS.get(event.transition.key)
    if step is not None:
        step(document, event)
    db.session.flush()


def _on_submit(document, event):
    if document.current_version is None:
        raise ValidationFailed("请先撰写正文再送核稿", code="no_body")


def _on_sign(document, event):
    name = event.actor.display_name
    doctype = get_doctype(document.doctype)
    if doctype is not None and doctype.upward:
        names = [n for n in (document.signers or "").split("、") if n]
        if name not in names:
            document.signers = "、".join([*names, name])
    if document.written_on is None:
        document.written_on = _today()


def _on_recheck_ok(document, event):
    signed = _signed_at(document)
    current = document.current_version
    if signed is not None and current is not None and current.saved_at > signed:
        raise Conflict("正文在签发后有修改，属实质性修改的须报签发人复审（“有实质性修改，报签发人复审”）",
                       code="changed_after_signing")


def _on_register(document, event):
    finalize_body(document, actor=event.actor)
    assign_number(document, actor=event.actor)


def _on_printed(document, event):
    if document.printed_on is None:
        document.printed_on = _today()
    print_document(document)  # a document that cannot be laid out stays at 印制


def _on_sealed(document, event):
    pdf = seal_document(document, actor=event.actor)
    stored = store_file(io.BytesIO(pdf), prefix="documents/sealed", filename=f"{document.doc_number}.pdf",
                        content_type="application/pdf", actor=event.actor, archive_limits=False)
    document.sealed_file_key = stored.key
    document.sealed_sha256 = hashlib.sha256(pdf).hexdigest()


def schools_under(unit_ids) -> list[int]:
    """Every school in the subtrees of the given units (a district's or the city's schools), by id."""
    ids = set()
    for unit in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_([int(i) for i in unit_ids]))):
        ids.update(db.session.scalars(sa.select(OrgUnit.id).where(
            OrgUnit.id.in_(unit.subtree_ids()), OrgUnit.type == OrgType.SCHOOL, OrgUnit.is_active.is_(True))))
    return sorted(ids)


def _on_dispatch(document, event):
    data = event.instance.data or {}
    main = list(dict.fromkeys([int(i) for i in data.get("main_recipient_orgs") or []]
                              + schools_under(data.get("main_recipient_schools_of") or [])))
    cc = [int(i) for i in data.get("cc_recipient_orgs") or [] if int(i) not in main]
    if not main:
        raise ValidationFailed("请选择主送单位（或“所辖全部学校”）后再核发", code="no_recipients",
                               fields={"main_recipient_orgs": ["至少一个主送单位"]})
    for dispatcher in _dispatchers:
        dispatcher(document, main, cc, event.actor)


_STEP_PARTS = {"submit": _on_submit, "sign": _on_sign, "recheck_ok": _on_recheck_ok, "register": _on_register,
               "printed": _on_printed, "sealed": _on_sealed, "dispatch": _on_dispatch}


def version_source_file(version) -> StoredFile | None:
    if not version.source_file_key:
        return None
    return db.session.scalar(sa.select(StoredFile).where(StoredFile.key == version.source_file_key))


def sealed_file(document: Document) -> StoredFile | None:
    if not document.sealed_file_key:
        return None
    return db.session.scalar(sa.select(StoredFile).where(StoredFile.key == document.sealed_file_key))
