"""Demo 公文 (idempotent): a numbered 通知 with two 正文 versions and 清稿, and a draft 请示."""

from __future__ import annotations

from datetime import date

from eduplatform.accounts.services import find_user
from eduplatform.core.extensions import db
from eduplatform.documents.models import Document
from eduplatform.documents.services.body import finalize_body, save_body
from eduplatform.documents.services.numbering import assign_number
from eduplatform.orgs.services import find_org

NOTICE = "关于做好2027年寒假期间中小学生安全工作的通知"
REQUEST = "关于申请2027年度教育信息化专项经费的请示"


def _exists(org, title: str) -> bool:
    return db.session.scalar(db.select(Document.id).where(Document.org_id == org.id, Document.title == title)
                             .limit(1)) is not None


def seed_demo(log):
    city, author = find_org("3399000000"), find_user("city_staff")
    if city is None or author is None:
        log("公文：缺少演示单位或账户，跳过")
        return []
    created = 0
    if not _exists(city, NOTICE):
        notice = Document(org_id=city.id, created_by_id=author.id, doctype="notice", title=NOTICE,
                          agency_code="示教发", urgency="加急", issuer_mark="示范市教育局文件",
                          main_recipients="各区县教育局，市直属各学校", issuer_signature="示范市教育局",
                          written_on=date(2026, 12, 2), cc_recipients="市人民政府办公室",
                          printing_org="示范市教育局办公室", printed_on=date(2026, 12, 2))
        db.session.add(notice)
        db.session.flush()
        save_body(notice, "各区县教育局，市直属各学校：\n寒假将至，现就做好学生安全工作通知如下。", author=author)
        save_body(notice, "各区县教育局，市直属各学校：\n寒假将至，为确保学生度过安全、文明的假期，现就有关事项通知如下。\n"
                          "一、加强安全教育。\n二、落实值班制度。", author=author)
        finalize_body(notice, actor=author)
        assign_number(notice, actor=author, year=2026)
        created += 1
    if not _exists(city, REQUEST):
        request = Document(org_id=city.id, created_by_id=author.id, doctype="request", title=REQUEST,
                           agency_code="示教", main_recipients="示范市人民政府", issuer_signature="示范市教育局")
        db.session.add(request)
        db.session.flush()
        save_body(request, "示范市人民政府：\n为推进全市教育信息化建设，现申请专项经费。\n妥否，请批示。", author=author)
        created += 1
    log(f"公文：新建 {created} 件演示公文")
    return []
