"""收文 on the engine: 登记 numbers it, 拟办 sends 阅知件 to 传阅, 批办 names the handler and the readers,
a school runs its own 收文; 传阅 records each 已阅 and may be recalled; 答复 is a linked 发文."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.accounts.models import Role
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.documents.models import Document
from eduplatform.documents.services import access, circulation, incoming
from eduplatform.orgs.models import OrgType
from tests.fixtures.factories import make_org, make_user

PAPER = {"doctype": "notice", "title": "关于做好2026年秋季学期中小学开学工作的通知", "source_org_name": "省教育厅",
         "source_doc_number": "某教发〔2026〕31号", "urgency": "加急"}


def _paper(bureau, **elements):
    document = incoming.register_paper(bureau.clerk, elements={**PAPER, **elements}, body="各市教育局：\n请做好开学工作。")
    db.session.commit()
    return document


def _state(document):
    return incoming.instance_of(document).state


def _to_propose(document, bureau):
    incoming.act(document, "register", actor=bureau.clerk)
    incoming.act(document, "pass_check", actor=bureau.clerk, data={"check_opinion": "属我局职责"})
    db.session.commit()


def test_registration_numbers_each_receipt_once_in_order(bureau):
    first, second = _paper(bureau), _paper(bureau, title="关于开展教师培训的通知")
    assert first.direction == "in" and first.state == "register" and first.org_id == bureau.city.id
    for document in (first, second):
        incoming.act(document, "register", actor=bureau.clerk)
    db.session.commit()
    year = first.receipt_number[2:6]
    assert (first.receipt_number, second.receipt_number) == (f"收〔{year}〕1号", f"收〔{year}〕2号")
    assert first.state == "first_check"


def test_a_reading_copy_goes_straight_to_its_readers(bureau):
    document = _paper(bureau)
    _to_propose(document, bureau)
    incoming.act(document, "propose", actor=bureau.clerk, data={
        "handling_kind": "阅知件", "proposal": "请局领导和基础教育处阅知", "readers": [bureau.leader.id, bureau.head.id]})
    db.session.commit()
    assert _state(document) == "done" and document.state == "done"
    assert sorted(c.reader_id for c in circulation.unread(document)) == sorted([bureau.leader.id, bureau.head.id])
    note = db.session.scalars(sa.select(Notice).where(Notice.user_id == bureau.head.id, Notice.kind == "circulate")).one()
    assert "请局领导和基础教育处阅知" in note.body


def test_a_reading_copy_needs_readers(bureau):
    document = _paper(bureau)
    _to_propose(document, bureau)
    incoming.act(document, "propose", actor=bureau.clerk, data={"handling_kind": "阅知件", "proposal": "阅知"})
    db.session.commit()
    assert _state(document) == "instruct"  # no readers named: it goes to the leader instead


def test_instruction_handling_and_reply(bureau):
    document = _paper(bureau, secrecy="秘密")
    _to_propose(document, bureau)
    incoming.act(document, "propose", actor=bureau.clerk, data={
        "handling_kind": "批办件", "proposal": "拟请基础教育处办理", "lead_department": bureau.basic.id})
    incoming.act(document, "instruct", actor=bureau.leader, data={
        "instruction": "同意，请基础教育处抓紧落实，政策法规处阅", "readers": [bureau.policy_staff.id]})
    db.session.commit()
    assert _state(document) == "handle"
    # the reader named in the 批示 may now read the classified 收文; a colleague not named may not
    assert access.can_read(bureau.policy_staff, document) and not access.can_read(bureau.finance_staff, document)
    assert [a.transition.key for a in workflow.available_transitions(incoming.instance_of(document), bureau.drafter)
            ] == ["submit_handling", "not_ours"]
    incoming.act(document, "submit_handling", actor=bureau.drafter, data={"handling_opinion": "已部署"})
    reply = incoming.draft_reply(document, actor=bureau.drafter, agency_code="示教函")
    db.session.commit()
    assert reply.reply_to_id == document.id and reply.doctype == "letter" and reply.direction == "out"
    assert reply.title == "关于做好2026年秋季学期中小学开学工作的通知的复函"
    incoming.act(document, "finish", actor=bureau.drafter, data={"reply": "已行文答复"})
    db.session.commit()
    assert document.state == "done" and incoming.replies_to(document) == [reply]


def test_circulation_read_receipts_and_recall(bureau):
    document = _paper(bureau)
    circulation.circulate(document, [bureau.head.id, bureau.policy_staff.id], actor=bureau.clerk, note="请阅")
    db.session.commit()
    assert circulation.mark_read(document, bureau.head) is True
    assert circulation.mark_read(document, bureau.head) is False  # once
    db.session.commit()
    rows = {c.reader_id: c for c in circulation.active(document)}
    assert rows[bureau.head.id].read_at is not None and rows[bureau.policy_staff.id].read_at is None
    with pytest.raises(Conflict):
        circulation.recall(rows[bureau.head.id].id, actor=bureau.clerk)
    with pytest.raises(PermissionDenied):
        circulation.recall(rows[bureau.policy_staff.id].id, actor=bureau.finance_staff)
    circulation.recall(rows[bureau.policy_staff.id].id, actor=bureau.clerk)
    db.session.commit()
    assert [c.reader_id for c in circulation.unread(document)] == []


def test_circulation_stays_inside_the_unit(bureau):
    document = _paper(bureau)
    with pytest.raises(ValidationFailed, match="东湖区教育局|不在本单位|内部传阅"):
        circulation.circulate(document, [bureau.district_staff.id], actor=bureau.clerk)


def test_a_school_runs_its_own_incoming_flow(bureau):
    school = make_org(code="sch1", name="东湖区第一初级中学", type=OrgType.SCHOOL, parent=bureau.district)
    admin = make_user(username="sadmin", display_name="孙主任", roles=[Role.SCHOOL_ADMIN], org=school)
    teacher = make_user(username="steacher", display_name="张老师", roles=[Role.TEACHER], org=school)
    db.session.commit()
    document = incoming.register_paper(admin, elements=dict(PAPER))
    db.session.commit()
    assert incoming.instance_of(document).process_key == incoming.SCHOOL_PROCESS
    incoming.act(document, "register", actor=admin)
    incoming.act(document, "pass_check", actor=admin)
    incoming.act(document, "propose", actor=admin, data={"handling_kind": "批办件", "proposal": "拟请教务处办理"})
    incoming.act(document, "instruct", actor=admin, data={"instruction": "请张老师落实", "handler": teacher.id})
    db.session.commit()
    assert access.can_read(teacher, document)
    incoming.act(document, "finish", actor=teacher, data={"handling_opinion": "已落实", "reply": "已按要求完成"})
    db.session.commit()
    assert document.state == "done"


def test_return_to_sender_needs_a_reason(bureau):
    document = _paper(bureau)
    incoming.act(document, "register", actor=bureau.clerk)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        incoming.act(document, "return_to_sender", actor=bureau.clerk)
    db.session.rollback()
    incoming.act(document, "return_to_sender", actor=bureau.clerk, reason="不属我局职责，请径送市人社局")
    db.session.commit()
    assert document.state == "returned_to_sender"


def test_paper_registration_refuses_what_is_missing(bureau):
    with pytest.raises(ValidationFailed) as exc:
        incoming.register_paper(bureau.clerk, elements={"doctype": "memo", "title": ""})
    assert set(exc.value.fields) == {"title", "source_org_name", "doctype"}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
    with pytest.raises(PermissionDenied):
        incoming.register_paper(bureau.outsider, elements=dict(PAPER))
