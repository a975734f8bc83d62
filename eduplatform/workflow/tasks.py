"""The personal lists: 待办 (open tasks a user may act on) and 已办 (tasks the user completed)."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.core.memo import per_request
from eduplatform.orgs.models import OrgUnit
from eduplatform.workflow.assignment import pool_org_ids, pool_paths
from eduplatform.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask


def todo_query(user, process_key: str | None = None):
    """Open tasks for ``user``: assigned to them, or to a pool (role at unit) they belong to."""
    who = [WorkflowTask.assignee_id == user.id]
    roles = [r.value for r in user.roles]
    orgs = pool_org_ids(user)
    if roles and orgs:
        who.append(sa.and_(WorkflowTask.candidate_role.in_(roles), WorkflowTask.candidate_org_id.in_(orgs)))
        who.append(sa.and_(WorkflowTask.escalated_role.in_(roles), WorkflowTask.escalated_org_id.in_(orgs)))
        paths = pool_paths(user)
        if paths:  # pools of units below the user's, open to those above (and_above)
            below = sa.select(OrgUnit.id).where(sa.or_(*[OrgUnit.path.startswith(p) for p in paths]))
            who.append(sa.and_(WorkflowTask.candidate_above.is_(True), WorkflowTask.candidate_role.in_(roles),
                               WorkflowTask.candidate_org_id.in_(below)))
    if roles:  # pools without a unit ("none"): the role alone decides
        who.append(sa.and_(WorkflowTask.candidate_role.in_(roles), WorkflowTask.candidate_org_id.is_(None),
                           WorkflowTask.assignee_id.is_(None)))
    query = (db.select(WorkflowTask).join(ProcessInstance)
             .where(WorkflowTask.status == TaskStatus.OPEN, ProcessInstance.status == InstanceStatus.ACTIVE,
                    sa.or_(*who), sa.or_(WorkflowTask.excluded_user_id.is_(None),
                                         WorkflowTask.excluded_user_id != user.id))
             .order_by(WorkflowTask.due_at.is_(None), WorkflowTask.due_at, WorkflowTask.id))
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    return query


def done_query(user, process_key: str | None = None):
    query = (db.select(WorkflowTask).join(ProcessInstance)
             .where(WorkflowTask.status == TaskStatus.DONE, WorkflowTask.completed_by_id == user.id)
             .order_by(WorkflowTask.completed_at.desc(), WorkflowTask.id.desc()))
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    return query


def todo_count(user) -> int:
    """The user's open to-dos (the top bar and the 工作台 both show it: counted once a request)."""
    return per_request(("workflow.todo_count", user.id), lambda: db.session.scalar(
        sa.select(sa.func.count()).select_from(todo_query(user).subquery())) or 0)


def open_tasks_query(process_keys, org_ids, *, overdue_at=None):
    """督办: the open tasks of running instances of ``process_keys`` owned by ``org_ids`` (a select of
    units), the overdue ones only when ``overdue_at`` is given — earliest due first."""
    query = (db.select(WorkflowTask).join(ProcessInstance)
             .where(WorkflowTask.status == TaskStatus.OPEN, ProcessInstance.status == InstanceStatus.ACTIVE,
                    ProcessInstance.process_key.in_(list(process_keys)), ProcessInstance.org_id.in_(org_ids))
             .order_by(WorkflowTask.due_at.is_(None), WorkflowTask.due_at, WorkflowTask.id))
    if overdue_at is not None:
        query = query.where(WorkflowTask.due_at.is_not(None), WorkflowTask.due_at < overdue_at)
    return query
