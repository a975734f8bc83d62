"""数据填报 on the workbench: a school's forms still to file (to-dos with their deadlines, and the
card of every form it holds) and a bureau's open tasks with how many schools reported of those expected."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from eduplatform.core.extensions import db
from eduplatform.core.workbench import TodoItem
from eduplatform.reporting.models import SCHOOL_HOLDS, ReportTask, Submission, SubmissionStatus
from eduplatform.reporting.models.tasks import TaskStatus
from eduplatform.reporting.services import completeness
from eduplatform.reporting.services.tasks import visible_tasks_query

#: rows per card
LIMIT = 5


def _never_submitted(user):
    """The school's forms of open tasks not yet handed in once (a returned form is a process to-do)."""
    return (sa.select(Submission).join(ReportTask, ReportTask.id == Submission.task_id)
            .where(Submission.school_id == user.scope_root.id, ReportTask.status == TaskStatus.OPEN,
                   Submission.status.in_([SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT]),
                   Submission.first_submitted_at.is_(None)))


def school_todos(user, limit: int) -> list[TodoItem]:
    rows = db.session.scalars(_never_submitted(user).order_by(Submission.id.desc()).limit(max(limit, 20))).all()
    return [TodoItem(title=s.task.title, kind="填报任务", due_at=s.due_at, step=s.status.label,
                     url=url_for("reporting.submission_page", submission_id=s.id)) for s in rows]


def school_todo_count(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_never_submitted(user).subquery())) or 0


def school_forms(user) -> dict:
    """Every form the school holds (to fill, or returned), earliest deadline first."""
    rows = db.session.scalars(
        sa.select(Submission).join(ReportTask, ReportTask.id == Submission.task_id)
        .where(Submission.school_id == user.scope_root.id, ReportTask.status == TaskStatus.OPEN)
        .order_by(Submission.id.desc()).limit(50)).all()
    held = sorted((s for s in rows if s.status in SCHOOL_HOLDS), key=lambda s: s.due_at)
    return {"rows": held[:LIMIT], "held": len(held), "total": len(rows)}


def bureau_progress(user) -> dict:
    """The bureau's open tasks, newest first: reported / expected and on time, within its scope."""
    scope = user.scope_root
    tasks = db.session.scalars(visible_tasks_query(user).where(ReportTask.status == TaskStatus.OPEN)
                               .limit(3)).all()
    rows = []
    for task in tasks:
        total = completeness.summary(task, scope)["total"]
        rows.append({"task": task, "expected": total["expected"], "reported": total["reported"],
                     "on_time": total["on_time"], "returned": total["returned"],
                     "pending": total["pending_review"], "mine": task.issuer_org_id == scope.id})
    return {"rows": rows}
