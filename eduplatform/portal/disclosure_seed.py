"""Demo 依申请公开 requests in different states (idempotent: each is made once, found by its text)."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.services import find_user
from eduplatform.core.extensions import db
from eduplatform.orgs.services import find_org
from eduplatform.portal.models import DisclosureRequest
from eduplatform.portal.services import disclosure as services
from eduplatform.portal.services import disclosure_letter

CITY, DONGHU = "3399000000", "3399010000"
PERSON = {"applicant_type": "person", "id_type": "居民身份证", "provide_format": "paper", "obtain_method": "mail",
          "address": "示范市解放路18号", "postcode": "339900"}
ORG = {"applicant_type": "organisation", "id_type": "统一社会信用代码", "provide_format": "email",
       "obtain_method": "email"}

DEMOS = [
    # (bureau, what is sought, applicant, days ago received, steps)
    (CITY, "2026年示范市义务教育阶段学校招生划片范围及依据", {**PERSON, "name": "林建国", "id_number": "339901198506070011",
                                                      "phone": "13905710001"}, 0, []),
    (CITY, "市教育局关于校外培训机构年检的相关文件", {**PERSON, "name": "黄美玲", "id_number": "339901199203040022",
                                               "phone": "13905710002"}, 1, ["correction"]),
    (CITY, "2025年示范市中小学教师招聘考试成绩汇总表", {**ORG, "name": "示范市明德教育咨询有限公司", "org_kind": "business",
                                                  "id_number": "91339900MA00000001", "email": "info@mingde.example.cn",
                                                  "contact_person": "郑经理"}, 4, ["accept", "consult"]),
    (CITY, "2025年度示范市教育经费统计公告", {**ORG, "name": "示范市教育科学研究院", "org_kind": "research",
                                        "id_number": "12339900MB00000002", "email": "office@jky.example.cn"}, 10,
     ["accept", "answer"]),
    (CITY, "示范市智慧校园建设项目招标及验收材料", {**ORG, "name": "示范市律和律师事务所", "org_kind": "legal_service",
                                           "id_number": "31339900MD00000003", "email": "lawyer@lvhe.example.cn"}, 15,
     ["accept", "extend"]),
    (DONGHU, "东湖区2026年学前教育普惠性幼儿园名单及认定标准", {**PERSON, "name": "东湖区申请人吴晓东",
                                                        "id_number": "339901197801010033", "phone": "13905710003"}, 2,
     ["accept"]),
]


def seed_demo(log):
    staff = {CITY: find_user("city_staff"), DONGHU: find_user("dh_staff")}
    leader = find_user("leader")
    if None in staff.values() or leader is None or find_org(CITY) is None:
        log("依申请公开：缺少演示单位或账户，跳过")
        return []
    cal, today = services.calendar(), services.today_local()
    made = 0
    for code, sought, applicant, ago, steps in DEMOS:
        bureau = find_org(code)
        if bureau is None or db.session.scalar(sa.select(DisclosureRequest.id).where(
                DisclosureRequest.org_id == bureau.id, DisclosureRequest.description == sought)):
            continue
        actor = staff[code]
        received = cal.subtract_working_days(today, ago) if ago else today
        request, secret = services.receive_request({**applicant, "description": sought}, org=bureau,
                                                   channel="letter" if ago else "online", actor=actor if ago else None,
                                                   received_on=received, today=today)
        for step in steps:
            if step == "correction":
                services.request_correction(request, actor=actor, notice="请写明所需文件的年度和文号（如知道）", today=today)
            elif step == "accept":
                services.accept(request, actor=actor)
            elif step == "consult":
                services.start_consultation(request, actor=actor, third_party="相关考生（涉及个人信息）", today=today)
            elif step == "extend":
                services.request_extension(request, actor=actor, days=15, reason="涉及多个处室和项目档案，需要汇总核对",
                                           today=today)
                services.approve_extension(request, actor=leader, today=today)
            elif step == "answer":
                services.answer(request, actor=actor, answer_type="published", today=today,
                                fields={"where": "示范市教育局门户网站“政务公开—财政信息”栏目，2026年10月发布"})
        db.session.flush()
        made += 1
        if steps == ["accept", "answer"]:
            log(f"依申请公开：已答复的演示申请 查询码 {request.tracking_code} 查询密码 {secret}")
    disclosure_letter.pending_mail()  # demo applicants get no mail
    log(f"依申请公开：新建 {made} 件演示申请")
    return []
