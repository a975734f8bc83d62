"""The business-process engine (业务流程): declarative, versioned processes with roles, deadlines,
audit and diagrams. Read ``README.md`` beside this file for how a domain uses it.

The public API, all importable from ``eduplatform.workflow``:

- definitions: ``register_processes(path)``, ``get_process(key)``, ``DefinitionError``
- business objects: ``register_subject(type, loader, url)``, ``on_transition(key)`` (hook decorator)
- running: ``start``, ``instance_for``, ``available_transitions``, ``perform``, ``chase``, ``cancel``,
  ``events``, ``current_tasks``
- lists: ``todo_query(user)``, ``done_query(user)``
- time: ``WorkCalendar`` (``WorkCalendar.load().add_working_days(day, n)``)
"""

from flask import Blueprint

from eduplatform.core.templating import HomePanel, NavItem
from eduplatform.workflow.calendar import WorkCalendar
from eduplatform.workflow.definitions import DefinitionError, ProcessDef
from eduplatform.workflow.engine import (
    Available,
    TransitionEvent,
    available_transitions,
    cancel,
    chase,
    current_tasks,
    events,
    get_instance,
    instance_for,
    on_transition,
    perform,
    process_for,
    register_subject,
    start,
)
from eduplatform.workflow.registry import PACKAGE_PROCESSES, get_process, register_processes
from eduplatform.workflow.tasks import done_query, todo_query

bp = Blueprint("workflow", __name__)


def _is_org_user(user):
    from eduplatform.workflow.permissions import can_view_processes

    return can_view_processes(user)


def _is_sysadmin(user):
    from eduplatform.workflow.permissions import can_edit_calendar

    return can_edit_calendar(user)


NAV = [
    NavItem("教育电子政务", "我的待办", "workflow.task_list", _is_org_user),
    NavItem("教育电子政务", "通知", "workflow.notice_list", _is_org_user),
    NavItem("教育电子政务", "业务流程", "workflow.process_list", _is_org_user),
    NavItem("教育电子政务", "分工组成", "workflow.division_tree", _is_org_user),
    NavItem("系统管理", "工作日日历", "workflow.calendar_page", _is_sysadmin),
]


def _home_work(user):
    """The home page's 我的待办 and 通知 cards (for users who take part in processes)."""
    if not _is_org_user(user):
        return None
    from eduplatform.core.extensions import db
    from eduplatform.workflow.notices import recent_notices
    from eduplatform.workflow.tasks import todo_count

    return {"todos": db.session.scalars(todo_query(user).limit(6)).all(), "todo_total": todo_count(user),
            "notices": recent_notices(user, 5)}


HOME_PANELS = [HomePanel("workflow/_home_panel.html", _home_work, order=10)]


def init_app(app):
    if PACKAGE_PROCESSES.is_dir():  # the engine ships none of its own now; domains register theirs
        register_processes(PACKAGE_PROCESSES)
    from eduplatform.workflow import cli

    cli.init_app(app)


__all__ = [
    "Available", "DefinitionError", "ProcessDef", "TransitionEvent", "WorkCalendar", "available_transitions",
    "cancel", "chase", "current_tasks", "done_query", "events", "get_instance", "get_process", "instance_for",
    "on_transition", "perform", "process_for", "register_processes", "register_subject", "start",
    "todo_query",
]
