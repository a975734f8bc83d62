"""Demo reporting data: a published template and a task in progress across the demo city."""

from __future__ import annotations

from datetime import timedelta

from eduplatform.accounts.services import find_user
from eduplatform.core.db import utcnow
from eduplatform.orgs.services import find_org
from eduplatform.reporting.services import review, tasks, templates
from eduplatform.reporting.services import submissions as submission_services

TEMPLATE_CODE = "school-basic"
TASK_TITLE = "2026年秋季学期学校基本情况统计"

DEMO_DEFINITION = {
    "sections": [
        {"title": "学校基本情况", "fields": [
            {"code": "school_kind", "label": "办学性质", "type": "select", "required": True,
             "options": [{"value": "public", "label": "公办"}, {"value": "private", "label": "民办"}]},
            {"code": "principal", "label": "校长姓名", "type": "text", "required": True, "max_length": 20},
            {"code": "classes", "label": "教学班数", "type": "integer", "unit": "个", "required": True, "min": 0},
            {"code": "teachers_total", "label": "专任教师数", "type": "integer", "unit": "人", "required": True,
             "min": 0, "help": "在编在岗的专任教师"},
            {"code": "teachers_female", "label": "其中女教师", "type": "integer", "unit": "人", "required": True,
             "min": 0},
            {"code": "computers", "label": "学生用计算机", "type": "integer", "unit": "台", "min": 0},
            {"code": "budget", "label": "本年信息化经费", "type": "decimal", "unit": "万元", "decimals": 2, "min": 0},
            {"code": "features", "label": "信息化特色", "type": "multiselect",
             "options": [{"value": "smart", "label": "智慧课堂"}, {"value": "maker", "label": "创客教育"},
                         {"value": "dual", "label": "双师课堂"}]},
            {"code": "report", "label": "信息化工作总结", "type": "file"},
        ]},
        {"title": "分年级学生", "fields": [
            {"code": "grades", "label": "分年级学生数", "type": "table",
             "rows": [{"code": "g1", "label": "一年级"}, {"code": "g2", "label": "二年级"},
                      {"code": "g3", "label": "三年级"}],
             "columns": [{"code": "boys", "label": "男生", "type": "integer", "unit": "人", "min": 0, "required": True},
                         {"code": "girls", "label": "女生", "type": "integer", "unit": "人", "min": 0, "required": True},
                         {"code": "total", "label": "合计", "type": "integer", "unit": "人", "formula": "boys + girls"}],
             "rules": [{"expression": "total <= 1500", "message": "单个年级学生数超过 1500，请核对",
                        "importance": "low"}]},
            {"code": "students_total", "label": "在校生合计", "type": "integer", "unit": "人",
             "formula": "sum(grades.total)"},
            {"code": "students_per_computer", "label": "生机比", "type": "decimal", "decimals": 1,
             "formula": "if(computers > 0, students_total / computers, 0)", "help": "在校生数 ÷ 学生用计算机数"},
            {"code": "clubs", "label": "学生社团", "type": "table", "max_rows": 10,
             "columns": [{"code": "name", "label": "社团名称", "type": "text", "required": True},
                         {"code": "members", "label": "人数", "type": "integer", "unit": "人", "min": 1}]},
        ]},
    ],
    "rules": [
        {"expression": "teachers_female <= teachers_total", "message": "女教师数不能超过专任教师数",
         "importance": "high"},
        {"expression": "classes == 0 or teachers_total > 0", "message": "有教学班的学校专任教师数须大于 0",
         "field": "teachers_total"},
    ],
}


def _values(total, female, grades, computers, budget, kind="public"):
    return {"school_kind": kind, "principal": "王校长", "classes": 18, "teachers_total": total,
            "teachers_female": female, "computers": computers, "budget": budget, "features": ["smart"],
            "grades": {code: {"boys": b, "girls": g} for code, (b, g) in zip(("g1", "g2", "g3"), grades, strict=True)},
            "clubs": [{"name": "机器人社", "members": 24}, {"name": "合唱团", "members": 40}]}


def seed_demo(log):
    if templates.find_template(TEMPLATE_CODE) is not None:
        log("数据填报：演示模板和任务已存在")
        return []
    city, dh, xs = find_org("3399000000"), find_org("3399010000"), find_org("3399020000")
    city_staff, dh_staff, xs_staff = find_user("city_staff"), find_user("dh_staff"), find_user("xs_staff")
    if None in (city, dh, xs, city_staff, dh_staff, xs_staff):
        log("数据填报：缺少演示单位或账户，跳过")
        return []
    template = templates.create_template(city_staff, owner_org=city, code=TEMPLATE_CODE, name="学校基本情况统计表",
                                         description="每学期初各校填报的基本情况与信息化指标",
                                         definition=DEMO_DEFINITION)
    version = templates.publish_draft(city_staff, template)
    now = utcnow()
    task = tasks.issue_task(city_staff, issuer=city, version=version, title=TASK_TITLE, period="2026秋",
                            due_at=now + timedelta(days=14), lock_at=now + timedelta(days=17),
                            instructions="请各校如实填报，数据以9月30日为准；有疑问请联系市教育局基础教育处。",
                            targets={"subtrees": [city.code]})
    tasks.pass_down(dh_staff, task, district=dh, due_at=now + timedelta(days=10), lock_at=now + timedelta(days=12),
                    instructions="东湖区各校请提前4天完成，区教育局汇总审核后上报。")

    def sub(code):
        return submission_services.submission_for(task, find_org(code))

    # 东湖区第一初级中学 (school_admin): approved by the district, waiting for the city (city_staff).
    first = sub("2133990102")
    submission_services.submit_submission(first, find_user("school_admin"),
                                          raw=_values(62, 48, [(120, 115), (118, 121), (110, 117)], 180, 35.5))
    review.approve(first, dh_staff, "数据完整")
    # 西山区九年一贯制学校 (school_admin2): returned with a reason, to be fixed and handed in again.
    nine = sub("2133990202")
    submission_services.submit_submission(nine, find_user("school_admin2"),
                                          raw=_values(45, 30, [(90, 88), (95, 80), (85, 90)], 60, 12))
    review.send_back(nine, xs_staff, "学生用计算机数与装备台账不符，请核对后重新上报。")
    # 东湖区实验小学: a draft begun.
    submission_services.save_values(sub("2133990101"), None, {"school_kind": "public", "principal": "李校长",
                                                              "classes": 24})
    log(f"数据填报：模板“{template.name}”V1，任务“{TASK_TITLE}”（{task.target_count} 所学校，东湖区已转发）")
    return []
