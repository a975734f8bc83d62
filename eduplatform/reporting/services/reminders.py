"""催报: one click sends a notice (and e-mail) to every school in scope that has not reported."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.templating import localtime
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting.models import SCHOOL_HOLDS, Submission
from eduplatform.reporting.models.tasks import ReportTask
from eduplatform.reporting.services import notices


def late_schools(task: ReportTask, scope: OrgUnit) -> list[tuple[int, str]]:
    """(school id, due date text) of the schools under ``scope`` that have not reported."""
    root = task.root
    rows = db.session.execute(
        sa.select(Submission.school_id, Submission.via_task_id)
        .join(OrgUnit, OrgUnit.id == Submission.school_id)
        .where(Submission.task_id == root.id, Submission.status.in_([s.value for s in SCHOOL_HOLDS]),
               OrgUnit.path.startswith(scope.path)))
    return [(row.school_id, row.via_task_id) for row in rows]


def remind_late(actor, task: ReportTask, *, scope: OrgUnit, message: str = "") -> int:
    """Notify every school under ``scope`` that has not reported (未报, 草稿, 已退回)."""
    root = task.root
    if not root.is_open:
        raise ValidationFailed("任务已关闭，不能催报")
    late = late_schools(root, scope)
    if not late:
        return 0
    extra = f"\n{message.strip()}" if message and message.strip() else ""
    due_by_task = {root.id: root.due_at, **{p.id: p.due_at for p in root.pass_downs}}
    by_due: dict = {}
    for school_id, via in late:
        by_due.setdefault(due_by_task.get(via or root.id, root.due_at), []).append(school_id)
    for due_at, school_ids in by_due.items():
        notices.notify_orgs(school_ids, kind="reminder", task=root, email=True,
                            title=f"催报：请尽快填报“{root.title}”",
                            body=f"{scope.name}提醒：贵校尚未完成“{root.title}”（{root.period}）的填报，"
                                 f"截止时间 {localtime(due_at)}。{extra}",
                            link=f"/reporting/tasks/{root.id}")
    record("reporting", "task.reminded", f"{scope.name}催报“{root.title}”：{len(late)} 所学校", actor=actor,
           obj=root, data={"count": len(late), "scope": scope.code})
    db.session.flush()
    return len(late)
