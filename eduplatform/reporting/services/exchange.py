"""DHIS2-style bulk exchange of data values (JSON or CSV) with other systems.

A data value is ``{dataElement, period, orgUnit, value, storedBy, lastUpdated}``: the data
element is a cell key of the template (``teachers_total``, ``grades.g1.boys``, ``clubs.2.name``),
the org unit is the school's code, the period is the task's. Export streams every non-blank cell.
Import checks each value (school in the caller's reach, form not locked, period, element, type)
and answers an import summary with counts and conflicts; ``dry_run`` checks without writing, and
``atomic`` writes nothing when any value is refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from eduplatform.accounts.models import User
from eduplatform.core.errors import AppError, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.text.timeutil import iso
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting.fieldtypes import FIELD_TYPES, FieldValueError, is_blank
from eduplatform.reporting.models import Submission
from eduplatform.reporting.services.completeness import _scope_filter
from eduplatform.reporting.spec import spec_for

CSV_COLUMNS = ["dataelement", "period", "orgunit", "value", "storedby", "lastupdated"]
MAX_VALUES = 200_000


def _text(value) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def iter_values(task, scope, *, school_code: str | None = None) -> Iterator[dict]:
    """Every non-blank cell of the task's submissions under ``scope``, in school order."""
    task = task.root
    spec = spec_for(task.template_version)
    usernames: dict[int, str] = {}
    last_id = 0
    while True:
        query = (sa.select(Submission.id, Submission.data, Submission.updated_at, Submission.updated_by_id,
                           OrgUnit.code)
                 .join(OrgUnit, OrgUnit.id == Submission.school_id)
                 .where(Submission.task_id == task.id, Submission.id > last_id)
                 .order_by(Submission.id).limit(500))
        if school_code:
            query = query.where(OrgUnit.code == school_code)
        rows = db.session.execute(_scope_filter(query, task, scope)).all()
        if not rows:
            return
        missing = {r.updated_by_id for r in rows if r.updated_by_id and r.updated_by_id not in usernames}
        if missing:
            usernames.update(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(missing))).all())
        for row in rows:
            stored_by = usernames.get(row.updated_by_id, "")
            updated = iso(row.updated_at)
            for key, value in spec.cells(row.data or {}).items():
                yield {"dataElement": key, "period": task.period, "orgUnit": row.code, "value": _text(value),
                       "storedBy": stored_by, "lastUpdated": updated}
        last_id = rows[-1].id


def export_json(task, scope, **kwargs) -> Iterator[str]:
    """A dataValueSet document, streamed."""
    import json

    head = {"dataSet": task.root.template_version.template.code,
            "templateVersion": task.root.template_version.number, "period": task.root.period}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "dataValues": ['
    first = True
    for value in iter_values(task, scope, **kwargs):
        yield ("" if first else ",") + json.dumps(value, ensure_ascii=False)
        first = False
    yield "]}"


def export_stream(fmt: str, task_id: int, scope_id: int, **kwargs) -> Iterator[str]:
    """``export_json`` / ``export_csv`` for a streamed response: loads the task and scope in the
    session the stream runs in (the request's own is closed before a server reads the body)."""
    from eduplatform.reporting.models import ReportTask

    task, scope = db.session.get(ReportTask, task_id), db.session.get(OrgUnit, scope_id)
    yield from (export_csv if fmt == "csv" else export_json)(task, scope, **kwargs)


def export_csv(task, scope, **kwargs) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for value in iter_values(task, scope, **kwargs):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([value["dataElement"], value["period"], value["orgUnit"], _csv_safe(value["value"]),
                         value["storedBy"], value["lastUpdated"]])
        yield buffer.getvalue()


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ is a formula to spreadsheet programs; numbers are left alone.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_csv(text: str) -> list[dict]:
    """CSV rows → data values; the header may use DHIS2's lower-case or camelCase names."""
    if "\x00" in text:
        raise ValidationFailed("导入数据含有控制字符（NUL），已拒绝", code="bad_csv")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        names = {name.lower().replace("_", ""): name for name in reader.fieldnames or []}
        needed = {"dataelement", "orgunit", "value"}
        if not needed <= set(names):
            raise ValidationFailed("CSV 须有表头 dataelement,period,orgunit,value", code="bad_csv")
        values = []
        for row in reader:
            values.append({"dataElement": (row.get(names["dataelement"]) or "").strip(),
                           "period": (row.get(names["period"]) or "").strip() if "period" in names else None,
                           "orgUnit": (row.get(names["orgunit"]) or "").strip(),
                           "value": row.get(names["value"])})
            if len(values) > MAX_VALUES:
                raise ValidationFailed(f"一次最多导入 {MAX_VALUES} 个数据值", code="too_many")
    except csv.Error as exc:  # e.g. a field over csv's 128 KB limit
        raise ValidationFailed(f"CSV 格式错误或字段过长（超过上限）：{exc}", code="bad_csv") from None
    return values


@dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    deleted: int = 0
    ignored: int = 0
    conflicts: list[dict] = field(default_factory=list)
    dry_run: bool = False

    def conflict(self, obj: str, message: str) -> None:
        self.conflicts.append({"object": obj, "value": message})
        self.ignored += 1

    def as_dict(self) -> dict:
        status = "SUCCESS" if not self.conflicts else ("WARNING" if self.imported + self.updated + self.deleted
                                                       else "ERROR")
        return {"status": status, "dryRun": self.dry_run,
                "importCount": {"imported": self.imported, "updated": self.updated, "deleted": self.deleted,
                                "ignored": self.ignored},
                "conflicts": self.conflicts}


def import_values(actor, task, values: list[dict], *, dry_run: bool = False, atomic: bool = False) -> ImportSummary:
    """Apply data values to the task's submissions (as drafts; the school still submits)."""
    from eduplatform.reporting.permissions import can_import_for
    from eduplatform.reporting.services.submissions import lock_reason, save_values

    task = task.root
    spec = spec_for(task.template_version)
    summary = ImportSummary(dry_run=dry_run)
    if not isinstance(values, list):
        raise ValidationFailed("dataValues 须为列表", code="invalid_json")
    if len(values) > MAX_VALUES:
        raise ValidationFailed(f"一次最多导入 {MAX_VALUES} 个数据值", code="too_many")
    by_school: dict[str, list[tuple[str, object]]] = {}
    for item in values:
        if not isinstance(item, dict):
            summary.conflict("dataValues", "每个数据值须为对象")
            continue
        element, org = str(item.get("dataElement") or ""), str(item.get("orgUnit") or "")
        where = f"{org}/{element}"
        period = item.get("period")
        if period not in (None, "") and str(period) != task.period:
            summary.conflict(where, f"周期 {period} 与任务周期 {task.period} 不符")
            continue
        try:
            definition, table, _ = spec.cell_definition(element)
        except KeyError:
            summary.conflict(where, f"模板中没有数据项 {element}")
            continue
        if spec.is_computed(element.split(".")[0], element.split(".")[-1] if table else None):
            summary.conflict(where, "计算字段由系统计算，不能导入")
            continue
        if definition["type"] == "file":
            summary.conflict(where, "附件不能通过数据交换导入")
            continue
        raw = item.get("value")
        if definition["type"] == "multiselect" and isinstance(raw, str):
            raw = [part for part in raw.split(",") if part.strip()]
        try:
            FIELD_TYPES[definition["type"]].parse(definition, raw)
        except FieldValueError as exc:
            summary.conflict(where, exc.message)
            continue
        by_school.setdefault(org, []).append((element, raw))
    schools = _submissions_by_code(task, list(by_school))
    plans = []
    for code, cells in by_school.items():
        submission = schools.get(code)
        if submission is None or not can_import_for(actor, submission):
            for element, _ in cells:
                summary.conflict(f"{code}/{element}", f"学校 {code} 不在本任务中或不在您的权限范围内")
            continue
        reason = lock_reason(submission)
        if reason:
            for element, _ in cells:
                summary.conflict(f"{code}/{element}", reason)
            continue
        plans.append((submission, cells))
    if atomic and summary.conflicts:
        summary.ignored += sum(len(cells) for _, cells in plans)
        return summary
    for submission, cells in plans:
        nested = _overlay_free_rows(spec, submission.data or {}, spec.unflatten(dict(cells))[0])
        parsed, errors = spec.parse_values(nested)
        if errors:  # pragma: no cover - each value was checked above
            raise AppError("导入数据校验失败")
        before = spec.cells(submission.data or {})
        after = spec.cells(spec.compute(spec.merge(submission.data or {}, parsed)))
        for element, _ in cells:
            old, new = before.get(element), after.get(element)
            if is_blank(new) and not is_blank(old):
                summary.deleted += 1
            elif is_blank(old) and not is_blank(new):
                summary.imported += 1
            elif old != new:
                summary.updated += 1
            else:
                summary.ignored += 1
        if not dry_run:
            save_values(submission, actor, parsed, source="import", spec=spec, parsed=True)
    return summary


def _overlay_free_rows(spec, data: dict, nested: dict) -> dict:
    """Cells of school-added rows change those cells only; the rest of the table stays."""
    for code, rows in nested.items():
        table = spec.field(code)
        if table["type"] != "table" or table["rows"]:
            continue
        current = [dict(row) for row in data.get(code) or []]
        for index, overlay in enumerate(rows):
            if overlay:
                while len(current) <= index:
                    current.append({})
                current[index].update(overlay)
        nested[code] = current
    return nested


def _submissions_by_code(task, codes: list[str]) -> dict[str, Submission]:
    if not codes:
        return {}
    rows = db.session.execute(sa.select(Submission, OrgUnit.code).join(OrgUnit, OrgUnit.id == Submission.school_id)
                              .where(Submission.task_id == task.id, OrgUnit.code.in_(codes)))
    return {code: submission for submission, code in rows}
