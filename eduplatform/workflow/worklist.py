"""The workbench's to-dos from the engine: each open task as the business object it is about.

A task says what it is (the object's title and kind, as its domain registered it), the step's
label, its deadline (the step's, else the object's own), whether it was sent back to the person
(the transition that made it is of kind ``return``, e.g. 退回 or 退文) and where it opens (the
object's page; the process page for objects without one). Bounded: a few dozen tasks at most.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from eduplatform.core.extensions import db
from eduplatform.core.workbench import TodoItem
from eduplatform.workflow.engine import load_subject, process_for, subject_type
from eduplatform.workflow.models import WorkflowEvent
from eduplatform.workflow.tasks import todo_count, todo_query

#: Read this many of the earliest-due tasks to pick the most urgent (a step without a due date may
#: take the object's own deadline, so the database's order is not the final one).
SCAN = 40


def _arrivals(tasks) -> dict[int, WorkflowEvent]:
    """The last transition of each task's instance (the one that made the open task)."""
    ids = {t.instance_id for t in tasks}
    if not ids:
        return {}
    last = (sa.select(sa.func.max(WorkflowEvent.id)).where(WorkflowEvent.instance_id.in_(ids),
                                                           WorkflowEvent.kind == "transition")
            .group_by(WorkflowEvent.instance_id))
    return {e.instance_id: e for e in db.session.scalars(sa.select(WorkflowEvent).where(WorkflowEvent.id.in_(last)))}


def _label(spec, subject, process) -> str:
    label = spec.label if spec is not None else None
    if callable(label):
        label = label(subject) if subject is not None else None
    return label or process.name


def todo_items(user, limit: int = 8) -> list[TodoItem]:
    tasks = db.session.scalars(todo_query(user).limit(max(SCAN, limit))).all()
    arrivals = _arrivals(tasks)
    items = []
    for task in tasks:
        instance = task.instance
        process = process_for(instance)
        spec = subject_type(instance)
        subject = load_subject(instance)
        url = spec.url(subject) if spec is not None and spec.url and subject is not None else None
        due = task.due_at
        if due is None and spec is not None and spec.deadline and subject is not None:
            due = spec.deadline(subject)
        arrival = arrivals.get(instance.id)
        returned = False
        if arrival is not None and arrival.to_state == task.state and arrival.transition:
            transition = process.transition(arrival.from_state, arrival.transition)
            returned = transition is not None and transition.kind == "return"
        state = process.states.get(task.state)
        items.append(TodoItem(
            title=instance.title, kind=_label(spec, subject, process),
            # through the to-do itself: it opens the object's page with its place in the queue
            url=url_for("workflow.task_detail", task_id=task.id) if url else
            url_for("workflow.instance_detail", instance_id=instance.id, todo=task.id), due_at=due,
            step=state.label if state else task.state, returned=returned,
            note=(arrival.reason or "") if returned else ""))
    return items


def todo_total(user) -> int:
    return todo_count(user)
