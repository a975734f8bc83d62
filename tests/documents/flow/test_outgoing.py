"""发文 end to end on the engine: each step does the document's part, or is not taken."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import current_app

from eduplatform import workflow
from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.registry import get_storage
from eduplatform.documents.models import Document
from eduplatform.documents.sealing import load_trust_roots, verify_pdf
from eduplatform.documents.services import outgoing

NOTICE = {"doctype": "notice", "title": "关于做好寒假安全工作的通知", "agency_code": "示教发",
          "main_recipients": "各区县教育局"}
BODY = "各区县教育局：\n寒假将至，现就有关事项通知如下。\n一、加强安全教育。"


def _draft(bureau, **elements):
    document = outgoing.draft(bureau.drafter, elements={**NOTICE, **elements}, body=BODY,
                              flow={"reviewer": bureau.head.id})
    db.session.commit()
    return document


def _state(document):
    return outgoing.instance_of(document).state


def _walk_to(document, bureau, state):
    """Take a document along the straight path (no 会签) up to ``state``."""
    path = [("submit", bureau.drafter, None), ("review_ok", bureau.head, {"review_opinion": "同意"}),
            ("sign", bureau.leader, {"signer_opinion": "同意印发"}), ("recheck_ok", bureau.clerk, None),
            ("register", bureau.clerk, None), ("printed", bureau.clerk, {"copies": 30}),
            ("sealed", bureau.clerk, None),
            ("dispatch", bureau.clerk, {"main_recipient_orgs": [bureau.district.id]})]
    for key, actor, data in path:
        if _state(document) == state:
            return
        outgoing.act(document, key, actor=actor, data=data)
        db.session.commit()
    assert _state(document) == state


def test_the_straight_path_numbers_prints_seals_and_dispatches(bureau):
    sent = []
    outgoing.register_dispatcher(lambda doc, main, cc, actor: sent.append((doc.id, main, cc, actor.username)))
    try:
        document = _draft(bureau)
        assert document.state == "draft" and document.issuer_mark == "示范市教育局文件"
        assert document.printing_org == "市教育局办公室"
        _walk_to(document, bureau, "dispatched")
    finally:
        outgoing._dispatchers.pop()
    db.session.refresh(document)
    assert document.state == "dispatched"
    assert document.doc_number.startswith("示教发〔") and document.doc_number.endswith("〕1号")
    assert document.finalized_at is not None and document.written_on is not None and document.printed_on
    assert sent == [(document.id, [bureau.district.id], [], "clerk")]
    stored = outgoing.sealed_file(document)
    assert stored is not None and stored.sha256 == document.sealed_sha256
    pdf = b"".join(get_storage().open(stored.key))
    assert verify_pdf(pdf, load_trust_roots(current_app.config["DOC_TRUST_ROOTS"])).verdict == "valid"
    kinds = set(db.session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.realm == "documents")))
    assert {"document.drafted", "document.finalized", "document.numbered", "document.sealed"} <= kinds


def test_submit_needs_a_body_and_the_refused_step_is_not_taken(bureau):
    document = outgoing.draft(bureau.drafter, elements=dict(NOTICE), flow={"reviewer": bureau.head.id})
    db.session.commit()
    with pytest.raises(ValidationFailed, match="请先撰写正文"):
        outgoing.act(document, "submit", actor=bureau.drafter)
    db.session.rollback()
    assert _state(document) == "draft" and db.session.get(Document, document.id).state == "draft"


def test_cosign_runs_in_parallel_and_moves_when_all_agree(bureau):
    document = _draft(bureau)
    outgoing.act(document, "submit", actor=bureau.drafter)
    outgoing.act(document, "review_ok", actor=bureau.head,
                 data={"cosign_departments": [bureau.policy.id, bureau.finance.id]})
    db.session.commit()
    assert _state(document) == "cosign"
    outgoing.act(document, "agree", actor=bureau.policy_staff, reason="无意见")
    db.session.commit()
    assert _state(document) == "cosign"  # one of two has signed
    outgoing.act(document, "agree", actor=bureau.finance_staff)
    db.session.commit()
    assert _state(document) == "sign_off" and document.state == "sign_off"


def test_a_veto_at_cosign_returns_to_the_drafter(bureau):
    document = _draft(bureau)
    outgoing.act(document, "submit", actor=bureau.drafter)
    outgoing.act(document, "review_ok", actor=bureau.head, data={"cosign_departments": [bureau.policy.id,
                                                                                        bureau.finance.id]})
    outgoing.act(document, "disagree", actor=bureau.policy_staff, reason="第二条与现行规定不符")
    db.session.commit()
    assert _state(document) == "draft"


def test_the_drafter_may_not_review_their_own_draft(bureau):
    document = outgoing.draft(bureau.drafter, elements=dict(NOTICE), body=BODY, flow={"reviewer": bureau.drafter.id})
    db.session.commit()
    outgoing.act(document, "submit", actor=bureau.drafter)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        outgoing.act(document, "review_ok", actor=bureau.drafter)


def test_a_change_after_signing_goes_back_to_the_signer(bureau):
    document = _draft(bureau)
    _walk_to(document, bureau, "recheck")
    outgoing.edit_body(document, actor=bureau.clerk, text=BODY + "\n二、落实值班制度。")
    db.session.commit()
    with pytest.raises(Conflict, match="报签发人复审"):
        outgoing.act(document, "recheck_ok", actor=bureau.clerk)
    db.session.rollback()
    outgoing.act(document, "resubmit_signer", actor=bureau.clerk, reason="增加第二条")
    outgoing.act(document, "sign", actor=bureau.leader, data={"signer_opinion": "同意"})
    outgoing.act(document, "recheck_ok", actor=bureau.clerk)
    db.session.commit()
    assert _state(document) == "register"


def test_the_number_stays_when_printing_is_returned_and_redone(bureau):
    document = _draft(bureau)
    _walk_to(document, bureau, "print")
    number = document.doc_number
    outgoing.act(document, "back_to_register", actor=bureau.clerk, reason="份数有误")
    outgoing.act(document, "register", actor=bureau.clerk)
    db.session.commit()
    assert document.doc_number == number and _state(document) == "print"
    other = _draft(bureau, title="关于开展安全检查的通知")
    _walk_to(other, bureau, "print")
    assert other.doc_number == number.replace("〕1号", "〕2号")  # no gap, none twice


def test_the_body_is_frozen_from_registration(bureau):
    document = _draft(bureau)
    _walk_to(document, bureau, "print")
    with pytest.raises(PermissionDenied):
        outgoing.edit_body(document, actor=bureau.clerk, text="改动")


def test_only_who_holds_the_step_edits(bureau):
    document = _draft(bureau)
    with pytest.raises(PermissionDenied):
        outgoing.edit_body(document, actor=bureau.head, text="核稿人还没收到")
    outgoing.act(document, "submit", actor=bureau.drafter)
    db.session.commit()
    version = outgoing.edit_body(document, actor=bureau.head, text=BODY + "（核稿修改）")
    assert version.number == 2 and version.author_id == bureau.head.id


def test_upward_documents_carry_the_signer(bureau):
    document = _draft(bureau, doctype="request", title="关于申请专项经费的请示", agency_code="示教",
                      main_recipients="示范市人民政府")
    _walk_to(document, bureau, "recheck")
    assert document.signers == "王局长"


def test_urgency_shortens_each_due_date(bureau, app, monkeypatch):
    ordinary, urgent = _draft(bureau), _draft(bureau, urgency="特急", title="关于紧急排查校舍安全的通知")
    for document in (ordinary, urgent):
        outgoing.act(document, "submit", actor=bureau.drafter)
    db.session.commit()
    due = {d.id: workflow.current_tasks(outgoing.instance_of(d))[0].due_at for d in (ordinary, urgent)}
    assert due[urgent.id] < due[ordinary.id]  # 核稿: 2 working days, 特急 at most 1
    monkeypatch.setitem(app.config, "DOC_URGENCY_DUE_WORKING_DAYS", {"特急": 5})
    assert outgoing.due_for_urgency(outgoing.instance_of(urgent), "review", 2) == 2
    assert outgoing.due_for_urgency(outgoing.instance_of(urgent), "seal", None) == 5


def test_bad_elements_are_refused_with_every_problem(bureau):
    with pytest.raises(ValidationFailed) as exc:
        outgoing.draft(bureau.drafter, elements={"doctype": "memo", "title": " ", "agency_code": "示教发",
                                                 "secrecy": "内部"})
    assert set(exc.value.fields) == {"doctype", "title", "secrecy"}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def test_only_bureau_staff_draft(bureau):
    with pytest.raises(PermissionDenied):
        outgoing.draft(bureau.outsider, elements=dict(NOTICE))
