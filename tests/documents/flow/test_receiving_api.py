"""The receiving side of the documents API: deliveries, 签收 / 退文, the sender's status and 催办,
收文登记 with a scan, 传阅 and 已阅, 督办; a 收文's steps go through the engine's API."""

from __future__ import annotations

import io
from datetime import timedelta

from eduplatform import workflow
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.documents.models import Document
from eduplatform.documents.services import incoming
from tests.documents.flow.test_exchange import _delivery, _dispatch, receivers  # noqa: F401 - fixture
from tests.documents.flow.test_receiving_pages import PDF


def test_a_clerk_lists_signs_and_registers_through_the_api(bureau, receivers, client, api):  # noqa: F811
    sent = _dispatch(bureau, receivers)
    admin = api(receivers.admin_a)
    listed = client.get("/api/v1/exchange/deliveries?status=pending", headers=admin).get_json()
    assert [(d["title"], d["sender"], d["status"]) for d in listed["items"]] == [(sent.title, "示范市教育局", "pending")]
    delivery_id = listed["items"][0]["id"]
    signed = client.post(f"/api/v1/exchange/deliveries/{delivery_id}/sign", headers=admin)
    assert signed.status_code == 201, signed.get_json()
    received = signed.get_json()
    assert received["direction"] == "in" and received["source_doc_number"] == sent.doc_number
    register = next(a for a in received["actions"] if a["key"] == "register")
    step = client.post(f"/api/v1/instances/{received['instance_id']}/transitions/register",
                       json={"version": register["version"]}, headers=admin)
    assert step.status_code == 200, step.get_json()
    assert db.session.get(Document, received["id"]).receipt_number.startswith("收〔")
    again = client.post(f"/api/v1/exchange/deliveries/{delivery_id}/sign", headers=admin)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_handled"


def test_return_without_a_reason_is_refused_in_chinese(bureau, receivers, client, api):  # noqa: F811
    sent = _dispatch(bureau, receivers)
    admin = api(receivers.admin_b)
    delivery = _delivery(sent, receivers.school_b)
    refused = client.post(f"/api/v1/exchange/deliveries/{delivery.id}/return", json={"reason": ""}, headers=admin)
    assert refused.status_code == 422 and "理由" in refused.get_json()["error"]["message"]
    assert _delivery(sent, receivers.school_b).status == "pending"
    done = client.post(f"/api/v1/exchange/deliveries/{delivery.id}/return", json={"reason": "非我校事项"},
                       headers=admin)
    assert done.status_code == 200 and done.get_json()["status"] == "returned"
    # another school's administrator cannot see or act on it
    other = api(receivers.admin_a)
    assert client.get(f"/api/v1/exchange/deliveries/{delivery.id}", headers=other).status_code == 404


def test_the_sender_sees_the_status_and_chases(bureau, receivers, client, api):  # noqa: F811
    sent = _dispatch(bureau, receivers)
    office = api(bureau.clerk)
    status = client.get(f"/api/v1/documents/{sent.id}/exchange", headers=office).get_json()
    assert (status["total"], status["pending"]) == (4, 4) and len(status["deliveries"]) == 4
    chased = client.post(f"/api/v1/documents/{sent.id}/exchange/chase", json={"note": "请尽快签收"}, headers=office)
    assert chased.status_code == 200 and chased.get_json() == {"count": 4}
    # a recipient's clerk reads the document but not the sender's list
    assert client.get(f"/api/v1/documents/{sent.id}/exchange", headers=api(receivers.admin_a)).status_code == 403


def test_paper_registration_circulation_and_supervision(bureau, client, api):
    office = api(bureau.clerk)
    created = client.post("/api/v1/documents/incoming", headers=office, content_type="multipart/form-data", data={
        "doctype": "notice", "title": "关于做好冬季校园安全工作的通知", "source_org_name": "省教育厅",
        "scan": (io.BytesIO(PDF), "扫描件.pdf")})
    assert created.status_code == 201, created.get_json()
    document = created.get_json()
    assert document["direction"] == "in" and document["state"] == "register"
    circulated = client.post(f"/api/v1/documents/{document['id']}/circulations", headers=office,
                             json={"reader_ids": [bureau.head.id], "note": "请阅"})
    assert circulated.status_code == 201 and circulated.get_json()["items"][0]["reader"] == "陈处长"
    head = api(bureau.head)
    assert client.post(f"/api/v1/documents/{document['id']}/read", headers=head).get_json() == {"marked": True}
    rows = client.get(f"/api/v1/documents/{document['id']}/circulations", headers=office).get_json()["items"]
    assert rows[0]["read_at"] is not None
    for task in workflow.current_tasks(incoming.instance_of(db.session.get(Document, document["id"]))):
        task.due_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    board = client.get("/api/v1/documents/supervision", headers=office).get_json()["groups"]
    row = next(r for g in board for r in g["rows"] if r["document_id"] == document["id"])
    assert row["step"] == "登记" and row["overdue_hours"] >= 29
    assert client.get("/api/v1/documents/supervision", headers=api(bureau.drafter)).status_code == 403
