"""Demo 公文 (idempotent), made through the 发文 flow so that every list and page has something real:

- a 加急 通知 taken all the way: 核稿, 签发, 复核, 登记 (示教发〔year〕N号), 印制, 用印 (with a development
  certificate made here when the app runs in development), waiting at 核发 in the office's 待办;
- a 通知 waiting at 签发 in the leader's 待办, with two 正文 versions (the 核稿人 changed a sentence);
- a 请示 still a draft;
- a paper 收文 from the province (收〔year〕N号), registered, checked and proposed by the office, waiting
  at 批办 in the leader's 待办.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from eduplatform.accounts.services import find_user
from eduplatform.core.extensions import db
from eduplatform.documents.models import Document
from eduplatform.documents.sealing.dev import ensure_dev_unit
from eduplatform.documents.services import incoming, outgoing
from eduplatform.orgs.services import find_org

CITY = "3399000000"
NOTICE = "关于做好2027年寒假期间中小学生安全工作的通知"
NOTICE_BODY = ("各区县教育局，市直属各学校：\n寒假将至，为确保学生度过安全、文明的假期，现就有关事项通知如下。\n"
               "一、加强安全教育。各校放假前要集中开展一次安全教育。\n二、落实值班制度。寒假期间实行领导带班和24小时值班。")
HOMEWORK = "关于进一步加强中小学作业管理的通知"
HOMEWORK_BODY = "各区县教育局：\n为落实“双减”要求，现就加强作业管理通知如下。\n一、控制作业总量。\n二、提高作业设计质量。"
REQUEST = "关于申请2027年度教育信息化专项经费的请示"
INCOMING = "关于做好2026年秋季学期中小学开学工作的通知"
INCOMING_BODY = "各市（州）教育局：\n为做好秋季学期开学工作，现将有关事项通知如下。\n一、做好开学安全检查。\n二、落实“双减”。"
REQUEST_BODY = "示范市人民政府：\n为推进全市教育信息化建设，现申请专项经费。\n妥否，请批示。"


def _exists(org, title: str) -> bool:
    return db.session.scalar(db.select(Document.id).where(Document.org_id == org.id, Document.title == title)
                             .limit(1)) is not None


def _can_seal(city) -> bool:
    config = current_app.config
    if config.get("ENV_NAME") == "development" and config.get("DOC_CERT_DIR") and config.get("DOC_TRUST_ROOTS"):
        ensure_dev_unit(config["DOC_TRUST_ROOTS"], config["DOC_CERT_DIR"], city.code, city.name,
                        password=config.get("DOC_CERT_PASSWORD"))
    store = config.get("DOC_CERT_DIR")
    return bool(store) and (Path(store) / city.code / "cert.pem").is_file()


def seed_demo(log):
    city, drafter = find_org(CITY), find_user("city_staff")
    head, leader, office = find_user("city_head"), find_user("leader"), find_user("city_office")
    if None in (city, drafter, head, leader, office):
        log("公文：缺少演示单位或账户，跳过")
        return []
    districts = [org.id for org in (find_org("3399010000"), find_org("3399020000")) if org is not None]
    created = 0
    if not _exists(city, NOTICE):
        notice = outgoing.draft(drafter, elements={"doctype": "notice", "title": NOTICE, "agency_code": "示教发",
                                                   "urgency": "加急", "main_recipients": "各区县教育局，市直属各学校",
                                                   "cc_recipients": "市人民政府办公室"},
                                body=NOTICE_BODY, flow={"reviewer": head.id, "main_recipient_orgs": districts})
        steps = [("submit", drafter, None), ("review_ok", head, {"review_opinion": "同意"}),
                 ("sign", leader, {"signer_opinion": "同意印发"}), ("recheck_ok", office, None),
                 ("register", office, None), ("printed", office, {"copies": 40})]
        if _can_seal(city):
            steps.append(("sealed", office, None))
        for key, actor, data in steps:
            outgoing.act(notice, key, actor=actor, data=data)
        created += 1
    if not _exists(city, HOMEWORK):
        homework = outgoing.draft(drafter, elements={"doctype": "notice", "title": HOMEWORK, "agency_code": "示教发",
                                                     "main_recipients": "各区县教育局"},
                                  body=HOMEWORK_BODY, flow={"reviewer": head.id})
        outgoing.act(homework, "submit", actor=drafter)
        outgoing.edit_body(homework, actor=head, text=HOMEWORK_BODY.replace("提高作业设计质量", "提高作业设计质量，鼓励分层作业"),
                           note="核稿：补充分层作业")
        outgoing.act(homework, "review_ok", actor=head, data={"review_opinion": "已修改，请局领导签发"})
        created += 1
    if not _exists(city, REQUEST):
        outgoing.draft(drafter, elements={"doctype": "request", "title": REQUEST, "agency_code": "示教",
                                          "main_recipients": "示范市人民政府"},
                       body=REQUEST_BODY, flow={"reviewer": head.id})
        created += 1
    if not _exists(city, INCOMING):
        received = incoming.register_paper(office, elements={
            "doctype": "notice", "title": INCOMING, "source_org_name": "省教育厅",
            "source_doc_number": "某教发〔2026〕31号", "urgency": "加急", "main_recipients": "各市（州）教育局"},
            body=INCOMING_BODY)
        basic = find_org("3399000002")
        for key, data in (("register", None), ("pass_check", {"check_opinion": "属我局职责，格式规范"}),
                          ("propose", {"handling_kind": "批办件", "proposal": "拟请基础教育处牵头办理",
                                       "lead_department": basic.id if basic else None})):
            incoming.act(received, key, actor=office, data=data)
        created += 1
    db.session.flush()
    log(f"公文：新建 {created} 件演示公文（经发文、收文流程）")
    return []
