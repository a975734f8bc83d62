"""数据填报: report templates, report tasks down the org tree, school filling, review up the tree.

The bureau designs a template (sections, fields, computed fields, cross-field rules), issues a
task to its schools, districts pass it down with their own earlier dates, schools fill it in
(autosaved drafts, Excel offline) and submit; the district and then the city review it. The
bureau watches completeness and timeliness, sends reminders (催报) and aggregates the numbers.
"""

from __future__ import annotations

import os

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import TodoSource, WorkbenchPanel

bp = Blueprint("reporting", __name__, url_prefix="/reporting")


def _bureau(user):
    from eduplatform.reporting.permissions import is_bureau_user

    return is_bureau_user(user)


def _school(user):
    from eduplatform.reporting.permissions import is_school_reporter

    return is_school_reporter(user)


def _anyone_reporting(user):
    return _bureau(user) or _school(user)


NAV = [
    NavItem("教育电子政务", "填报任务", "reporting.task_list", _bureau),
    NavItem("教育电子政务", "报表模板", "reporting.template_list", _bureau),
    NavItem("教育电子政务", "我的填报", "reporting.todo", _school),
    NavItem("教育电子政务", "数据填报通知", "reporting.inbox", _anyone_reporting),
]


def init_app(app):
    """Settings for the optional e-mail of notices (off unless an SMTP host is configured)."""
    env = os.environ.get
    app.config.setdefault("REPORTING_SMTP_HOST", env("EDU_SMTP_HOST") or None)
    app.config.setdefault("REPORTING_SMTP_PORT", int(env("EDU_SMTP_PORT") or 25))
    app.config.setdefault("REPORTING_SMTP_USER", env("EDU_SMTP_USER") or None)
    app.config.setdefault("REPORTING_SMTP_PASSWORD", env("EDU_SMTP_PASSWORD") or None)
    app.config.setdefault("REPORTING_SMTP_FROM", env("EDU_SMTP_FROM") or "noreply@edu.example.cn")
    app.config.setdefault("REPORTING_SMTP_STARTTLS", (env("EDU_SMTP_STARTTLS") or "").lower() in ("1", "true"))
    app.config.setdefault("REPORTING_SMTP_SSL", (env("EDU_SMTP_SSL") or "").lower() in ("1", "true"))
    app.config.setdefault("REPORTING_SMTP_TIMEOUT", 10)
    #: Largest file a school may attach to a file field.
    app.config.setdefault("REPORTING_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
    from pathlib import Path

    from flask import url_for

    from eduplatform import workflow
    from eduplatform.core.extensions import db
    from eduplatform.reporting import cli, models  # (models: registered with the metadata)
    from eduplatform.reporting.services import review  # noqa: F401  (registers the process hook)

    cli.init_app(app)
    workflow.register_processes(Path(__file__).with_name("processes"))
    from eduplatform.core.notices import NoticeRealm, register_inbox_org, register_realm
    from eduplatform.reporting.permissions import acting_org
    from eduplatform.reporting.services import notices

    register_inbox_org(acting_org)  # a school's or bureau's inbox is read by whoever acts for it
    # a unit's notice opens in its 数据填报 inbox (which marks it read for the unit)
    register_realm(NoticeRealm("reporting", "数据填报", notices.KIND_LABELS,
                               link_for=lambda notice: url_for("reporting.inbox")))

    workflow.register_subject("report_submission",
                              loader=lambda sid: db.session.get(models.Submission, int(sid)),
                              url=lambda sub: f"/reporting/submissions/{sub.id}", label="数据填报",
                              # the school works to the task's due date while the form is with it
                              deadline=lambda sub: sub.due_at if sub.status in models.SCHOOL_HOLDS else None)


def _wb(name):
    def call(user, *args):
        from eduplatform.reporting import workbench

        return getattr(workbench, name)(user, *args)
    return call


#: a school's forms still to file join the merged to-do list with their deadlines
TODO_SOURCES = [TodoSource(_wb("school_todos"), _wb("school_todo_count"), when=_school)]
WORKBENCH_PANELS = [
    WorkbenchPanel("mine", "reporting/_workbench_school.html", _wb("school_forms"), when=_school, order=10),
    WorkbenchPanel("mine", "reporting/_workbench_bureau.html", _wb("bureau_progress"), when=_bureau, order=10),
]
