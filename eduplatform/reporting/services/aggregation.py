"""Aggregation: sum / mean / min / max / count of every number of a task, by district or 学段.

The numbers of every submission sit one row per cell in ``report_values``; the whole aggregation
is one GROUP BY (group, key) joined to the task's submissions, and the totals are folded from the
groups in Python. Tables with fixed rows are summed row by row (``grades.g1.boys``); every
table's numeric columns also have a total per submission (``grades.*.boys``), which is what
tables with school-added rows aggregate by.

Grouping by 学段 uses the school's set of stages when the task was issued ("小学、初中" for a
九年一贯制 school), so every school is counted in exactly one group and the groups add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from eduplatform.core.errors import ValidationFailed
from eduplatform.extensions import db
from eduplatform.orgs.models import OrgUnit, Stage
from eduplatform.reporting.models import REPORTED, Submission, SubmissionStatus, SubmissionValue
from eduplatform.reporting.models.tasks import ReportTask
from eduplatform.reporting.services.completeness import CITY_DIRECT, _scope_filter
from eduplatform.reporting.spec import spec_for

GROUPINGS = {"district": "区县", "stage": "学段", "none": "不分组"}
INCLUDES = {"reported": "已上报（含待审核）", "approved": "仅审核通过"}
TOTAL = "_total"


@dataclass
class Stat:
    n: int = 0
    sum: float = 0.0
    min: float | None = None
    max: float | None = None

    def fold(self, n, total, low, high) -> None:
        self.n += n
        self.sum += total or 0.0
        self.min = low if self.min is None else min(self.min, low)
        self.max = high if self.max is None else max(self.max, high)

    def as_dict(self) -> dict:
        return {"n": self.n, "sum": _clean(self.sum), "mean": _clean(self.sum / self.n) if self.n else None,
                "min": _clean(self.min), "max": _clean(self.max)}


def _clean(value):
    return None if value is None else round(value, 6)


def stage_label(stage_key: str) -> str:
    labels = []
    for code in (stage_key or "").split(","):
        try:
            labels.append(Stage(code).label)
        except ValueError:
            continue
    return "、".join(labels) or "未设学段"


def statuses_for(include: str) -> list[str]:
    if include == "approved":
        return [SubmissionStatus.APPROVED.value]
    return [s.value for s in REPORTED]


def aggregate(task: ReportTask, scope: OrgUnit, *, by: str = "district", include: str = "reported") -> dict:
    """Every numeric field of the task's template, aggregated over the chosen submissions."""
    task = task.root
    if by == "school_type":
        raise ValidationFailed("按学校类型汇总需要学校档案模块（尚未接入）", fields={"by": ["暂不支持按学校类型汇总"]})
    if by not in GROUPINGS:
        raise ValidationFailed(f"分组方式须为：{'、'.join(GROUPINGS)}", fields={"by": ["不支持的分组方式"]})
    if include not in INCLUDES:
        raise ValidationFailed("统计范围须为 reported 或 approved", fields={"include": ["不支持的统计范围"]})
    spec = spec_for(task.template_version)
    group_col = {"district": Submission.district_id, "stage": Submission.stage_key,
                 "none": sa.literal("all")}[by]
    statuses = statuses_for(include)

    counts_query = _scope_filter(
        sa.select(group_col.label("g"), sa.func.count().label("n")).where(
            Submission.task_id == task.id, Submission.status.in_(statuses)).group_by(group_col), task, scope)
    schools = {row.g: row.n for row in db.session.execute(counts_query)}

    value_query = _scope_filter(
        sa.select(group_col.label("g"), SubmissionValue.key, sa.func.count(SubmissionValue.num).label("n"),
                  sa.func.sum(SubmissionValue.num).label("s"), sa.func.min(SubmissionValue.num).label("lo"),
                  sa.func.max(SubmissionValue.num).label("hi"))
        .select_from(Submission).join(SubmissionValue, SubmissionValue.submission_id == Submission.id)
        .where(Submission.task_id == task.id, Submission.status.in_(statuses))
        .group_by(group_col, SubmissionValue.key), task, scope)
    stats: dict[str, dict] = {}
    for row in db.session.execute(value_query):
        per_key = stats.setdefault(row.key, {})
        per_key.setdefault(_group_key(row.g), Stat()).fold(row.n, row.s, row.lo, row.hi)
        per_key.setdefault(TOTAL, Stat()).fold(row.n, row.s, row.lo, row.hi)

    groups = _group_labels(by, list(schools))
    fields = [{"key": key, "label": label, "unit": unit} for key, label, unit in spec.numeric_keys()]
    values = {}
    for item in fields:
        per_key = stats.get(item["key"], {})
        values[item["key"]] = {group: stat.as_dict() for group, stat in per_key.items()}
    return {
        "task_id": task.id, "by": by, "by_label": GROUPINGS[by], "include": include,
        "include_label": INCLUDES[include], "scope": {"code": scope.code, "name": scope.name},
        "schools": sum(schools.values()),
        "groups": [{"key": key, "label": label, "schools": schools_for(schools, key)} for key, label in groups],
        "fields": fields, "values": values,
    }


def _group_key(raw) -> str:
    return "direct" if raw is None else str(raw)


def schools_for(schools: dict, key: str) -> int:
    return sum(n for raw, n in schools.items() if _group_key(raw) == key)


def _group_labels(by: str, raw_keys: list) -> list[tuple[str, str]]:
    if by == "district":
        ids = [k for k in raw_keys if k is not None]
        rows = db.session.execute(sa.select(OrgUnit.id, OrgUnit.name, OrgUnit.code).where(OrgUnit.id.in_(ids))) \
            if ids else []
        labelled = sorted(((str(r.id), r.name, r.code) for r in rows), key=lambda item: item[2])
        result = [(key, name) for key, name, _ in labelled]
        if None in raw_keys:
            result.append(("direct", CITY_DIRECT))
        return result
    if by == "stage":
        order = {s.value: i for i, s in enumerate(Stage)}
        keys = sorted(raw_keys, key=lambda k: [order.get(c, 99) for c in (k or "").split(",")])
        return [(_group_key(k), stage_label(k)) for k in keys]
    return [("all", "全部")] if raw_keys else []
