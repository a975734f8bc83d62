"""Demo content of the public site (idempotent), published through the review like real articles:
news and notices, 政务公开 items, a 政策文件 that was amended (the old one marked 已修改, linking to
the new one), and a 采购公告 with its attachment and 截止时间."""

from __future__ import annotations

import io
from datetime import date, timedelta

from werkzeug.datastructures import FileStorage

from eduplatform.accounts.services import find_user
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.services import find_org
from eduplatform.portal import disclosure_seed, letters_seed
from eduplatform.portal.models import Article, Validity
from eduplatform.portal.services import columns, content

CITY = "3399000000"
OLD_POLICY = "示范市中小学学籍管理实施细则"
NEW_POLICY = "示范市中小学学籍管理实施细则（2026年修订）"
PURCHASE = "示范市教育局2027年中小学教室照明改造项目采购公告"
ARTICLES = [
    ("news", "全市教育系统召开2026年秋季学期工作部署会", "<p>11月28日，全市教育系统秋季学期工作部署会召开。会议总结了上半年工作，部署了“双减”、校园安全和教育信息化等重点任务。</p>"),
    ("news", "示范市12所学校入选省级智慧校园示范校", "<p>经学校申报、区县推荐和专家评审，我市12所学校入选省级智慧校园示范校。</p>"),
    ("notices", "关于做好2027年寒假期间中小学生安全工作的通知", "<p>各区县教育局，市直属各学校：</p><p>寒假将至，为确保学生度过安全、文明的假期，现就有关事项通知如下。</p><p>一、加强安全教育。二、落实值班制度。</p>"),
    ("notices", "关于开展2026年度中小学教师继续教育学时登记的通知", "<p>各区县教育局：请于12月20日前完成本年度教师继续教育学时的登记与审核。</p>"),
    ("policies", "《中华人民共和国教育法》（2021年修正）", "<p>第一条 为了发展教育事业，提高全民族的素质，促进社会主义物质文明和精神文明建设，根据宪法，制定本法。</p>"),
    ("org_functions", "示范市教育局主要职责", "<p>贯彻执行国家和省的教育方针、政策和法规；统筹规划全市各级各类教育的发展……</p>"),
    ("budget", "示范市教育局2026年部门预算", "<p>根据《预算法》和市财政局的统一部署，现将示范市教育局2026年部门预算公开如下。</p>"),
    ("admissions", "2026年示范市初中招生工作实施意见", "<p>坚持免试就近入学原则，公办、民办初中同步招生。</p>"),
    ("services", "中小学转学办理指南", "<p>办理条件、所需材料、办理流程和办理时限见下表。</p><table><tr><th>事项</th><th>时限</th></tr><tr><td>转学</td><td>5个工作日</td></tr></table>"),
    ("interaction", "关于《示范市学前教育发展规划（征求意见稿）》公开征求意见的公告", "<p>欢迎社会各界于12月31日前提出意见和建议。</p>"),
]
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _find(org, title):
    return db.session.scalar(db.select(Article).where(Article.org_id == org.id, Article.title == title).limit(1))


def _publish(drafter, reviewer, column_key, title, body, **extra):
    return content.create_article(drafter, column=columns.column_by_key(column_key),
                                  data={"title": title, "body": body, **extra})


def _through_review(article, drafter, reviewer):
    content.submit_article(article, drafter)
    content.approve_article(article, reviewer, opinion="同意发布")
    return article


def seed_demo(log):
    city, drafter, reviewer = find_org(CITY), find_user("city_staff"), find_user("city_office")
    if None in (city, drafter, reviewer):
        log("门户：缺少演示单位或账户，跳过")
        return []
    columns.sync_columns()
    created = 0
    for column_key, title, body in ARTICLES:
        if _find(city, title) is None:
            _through_review(_publish(drafter, reviewer, column_key, title, body, written_on=date(2026, 11, 20)),
                            drafter, reviewer)
            created += 1
    old = _find(city, OLD_POLICY)
    if old is None:
        old = _through_review(_publish(drafter, reviewer, "policy_documents", OLD_POLICY,
                                       "<p>第一条 为规范全市中小学学籍管理……</p><p>第二十条 本细则自2019年9月1日起施行。</p>",
                                       doc_number="示教发〔2019〕8号", written_on=date(2019, 8, 15)),
                              drafter, reviewer)
        created += 1
    new = _find(city, NEW_POLICY)
    if new is None:
        new = _through_review(_publish(drafter, reviewer, "policy_documents", NEW_POLICY,
                                       "<p>第一条 为规范全市中小学学籍管理，根据《中小学生学籍管理办法》，结合本市实际，制定本细则。</p>"
                                       "<p>第二十一条 本细则自2026年12月1日起施行，《示范市中小学学籍管理实施细则》（示教发〔2019〕8号）同时修改。</p>",
                                       doc_number="示教发〔2026〕31号", written_on=date(2026, 11, 10)),
                              drafter, reviewer)
        created += 1
    if old.validity != Validity.AMENDED:
        content.set_validity(old, drafter, Validity.AMENDED, replaced_by=new,
                             note="由《示范市中小学学籍管理实施细则（2026年修订）》修改")
    if _find(city, PURCHASE) is None:
        notice = _publish(drafter, reviewer, "purchase_notices", PURCHASE,
                          "<p>项目编号：SFJY-2027-001。采购预算：380万元。投标文件递交截止时间见下。</p>",
                          deadline_at=utcnow() + timedelta(days=20), written_on=date(2026, 12, 1))
        content.add_attachment(notice, drafter, FileStorage(io.BytesIO(PDF), filename="采购需求书.pdf",
                                                             content_type="application/pdf"))
        _through_review(notice, drafter, reviewer)
        created += 1
    db.session.flush()
    log(f"门户：新增演示信息 {created} 条")
    return (disclosure_seed.seed_demo(log) or []) + (letters_seed.seed_demo(log) or [])
