"""公文交换: 核发 sends to each unit (all schools of a district in one action); the 收发员 签收 (a 收文 is
made, at 登记) or 退文 with a reason; the sender sees who has signed and read and chases the rest."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.documents.models import Delivery, Document
from eduplatform.documents.services import access, circulation, exchange, incoming, outgoing
from eduplatform.orgs.models import OrgType
from tests.documents.flow.test_outgoing import _draft, _state
from tests.fixtures.auth import PASSWORD
from tests.fixtures.factories import make_org, make_user


@dataclass
class Receivers:
    district_office: object
    district_clerk: object
    district_staff_office: object
    school_a: object
    school_b: object
    admin_a: object
    admin_b: object
    teacher_a: object
    other_district: object
    other_admin: object


@pytest.fixture
def receivers(bureau):
    office = make_org(code="dh-office", name="东湖区教育局办公室", type=OrgType.DEPARTMENT, parent=bureau.district)
    school_a = make_org(code="dh-s1", name="东湖区第一初级中学", type=OrgType.SCHOOL, parent=bureau.district)
    school_b = make_org(code="dh-s2", name="东湖区实验小学", type=OrgType.SCHOOL, parent=bureau.district)
    other = make_org(code="xs", name="西山区教育局", type=OrgType.DISTRICT_BUREAU, parent=bureau.city)
    other_school = make_org(code="xs-s1", name="西山区第一中学", type=OrgType.SCHOOL, parent=other)
    people = {
        "district_clerk": make_user(username="dh_clerk", display_name="孙收发", roles=[Role.BUREAU_STAFF], org=office),
        "district_staff_office": bureau.district_staff,
        "admin_a": make_user(username="admin_a", display_name="王校长", roles=[Role.SCHOOL_ADMIN], org=school_a),
        "admin_b": make_user(username="admin_b", display_name="刘校长", roles=[Role.SCHOOL_ADMIN], org=school_b),
        "teacher_a": make_user(username="teacher_a", display_name="张老师", roles=[Role.TEACHER], org=school_a),
        "other_admin": make_user(username="admin_x", display_name="钟校长", roles=[Role.SCHOOL_ADMIN], org=other_school),
    }
    db.session.commit()
    return Receivers(district_office=office, school_a=school_a, school_b=school_b, other_district=other, **people)


def _dispatch(bureau, receivers, **flow):
    document = _draft(bureau)
    path = [("submit", bureau.drafter, None), ("review_ok", bureau.head, {"review_opinion": "同意"}),
            ("sign", bureau.leader, {"signer_opinion": "同意印发"}), ("recheck_ok", bureau.clerk, None),
            ("register", bureau.clerk, None), ("printed", bureau.clerk, {"copies": 30}),
            ("sealed", bureau.clerk, None)]
    for key, actor, data in path:
        outgoing.act(document, key, actor=actor, data=data)
    outgoing.act(document, "dispatch", actor=bureau.clerk, data=flow or {
        "main_recipient_orgs": [bureau.district.id], "main_recipient_schools_of": [bureau.district.id],
        "cc_recipient_orgs": [receivers.other_district.id]})
    db.session.commit()
    return document


def _delivery(document, unit):
    return db.session.scalar(sa.select(Delivery).where(Delivery.document_id == document.id,
                                                       Delivery.recipient_org_id == unit.id))


def test_dispatch_sends_to_the_district_its_schools_and_the_copy(bureau, receivers):
    document = _dispatch(bureau, receivers)
    assert _state(document) == "dispatched"
    rows = {d.recipient_org_id: d.kind for d in exchange.deliveries(document)}
    assert rows == {bureau.district.id: "main", receivers.school_a.id: "main", receivers.school_b.id: "main",
                    receivers.other_district.id: "cc"}
    assert all(d.status == "pending" and d.sent_by_id == bureau.clerk.id for d in exchange.deliveries(document))
    inboxes = set(db.session.scalars(sa.select(Notice.org_id).where(Notice.kind == "delivered")))
    assert inboxes == set(rows)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "document.distributed")).one()
    assert entry.data["main"] == 3 and entry.data["cc"] == 1
    assert exchange.status(document) == {"total": 4, "pending": 4, "signed": 0, "returned": 0, "read": 0}


def test_the_recipients_clerks_read_it_and_nobody_else_outside(bureau, receivers):
    document = _dispatch(bureau, receivers)
    for clerk in (receivers.district_clerk, receivers.admin_a, receivers.admin_b):
        assert access.can_read(clerk, document)
    # the district's staff outside its office, a teacher of a recipient school, a school not sent to
    for outsider in (bureau.district_staff, receivers.teacher_a, receivers.other_admin):
        assert not access.can_read(outsider, document)
    assert [d.document_id for d in db.session.scalars(exchange.inbox_query(receivers.admin_a))] == [document.id]
    with pytest.raises(PermissionDenied):
        exchange.inbox_query(receivers.teacher_a)


def test_a_dispatch_without_recipients_is_refused_and_stays_at_dispatch(bureau, receivers):
    document = _draft(bureau)
    for key, actor, data in [("submit", bureau.drafter, None), ("review_ok", bureau.head, None),
                             ("sign", bureau.leader, {"signer_opinion": "同意"}), ("recheck_ok", bureau.clerk, None),
                             ("register", bureau.clerk, None), ("printed", bureau.clerk, {"copies": 1}),
                             ("sealed", bureau.clerk, None)]:
        outgoing.act(document, key, actor=actor, data=data)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        outgoing.act(document, "dispatch", actor=bureau.clerk, data={})
    db.session.rollback()
    assert "主送单位" in str(refused.value)
    assert _state(document) == "dispatch" and exchange.deliveries(document) == []


def test_signing_makes_the_units_incoming_document_at_registration(bureau, receivers):
    document = _dispatch(bureau, receivers)
    received = exchange.sign_for(_delivery(document, receivers.school_a).id, actor=receivers.admin_a)
    db.session.commit()
    delivery = _delivery(document, receivers.school_a)
    assert delivery.status == "signed" and delivery.signed_by_id == receivers.admin_a.id and delivery.signed_at
    assert delivery.first_read_at is not None  # signing is reading
    assert delivery.incoming_document_id == received.id
    assert received.direction == "in" and received.org_id == receivers.school_a.id
    assert (received.title, received.source_doc_number, received.source_org_name) == (
        document.title, document.doc_number, "示范市教育局")
    assert received.sealed_file_key == document.sealed_file_key and received.sealed_sha256 == document.sealed_sha256
    assert received.current_version.text == document.current_version.text
    instance = incoming.instance_of(received)
    assert instance.process_key == "incoming_document_school" and instance.state == "register"
    with pytest.raises(Conflict):
        exchange.sign_for(delivery.id, actor=receivers.admin_a)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(
        Document.source_document_id == document.id)) == 1
    # a bureau recipient runs the bureau's 收文, its office registering
    district_copy = exchange.sign_for(_delivery(document, bureau.district).id, actor=receivers.district_clerk)
    assert incoming.instance_of(district_copy).process_key == "incoming_document"


def test_only_the_recipients_clerk_signs(bureau, receivers):
    document = _dispatch(bureau, receivers)
    delivery = _delivery(document, receivers.school_a)
    for stranger in (receivers.admin_b, receivers.teacher_a, bureau.clerk):
        with pytest.raises(NotFound):
            exchange.sign_for(delivery.id, actor=stranger)
    db.session.rollback()
    assert _delivery(document, receivers.school_a).status == "pending"


def test_return_needs_a_reason_and_tells_the_sender(bureau, receivers):
    document = _dispatch(bureau, receivers)
    delivery = _delivery(document, receivers.school_b)
    with pytest.raises(ValidationFailed):
        exchange.return_delivery(delivery.id, actor=receivers.admin_b, reason="  ")
    db.session.rollback()
    assert _delivery(document, receivers.school_b).status == "pending"
    exchange.return_delivery(delivery.id, actor=receivers.admin_b, reason="我校为小学，本通知不适用")
    db.session.commit()
    delivery = _delivery(document, receivers.school_b)
    assert delivery.status == "returned" and delivery.return_reason == "我校为小学，本通知不适用"
    told = db.session.scalars(sa.select(Notice.user_id).where(Notice.kind == "returned")).all()
    assert set(told) == {bureau.drafter.id, bureau.clerk.id}
    assert exchange.status(document)["returned"] == 1


def test_chasing_reaches_only_the_units_not_signed(bureau, receivers):
    document = _dispatch(bureau, receivers)
    exchange.sign_for(_delivery(document, receivers.school_a).id, actor=receivers.admin_a)
    with pytest.raises(PermissionDenied):
        exchange.chase(document, actor=bureau.head)  # reads it, but neither drafted nor is the office
    assert exchange.chase(document, actor=bureau.clerk, note="请今天内签收") == 3
    db.session.commit()
    chased = set(db.session.scalars(sa.select(Notice.org_id).where(Notice.kind == "chased")))
    assert chased == {bureau.district.id, receivers.school_b.id, receivers.other_district.id}
    assert _delivery(document, receivers.school_b).chase_count == 1
    assert _delivery(document, receivers.school_a).chase_count == 0


def test_the_read_receipt_is_the_first_opening_by_a_clerk(bureau, receivers):
    document = _dispatch(bureau, receivers)
    delivery = _delivery(document, receivers.school_a)
    assert not exchange.record_read(delivery, receivers.teacher_a)
    assert exchange.record_read(delivery, receivers.admin_a)
    first = delivery.first_read_at
    assert not exchange.record_read(delivery, receivers.admin_a)
    assert delivery.first_read_at == first and delivery.first_read_by_id == receivers.admin_a.id
    assert exchange.status(document)["read"] == 1


# --- pages ---------------------------------------------------------------------------------------

def _client(app, user):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_the_clerk_signs_and_returns_from_the_inbox_page(app, bureau, receivers):
    document = _dispatch(bureau, receivers)
    client = _client(app, receivers.admin_a)
    page = client.get("/documents/exchange")
    assert page.status_code == 200 and document.title in page.get_data(as_text=True)
    delivery = _delivery(document, receivers.school_a)
    signed = client.post(f"/documents/exchange/{delivery.id}/sign")
    assert signed.status_code == 302
    received = db.session.scalar(sa.select(Document).where(Document.source_document_id == document.id))
    assert signed.headers["Location"].endswith(f"/documents/{received.id}")
    shown = client.get(f"/documents/{received.id}").get_data(as_text=True)
    assert "来文字号" in shown and document.doc_number in shown
    b = _client(app, receivers.admin_b)
    returned = b.post(f"/documents/exchange/{_delivery(document, receivers.school_b).id}/return",
                      data={"reason": "不属我校"})
    assert returned.status_code == 302 and _delivery(document, receivers.school_b).return_reason == "不属我校"
    # the sender's office sees who signed, who returned, and may chase the rest
    office_page = _client(app, bureau.clerk).get(f"/documents/{document.id}").get_data(as_text=True)
    assert "已签收 1" in office_page and "已退文 1" in office_page and "不属我校" in office_page
    assert _client(app, bureau.clerk).post(f"/documents/{document.id}/chase-exchange").status_code == 302
    assert _delivery(document, bureau.district).chase_count == 1


def test_a_clerk_opening_the_sent_document_leaves_a_read_receipt(app, bureau, receivers):
    document = _dispatch(bureau, receivers)
    body = _client(app, receivers.district_clerk).get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'id="sign-delivery"' in body
    assert _delivery(document, bureau.district).first_read_by_id == receivers.district_clerk.id
    assert _client(app, receivers.teacher_a).get(f"/documents/{document.id}").status_code == 404


def test_a_recipient_cannot_circulate_the_senders_document(bureau, receivers):
    document = _dispatch(bureau, receivers)
    with pytest.raises(PermissionDenied):
        circulation.circulate(document, [bureau.head.id], actor=receivers.admin_a)
    db.session.rollback()
    assert circulation.active(document) == []
