"""Demo 领导信箱 cases in different states (idempotent: each is made once, found by its title)."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.services import find_user
from eduplatform.core.extensions import db
from eduplatform.orgs.services import find_org
from eduplatform.portal.models import Letter
from eduplatform.portal.services import letters as services
from eduplatform.portal.services import letters_publish as publishing

CITY, BASIC_EDU, DONGHU = "3399000000", "3399000002", "3399010000"
#: 东湖区's own letter (its bureau has no 办公室: its staff route it themselves)
DONGHU_LETTER = {"kind": "consult", "title": "东湖区学区划分咨询", "content": "请问东湖区2027年小学学区如何划分？",
                 "name": "东湖区来信人吴芳", "phone": "13905716789"}

DEMOS = [
    # (kind, title, content, writer, consent, steps)
    ("consult", "小学入学需要准备哪些材料", "孩子明年上小学，户籍在东湖区，请问报名需要准备哪些材料？我的电话13905711234。",
     {"name": "陈丽华", "phone": "13905711234"}, False, []),
    ("complaint", "某校外培训机构收费后不退费", "我在某培训机构预交了一年学费，机构停课后拒不退费，请教育局处理。",
     {"name": "周海涛", "phone": "13905712345"}, True, ["route"]),
    ("suggestion", "建议延长中小学课后服务时间", "双职工家庭接孩子困难，建议课后服务延长到18点。联系邮箱 zhangwei@example.cn。",
     {"name": "张伟", "email": "zhangwei@example.cn"}, True, ["route", "reply"]),
    ("complaint", "学校门口交通拥堵存在安全隐患", ("每天放学时学校门口车辆拥堵，我是家长刘建军，身份证339901198001012345，"
      "希望协调交警疏导。"), {"name": "刘建军", "phone": "13905713456"}, True, ["route", "reply", "close", "publish", "rate"]),
    ("complaint", "学校门口放学时段交通拥堵", "放学时校门口拥堵严重，建议增派人员疏导。", {"name": "孙晓梅", "phone": "13905714567"},
     False, ["merge"]),
]
TRAFFIC = "学校门口交通拥堵存在安全隐患"
REPLY = "您好！来信收悉。经核实，我局已会同相关部门研究处理，具体情况如下：……感谢您对教育工作的关心和支持。"


def seed_demo(log):
    office, dept_staff = find_user("city_office"), find_user("city_staff")
    city, basic = find_org(CITY), find_org(BASIC_EDU)
    if office is None or city is None or basic is None:
        log("领导信箱：缺少演示单位或账户，跳过")
        return []
    made, made_by_title = 0, {}
    for kind, title, content, writer, consent, steps in DEMOS:
        existing = db.session.scalar(sa.select(Letter).where(Letter.org_id == city.id, Letter.title == title))
        if existing is not None:
            made_by_title[title] = existing
            continue
        letter, secret = services.receive({"kind": kind, "title": title, "content": content, "consent_publish": consent,
                                           **writer}, org=city)
        for step in steps:
            if step == "route":
                services.route(letter, actor=office, department_id=basic.id)
            elif step == "reply":
                services.reply(letter, actor=dept_staff, text=REPLY)
            elif step == "close":
                services.close(letter, actor=office, note="电话回访，来信人表示满意")
            elif step == "publish":
                publishing.publish(letter, actor=office)
            elif step == "rate":
                publishing.rate(letter, rating="satisfied", comment="处理及时")
            elif step == "merge" and TRAFFIC in made_by_title:
                services.merge(letter, actor=office, into_id=made_by_title[TRAFFIC].id, reason="与前信反映同一问题")
        made_by_title[title] = letter
        db.session.flush()
        made += 1
        if steps == ["route", "reply"]:
            log(f"领导信箱：已答复待评价的演示信件 查询码 {letter.tracking_code} 查询密码 {secret}")
    if made and db.session.scalar(sa.select(Letter.id).where(Letter.hotline_order_no == "DEMO-12345-0001")) is None:
        letter, _ = services.receive({"kind": "consult", "title": "中考体育考试项目咨询", "content": "来电咨询今年中考体育考试项目和评分标准。",
                                      "name": "12345来电人", "phone": "13905715678"}, org=city, channel="hotline",
                                     due_on=services.calendar().add_working_days(services.today_local(), 3),
                                     hotline_order_no="DEMO-12345-0001")
        services.route(letter, actor=office, department_id=basic.id)
        made += 1
    donghu = find_org(DONGHU)
    if donghu is not None and db.session.scalar(sa.select(Letter.id).where(
            Letter.org_id == donghu.id, Letter.title == DONGHU_LETTER["title"])) is None:
        services.receive(DONGHU_LETTER, org=donghu)
        made += 1
    log(f"领导信箱：新建 {made} 件演示信件")
    return []
