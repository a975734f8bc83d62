"""The receiving side's pages: 收文登记 with a scan, 传阅 and 已阅, 督办, 起草答复, a school's 答复
back to the sender."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.core.storage.models import StoredFile
from eduplatform.documents.models import Circulation, Document
from eduplatform.documents.services import exchange, incoming
from tests.documents.flow.test_exchange import _client, _delivery, _dispatch, receivers  # noqa: F401 - fixture

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM = {"doctype": "notice", "title": "关于做好2026年秋季学期中小学开学工作的通知", "source_org_name": "省教育厅",
        "source_doc_number": "某教发〔2026〕31号", "urgency": "加急", "body": "各市教育局：\n请做好开学工作。"}


def test_paper_registration_stores_the_scan_and_starts_the_flow(app, bureau):
    client = _client(app, bureau.clerk)
    assert "收文登记" in client.get("/documents/incoming/new").get_data(as_text=True)
    response = client.post("/documents/incoming/new", data={**FORM, "scan": (io.BytesIO(PDF), "来文扫描件.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    document = db.session.scalars(sa.select(Document)).one()
    assert (document.direction, document.source_org_name, document.urgency) == ("in", "省教育厅", "加急")
    assert document.attachments[0]["name"] == "来文扫描件.pdf" and document.attachments[0]["kind"] == "scan"
    stored = db.session.scalar(sa.select(StoredFile).where(StoredFile.key == document.attachments[0]["key"]))
    assert stored is not None and stored.size == len(PDF)
    assert incoming.instance_of(document).state == "register"
    assert document.current_version.text.startswith("各市教育局")


def test_a_scan_that_is_a_program_is_refused_and_nothing_is_kept(app, bureau):
    client = _client(app, bureau.clerk)
    response = client.post("/documents/incoming/new", data={
        **FORM, "scan": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "扫描件.pdf")}, content_type="multipart/form-data")
    assert response.status_code in (302, 400, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0


def test_circulating_from_the_page_and_reading(app, bureau):
    document = incoming.register_paper(bureau.clerk, elements={k: v for k, v in FORM.items() if k != "body"})
    db.session.commit()
    clerk = _client(app, bureau.clerk)
    page = clerk.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'id="circulate-readers"' in page and bureau.head.display_name in page
    assert bureau.district_staff.display_name not in page  # only the unit's own people are offered
    assert clerk.post(f"/documents/{document.id}/circulate",
                      data={"reader_ids": [str(bureau.head.id)], "note": "请阅示"}).status_code == 302
    head = _client(app, bureau.head)
    assert 'id="mark-read"' in head.get(f"/documents/{document.id}").get_data(as_text=True)
    head.post(f"/documents/{document.id}/read")
    row = db.session.scalars(sa.select(Circulation)).one()
    assert row.reader_id == bureau.head.id and row.read_at is not None and row.note == "请阅示"
    assert 'id="mark-read"' not in head.get(f"/documents/{document.id}").get_data(as_text=True)


def _overdue(document):
    for task in workflow.current_tasks(incoming.instance_of(document)):
        task.due_at = utcnow() - timedelta(days=2)
    db.session.commit()


def test_supervision_lists_overdue_steps_per_department_and_chases(app, bureau):
    waiting = incoming.register_paper(bureau.clerk, elements={k: v for k, v in FORM.items() if k != "body"})
    fresh = incoming.register_paper(bureau.clerk, elements={**{k: v for k, v in FORM.items() if k != "body"},
                                                            "title": "关于开展教师培训的通知"})
    db.session.commit()
    for key, data in (("register", None), ("pass_check", None), ("propose", {
            "handling_kind": "批办件", "proposal": "拟请基础教育处办理", "lead_department": bureau.basic.id})):
        incoming.act(waiting, key, actor=bureau.clerk, data=data)
    incoming.act(waiting, "instruct", actor=bureau.leader, data={"instruction": "请基础教育处办理"})
    db.session.commit()
    _overdue(waiting)
    for task in workflow.current_tasks(incoming.instance_of(fresh)):
        task.due_at = utcnow() + timedelta(days=5)  # not due soon: not on the board
    db.session.commit()
    page = _client(app, bureau.clerk).get("/documents/supervision").get_data(as_text=True)
    assert "市教育局基础教育处" in page and waiting.title in page and "承办" in page
    assert fresh.title not in page
    assert _client(app, bureau.drafter).get("/documents/supervision").status_code == 403
    assert _client(app, bureau.clerk).post(f"/documents/{waiting.id}/chase").status_code == 302
    chased = db.session.scalars(sa.select(Notice.user_id).where(Notice.kind == "chase")).all()
    assert bureau.drafter.id in chased and bureau.head.id in chased  # the 主办科室's staff


def test_the_handler_drafts_the_reply_from_the_page(app, bureau):
    document = incoming.register_paper(bureau.clerk, elements={k: v for k, v in FORM.items() if k != "body"})
    for key, data in (("register", None), ("pass_check", None), ("propose", {
            "handling_kind": "批办件", "proposal": "拟请基础教育处办理", "lead_department": bureau.basic.id})):
        incoming.act(document, key, actor=bureau.clerk, data=data)
    incoming.act(document, "instruct", actor=bureau.leader, data={"instruction": "请基础教育处办理"})
    db.session.commit()
    handler = _client(app, bureau.drafter)
    assert 'id="draft-reply"' in handler.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'id="draft-reply"' not in _client(app, bureau.clerk).get(f"/documents/{document.id}").get_data(as_text=True)
    response = handler.post(f"/documents/{document.id}/reply", data={"agency_code": "示教函"})
    reply = db.session.scalar(sa.select(Document).where(Document.reply_to_id == document.id))
    assert response.headers["Location"].endswith(f"/documents/{reply.id}")
    assert reply.direction == "out" and reply.agency_code == "示教函" and reply.state == "draft"


def test_a_schools_reply_reaches_the_sender(app, bureau, receivers):  # noqa: F811 - fixture
    sent = _dispatch(bureau, receivers)
    received = exchange.sign_for(_delivery(sent, receivers.school_a).id, actor=receivers.admin_a)
    for key, data in (("register", None), ("pass_check", None),
                      ("propose", {"handling_kind": "批办件", "proposal": "请校长批示"}),
                      ("instruct", {"instruction": "请张老师落实", "handler": receivers.teacher_a.id})):
        incoming.act(received, key, actor=receivers.admin_a, data=data)
    incoming.act(received, "finish", actor=receivers.teacher_a,
                 data={"handling_opinion": "已组织安全检查", "reply": "我校已完成寒假安全教育"})
    db.session.commit()
    delivery = _delivery(sent, receivers.school_a)
    assert delivery.reply_text == "我校已完成寒假安全教育" and delivery.replied_at is not None
    told = db.session.scalars(sa.select(Notice).where(Notice.kind == "replied")).one()
    assert told.user_id == bureau.drafter.id
    page = _client(app, bureau.clerk).get(f"/documents/{sent.id}").get_data(as_text=True)
    assert "我校已完成寒假安全教育" in page


def test_what_was_circulated_to_me_waits_on_the_documents_home(app, bureau):
    document = incoming.register_paper(bureau.clerk, elements={k: v for k, v in FORM.items() if k != "body"})
    db.session.commit()
    head = _client(app, bureau.head)
    assert 'id="to-read"' not in head.get("/documents").get_data(as_text=True)
    _client(app, bureau.clerk).post(f"/documents/{document.id}/circulate",
                                    data={"reader_ids": [str(bureau.head.id)], "note": "请阅示"})
    page = head.get("/documents").get_data(as_text=True)
    assert 'id="to-read"' in page and "请阅示" in page
    head.post(f"/documents/{document.id}/read")
    assert 'id="to-read"' not in head.get("/documents").get_data(as_text=True)
