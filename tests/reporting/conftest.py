"""Reporting fixtures: a sample template (every field kind), published templates and issued tasks."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from eduplatform.accounts.models import Role
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.reporting.services import submissions as submission_services
from eduplatform.reporting.services import tasks as task_services
from eduplatform.reporting.services import templates as template_services

SAMPLE_DEFINITION = {
    "sections": [
        {"title": "学校基本情况", "fields": [
            {"code": "school_kind", "label": "办学性质", "type": "select", "required": True,
             "options": [{"value": "public", "label": "公办"}, {"value": "private", "label": "民办"}]},
            {"code": "founded", "label": "建校日期", "type": "date", "max_date": "2026-12-31"},
            {"code": "principal", "label": "校长姓名", "type": "text", "required": True, "max_length": 20},
            {"code": "teachers_total", "label": "教师总数", "type": "integer", "unit": "人", "required": True,
             "min": 0, "max": 5000, "help": "在编在岗教师"},
            {"code": "teachers_female", "label": "女教师数", "type": "integer", "unit": "人", "required": True,
             "min": 0},
            {"code": "female_ratio", "label": "女教师占比", "type": "decimal", "unit": "%", "decimals": 1,
             "formula": "if(teachers_total > 0, teachers_female / teachers_total * 100, 0)"},
            {"code": "budget", "label": "信息化经费", "type": "decimal", "unit": "万元", "decimals": 2, "min": 0},
            {"code": "features", "label": "信息化特色", "type": "multiselect",
             "options": [{"value": "smart", "label": "智慧课堂"}, {"value": "maker", "label": "创客教育"},
                         {"value": "dual", "label": "双师课堂"}]},
            {"code": "remarks", "label": "其他说明", "type": "textarea"},
            {"code": "plan", "label": "信息化规划", "type": "file"},
        ]},
        {"title": "分年级学生", "fields": [
            {"code": "grades", "label": "分年级学生数", "type": "table",
             "rows": [{"code": "g1", "label": "一年级"}, {"code": "g2", "label": "二年级"},
                      {"code": "g3", "label": "三年级"}],
             "columns": [{"code": "boys", "label": "男生", "type": "integer", "min": 0, "required": True},
                         {"code": "girls", "label": "女生", "type": "integer", "min": 0, "required": True},
                         {"code": "total", "label": "合计", "type": "integer", "formula": "boys + girls"}],
             "rules": [{"expression": "total <= 1000", "message": "单个年级学生数不超过 1000"}]},
            {"code": "students_total", "label": "学生总数", "type": "integer", "unit": "人",
             "formula": "sum(grades.total)"},
            {"code": "clubs", "label": "学生社团", "type": "table", "max_rows": 5,
             "columns": [{"code": "name", "label": "社团名称", "type": "text", "required": True},
                         {"code": "members", "label": "人数", "type": "integer", "min": 1}]},
        ]},
    ],
    "rules": [
        {"expression": "teachers_female <= teachers_total", "message": "女教师数不能超过教师总数"},
        {"expression": "students_total == 0 or teachers_total > 0", "message": "有学生的学校教师数须大于 0",
         "field": "teachers_total"},
    ],
}

GOOD_VALUES = {
    "school_kind": "public", "founded": "1998-09-01", "principal": "王校长", "teachers_total": 40,
    "teachers_female": 25, "budget": "12.50", "features": ["smart", "maker"],
    "grades": {"g1": {"boys": 50, "girls": 48}, "g2": {"boys": 45, "girls": 47}, "g3": {"boys": 40, "girls": 41}},
    "clubs": [{"name": "机器人社", "members": 20}, {"name": "书法社", "members": 15}],
}



@pytest.fixture
def sample_definition():
    return copy.deepcopy(SAMPLE_DEFINITION)


@pytest.fixture
def good_values():
    return copy.deepcopy(GOOD_VALUES)


@pytest.fixture
def make_template(people, tree):
    def make(definition=None, *, owner=None, actor=None, code=None, publish=True, name="学校基本情况统计表"):
        owner = owner or tree.city
        actor = actor or people.city_staff
        template = template_services.create_template(
            actor, owner_org=owner, code=code or f"T{utcnow().strftime('%H%M%S%f')}", name=name,
            definition=copy.deepcopy(definition or SAMPLE_DEFINITION))
        if publish:
            template_services.publish_draft(actor, template)
        db.session.commit()
        return template

    return make


@pytest.fixture
def template(make_template):
    return make_template()


@pytest.fixture
def issue(people, tree):
    def make(version, *, issuer=None, actor=None, targets=None, due_days=7, lock_days=10, title="2026年学校基本情况统计"):
        task = task_services.issue_task(
            actor or people.city_staff, issuer=issuer or tree.city, version=version, title=title,
            period="2026", due_at=utcnow() + timedelta(days=due_days), lock_at=utcnow() + timedelta(days=lock_days),
            instructions="请各校如实填写。", targets=targets or {"subtrees": [(issuer or tree.city).code]})
        db.session.commit()
        return task

    return make


@pytest.fixture
def task(issue, template):
    return issue(template.latest_published)


@pytest.fixture
def school_a2_admin(tree, create_user):
    return create_user("a2admin", roles=[Role.SCHOOL_ADMIN], org=tree.school_a2)


@pytest.fixture
def sub_of():
    def get(task, school):
        return submission_services.submission_for(task, school)

    return get
