"""Searching 公文: Chinese words of the 正文, 发文字号 / 收文号, within 知悉范围 and 密级 only."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.documents.services import access, circulation, incoming, outgoing
from eduplatform.documents.services.search import search_documents
from tests.documents.flow.test_outgoing import NOTICE, _walk_to

BODY = "各区县教育局：\n寒假将至，为切实做好学生假期安全工作，现就有关事项通知如下。\n一、加强防溺水教育。"
SECRET_BODY = "各区县教育局：\n现将校舍抗震加固专项资金的分配方案印发给你们，请严格保密。"
PEOPLE = ("drafter", "head", "policy_staff", "finance_staff", "leader", "clerk", "district_staff", "outsider")


def _draft(bureau, body=BODY, **elements):
    document = outgoing.draft(bureau.drafter, elements={**NOTICE, **elements}, body=body,
                              flow={"reviewer": bureau.head.id})
    db.session.commit()
    return document


def _ids(user, q="", **kw):
    return [hit.document.id for hit in search_documents(user, q, **kw).hits]


def test_a_word_of_the_body_finds_the_document_with_a_snippet(bureau):
    wanted = _draft(bureau)
    other = _draft(bureau, body="各学校：\n请按时报送教师培训计划。", title="关于报送教师培训计划的通知")
    found = search_documents(bureau.clerk, "防溺水")
    assert found.total == 1 and [h.document.id for h in found.hits] == [wanted.id]
    assert "<mark>防溺水</mark>" in found.hits[0].snippet_html
    # jieba cuts the words out of the running text: 寒假 and 安全 are found as words of the 正文
    both = search_documents(bureau.clerk, "寒假 安全")
    assert [h.document.id for h in both.hits] == [wanted.id]
    assert "<mark>寒假</mark>" in both.hits[0].snippet_html and "<mark>安全</mark>" in both.hits[0].snippet_html
    assert _ids(bureau.clerk, "教师培训") == [other.id]
    assert _ids(bureau.clerk, "量子纠缠") == []


def test_the_document_number_and_the_recipients_find_it(bureau):
    document = _draft(bureau, main_recipients="各区县教育局，市直属各学校", remark="此件公开发布")
    _draft(bureau, title="关于另一件事的通知", body="另一件事。")
    _walk_to(document, bureau, "print")
    assert document.doc_number
    assert _ids(bureau.clerk, document.doc_number) == [document.id]
    assert _ids(bureau.clerk, "市直属各学校") == [document.id]
    hit = search_documents(bureau.clerk, "公开发布").hits[0]
    assert hit.document.id == document.id and "<mark>公开发布</mark>" in hit.snippet_html
    assert _ids(bureau.clerk, "防溺水", year=document.doc_year, direction="out", doctype="notice") == [document.id]
    assert _ids(bureau.clerk, "防溺水", direction="in") == []
    assert _ids(bureau.clerk, "防溺水", year=document.doc_year + 1) == []


def test_a_receipt_is_found_by_its_numbers_and_sender(bureau):
    document = incoming.register_paper(bureau.clerk, elements={
        "doctype": "notice", "title": "关于做好秋季开学工作的通知", "source_org_name": "省教育厅",
        "source_doc_number": "某教发〔2026〕31号"}, body="各市教育局：\n请做好开学准备。")
    db.session.commit()
    incoming.act(document, "register", actor=bureau.clerk)
    db.session.commit()
    assert document.receipt_number
    assert _ids(bureau.clerk, "某教发〔2026〕31号") == [document.id]
    assert _ids(bureau.clerk, document.receipt_number) == [document.id]
    assert _ids(bureau.clerk, "省教育厅", direction="in") == [document.id]


def test_a_classified_document_is_found_only_by_its_readers(bureau):
    document = _draft(bureau, body=SECRET_BODY, title="关于下达校舍抗震加固专项资金的通知", secrecy="机密",
                      secrecy_term="5年")
    open_one = _draft(bureau, body="校舍抗震加固工作的一般要求。", title="关于校舍安全的通知")
    finders = {name for name in PEOPLE if document.id in _ids(getattr(bureau, name), "抗震加固")}
    assert finders == {"drafter", "leader"}
    found = search_documents(bureau.finance_staff, "抗震加固")
    assert found.total == 1 and [h.document.id for h in found.hits] == [open_one.id]  # not even counted
    assert all("专项资金" not in h.snippet_html for h in found.hits)

    outgoing.act(document, "submit", actor=bureau.drafter)  # the reviewer now holds its step
    db.session.commit()
    assert document.id in _ids(bureau.head, "专项资金")
    assert _ids(bureau.finance_staff, "专项资金") == []

    access.grant_access(document, bureau.finance_staff, actor=bureau.leader, reason="涉及经费安排")
    db.session.commit()
    assert _ids(bureau.finance_staff, "专项资金") == [document.id]
    assert _ids(bureau.clerk, "专项资金") == [] and _ids(bureau.district_staff, "专项资金") == []


def test_a_circulation_reader_finds_it_until_recalled(bureau):
    document = _draft(bureau, body=SECRET_BODY, secrecy="秘密")
    assert _ids(bureau.clerk, "专项资金") == []
    made = circulation.circulate(document, [bureau.clerk.id], actor=bureau.drafter, note="请阅")
    db.session.commit()
    assert _ids(bureau.clerk, "专项资金") == [document.id]
    circulation.recall(made[0].id, actor=bureau.drafter)
    db.session.commit()
    assert _ids(bureau.clerk, "专项资金") == []


def test_what_search_shows_is_what_may_be_read(bureau):
    """Without words the search lists exactly ``visible_ids``, for everyone, along a flow."""
    documents = [_draft(bureau), _draft(bureau, body=SECRET_BODY, secrecy="机密"),
                 _draft(bureau, body=SECRET_BODY, secrecy="秘密", title="另一件")]
    outgoing.act(documents[1], "submit", actor=bureau.drafter)
    outgoing.act(documents[1], "review_ok", actor=bureau.head, data={"cosign_departments": [bureau.policy.id]})
    db.session.commit()
    for name in PEOPLE:
        user = getattr(bureau, name)
        visible = set(db.session.scalars(sa.select(access.visible_ids(user).subquery().c[0])))
        found = search_documents(user, "")
        assert set(_ids(user)) == visible and found.total == len(visible), name


def test_edits_body_saves_and_secrecy_reach_the_index(bureau):
    document = _draft(bureau)
    outgoing.act(document, "submit", actor=bureau.drafter)
    db.session.commit()
    outgoing.edit_body(document, actor=bureau.head, text=BODY.replace("防溺水", "防范电信诈骗"))
    db.session.commit()
    assert _ids(bureau.clerk, "电信诈骗") == [document.id] and _ids(bureau.clerk, "防溺水") == []
    outgoing.edit_elements(document, actor=bureau.head, changes={"title": "关于加强寒假防诈骗宣传的通知"})
    db.session.commit()
    assert _ids(bureau.clerk, "防诈骗") == [document.id]
    outgoing.edit_elements(document, actor=bureau.head, changes={"secrecy": "秘密"})
    db.session.commit()
    assert _ids(bureau.clerk, "电信诈骗") == [] and _ids(bureau.head, "电信诈骗") == [document.id]


def test_a_body_version_written_on_its_own_reindexes_its_document(bureau):
    """The 正文 may be saved without touching the document row (an import, a repair)."""
    from eduplatform.documents.models import BodyVersion

    document = _draft(bureau)
    assert [v.number for v in document.versions] == [1]  # loaded: the collection does not see what follows
    db.session.add(BodyVersion(document_id=document.id, number=2, text="各学校：\n请做好冬季校园消防安全检查。"))
    db.session.commit()
    assert _ids(bureau.clerk, "消防安全") == [document.id] and _ids(bureau.clerk, "防溺水") == []
