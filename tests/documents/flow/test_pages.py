"""The 公文 pages: 拟稿, the document with its 正文 and 痕迹, 待办 by urgency, the PDFs; 404 for outsiders."""

from __future__ import annotations

import re

from eduplatform.core.extensions import db
from eduplatform.documents.models import Document
from eduplatform.documents.services import outgoing
from tests.documents.flow.test_outgoing import BODY, NOTICE, _walk_to


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_drafting_on_the_page_starts_the_flow(bureau, auth, client):
    auth.login(bureau.drafter)
    form = client.get("/documents/new")
    assert form.status_code == 200 and "拟稿" in form.get_data(as_text=True)
    response = client.post("/documents/new", data={
        "csrf_token": _csrf(form), "doctype": "notice", "title": "关于开展校园安全检查的通知", "agency_code": "示教发",
        "urgency": "加急", "secrecy": "", "main_recipients": "各区县教育局", "body": BODY,
        "reviewer_id": str(bureau.head.id), "cosign_department_ids": [str(bureau.policy.id)]})
    assert response.status_code == 302
    document = db.session.scalars(db.select(Document)).one()
    assert (document.title, document.urgency, document.secrecy, document.issuer_mark) == (
        "关于开展校园安全检查的通知", "加急", None, "示范市教育局文件")
    instance = outgoing.instance_of(document)
    assert instance.data["reviewer"] == bureau.head.id and instance.data["cosign_departments"] == [bureau.policy.id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "寒假将至" in page and 'id="act-link"' in page and "保存为新一稿" in page


def test_a_refused_draft_writes_nothing_and_says_why(bureau, auth, client):
    auth.login(bureau.drafter)
    form = client.get("/documents/new")
    response = client.post("/documents/new", data={"csrf_token": _csrf(form), "doctype": "memo", "title": "某",
                                                   "agency_code": "示教发"})
    assert response.status_code == 302
    assert "未知的文种" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


def test_versions_and_their_difference(bureau, auth, client):
    document = outgoing.draft(bureau.drafter, elements=dict(NOTICE), body=BODY, flow={"reviewer": bureau.head.id})
    outgoing.act(document, "submit", actor=bureau.drafter)
    db.session.commit()
    auth.login(bureau.head)
    page = client.get(f"/documents/{document.id}")
    saved = client.post(f"/documents/{document.id}/body", data={
        "csrf_token": _csrf(page), "text": BODY.replace("加强安全教育", "全面加强安全教育"), "note": "核稿修改"})
    assert saved.status_code == 302
    diff = client.get(f"/documents/{document.id}/diff?a=1&b=2").get_data(as_text=True)
    assert '<ins class="text-success">全面</ins>' in diff and "陈处长" in diff


def test_the_todo_list_puts_urgent_documents_first(bureau, auth, client):
    for title, urgency in (("普通件", None), ("特急件", "特急"), ("加急件", "加急")):
        document = outgoing.draft(bureau.drafter, elements={**NOTICE, "title": title, "urgency": urgency}, body=BODY,
                                  flow={"reviewer": bureau.head.id})
        outgoing.act(document, "submit", actor=bureau.drafter)
    db.session.commit()
    auth.login(bureau.head)
    page = client.get("/documents").get_data(as_text=True)
    todo = page[page.index('id="todo-out"'):page.index('id="todo-in"')]
    assert re.findall(r'data-urgency="([^"]+)"', todo) == ["特急", "加急", "普通"]


def test_a_classified_document_page_is_404_for_others(bureau, auth, client):
    document = outgoing.draft(bureau.drafter, elements={**NOTICE, "secrecy": "秘密"}, body=BODY,
                              flow={"reviewer": bureau.head.id})
    db.session.commit()
    auth.login(bureau.clerk)
    for path in ("", "/diff?a=1&b=1", "/print.pdf", "/sealed.pdf"):
        assert client.get(f"/documents/{document.id}{path}").status_code == 404, path
    assert "秘密" not in client.get("/documents").get_data(as_text=True)


def test_the_sealed_pdf_is_served_after_sealing(bureau, auth, client):
    document = outgoing.draft(bureau.drafter, elements=dict(NOTICE), body=BODY, flow={"reviewer": bureau.head.id})
    db.session.commit()
    _walk_to(document, bureau, "dispatch")
    auth.login(bureau.clerk)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'id="sealed-link"' in page and document.doc_number in page
    pdf = client.get(f"/documents/{document.id}/sealed.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and b"/ByteRange" in pdf.data
    proof = client.get(f"/documents/{document.id}/print.pdf")
    assert proof.status_code == 200 and proof.data.startswith(b"%PDF")
