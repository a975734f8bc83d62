"""Completeness and timeliness of a task: for the whole scope, per district, per school.

One GROUP BY over the task's submissions (indexed on task, district, status) gives every figure;
the per-school drill-down reads one district's rows. Categories:

    expected        应报: schools the task went to
    reported        已报: handed in and with the reviewers or approved (not sent back)
    approved        审核通过: approved by the last review level (part of reported)
    pending_review  待审核: waiting for a reviewer (part of reported)
    returned        已退回: sent back to the school, not yet handed in again — not reported
    missing         未报: never handed in (未填报 or 草稿); ``overdue`` of them are past their due date
    on_time / late  按时 / 逾期: the reported ones whose first hand-in was no later / later than the
                    school's due date (the on-time date, not the lock date)

So expected = reported + returned + missing and reported = on_time + late = approved + pending_review.
The rates are DHIS2's: reporting rate = reported ÷ expected, on-time rate = on_time ÷ expected, so
the on-time rate never exceeds the reporting rate. A returned form counts again when it is handed in
again, timely by its first hand-in (the school did report by the date; the reviewer asked for
corrections). ``DEFINITIONS`` says this on the page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import sqlalchemy as sa

from eduplatform.core.converters import MAX_INT
from eduplatform.core.db import utcnow
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.reporting.models import Submission, SubmissionStatus
from eduplatform.reporting.models.tasks import ReportTask

CITY_DIRECT = "市直属学校"

#: 口径: what each figure counts, shown beside the figures (and in the API's documentation).
DEFINITIONS = (
    ("应报", "任务下发到的学校数"),
    ("已报", "已上报且未被退回的学校（待审核 + 审核通过）"),
    ("按时 / 逾期", "已报学校中，首次上报不晚于 / 晚于本校截止时间的"),
    ("已退回", "被退回、尚未重新上报的学校，不计入已报；重新上报后按首次上报时间计按时与否"),
    ("未报", "从未上报（未填报或草稿）的学校"),
    ("上报率", "已报 ÷ 应报"),
    ("及时率", "按时 ÷ 应报（不会高于上报率）"),
)


@dataclass
class Counts:
    expected: int = 0
    reported: int = 0
    approved: int = 0
    pending_review: int = 0
    returned: int = 0
    missing: int = 0
    overdue: int = 0
    #: the two parts of ``reported``; with returned and missing they stack to expected (the chart)
    on_time: int = 0
    late: int = 0

    def add(self, status: str, on_time: bool | None, count: int, overdue: bool) -> None:
        self.expected += count
        if status in (SubmissionStatus.SUBMITTED, SubmissionStatus.DISTRICT_APPROVED, SubmissionStatus.APPROVED):
            self.reported += count
            if status == SubmissionStatus.APPROVED:
                self.approved += count
            else:
                self.pending_review += count
            if on_time:
                self.on_time += count
            else:
                self.late += count
        elif status == SubmissionStatus.RETURNED:
            self.returned += count
        else:
            self.missing += count
            if overdue:
                self.overdue += count

    def merge(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["completeness_rate"] = round(self.reported / self.expected, 4) if self.expected else 0.0
        data["timeliness_rate"] = round(self.on_time / self.expected, 4) if self.expected else 0.0
        return data


@dataclass
class GroupRow:
    key: str
    label: str
    org_id: int | None
    counts: Counts = field(default_factory=Counts)


def _due_dates(task: ReportTask) -> dict[int | None, object]:
    dues = {None: task.due_at}
    dues.update({child.id: child.due_at for child in task.pass_downs})
    return dues


def _scope_filter(query, task: ReportTask, scope: OrgUnit):
    """All the task's schools for a bureau at or above the issuer; a district sees its own."""
    if scope.contains(task.issuer_org):
        return query
    if scope.type == OrgType.DISTRICT_BUREAU:
        return query.where(Submission.district_id == scope.id)
    subtree = scope.subtree_ids()
    return query.where(Submission.school_id.in_(subtree))


def summary(task: ReportTask, scope: OrgUnit) -> dict:
    """Totals and one row per district (or per school, for a district's own view)."""
    task = task.root
    now = utcnow()
    dues = _due_dates(task)
    per_school = scope.type == OrgType.DISTRICT_BUREAU and not scope.contains(task.issuer_org)
    group_col = Submission.school_id if per_school else Submission.district_id
    query = (sa.select(group_col.label("group_id"), Submission.via_task_id, Submission.status, Submission.on_time,
                       sa.func.count().label("n"))
             .where(Submission.task_id == task.id)
             .group_by(group_col, Submission.via_task_id, Submission.status, Submission.on_time))
    query = _scope_filter(query, task, scope)
    total = Counts()
    groups: dict = {}
    for row in db.session.execute(query):
        overdue = now > dues.get(row.via_task_id, task.due_at)
        groups.setdefault(row.group_id, Counts()).add(row.status, row.on_time, row.n, overdue)
    names = _names([gid for gid in groups if gid is not None])
    rows = []
    for gid, counts in groups.items():
        total.merge(counts)
        label = names.get(gid, CITY_DIRECT) if gid is not None else CITY_DIRECT
        rows.append(GroupRow(key=str(gid) if gid is not None else "direct", label=label, org_id=gid,
                             counts=counts))
    rows.sort(key=lambda r: (r.org_id is None, names.get(r.org_id, "") if r.org_id else "", r.label))
    return {
        "task_id": task.id,
        "level": "school" if per_school else "district",
        "scope": {"id": scope.id, "code": scope.code, "name": scope.name},
        "total": total.as_dict(),
        "groups": [{"key": r.key, "label": r.label, "org_id": r.org_id, **r.counts.as_dict()} for r in rows],
    }


def _names(org_ids) -> dict[int, str]:
    if not org_ids:
        return {}
    rows = db.session.execute(sa.select(OrgUnit.id, OrgUnit.name, OrgUnit.code).where(OrgUnit.id.in_(org_ids)))
    return {row.id: row.name for row in rows}


def schools(task: ReportTask, scope: OrgUnit, *, district: str | None = None, status: str | None = None) -> list[dict]:
    """Per-school rows (drill-down): one district's schools, or the city's directly-run ones."""
    from eduplatform.reporting.models.submissions import STATUS_LABELS

    task = task.root
    now = utcnow()
    dues = _due_dates(task)
    query = (sa.select(Submission.id, Submission.status, Submission.on_time, Submission.first_submitted_at,
                       Submission.submitted_at, Submission.via_task_id, Submission.district_id,
                       Submission.reopened_until, Submission.last_comment, OrgUnit.code, OrgUnit.name)
             .where(Submission.task_id == task.id)
             .join(OrgUnit, OrgUnit.id == Submission.school_id).order_by(OrgUnit.code))
    query = _scope_filter(query, task, scope)
    if district is not None:
        if district == "direct":
            query = query.where(Submission.district_id.is_(None))
        else:
            try:
                district_id = int(district)
            except ValueError as exc:
                raise NotFound("没有这个区县") from exc
            if not 0 < district_id <= MAX_INT:  # no such row, and past the id column the driver fails
                raise NotFound("没有这个区县")
            query = query.where(Submission.district_id == district_id)
    if status:
        query = query.where(Submission.status == status)
    found = db.session.execute(query).all()
    names = _names({row.district_id for row in found if row.district_id is not None})
    rows = []
    for row in found:
        state = SubmissionStatus(row.status)
        due = dues.get(row.via_task_id, task.due_at)
        first_level = (names.get(row.district_id) if row.district_id and row.district_id != task.issuer_org_id
                       else task.issuer_org.name)
        reviewer = {SubmissionStatus.SUBMITTED: first_level,
                    SubmissionStatus.DISTRICT_APPROVED: task.issuer_org.name}.get(state)
        rows.append({
            "submission_id": row.id, "school_code": row.code, "school_name": row.name,
            "status": state.value, "status_label": STATUS_LABELS[state],
            "waiting": f"等待{reviewer}审核" if reviewer else STATUS_LABELS[state],
            "on_time": row.on_time, "first_submitted_at": row.first_submitted_at, "submitted_at": row.submitted_at,
            "due_at": due, "overdue": state in (SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT) and now > due,
            "reopened_until": row.reopened_until, "last_comment": row.last_comment,
        })
    return rows
