"""答复 (条例 Art. 36): each type's fields, the letter's number 公复〔YYYY〕N号, the PDF, the e-mail."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.portal.models import DisclosureLetterCounter, DisclosureRequest
from eduplatform.portal.services import disclosure as services
from eduplatform.portal.services import disclosure_letter as letters
from tests.fixtures.at_once import postgresql_only, run_at_once
from tests.portal.disclosure_helpers import letter_request

#: type → (the fields it needs, the Chinese message when the first is missing)
REQUIRED = {
    "published": ({"where": "示范市教育局门户网站“政务公开—规划计划”栏目"}, "须填写获取途径"),
    "granted": ({"provision": "以纸质方式邮寄"}, "须填写提供的信息及提供方式"),
    "partial": ({"provision": "划片范围表", "withheld": "学生个人信息", "reasons": "涉及个人隐私（第十五条）"},
                "须填写公开部分及提供方式"),
    "refused": ({"reasons": "属于内部事务信息", "basis": "《政府信息公开条例》第十六条第一款"}, "须填写不予公开的理由"),
    "not_exist": ({"search_record": "检索了2024—2026年发文登记和档案，未找到"}, "须填写检索情况"),
    "not_ours": ({"right_office": "示范市人力资源和社会保障局，电话 0571-0000000"}, "须填写负责公开该信息的机关"),
    "repeat": ({"earlier": "公复〔2026〕1号"}, "须填写原申请的查询码或答复书文号"),
    "other_law": ({"law": "《中华人民共和国档案法》第二十八条", "channel": "向示范市档案馆申请查阅"},
                  "须填写规定该信息获取办法的法律"),
}


def _handling(tree, people, day=date(2026, 11, 2), **changes):
    request = letter_request(tree.city, people.city_staff, day, **changes)
    services.accept(request, actor=people.city_staff)
    db.session.commit()
    return request


@pytest.mark.parametrize("answer_type", list(REQUIRED))
def test_each_answer_type_needs_its_own_fields_in_chinese_and_writes_nothing_without_them(tree, people, answer_type):
    request = _handling(tree, people)
    fields, message = REQUIRED[answer_type]
    label = services.ANSWER_TYPES[answer_type]
    with pytest.raises(ValidationFailed) as refused:
        services.answer(request, actor=people.city_staff, answer_type=answer_type, fields={})
    assert f"答复类型为「{label}」时" in refused.value.message and message in refused.value.message
    assert set(refused.value.fields) == {k for k in fields}
    db.session.rollback()
    request = db.session.get(DisclosureRequest, request.id)
    assert request.state == "handling" and request.letter_number is None and request.answer_type is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DisclosureLetterCounter)) == 0
    number = services.answer(request, actor=people.city_staff, answer_type=answer_type, fields=fields,
                             today=date(2026, 11, 20))
    assert number == "公复〔2026〕1号"
    assert request.state == "answered" and request.answer_fields == fields


def test_not_ours_may_say_the_right_office_is_unknown(tree, people):
    request = _handling(tree, people)
    services.answer(request, actor=people.city_staff, answer_type="not_ours", fields={"right_office_unknown": True})
    assert "无法确定负责公开该政府信息的机关" in "".join(letters.answer_paragraphs(request))


def test_an_unknown_answer_type_is_refused(tree, people):
    request = _handling(tree, people)
    with pytest.raises(ValidationFailed, match="请选择答复类型"):
        services.answer(request, actor=people.city_staff, answer_type="maybe", fields={})


def test_letter_numbers_run_per_bureau_and_year_without_gaps_and_are_given_once(tree, people, create_user):
    requests = [_handling(tree, people) for _ in range(3)]
    numbers = [services.answer(r, actor=people.city_staff, answer_type="granted", fields={"provision": "邮寄"},
                               today=date(2026, 11, 20)) for r in requests]
    assert numbers == ["公复〔2026〕1号", "公复〔2026〕2号", "公复〔2026〕3号"]
    assert letters.assign_letter_number(requests[0], year=2026) == "公复〔2026〕1号"  # again: the same
    with pytest.raises(Conflict):
        services.answer(requests[0], actor=people.city_staff, answer_type="granted", fields={"provision": "再答"})
    db.session.rollback()
    # another bureau has its own series
    district_staff = create_user("dis_staff", roles=["bureau_staff"], org=tree.district_a)
    other = letter_request(tree.district_a, district_staff, date(2026, 11, 2))
    services.accept(other, actor=district_staff)
    assert services.answer(other, actor=district_staff, answer_type="granted", fields={"provision": "邮寄"},
                           today=date(2026, 11, 20)) == "公复〔2026〕1号"


def test_a_rolled_back_answer_leaves_no_gap(tree, people):
    first, second = _handling(tree, people), _handling(tree, people)
    services.answer(first, actor=people.city_staff, answer_type="granted", fields={"provision": "邮寄"},
                    today=date(2026, 11, 20))
    db.session.rollback()
    second = db.session.get(DisclosureRequest, second.id)
    assert services.answer(second, actor=people.city_staff, answer_type="granted", fields={"provision": "邮寄"},
                           today=date(2026, 11, 20)) == "公复〔2026〕1号"


def test_the_letter_pdf_carries_the_number_the_answer_and_the_remedies(tree, people):
    from pypdf import PdfReader

    request = _handling(tree, people)
    services.answer(request, actor=people.city_staff, answer_type="refused",
                    fields={"reasons": "属于内部事务信息", "basis": "第十六条第一款"}, today=date(2026, 11, 20))
    pdf = letters.render_letter_pdf(request)
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    for expected in ("政府信息公开申请答复书", "公复〔2026〕1号", "王晓明", "属于内部事务信息", "60日内", "行政复议",
                     "6个月内", "行政诉讼", "示范市教育局", "2026年11月20日"):
        assert expected in text, expected


def test_a_partial_disclosure_has_its_own_letter(tree, people):
    request = _handling(tree, people)
    services.answer(request, actor=people.city_staff, answer_type="partial",
                    fields=REQUIRED["partial"][0], today=date(2026, 11, 20))
    assert letters.letter_title(request) == "政府信息部分公开告知书"


def test_the_letter_is_mailed_to_the_applicant_over_smtp(app, tree, people):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=port,
                          MAIL_SMTP_FROM="gk@edu.example.cn")
        request = _handling(tree, people, email="wang@example.cn")
        services.answer(request, actor=people.city_staff, answer_type="granted", fields={"provision": "电子邮件发送"},
                        today=date(2026, 11, 20))
        db.session.commit()
        assert letters.deliver_pending_mail() == 1
    finally:
        controller.stop()
        for key in ("MAIL_SMTP_HOST", "MAIL_SMTP_PORT", "MAIL_SMTP_FROM"):
            app.config.pop(key, None)
    import email

    (envelope,) = received
    assert envelope.rcpt_tos == ["wang@example.cn"]
    message = email.message_from_bytes(envelope.content)
    parts = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1 and parts[0].get_payload(decode=True).startswith(b"%PDF")
    assert "公复〔2026〕1号" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert db.session.get(DisclosureRequest, request.id).letter_emailed_at is not None


CLERKS = 30


@postgresql_only
def test_thirty_answers_at_once_get_thirty_consecutive_letter_numbers(separate_app):
    from eduplatform.accounts.models import Role
    from eduplatform.orgs.models import OrgType
    from eduplatform.orgs.services import create_org_unit
    from tests.fixtures.factories import make_user

    app = separate_app
    with app.app_context():
        city = create_org_unit(None, code="C1", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        staff = make_user(username="gk_staff", roles=[Role.BUREAU_STAFF], org=city)
        ids = []
        for _ in range(CLERKS):
            request = letter_request(city, staff, date(2026, 11, 2))
            services.accept(request, actor=staff)
            ids.append(request.id)
        db.session.commit()
        staff_id = staff.id
        db.session.remove()

    def answer(request_id: int) -> None:
        from eduplatform.accounts.models import User

        services.answer(db.session.get(DisclosureRequest, request_id), actor=db.session.get(User, staff_id),
                        answer_type="granted", fields={"provision": "邮寄"}, today=date(2026, 11, 20))

    run_at_once(app, answer, ids)
    with app.app_context():
        rows = db.session.execute(sa.select(DisclosureRequest.letter_seq, DisclosureRequest.letter_number)).all()
        db.session.remove()
    assert sorted(seq for seq, _ in rows) == list(range(1, CLERKS + 1))
    assert {n for _, n in rows} == {f"公复〔2026〕{i}号" for i in range(1, CLERKS + 1)}


def test_a_preview_shows_the_letter_unnumbered_and_writes_nothing(tree, people):
    from pypdf import PdfReader

    request = _handling(tree, people)
    pdf = services.preview_letter(request, answer_type="not_exist", fields={"search_record": "检索了档案系统"},
                                  today=date(2026, 11, 20))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert "未编号草稿" in text and "检索了档案系统" in text and "公复〔" not in text
    assert request.state == "handling" and request.letter_number is None and request.answer_type is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DisclosureLetterCounter)) == 0
    with pytest.raises(ValidationFailed, match="须填写检索情况"):
        services.preview_letter(request, answer_type="not_exist", fields={})
