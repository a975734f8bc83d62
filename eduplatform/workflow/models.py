"""Rows of the process engine: stored definitions, running instances, tasks, the event flow, notices
and the working-day calendar."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.accounts.models import User
from eduplatform.core.db import enum_column, utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit


class InstanceStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class DayKind(enum.StrEnum):
    """A calendar exception: a holiday on a weekday, or a make-up working day (调休) on a weekend."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"

    @property
    def label(self) -> str:
        return {DayKind.HOLIDAY: "放假", DayKind.WORKDAY: "调休上班"}[self]


class ProcessDefinition(db.Model):
    """The exact YAML a version was started from: running instances keep it even if the file changes."""

    __tablename__ = "process_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(120))
    #: sha256 of ``source``: a changed file with an unchanged version number is refused.
    checksum: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("key", "version"),)


class ProcessInstance(db.Model):
    __tablename__ = "process_instances"
    __audit_type__ = "process_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(sa.ForeignKey("process_definitions.id"), index=True)
    #: Copied from the definition so lists can filter without a join.
    process_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    #: The business object this instance runs for (its ``__audit_type__`` or table name, and id).
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: The org unit the subject belongs to: assignments ("the subject's district") start from here.
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    state: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[InstanceStatus] = mapped_column(enum_column(InstanceStatus), default=InstanceStatus.ACTIVE)
    #: The process form's values (fields of the definition).
    data: Mapped[dict] = mapped_column(default=dict)
    #: Optimistic lock: every action bumps it with ``UPDATE … WHERE version = :seen``.
    version: Mapped[int] = mapped_column(default=1)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Whole-process time limit (e.g. 20 working days for a disclosure request); None when stopped.
    deadline_at: Mapped[datetime | None] = mapped_column(default=None)
    deadline_notified_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Counts state entries: the tasks of the current visit to ``state`` carry the same number.
    entry: Mapped[int] = mapped_column(default=1)
    #: How often each transition was performed, for ``limit`` (e.g. one extension only).
    counters: Mapped[dict] = mapped_column(default=dict)

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")
    org: Mapped[OrgUnit] = relationship()
    started_by: Mapped[User | None] = relationship()
    tasks: Mapped[list[WorkflowTask]] = relationship(back_populates="instance", order_by="WorkflowTask.id")

    __table_args__ = (sa.Index("ix_process_instances_subject", "subject_type", "subject_id"),)

    def __repr__(self) -> str:
        return f"<ProcessInstance {self.id} {self.process_key} {self.state}>"

    @property
    def is_active(self) -> bool:
        return self.status == InstanceStatus.ACTIVE


class WorkflowTask(db.Model):
    """One unit of work at a step: for one user, or for a pool (a role at an org unit)."""

    __tablename__ = "workflow_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instances.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(64))
    #: The instance's ``entry`` when the task was made (a returned item reaching a step again gets new tasks).
    entry: Mapped[int] = mapped_column(default=1)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    candidate_role: Mapped[str | None] = mapped_column(sa.String(32))
    candidate_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: The candidate role at any unit above ``candidate_org`` may act too (a lane with ``and_above``).
    candidate_above: Mapped[bool] = mapped_column(default=False)
    #: Who may not act on this task although in its pool (a step's ``exclude``: 回避, e.g. the starter).
    excluded_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN, index=True)
    #: The transition its holder chose (会签 / 传阅 keep one per participant).
    outcome: Mapped[str | None] = mapped_column(sa.String(64))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    remind_at: Mapped[datetime | None] = mapped_column(default=None)
    escalate_at: Mapped[datetime | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Escalation with ``reassign``: the pool that may act in addition to the assignee.
    escalated_role: Mapped[str | None] = mapped_column(sa.String(32))
    escalated_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Optimistic lock of the task itself: two people acting on it at once, exactly one wins.
    version: Mapped[int] = mapped_column(default=1)

    instance: Mapped[ProcessInstance] = relationship(back_populates="tasks")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    candidate_org: Mapped[OrgUnit | None] = relationship(foreign_keys=[candidate_org_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    def is_overdue(self, now: datetime | None = None) -> bool:
        if self.due_at is None:
            return False
        end = self.completed_at if self.status == TaskStatus.DONE else (now or utcnow())
        return end is not None and end > self.due_at


class WorkflowEvent(db.Model):
    """The event flow (事件流) of an instance: every transition, signature, reading, reminder."""

    __tablename__ = "workflow_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instances.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: started, transition, signed, read, joined, reminder, overdue, escalated, chased, cancelled, clock
    kind: Mapped[str] = mapped_column(sa.String(32))
    transition: Mapped[str | None] = mapped_column(sa.String(64))
    from_state: Mapped[str | None] = mapped_column(sa.String(64))
    to_state: Mapped[str | None] = mapped_column(sa.String(64))
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str | None] = mapped_column(sa.String(64))
    task_id: Mapped[int | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(sa.Text)
    #: {field: [old, new]} for the form fields the action changed.
    changes: Mapped[dict] = mapped_column(default=dict)
    summary: Mapped[str] = mapped_column(sa.String(500), default="")


@event.listens_for(WorkflowEvent, "before_update")
@event.listens_for(WorkflowEvent, "before_delete")
def _events_are_append_only(mapper, connection, target):
    raise RuntimeError("流程事件不可修改或删除")


class CalendarDay(db.Model):
    """An exception to "Monday to Friday are working days"."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[DayKind] = mapped_column(enum_column(DayKind))
    #: e.g. 春节, 国庆节调休.
    name: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
