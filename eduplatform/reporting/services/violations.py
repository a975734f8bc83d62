"""校验规则违反情况: for a task's reviewers, every rule the schools' saved values do not meet, the most
important first — in the manner of DHIS2's validation rule analysis, which lists violations with
their rule's importance.

Every rule stops a submission (``spec.submit_problems``), so what this lists is data in progress —
drafts, returned forms, forms reopened for 补报 — which the bureau can chase before the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting.models import Submission
from eduplatform.reporting.models.tasks import ReportTask
from eduplatform.reporting.services.completeness import _scope_filter
from eduplatform.reporting.spec import spec_for

#: rows shown at most (the rest counted)
MAX_ROWS = 500


@dataclass
class ViolationRow:
    submission_id: int
    school_name: str
    status_label: str
    importance: str  #: high / medium / low
    importance_label: str  #: 高 / 中 / 低
    rule_text: str  #: the condition in words (学生总数 不小于 各年级合计)
    message: str  #: the rule's own message
    where: str  #: the field, or 表格·行·列, in the form's labels


def task_violations(task: ReportTask, scope: OrgUnit) -> tuple[list[ViolationRow], int]:
    """(rows high → medium → low, then by school code; total count) for the schools ``scope`` reviews."""
    task = task.root
    spec = spec_for(task.template_version)
    if not spec.rules:
        return [], 0
    query = (sa.select(Submission, OrgUnit.code, OrgUnit.name).join(OrgUnit, OrgUnit.id == Submission.school_id)
             .where(Submission.task_id == task.id).order_by(OrgUnit.code))
    found: list[tuple[int, str, ViolationRow]] = []
    for submission, code, name in db.session.execute(_scope_filter(query, task, scope)).all():
        for violation in spec.violations(submission.data or {}):
            rule = violation.rule
            found.append((rule.rank, code, ViolationRow(
                submission.id, name, submission.status.label, rule.importance, rule.importance_label,
                spec.rule_text(rule), rule.message, spec.label_of(violation.key))))
    found.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in found[:MAX_ROWS]], len(found)
