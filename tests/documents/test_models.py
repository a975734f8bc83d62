"""The document's elements, the 文种 table, 正文 versions with their difference, 清稿."""

from __future__ import annotations

from datetime import date

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.documents.doctypes import doctypes, get_doctype
from eduplatform.documents.models import Document
from eduplatform.documents.sealing import verify_pdf
from eduplatform.documents.services.body import diff_versions, finalize_body, save_body
from eduplatform.documents.services.numbering import assign_number
from eduplatform.documents.services.output import print_document, seal_document

#: 条例 Art. 8, in the article's order
ARTICLE_8 = ["决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告", "请示", "批复",
             "议案", "函", "纪要"]


def test_the_fifteen_doctypes_of_article_8_and_only_request_and_report_are_upward():
    assert [t.name for t in doctypes().values()] == ARTICLE_8
    assert {t.name for t in doctypes().values() if t.upward} == {"请示", "报告"}
    assert get_doctype("notice").name == "通知" and get_doctype("nonsense") is None


def make_document(org, user, **elements) -> Document:
    values = {"doctype": "notice", "title": "关于做好2027年寒假安全工作的通知", "agency_code": "示教发"}
    values.update(elements)
    document = Document(org_id=org.id, created_by_id=user.id, **values)
    db.session.add(document)
    db.session.flush()
    return document


def test_the_elements_are_stored_and_empty_ones_stay_empty(tree, people):
    document = make_document(tree.city, people.city_staff, secrecy="秘密", secrecy_term="1年", urgency="特急",
                             issuer_mark="示范市教育局文件", main_recipients="各区县教育局", written_on=date(2026, 12, 2),
                             cc_recipients="市政府办公厅", printing_org="示范市教育局办公室", printed_on=date(2026, 12, 3))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Document, document.id)
    assert (stored.secrecy, stored.secrecy_term, stored.urgency) == ("秘密", "1年", "特急")
    assert stored.written_on == date(2026, 12, 2) and stored.printed_on == date(2026, 12, 3)
    assert stored.copy_number is None and stored.remark is None and stored.attachments == []
    assert stored.doc_number is None  # numbered only at 登记


def test_every_save_is_kept_with_author_and_an_unchanged_save_adds_none(tree, people):
    document = make_document(tree.city, people.city_staff)
    first = save_body(document, "各区县教育局：\n现将有关事项通知如下。", author=people.city_staff)
    same = save_body(document, "各区县教育局：\n现将有关事项通知如下。", author=people.leader)
    second = save_body(document, "各区县教育局：\n现将寒假安全有关事项通知如下。", author=people.leader)
    assert same is first
    assert [(v.number, v.author_id) for v in document.versions] == [(1, people.city_staff.id), (2, people.leader.id)]
    assert document.current_version is second and second.saved_at is not None


def test_finalizing_freezes_the_text(tree, people):
    document = make_document(tree.city, people.city_staff)
    save_body(document, "正文第一稿", author=people.city_staff)
    final = finalize_body(document, actor=people.city_staff)
    assert final.is_final and document.finalized_at is not None
    with pytest.raises(Conflict, match="已清稿"):
        save_body(document, "清稿后又改", author=people.city_staff)


def test_the_difference_marks_paragraphs_and_characters():
    old = "各区县教育局：\n现将有关事项通知如下。\n请认真贯彻执行。"
    new = "各区县教育局：\n现将寒假安全有关事项通知如下。\n特此通知。"
    rows = diff_versions(old, new)
    assert rows[0].kind == "equal" and rows[0].left == [(False, "各区县教育局：")]
    changed = rows[1]
    assert changed.kind == "replace"
    assert (True, "寒假安全") in changed.right and "".join(t for _, t in changed.left) == "现将有关事项通知如下。"
    assert [r.kind for r in rows[2:]] == ["replace"]
    assert "".join(t for _, t in rows[2].right) == "特此通知。"
    inserted = diff_versions("甲", "甲\n乙")
    assert [r.kind for r in inserted] == ["equal", "insert"] and inserted[1].left == []


def test_print_and_seal_refuse_a_document_not_registered_or_not_finalized(tree, people):
    document = make_document(tree.city, people.city_staff)
    with pytest.raises(ValidationFailed, match="尚未登记发文字号"):
        print_document(document)
    document.doc_number = "示教发〔2026〕3号"
    with pytest.raises(ValidationFailed, match="尚未清稿"):
        seal_document(document, actor=people.city_staff)


def _ready(tree, people) -> Document:
    document = make_document(tree.city, people.city_staff, issuer_mark="示范市教育局文件",
                             main_recipients="各区县教育局", issuer_signature="示范市教育局",
                             written_on=date(2026, 12, 2), cc_recipients="市政府办公厅，市财政局",
                             printing_org="示范市教育局办公室", printed_on=date(2026, 12, 2))
    save_body(document, "为做好寒假安全工作，现将有关事项通知如下。\n一、加强安全教育。", author=people.city_staff)
    finalize_body(document, actor=people.city_staff)
    assign_number(document, actor=people.city_staff)
    return document


def test_the_printed_document_carries_its_elements(tree, people):
    document = _ready(tree, people)
    text = pdfium.PdfDocument(print_document(document))[0].get_textpage().get_text_range()
    for element in (document.doc_number, "关于做好2027年寒假安全工作的通知", "各区县教育局：", "加强安全教育",
                    "2026年12月2日", "抄送：市政府办公厅，市财政局", "示范市教育局办公室"):
        assert element.replace("，", "") in text.replace("\r", "").replace("\n", "").replace("，", ""), element


def test_sealing_signs_with_the_units_certificate_and_is_audited(app, tree, people, pki, roots, monkeypatch):
    monkeypatch.setitem(app.config, "DOC_CERT_DIR", str(pki / "store"))
    monkeypatch.setitem(app.config, "DOC_CERT_PASSWORD", "测试口令")
    document = _ready(tree, people)
    with pytest.raises(ValidationFailed, match="没有签章证书"):  # the store has the unit "city" only
        seal_document(document, actor=people.city_staff)
    tree.city.code = "city"
    sealed = seal_document(document, actor=people.city_staff)
    report = verify_pdf(sealed, roots)
    assert report.verdict == "valid" and report.signatures[0].signer == "示范市教育局"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "document.sealed"))
    assert entry is not None and document.doc_number in entry.summary
