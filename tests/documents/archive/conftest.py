"""The 发文 bureau of ``tests/documents/flow`` and helpers that take a document to its end."""

from __future__ import annotations

import pytest

from eduplatform.core.extensions import db
from eduplatform.documents.services import incoming, outgoing
from tests.documents.flow import conftest as flow

bureau = flow.bureau  # the fixture, shared with the flow tests

NOTICE = {"doctype": "notice", "title": "关于做好寒假安全工作的通知", "agency_code": "示教发",
          "main_recipients": "各区县教育局"}
BODY = "各区县教育局：\n寒假将至，现就有关事项通知如下。\n一、加强安全教育。"
PAPER = {"doctype": "notice", "title": "关于做好秋季学期开学工作的通知", "source_org_name": "省教育厅",
         "source_doc_number": "某教发〔2026〕31号"}


def walk_outgoing(bureau, document, until="dispatched"):
    path = [("submit", bureau.drafter, None), ("review_ok", bureau.head, {"review_opinion": "同意"}),
            ("sign", bureau.leader, {"signer_opinion": "同意印发"}), ("recheck_ok", bureau.clerk, None),
            ("register", bureau.clerk, None), ("printed", bureau.clerk, {"copies": 30}),
            ("sealed", bureau.clerk, None), ("dispatch", bureau.clerk, {"main_recipient_orgs": [bureau.district.id]})]
    for key, actor, data in path:
        if document.state == until:
            break
        outgoing.act(document, key, actor=actor, data=data)
        db.session.commit()
    assert document.state == until
    return document


@pytest.fixture
def dispatched(bureau):
    """A 通知 of the city bureau drafted by 基础教育处, edited once by the 核稿人, taken to 核发."""
    def make(**elements):
        document = outgoing.draft(bureau.drafter, elements={**NOTICE, **elements}, body=BODY,
                                  flow={"reviewer": bureau.head.id})
        db.session.commit()
        outgoing.act(document, "submit", actor=bureau.drafter)
        outgoing.edit_body(document, actor=bureau.head, text=BODY + "\n二、落实值班制度。", note="核稿补充")
        db.session.commit()
        path = [("review_ok", bureau.head, {"review_opinion": "同意"}),
                ("sign", bureau.leader, {"signer_opinion": "同意印发"}), ("recheck_ok", bureau.clerk, None),
                ("register", bureau.clerk, None), ("printed", bureau.clerk, {"copies": 30}),
                ("sealed", bureau.clerk, None), ("dispatch", bureau.clerk, {"main_recipient_orgs": [bureau.district.id]})]
        for key, actor, data in path:
            outgoing.act(document, key, actor=actor, data=data)
            db.session.commit()
        assert document.state == "dispatched"
        return document
    return make


@pytest.fixture
def done_incoming(bureau):
    """A paper 收文 from the province: 阅知件 (straight to done) or 批办件 handled by 基础教育处."""
    def make(kind="批办件", **elements):
        document = incoming.register_paper(bureau.clerk, elements={**PAPER, **elements}, body="各市教育局：\n请做好开学工作。")
        db.session.commit()
        incoming.act(document, "register", actor=bureau.clerk)
        incoming.act(document, "pass_check", actor=bureau.clerk, data={"check_opinion": "属我局职责"})
        if kind == "阅知件":
            incoming.act(document, "propose", actor=bureau.clerk, data={
                "handling_kind": "阅知件", "proposal": "请阅知", "readers": [bureau.head.id]})
        else:
            incoming.act(document, "propose", actor=bureau.clerk, data={
                "handling_kind": "批办件", "proposal": "拟请基础教育处办理", "lead_department": bureau.basic.id})
            incoming.act(document, "instruct", actor=bureau.leader, data={"instruction": "同意"})
            incoming.act(document, "submit_handling", actor=bureau.drafter, data={"handling_opinion": "已部署"})
            incoming.act(document, "finish", actor=bureau.drafter, data={"reply": "已落实"})
        db.session.commit()
        assert document.state == "done"
        return document
    return make
