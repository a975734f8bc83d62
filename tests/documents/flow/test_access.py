"""密级: a classified document is seen by its flow, by those granted access, and by nobody else (404)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.documents.services import access, outgoing
from tests.assertions import denials, page_message
from tests.documents.flow.test_outgoing import BODY, NOTICE


def _draft(bureau, **elements):
    document = outgoing.draft(bureau.drafter, elements={**NOTICE, **elements}, body=BODY,
                              flow={"reviewer": bureau.head.id})
    db.session.commit()
    return document


def _readers(bureau, document):
    people = ("drafter", "head", "policy_staff", "finance_staff", "leader", "clerk", "district_staff", "outsider")
    return {name for name in people if access.can_read(getattr(bureau, name), document)}


def test_a_classified_document_is_seen_only_along_its_flow(bureau):
    document = _draft(bureau, secrecy="秘密", secrecy_term="1年")
    assert _readers(bureau, document) == {"drafter", "leader"}
    outgoing.act(document, "submit", actor=bureau.drafter)
    db.session.commit()
    assert _readers(bureau, document) == {"drafter", "leader", "head"}
    outgoing.act(document, "review_ok", actor=bureau.head, data={"cosign_departments": [bureau.policy.id]})
    db.session.commit()
    assert _readers(bureau, document) == {"drafter", "leader", "head", "policy_staff"}
    with pytest.raises(NotFound):
        access.get_readable(document.id, bureau.finance_staff)
    assert access.get_readable(document.id, bureau.policy_staff) is document


def test_an_unclassified_document_is_open_to_its_own_bureau_only(bureau):
    document = _draft(bureau)
    assert _readers(bureau, document) == {"drafter", "head", "policy_staff", "finance_staff", "leader", "clerk"}
    assert [d.id for d in db.session.scalars(access.visible_query(bureau.clerk))] == [document.id]
    assert not db.session.scalars(access.visible_query(bureau.district_staff)).all()


def test_the_leader_grants_access_with_a_reason(bureau):
    document = _draft(bureau, secrecy="机密")
    with pytest.raises(PermissionDenied):
        access.grant_access(document, bureau.finance_staff, actor=bureau.drafter, reason="需要")
    with pytest.raises(ValidationFailed):
        access.grant_access(document, bureau.finance_staff, actor=bureau.leader, reason=" ")
    access.grant_access(document, bureau.finance_staff, actor=bureau.leader, reason="涉及经费安排")
    db.session.commit()
    assert "finance_staff" in _readers(bureau, document) and "clerk" not in _readers(bureau, document)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "document.access_granted")).one()
    assert "涉及经费安排" in entry.summary


def test_an_outsider_learns_nothing_of_a_document(bureau):
    document = _draft(bureau, secrecy="绝密")
    with pytest.raises(NotFound) as missing:
        access.get_readable(document.id + 1000, bureau.outsider)
    with pytest.raises(NotFound) as hidden:
        access.get_readable(document.id, bureau.outsider)
    assert missing.value.message == hidden.value.message


def test_the_engines_pages_follow_the_documents_rule(bureau, auth, client):
    """A city official whose scope holds the whole city still may not open a classified 发文's instance."""
    document = _draft(bureau, secrecy="秘密")
    instance = outgoing.instance_of(document)
    auth.login(bureau.clerk)
    refused = client.get(f"/workflow/instances/{instance.id}")
    assert refused.status_code in (403, 404)
    assert document.title not in refused.get_data(as_text=True)
    assert page_message(refused) in ("没有权限执行此操作", "请求的内容不存在"), page_message(refused)
    assert len(denials(bureau.clerk)) == (1 if refused.status_code == 403 else 0)
    auth.logout()
    auth.login(bureau.drafter)
    page = client.get(f"/workflow/instances/{instance.id}")
    assert page.status_code == 200 and document.title in page.get_data(as_text=True)
