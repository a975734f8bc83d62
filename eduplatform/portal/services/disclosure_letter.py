"""The answer letter (政府信息公开申请答复书): its number 公复〔YYYY〕N号 and its PDF; the e-mail.

The number is given once, at 答复, from a counter per answering bureau and year, never twice and
never with a gap (the same way as 公文's 发文字号, ``documents.services.numbering``): the counter row is
created without a race (``INSERT … ON CONFLICT DO NOTHING``) and read ``FOR UPDATE``; the request
row is locked and re-read, so a number already there is returned; a rolled-back answer gives its
number back. The PDF is drawn from the stored answer each time (it is fixed once answered).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from eduplatform.audit.services import record
from eduplatform.core import mail
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.portal.models.disclosure import DisclosureLetterCounter, DisclosureRequest

REALM = "disclosure"

REMEDIES = ("如对本答复不服，可以自收到本答复之日起60日内依法申请行政复议，"
            "或者自收到本答复之日起6个月内依法向人民法院提起行政诉讼。")


def format_letter_number(year: int, seq: int) -> str:
    return f"公复〔{int(year)}〕{int(seq)}号"


def _ensure_counter(org_id: int, year: int) -> None:
    values = {"org_id": org_id, "year": year, "last": 0}
    table = DisclosureLetterCounter.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(table).values(**values).on_conflict_do_nothing(
        index_elements=["org_id", "year"]))


def assign_letter_number(request: DisclosureRequest, *, actor=None, year: int) -> str:
    """Give the answer letter its number (or return the one it has). Flushes; the caller commits."""
    locked = db.session.execute(sa.select(DisclosureRequest).where(DisclosureRequest.id == request.id)
                                .with_for_update().execution_options(populate_existing=True)).scalar_one()
    if locked.letter_number:
        return locked.letter_number
    _ensure_counter(locked.org_id, year)
    counter = db.session.execute(
        sa.select(DisclosureLetterCounter).where(DisclosureLetterCounter.org_id == locked.org_id,
                                                 DisclosureLetterCounter.year == year)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()
    counter.last += 1
    locked.letter_year, locked.letter_seq = year, counter.last
    locked.letter_number = format_letter_number(year, counter.last)
    db.session.flush()
    record(REALM, "letter.numbered", f"答复书编号 {locked.letter_number}：{locked.tracking_code}",
           actor=actor, obj=locked, data={"letter_number": locked.letter_number})
    return locked.letter_number


# --- the text ----------------------------------------------------------------------------------

def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def answer_paragraphs(request: DisclosureRequest) -> list[str]:
    f = request.answer_fields or {}
    sought = f"“{request.description[:200]}”"
    if request.doc_title or request.doc_number:
        sought += f"（{'、'.join(x for x in (request.doc_title, request.doc_number) if x)}）"
    intro = (f"本机关于{_cn_date(request.received_on)}收到您提出的政府信息公开申请（查询码 {request.tracking_code}），"
             f"申请获取{sought}。")
    if request.correction_received_on:
        intro += f"您于{_cn_date(request.correction_received_on)}补正了申请。"
    if request.extension_days:
        intro += f"经本机关政府信息公开工作机构负责人同意，答复期限延长了{request.extension_days}个工作日。"
    intro += "根据《中华人民共和国政府信息公开条例》的规定，现答复如下："
    body = {
        "published": lambda: f"您申请获取的政府信息已经主动公开，您可以通过以下途径获取：{f['where']}。",
        "granted": lambda: f"您申请获取的政府信息属于公开范围，本机关予以公开：{f['provision']}。",
        "partial": lambda: (f"您申请获取的政府信息中，以下部分予以公开：{f['provision']}。"
                            f"以下部分不予公开：{f['withheld']}。不予公开的理由及依据：{f['reasons']}。"),
        "refused": lambda: f"您申请获取的政府信息不予公开。理由：{f['reasons']}。依据：{f['basis']}。",
        "not_exist": lambda: ("经检索，本机关未制作、获取您申请的政府信息，该政府信息不存在。"
                              f"检索情况：{f['search_record']}。"),
        "not_ours": lambda: ("您申请获取的政府信息不属于本机关负责公开。"
                             + (f"负责公开该政府信息的机关：{f['right_office']}，请向其申请。" if f.get("right_office")
                                else "本机关无法确定负责公开该政府信息的机关。")),
        "repeat": lambda: (f"您提出的申请与此前的申请（{f['earlier']}）内容重复，本机关已就此作出答复，"
                           "依据《中华人民共和国政府信息公开条例》第三十六条第（六）项不予重复处理。"),
        "other_law": lambda: (f"您申请获取的信息，{f['law']}对信息的获取另有规定，请按照该规定办理：{f['channel']}。"),
    }[request.answer_type]()
    paragraphs = [intro, body]
    if f.get("note"):
        paragraphs.append(f["note"])
    paragraphs.append(REMEDIES)
    return paragraphs


def letter_title(request: DisclosureRequest) -> str:
    return "政府信息部分公开告知书" if request.answer_type == "partial" else "政府信息公开申请答复书"


def render_letter_pdf(request: DisclosureRequest) -> bytes:
    """A4, 仿宋 body (the free substitute from the 公文 layout's font set), title in 小标宋."""
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from eduplatform.documents.layout import FontSet

    fonts = FontSet.from_config(current_app.config)
    body_font, title_font = fonts.name("fangsong"), fonts.name("xiaobiaosong")
    title = ParagraphStyle("title", fontName=title_font, fontSize=22, leading=34, alignment=TA_CENTER)
    number = ParagraphStyle("number", fontName=body_font, fontSize=16, leading=28, alignment=TA_CENTER)
    text = ParagraphStyle("text", fontName=body_font, fontSize=16, leading=28, firstLineIndent=32,
                          wordWrap="CJK")
    plain = ParagraphStyle("plain", parent=text, firstLineIndent=0)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm, topMargin=37 * mm,
                            bottomMargin=35 * mm, title=f"{letter_title(request)} {request.letter_number or ''}",
                            author=request.org.name)
    story = [Paragraph(escape(letter_title(request)), title),
             Paragraph(escape(request.letter_number or "（未编号草稿）"), number), Spacer(1, 12),
             Paragraph(escape(f"{request.name}："), plain)]
    story += [Paragraph(escape(p), text) for p in answer_paragraphs(request)]
    story += [Spacer(1, 28), Paragraph(escape(request.org.name), right),
              Paragraph(escape(_cn_date(request.answered_on)) if request.answered_on else "", right)]
    doc.build(story)
    return out.getvalue()


class DraftLetter:
    """The request as it would read once answered this way: a preview, nothing numbered or stored."""

    letter_number = None

    def __init__(self, request: DisclosureRequest, answer_type: str, fields: dict, day):
        self._request, self.answer_type, self.answer_fields, self.answered_on = request, answer_type, fields, day

    def __getattr__(self, name):
        return getattr(self._request, name)


def letter_filename(request: DisclosureRequest) -> str:
    return f"{letter_title(request)}-{request.tracking_code}.pdf"


# --- e-mail ------------------------------------------------------------------------------------

_PENDING = "disclosure_mail_pending"


def queue_mail(request: DisclosureRequest, subject: str, body: str) -> None:
    """Mail the applicant after the commit (only when an address is given and mail is configured)."""
    if request.email:
        db.session.info.setdefault(_PENDING, []).append((request.id, subject, body, False))


def pending_mail() -> list:
    return db.session.info.pop(_PENDING, [])


def mark_letter_mail(request: DisclosureRequest) -> None:
    db.session.info.setdefault(_PENDING, []).append(
        (request.id, f"{letter_title(request)}（{request.letter_number}）",
         f"您的政府信息公开申请（查询码 {request.tracking_code}）已答复，答复书见附件，也可在查询页面下载。\n\n"
         + "\n".join(answer_paragraphs(request)), True))


def deliver_pending_mail() -> int:
    """After the request's commit: send what it queued; record each letter sent or why not; commits."""
    items = pending_mail()
    if not items or not mail.mail_enabled():
        return 0
    sent = 0
    for request_id, subject, body, with_letter in items:
        request = db.session.get(DisclosureRequest, request_id)
        if request is None or not request.email:
            continue
        attachments = [(letter_filename(request), render_letter_pdf(request), "application/pdf")] if with_letter else []
        try:
            mail.send(request.email, subject, body + "\n\n—— 此邮件由系统自动发送", attachments)
        except Exception as exc:  # noqa: BLE001 - the step already succeeded; the failure is recorded
            current_app.logger.warning("依申请公开邮件发送失败：%s", exc)
            if with_letter:
                request.letter_email_error = str(exc)[:255]
            record(REALM, "mail.failed", f"邮件发送失败 {request.tracking_code}：{subject}", obj=request)
        else:
            sent += 1
            if with_letter:
                request.letter_emailed_at, request.letter_email_error = utcnow(), ""
            record(REALM, "mail.sent", f"已发送邮件 {request.tracking_code}：{subject}", obj=request)
    db.session.commit()
    return sent
