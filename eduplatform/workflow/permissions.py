"""Who may see processes, instances and tasks, and edit the working-day calendar."""

from __future__ import annotations

from eduplatform.accounts.models import BUREAU_ROLES, Role
from eduplatform.core.extensions import db
from eduplatform.core.permissions import admin_scope, in_scope
from eduplatform.workflow.models import ProcessInstance, WorkflowEvent
from eduplatform.workflow.viewing import view_rule_for


def can_view_processes(user) -> bool:
    """Process models, diagrams and the division of labour (configuration, not records): every
    user with an org scope, and the system and security administrators."""
    return getattr(user, "is_authenticated", False) and admin_scope(user) is not None


def can_edit_calendar(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.has_role(Role.SYSADMIN)


def is_participant(user, instance: ProcessInstance) -> bool:
    """The starter, anyone who holds, held or may take one of its tasks, anyone who acted on it."""
    from eduplatform.workflow.engine import can_act_on_task

    if not getattr(user, "is_authenticated", False):
        return False
    if instance.started_by_id == user.id:
        return True
    for task in instance.tasks:
        if user.id in (task.assignee_id, task.completed_by_id) or can_act_on_task(user, task):
            return True
    return db.session.scalar(db.select(WorkflowEvent.id).where(
        WorkflowEvent.instance_id == instance.id, WorkflowEvent.actor_id == user.id).limit(1)) is not None


def can_view_instance(user, instance: ProcessInstance) -> bool:
    """Participants; and bureau users and school administrators whose scope holds the instance's
    unit (an instance is a business record: not the system administrator's, 三员分立). Where the
    subject's domain registered its own rule (a classified 公文), that rule alone decides."""
    rule = view_rule_for(instance.subject_type)
    if rule is not None:
        return bool(rule(user, instance))
    if is_participant(user, instance):
        return True
    supervises = user.has_role(*BUREAU_ROLES, Role.SCHOOL_ADMIN)
    return supervises and in_scope(user, instance.org)


def can_view_task(user, task) -> bool:
    return can_view_instance(user, task.instance)
