"""Learning every day (学习): class homework (作业) under the 双减 daily load budget.

Homework for a class or a 分层 group of it, with items from the question bank (auto-marked by the
bank's own question types), photo/file hand-ins and reading/practice tasks; the class's day across
subjects against the budget (``load_budget.yaml``, the 2021 意见's figures, set per school); an
over-budget request goes to the 班主任 on the process engine (``processes/homework_load.yaml``);
students' hand-ins, marking one item for the whole class, return for correction. See README.md.
"""

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import WorkbenchPanel

bp = Blueprint("learning", __name__, url_prefix="/learning")

NOTICE_KINDS = {"homework": "新作业", "returned": "退回"}


def _teacher(user):
    from eduplatform.learning.permissions import has_classes

    return has_classes(user)


def _student(user):
    from eduplatform.learning.permissions import is_student

    return is_student(user)


def _school(user):
    from eduplatform.learning.permissions import can_view_school_load
    from eduplatform.schools.permissions import own_school

    return can_view_school_load(user, own_school(user))


def _mastery(user):
    from eduplatform.learning.mastery.permissions import can_view_heatmap

    return can_view_heatmap(user)


NAV = [
    NavItem("远程教育资源", "班级作业", "learning.teacher_index", _teacher),
    NavItem("远程教育资源", "今日作业", "learning.my_homework", _student),
    NavItem("远程教育资源", "班级学情", "learning.mastery_heatmap", _mastery),
    NavItem("远程教育资源", "我的学情", "learning.my_mastery", _student),
    NavItem("校校通", "作业负担（双减）", "learning.school_load", _school),
]

# 错题本 (learning/mistakes): its menu entries and its 工作台 card
from eduplatform.learning.mistakes import NAV as _MISTAKES_NAV
from eduplatform.learning.mistakes import WORKBENCH_PANELS as _MISTAKES_PANELS

NAV += _MISTAKES_NAV


def _student_card(user):
    from eduplatform.learning.views.student import workbench_card

    return workbench_card(user)


def _teacher_card(user):
    from eduplatform.learning.views.teacher import workbench_card

    return workbench_card(user)


WORKBENCH_PANELS = [
    WorkbenchPanel("todo", "learning/_workbench_student.html", _student_card, when=_student, order=10),
    WorkbenchPanel("mine", "learning/_workbench_teacher.html", _teacher_card, when=_teacher, order=25),
    *_MISTAKES_PANELS,
]


def init_app(app):
    from pathlib import Path

    from flask import url_for

    from eduplatform import workflow
    from eduplatform.core.notices import NoticeRealm, register_realm
    from eduplatform.learning import services

    def link_for(notice):
        if notice.object_type == "homework" and notice.object_id:
            return url_for("learning.homework_page", homework_id=notice.object_id)
        return None

    from eduplatform.learning.mastery import api as mastery_api
    from eduplatform.learning.mastery import cli as mastery_cli

    mastery_cli.init_app(app)  # flask learning refresh-mastery
    if "learning_mastery_api" not in app.blueprints:
        app.register_blueprint(mastery_api.bp)  # 学情 (/api/v1/mastery/…)
    register_realm(NoticeRealm("learning", "班级作业", NOTICE_KINDS, link_for=link_for))
    workflow.register_processes(Path(__file__).with_name("processes"))
    workflow.register_subject("homework", loader=_load_homework,
                              url=lambda hw: url_for("learning.homework_page", homework_id=hw.id),
                              label="作业超量审批", deadline=lambda hw: hw.due_at)
    workflow.remove_hook(services.PROCESS, services.on_decided)  # create_app may run more than once
    workflow.on_transition(services.PROCESS)(services.on_decided)
    from eduplatform.learning import mistakes

    mistakes.init_app(app)  # 错题本: its listeners, pages and API


def _load_homework(homework_id):
    from eduplatform.core.extensions import db
    from eduplatform.learning.models import Homework

    return db.session.get(Homework, int(homework_id))
