"""Overdue scanning (``flask --app eduplatform workflow-tick``, from cron): reminders before the
due time, overdue marks, escalation (督办) and whole-process deadlines.

Idempotent: each mark is claimed with ``UPDATE … SET x_at = now WHERE id = ? AND x_at IS NULL``, so a
second run, or two runs at once, never notify twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.workflow import assignment
from eduplatform.workflow.engine import _add_event, process_for, task_users
from eduplatform.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask
from eduplatform.workflow.notices import notify


@dataclass
class TickReport:
    reminded: int = 0
    overdue: int = 0
    escalated: int = 0
    deadlines: int = 0

    def lines(self) -> list[str]:
        return [f"到期提醒 {self.reminded} 项", f"逾期标记 {self.overdue} 项", f"逾期督办 {self.escalated} 项",
                f"超过办理时限 {self.deadlines} 件"]


def _claim(model, row_id: int, column: str, now: datetime) -> bool:
    col = getattr(model, column)
    result = db.session.execute(sa.update(model).where(model.id == row_id, col.is_(None))
                                .values({column: now}).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _open_tasks(column: str, marker: str, now: datetime) -> list[WorkflowTask]:
    return list(db.session.scalars(
        db.select(WorkflowTask).join(ProcessInstance)
        .where(WorkflowTask.status == TaskStatus.OPEN, ProcessInstance.status == InstanceStatus.ACTIVE,
               getattr(WorkflowTask, column) <= now, getattr(WorkflowTask, marker).is_(None))
        .order_by(WorkflowTask.id)))


def run_tick(now: datetime | None = None) -> TickReport:
    """One pass; the caller commits."""
    now = now or utcnow()
    report = TickReport()
    pools: dict = {}  # pool members looked up once per run
    for task in _open_tasks("remind_at", "reminded_at", now):
        if _claim(WorkflowTask, task.id, "reminded_at", now):
            _notify_task(task, "reminder", "即将到期", pools)
            report.reminded += 1
    for task in _open_tasks("due_at", "overdue_notified_at", now):
        if _claim(WorkflowTask, task.id, "overdue_notified_at", now):
            _notify_task(task, "overdue", "已逾期", pools)
            _add_event(task.instance, "overdue", None, from_state=task.state, to_state=task.state, task=task,
                       summary=f"「{_state_label(task)}」已逾期")
            report.overdue += 1
    for task in _open_tasks("escalate_at", "escalated_at", now):
        if _claim(WorkflowTask, task.id, "escalated_at", now):
            _escalate(task, pools)
            report.escalated += 1
    instances = db.session.scalars(db.select(ProcessInstance).where(
        ProcessInstance.status == InstanceStatus.ACTIVE, ProcessInstance.deadline_at <= now,
        ProcessInstance.deadline_notified_at.is_(None)).order_by(ProcessInstance.id)).all()
    for instance in instances:
        if _claim(ProcessInstance, instance.id, "deadline_notified_at", now):
            _deadline_passed(instance)
            report.deadlines += 1
    db.session.flush()
    return report


def _state_label(task: WorkflowTask) -> str:
    return process_for(task.instance).states[task.state].label


def _notify_task(task: WorkflowTask, kind: str, what: str, pools: dict) -> None:
    process = process_for(task.instance)
    title = f"{what}：{process.name}·{process.states[task.state].label}：{task.instance.title}"
    notify(task_users(task, pools), kind, title, instance=task.instance, task=task)


def _escalate(task: WorkflowTask, pools: dict) -> None:
    instance = task.instance
    process = process_for(instance)
    state = process.states[task.state]
    lane = process.lanes[state.escalate.to]
    org = assignment.resolve_org(lane.org, instance, label=lane.label)
    org_id = org.id if org else None
    if state.escalate.reassign:
        db.session.execute(sa.update(WorkflowTask).where(WorkflowTask.id == task.id).values(
            escalated_role=lane.role, escalated_org_id=org_id).execution_options(synchronize_session=False))
        db.session.refresh(task)
    holders = "、".join(u.display_name for u in task_users(task, pools)) or "（无人）"
    title = f"督办：{process.name}·{state.label}已逾期：{instance.title}"
    body = f"当前办理人：{holders}。" + ("您也可以直接办理此事项。" if state.escalate.reassign else "")
    key = (lane.role, org_id)
    if key not in pools:
        pools[key] = assignment.pool_users(lane.role, org_id)
    notify([u for u in pools[key] if u.id != task.excluded_user_id], "escalated", title, body=body,
           instance=instance, task=task)
    _add_event(instance, "escalated", None, from_state=task.state, to_state=task.state, task=task,
               summary=f"「{state.label}」逾期，已报{lane.label}督办")
    record("workflow", "task.escalated", title, obj=instance, data={"task": task.id, "to": lane.key})


def _deadline_passed(instance: ProcessInstance) -> None:
    process = process_for(instance)
    holders = [u for t in instance.tasks if t.status == TaskStatus.OPEN for u in task_users(t)]
    title = f"已超过办理时限：{process.name}·{instance.title}"
    notify(holders + ([instance.started_by] if instance.started_by else []), "deadline", title, instance=instance)
    _add_event(instance, "deadline", None, from_state=instance.state, to_state=instance.state,
               summary="已超过流程办理时限")
    record("workflow", "instance.deadline_passed", title, obj=instance)
