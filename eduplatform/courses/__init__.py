"""网络课程 (online courses): catalogue, chapters → lessons of several kinds, enrolment (open, on approval,
by class), completion rules with progress beats, Q&A, the teacher's dashboard, SCORM 1.2/2004 packages
with their run-time, and teachers' continuing-education hours (继续教育学时). See README.md beside this file.
"""

import os

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import WorkbenchPanel

bp = Blueprint("courses", __name__, url_prefix="/courses")


def _learner(user):
    from eduplatform.accounts.models import Role

    return user.has_role(Role.STUDENT, Role.TEACHER)


def _author(user):
    from eduplatform.courses.permissions import can_create_course

    return can_create_course(user)


def _teacher(user):
    from eduplatform.accounts.models import Role

    return user.has_role(Role.TEACHER)


def _training_reports(user):
    from eduplatform.courses.permissions import can_view_any_training_report

    return can_view_any_training_report(user)


def _lti_admin(user):
    from eduplatform.courses.permissions import can_register_lti_tool

    return can_register_lti_tool(user)


def _public_reviewer(user):
    from eduplatform.accounts.models import Role

    root = user.scope_root
    return root is not None and root.is_bureau and user.has_role(Role.BUREAU_STAFF, Role.BUREAU_LEADER)


NAV = [
    NavItem("远程教育资源", "网络课程", "courses.catalogue", _learner),
    NavItem("远程教育资源", "我的课程", "courses.my_courses", _learner),
    NavItem("远程教育资源", "课程建设", "courses.manage_list", _author),
    NavItem("远程教育资源", "课程公开审核", "courses.public_requests", _public_reviewer),
    NavItem("远程教育资源", "外部工具（LTI）", "courses.lti_tools", _lti_admin),
    NavItem("远程教育资源", "我的培训学时", "courses.my_training", _teacher),
    NavItem("教育信息网络", "教师培训学时统计", "courses.training_report_page", _training_reports),
]


def _home_courses(user):
    """The workbench's 我的课程 card: the learner's courses in progress (with %), most recent first."""
    from eduplatform.core.extensions import db
    from eduplatform.courses.enrolment import my_enrolments_query
    from eduplatform.courses.models import EnrolmentStatus

    rows = [e for e in db.session.scalars(my_enrolments_query(user).limit(12)) if e.status == EnrolmentStatus.ACTIVE]
    return {"rows": rows[:5]}


WORKBENCH_PANELS = [WorkbenchPanel("mine", "courses/_workbench.html", _home_courses, when=_learner, order=20)]


#: what the courses' notices are (an enrolment or homework sent back, a course finished, a question)
NOTICE_KINDS = {"task": "待处理", "returned": "退回", "completed": "已完成"}


def init_app(app):
    from pathlib import Path

    from eduplatform.core.notices import NoticeRealm, register_realm

    register_realm(NoticeRealm("courses", "网络课程", NOTICE_KINDS))

    from eduplatform import workflow
    from eduplatform.core.search.registry import register_searchable
    from eduplatform.courses import audiences, enrolment, resources_link
    from eduplatform.courses.catalogue import course_document
    from eduplatform.courses.models import Course

    app.config.setdefault("TRAINING_CYCLE_START_YEAR", int(os.environ.get("EDU_TRAINING_CYCLE_START_YEAR", "2021")))
    app.config.setdefault("TRAINING_CYCLE_HOURS", float(os.environ.get("EDU_TRAINING_CYCLE_HOURS", "360")))
    app.config.setdefault("COURSES_BEAT_SECONDS", int(os.environ.get("EDU_COURSES_BEAT_SECONDS", "30")))
    register_searchable("course", Course, course_document,
                        iter_all=lambda: iter(_all_courses()))
    from eduplatform.courses.catalogue import register_unified

    register_unified(_learner)  # the one search box's 网络课程 group
    audiences.register_audiences()
    resources_link.register_usage()  # a resource a lesson plays is not deleted
    from eduplatform.courses import lesson_previews

    lesson_previews.register(app)  # jobs: page images of a lesson's own file (core.jobs)
    resources_link.register_textbook_shelf()  # lessons listed under their 教材章节 in 同步资源
    from eduplatform.courses.quizzes import withhold_key_while_retakes_remain
    from eduplatform.questions.exams import register_key_withholder

    register_key_withholder(withhold_key_while_retakes_remain)
    audiences.register_indicators()
    workflow.register_processes(Path(__file__).with_name("processes"))

    def _enrolment_url(enrolment_row):
        from flask import url_for

        return url_for("courses.learners", course_id=enrolment_row.course_id, status="pending")

    workflow.register_subject("course_enrolment", loader=lambda id: _load_enrolment(id), url=_enrolment_url,
                              label="选课申请")
    workflow.remove_hook(enrolment.PROCESS, enrolment.on_decided)  # create_app may run more than once per process
    workflow.on_transition(enrolment.PROCESS)(enrolment.on_decided)
    from eduplatform.courses import cli, lti

    lti.init_app(app)  # LTI 1.3: the protocol endpoints under /lti
    cli.init_app(app)


def _all_courses():
    from eduplatform.core.extensions import db
    from eduplatform.courses.models import Course

    return db.session.scalars(db.select(Course).where(Course.deleted_at.is_(None)).order_by(Course.id))


def _load_enrolment(enrolment_id):
    from eduplatform.core.extensions import db
    from eduplatform.courses.models import Enrolment

    return db.session.get(Enrolment, int(enrolment_id))
