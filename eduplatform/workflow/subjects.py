"""What a domain asks the engine about its own business objects (a resource, a submission …).

A domain names its object by ``(process_key, subject_type, subject_id)`` and gets answers, never the
engine's tables: the instances' ids, the newest running one, its reviewers' open tasks, the steps
taken. The engine may change how it stores these without the domains noticing.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.workflow.models import InstanceStatus, ProcessInstance, WorkflowEvent, WorkflowTask
from eduplatform.workflow.tasks import todo_query


def instance_ids(process_key: str, subject_type: str, subject_id) -> sa.Select:
    """A select of the ids of every instance of ``process_key`` about the object, oldest first."""
    return (sa.select(ProcessInstance.id)
            .where(ProcessInstance.process_key == process_key, ProcessInstance.subject_type == subject_type,
                   ProcessInstance.subject_id == str(subject_id))
            .order_by(ProcessInstance.id))


def newest_running(process_key: str, subject_type: str, subject_id, *, excluding: int | None = None):
    """The newest running instance's ``(id, version, state)`` as the database has it now (not the
    session's copies), or None."""
    query = (sa.select(ProcessInstance.id, ProcessInstance.version, ProcessInstance.state)
             .where(ProcessInstance.id.in_(instance_ids(process_key, subject_type, subject_id).order_by(None)),
                    ProcessInstance.status == InstanceStatus.ACTIVE)
             .order_by(ProcessInstance.id.desc()).limit(1))
    if excluding is not None:
        query = query.where(ProcessInstance.id != excluding)
    return db.session.execute(query).first()


def waiting_subject_ids(user, process_key: str, subject_type: str, states) -> sa.Select:
    """A select of the ids (as integers) of the objects with an open task of ``user`` in one of
    ``states`` — the domain's review queue."""
    # subject_id is text (any object type); cast in the select list, which only sees this type's rows,
    # so that the caller can match its primary key
    return (todo_query(user, process_key)
            .where(WorkflowTask.state.in_(list(states)), ProcessInstance.subject_type == subject_type)
            .with_only_columns(sa.cast(ProcessInstance.subject_id, sa.Integer)).order_by(None))


def waiting_tasks(user, process_key: str, subject_type: str, states, subject_ids) -> dict[int, WorkflowTask]:
    """The open task of ``user`` in one of ``states`` behind each of ``subject_ids`` (for due dates)."""
    ids = [str(i) for i in subject_ids]
    if not ids:
        return {}
    rows = db.session.execute(todo_query(user, process_key).add_columns(ProcessInstance.subject_id).where(
        WorkflowTask.state.in_(list(states)), ProcessInstance.subject_type == subject_type,
        ProcessInstance.subject_id.in_(ids))).all()
    return {int(subject_id): task for task, subject_id in rows}


def steps_taken(process_key: str, subject_type: str, subject_id) -> list[WorkflowEvent]:
    """Every transition of every instance about the object, in the order they happened."""
    return db.session.scalars(sa.select(WorkflowEvent).where(
        WorkflowEvent.instance_id.in_(instance_ids(process_key, subject_type, subject_id).order_by(None)),
        WorkflowEvent.kind == "transition").order_by(WorkflowEvent.id)).all()


def ever_reached(process_key: str, subject_type: str, subject_id, state: str) -> bool:
    """Some instance about the object reached ``state`` at some point (the event flow says so)."""
    return db.session.scalar(sa.select(WorkflowEvent.id).where(
        WorkflowEvent.instance_id.in_(instance_ids(process_key, subject_type, subject_id).order_by(None)),
        WorkflowEvent.to_state == state).limit(1)) is not None


def involved_subject_ids(user, process_key: str, subject_type: str) -> sa.Select:
    """A select of the ids (as integers) of the objects whose instances ``user`` takes part in: started
    them, acted at a step, holds an open task now, or was named for one (a closed fan-out task)."""
    mine = sa.or_(WorkflowTask.assignee_id == user.id, WorkflowTask.completed_by_id == user.id)
    instance_ids_of_user = sa.union(
        sa.select(ProcessInstance.id).where(ProcessInstance.started_by_id == user.id),
        sa.select(WorkflowTask.instance_id).where(mine),
        todo_query(user, process_key).with_only_columns(WorkflowTask.instance_id).order_by(None),
    ).subquery()
    return (sa.select(sa.cast(ProcessInstance.subject_id, sa.Integer))
            .where(ProcessInstance.process_key == process_key, ProcessInstance.subject_type == subject_type,
                   ProcessInstance.id.in_(sa.select(instance_ids_of_user.c[0]))))
