"""Aggregation: sum / mean / min / max / count of every number of a task, by district or 学段.

Each submission keeps its numbers packed as one float64 vector (``Submission.numbers``, NaN for
a blank) in the template version's key order. Aggregating is one query for the chosen
submissions' (group, vector) pairs and a few NumPy reductions per group; totals fold the
groups. Tables with fixed rows are summed row by row (``grades.g1.boys``); every table's numeric
columns also have a total per submission (``grades.*.boys``), which is what tables with
school-added rows aggregate by.

Grouping by 学段 uses the school's set of stages when the task was issued ("小学、初中" for a
九年一贯制 school), so every school is counted in exactly one group and the groups add up;
grouping by 办学类型 uses the school profile's type at issue time (schools without one form
the group "未填办学类型").
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit, Stage
from eduplatform.reporting.models import REPORTED, Submission, SubmissionStatus
from eduplatform.reporting.models.tasks import ReportTask
from eduplatform.reporting.services.completeness import CITY_DIRECT, _scope_filter
from eduplatform.reporting.spec import spec_for

GROUPINGS = {"district": "区县", "stage": "学段", "school_type": "办学类型", "none": "不分组"}
INCLUDES = {"reported": "已上报（含待审核）", "approved": "仅审核通过"}
TOTAL = "_total"


def _clean(value):
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


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
    if by not in GROUPINGS:
        raise ValidationFailed(f"分组方式须为：{'、'.join(GROUPINGS)}", fields={"by": ["不支持的分组方式"]})
    if include not in INCLUDES:
        raise ValidationFailed("统计范围须为 reported 或 approved", fields={"include": ["不支持的统计范围"]})
    spec = spec_for(task.template_version)
    group_col = {"district": Submission.district_id, "stage": Submission.stage_key,
                 "school_type": Submission.school_type, "none": sa.literal("all")}[by]
    query = _scope_filter(
        sa.select(Submission.id, group_col.label("g"), Submission.numbers).where(
            Submission.task_id == task.id, Submission.status.in_(statuses_for(include))), task, scope)
    width = len(spec.key_index())
    blobs: dict = {}
    unpacked: dict[int, object] = {}
    for row in db.session.execute(query):
        if row.numbers is None or len(row.numbers) != width * 8:
            unpacked[row.id] = row.g  # never saved through a form: packed from its document below
            continue
        blobs.setdefault(row.g, []).append(row.numbers)
    if unpacked:
        for sid, data in db.session.execute(sa.select(Submission.id, Submission.data)
                                            .where(Submission.id.in_(list(unpacked)))):
            blobs.setdefault(unpacked[sid], []).append(spec.pack_numbers(data or {}))
    stats = {}
    for raw, group_blobs in blobs.items():
        matrix = np.frombuffer(b"".join(group_blobs), dtype="<f8").reshape(-1, width)
        present = ~np.isnan(matrix)
        stats[_group_key(raw)] = (present.sum(axis=0), np.where(present, matrix, 0.0).sum(axis=0),
                                  np.where(present, matrix, np.inf).min(axis=0),
                                  np.where(present, matrix, -np.inf).max(axis=0))
    if stats:
        parts = list(stats.values())
        stats[TOTAL] = (sum(p[0] for p in parts), sum(p[1] for p in parts),
                        np.minimum.reduce([p[2] for p in parts]), np.maximum.reduce([p[3] for p in parts]))
    schools = {raw: len(group_blobs) for raw, group_blobs in blobs.items()}
    groups = _group_labels(by, list(schools))
    fields = [{"key": key, "label": label, "unit": unit} for key, label, unit in spec.numeric_keys()]
    values = {}
    for i, item in enumerate(fields):
        per_key = {}
        for group, (n, total, low, high) in stats.items():
            count = int(n[i])
            if count:
                per_key[group] = {"n": count, "sum": _clean(total[i]), "mean": _clean(total[i] / count),
                                  "min": _clean(low[i]), "max": _clean(high[i])}
        values[item["key"]] = per_key
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
    if by == "school_type":
        from eduplatform.schools.models import SchoolType

        order = {t.value: i for i, t in enumerate(SchoolType)}
        keys = sorted(raw_keys, key=lambda k: order.get(k, 99))
        return [(_group_key(k), SchoolType(k).label if k in order else "未填办学类型") for k in keys]
    return [("all", "全部")] if raw_keys else []
