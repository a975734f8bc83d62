"""The business-process engine (业务流程): declarative, versioned processes with roles, deadlines,
audit and diagrams. Read ``README.md`` beside this file for how a domain uses it.

The public API, all importable from ``eduplatform.workflow``:

- definitions: ``register_processes(path)``, ``get_process(key)``, ``DefinitionError``
- business objects: ``register_subject(type, loader, url, can_view, label=, deadline=)``, ``on_transition(key)`` (hook decorator),
  ``register_due_policy(key, fn)`` (the domain adjusts a step's due from its object)
- running: ``start``, ``instance_for``, ``available_transitions``, ``perform``, ``chase``, ``cancel``,
  ``events``, ``current_tasks``
- diagrams: ``current_node(instance)`` (the node to mark on the instance's drawing)
- lists: ``todo_query(user)``, ``done_query(user)``, ``open_tasks_query(keys, org_ids, overdue_at=)`` (督办); ``can_view_instance(user, instance)``
- a domain's own objects (``subjects``): ``instance_ids``, ``newest_running``, ``waiting_subject_ids``,
  ``waiting_tasks``, ``steps_taken``, ``ever_reached``, ``involved_subject_ids`` — answers, not the engine's tables
- hooks: ``on_transition(key)`` to add, ``remove_hook(key, fn)`` to take one away

Other domains import only this package, never ``workflow.models``, ``engine``, ``assignment`` or
``permissions`` (a test holds them to it).
- time: ``WorkCalendar`` (``WorkCalendar.load().add_working_days(day, n)``)
"""

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import TodoSource
from eduplatform.workflow.bpmn import current_node
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
    register_due_policy,
    register_subject,
    remove_hook,
    start,
)
from eduplatform.workflow.models import ProcessInstance
from eduplatform.workflow.permissions import can_view_instance
from eduplatform.workflow.registry import PACKAGE_PROCESSES, get_process, register_processes
from eduplatform.workflow.subjects import (
    ever_reached,
    instance_ids,
    involved_subject_ids,
    newest_running,
    steps_taken,
    waiting_subject_ids,
    waiting_tasks,
)
from eduplatform.workflow.tasks import done_query, open_tasks_query, todo_query

bp = Blueprint("workflow", __name__)


def _is_org_user(user):
    from eduplatform.workflow.permissions import can_view_processes

    return can_view_processes(user)


def _is_sysadmin(user):
    from eduplatform.workflow.permissions import can_edit_calendar

    return can_edit_calendar(user)


NAV = [
    NavItem("教育电子政务", "我的待办", "workflow.task_list", _is_org_user),
        NavItem("教育电子政务", "业务流程", "workflow.process_list", _is_org_user),
    NavItem("教育电子政务", "分工组成", "workflow.division_tree", _is_org_user),
    NavItem("系统管理", "工作日日历", "workflow.calendar_page", _is_sysadmin),
]


def _todo_items(user, limit):
    from eduplatform.workflow.worklist import todo_items

    return todo_items(user, limit)


def _todo_total(user):
    from eduplatform.workflow.worklist import todo_total

    return todo_total(user)


#: The workbench's to-do list: the open process tasks, as the objects they are about.
TODO_SOURCES = [TodoSource(_todo_items, _todo_total, when=_is_org_user)]


def init_app(app):
    if PACKAGE_PROCESSES.is_dir():  # the engine ships none of its own now; domains register theirs
        register_processes(PACKAGE_PROCESSES)
    from eduplatform.core.notices import NoticeRealm, register_realm
    from eduplatform.workflow import cli
    from eduplatform.workflow.notices import KIND_LABELS

    cli.init_app(app)
    register_realm(NoticeRealm("workflow", "业务流程", KIND_LABELS, link_for=_instance_link))


def _instance_link(notice) -> str | None:
    from flask import url_for

    if notice.object_type == "process_instance" and notice.object_id:
        return url_for("workflow.instance_detail", instance_id=notice.object_id)
    return None


__all__ = [
    "Available",
    "DefinitionError",
    "ProcessDef",
    "ProcessInstance",
    "TransitionEvent",
    "WorkCalendar",
    "available_transitions",
    "can_view_instance",
    "cancel",
    "chase",
    "current_node",
    "current_tasks",
    "done_query",
    "events",
    "ever_reached",
    "get_instance",
    "get_process",
    "instance_for",
    "instance_ids",
    "involved_subject_ids",
    "newest_running",
    "on_transition",
    "open_tasks_query",
    "perform",
    "process_for",
    "register_due_policy",
    "register_processes",
    "register_subject",
    "remove_hook",
    "start",
    "steps_taken",
    "todo_query",
    "waiting_subject_ids",
    "waiting_tasks",
]
