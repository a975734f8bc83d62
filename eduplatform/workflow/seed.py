"""Demo instances, so that `make run` shows to-do lists, notices, diagrams and event flows."""

from __future__ import annotations

from eduplatform.accounts.services import find_user
from eduplatform.core.extensions import db
from eduplatform.orgs.services import find_org
from eduplatform.workflow import engine
from eduplatform.workflow.holidays import seed_year
from eduplatform.workflow.models import ProcessInstance


def _exists(process_key: str, title: str) -> bool:
    return db.session.scalar(db.select(ProcessInstance.id).where(
        ProcessInstance.process_key == process_key, ProcessInstance.title == title).limit(1)) is not None


def _run(process_key, title, org_code, starter, data, steps):
    """Start an instance and walk it through ``steps`` [(transition, username, data, reason)]."""
    if _exists(process_key, title):
        return 0
    instance = engine.start(process_key, org=find_org(org_code), actor=find_user(starter), title=title, data=data)
    for key, username, step_data, reason in steps:
        engine.perform(instance, key, actor=find_user(username), data=step_data, reason=reason)
    return 1


def seed_demo(log):
    seed_year(2026)
    if find_org("3399000000") is None or find_user("teacher") is None:
        log("业务流程：缺少演示单位或账户，跳过")
        return []
    basic = find_org("3399000002")   # 市教育局基础教育处
    office = find_org("3399000001")  # 市教育局办公室
    created = 0
    # Resource reviews come from the resource library's demo (real resources under review).
    created += _run("incoming_document", "关于做好2026年秋季学期中小学开学工作的通知", "3399000000", "city_staff",
                    {"source_org": "省教育厅", "doc_number": "某教发〔2026〕31号",
                     "title": "关于做好2026年秋季学期中小学开学工作的通知", "urgency": "加急", "secrecy": "公开"},
                    [("sign", "city_staff", None, None),
                     ("register", "city_staff", {"registry_number": "收〔2026〕208号"}, None),
                     ("pass_check", "city_staff", {"check_opinion": "属我局职责，格式规范"}, None),
                     ("propose", "city_staff", {"proposal": "拟请基础教育处牵头办理，办公室会签",
                                                "lead_department": basic.id,
                                                "cosign_departments": [office.id]}, None)])
    created += _run("incoming_document", "关于开展2026年度教育信息化应用典型案例征集的通知", "3399010000", "dh_staff",
                    {"source_org": "示范市教育局", "doc_number": "示教函〔2026〕45号",
                     "title": "关于开展2026年度教育信息化应用典型案例征集的通知", "urgency": "普通"},
                    [])
    # 发文 runs on a real document: the documents domain's demo starts it.
    db.session.flush()
    log(f"业务流程：新建演示流程实例 {created} 个")
    return []
