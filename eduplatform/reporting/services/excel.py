"""Excel round trip (openpyxl): the form for offline filling, its import, and the bureau's exports.

The form workbook has a 填报表 sheet (one row per field: code, label, unit, value, notes), one
sheet per table, and a hidden ``_meta`` sheet naming the template, version, school and the
submission version it was made from. An import checks ``_meta`` first (a form of another version
or school is refused), then every cell; any problem refuses the whole file with the cell
references, so nothing is half-imported.

Exports of all submissions stream through openpyxl's write-only mode from batches of rows, so
memory stays flat however many schools there are.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from datetime import date, datetime

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import aliased

from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.inspect import inspect_zip
from eduplatform.core.templating import localtime
from eduplatform.core.text.xlsxstream import stream_workbook
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting.fieldtypes import FIELD_TYPES, FieldValueError
from eduplatform.reporting.models import Submission
from eduplatform.reporting.services.aggregation import TOTAL, stage_label
from eduplatform.reporting.spec import TemplateSpec, spec_for

FORMAT = "eduplatform-report-form/1"
MAIN = "填报表"
META = "_meta"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
BOLD = Font(bold=True)
FREE_ROWS_DEFAULT = 20
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _sheet_title(label: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", label)[:28] or "表格"
    title, n = base, 2
    while title in used or title in (MAIN, META, "填报说明"):
        title = f"{base[:26]}{n}"
        n += 1
    used.add(title)
    return title


def _display(definition: dict, value):
    """A stored value as an Excel cell value (labels for choices, dates as dates)."""
    if value is None:
        return None
    ftype = definition["type"]
    if ftype in ("select", "multiselect"):
        return FIELD_TYPES[ftype].display(definition, value)
    if ftype == "date":
        return date.fromisoformat(value)
    if ftype == "file":
        return f"附件（编号 {value}）"
    return value


def _notes(definition: dict, formula_words: str | None) -> str:
    parts = []
    if formula_words is not None:  # the formula in words, as on the filling page
        parts.append(f"自动计算：{formula_words}")
    elif definition.get("required"):
        parts.append("必填")
    if definition.get("min") is not None or definition.get("max") is not None:
        parts.append(f"范围 {definition.get('min', '')}–{definition.get('max', '')}")
    if definition.get("options"):
        parts.append("可选：" + "、".join(o["label"] for o in definition["options"]))
    if definition["type"] == "multiselect":
        parts.append("多个选项用“、”分隔")
    if definition["type"] == "date":
        parts.append("日期如 2026-09-01")
    if definition["type"] == "file":
        parts.append("附件请在网页上传")
    if definition.get("help"):
        parts.append(definition["help"])
    return "；".join(parts)


def _validation(definition: dict) -> DataValidation | None:
    ftype = definition["type"]
    if ftype == "select":
        labels = ",".join(o["label"] for o in definition["options"])
        if len(labels) <= 250:  # Excel's limit for an inline list
            return DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True,
                                  error="请从下拉列表中选择", errorTitle="选项无效", showErrorMessage=True)
        return None
    if ftype in ("integer", "decimal"):
        low = definition.get("min")
        high = definition.get("max")
        kind = "whole" if ftype == "integer" else "decimal"
        if low is not None and high is not None:
            rule = DataValidation(type=kind, operator="between", formula1=str(low), formula2=str(high))
        elif low is not None:
            rule = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(low))
        elif high is not None:
            rule = DataValidation(type=kind, operator="lessThanOrEqual", formula1=str(high))
        else:
            rule = DataValidation(type=kind, operator="between", formula1="-999999999999", formula2="999999999999")
        rule.allow_blank = True
        rule.error, rule.errorTitle, rule.showErrorMessage = "请输入" + ("整数" if kind == "whole" else "数字"), "数值无效", True
        return rule
    if ftype == "date":
        rule = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        rule.error, rule.errorTitle, rule.showErrorMessage = "请输入日期", "日期无效", True
        return rule
    return None


# --- the form --------------------------------------------------------------------------------------


def form_workbook(submission: Submission, path: str) -> None:
    """Write the offline form for ``submission`` (pre-filled with its current values) to ``path``."""
    task = submission.task
    version = task.template_version
    spec = spec_for(version)
    data = submission.data or {}
    effective = submission.effective_task
    wb = Workbook()
    guide = wb.active
    guide.title = "填报说明"
    for row in [("填报任务", task.title), ("填报周期", task.period), ("下发单位", effective.issuer_org.name),
                ("填报学校", f"{submission.school.name}（{submission.school.code}）"),
                ("截止时间", localtime(submission.due_at)), ("模板", f"{version.template.name} V{version.number}"),
                ("填报要求", effective.instructions or task.instructions or ""),
                ("说明", ("请在“填报表”及各表格工作表的黄色单元格中填写；灰色单元格自动计算或不可修改。"
                         "请勿修改第一列的代码和隐藏的 _meta 工作表。填好后在网页上“导入 Excel”。"))]:
        guide.append(row)
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 90
    for cell in guide["A"]:
        cell.font = BOLD
    for cell in guide["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    main = wb.create_sheet(MAIN)
    main.append(["代码", "指标", "单位", "填报值", "说明"])
    for cell in main[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    used: set[str] = set()
    tables = []
    for section in spec.sections:
        main.append([None, section["title"]])
        main.cell(main.max_row, 2).font = BOLD
        for field in section["fields"]:
            if field["type"] == "table":
                title = _sheet_title(field["label"], used)
                tables.append((field, title))
                main.append([field["code"], field["label"], None, f"见工作表“{title}”", None])
                main.cell(main.max_row, 4).fill = LOCKED_FILL
                continue
            computed = spec.is_computed(field["code"])
            main.append([field["code"], field["label"], field.get("unit"), _display(field, data.get(field["code"])),
                         _notes(field, spec.formula_text(field["code"]) if computed else None)])
            value_cell = main.cell(main.max_row, 4)
            value_cell.fill = LOCKED_FILL if computed or field["type"] == "file" else INPUT_FILL
            if field["type"] == "date":
                value_cell.number_format = "yyyy-mm-dd"
            rule = None if computed else _validation(field)
            if rule is not None:
                main.add_data_validation(rule)
                rule.add(value_cell)
    for col, width in zip("ABCDE", (18, 30, 8, 24, 60), strict=True):
        main.column_dimensions[col].width = width
    main.column_dimensions["A"].hidden = False
    main.freeze_panes = "A2"

    for field, title in tables:
        _table_sheet(wb.create_sheet(title), spec, field, data.get(field["code"]))

    meta = wb.create_sheet(META)
    for row in [("format", FORMAT), ("template", version.template.code), ("version", version.number),
                ("task", task.id), ("school", submission.school.code), ("submission", submission.id),
                ("submission_version", submission.version)]:
        meta.append(row)
    meta.sheet_state = "hidden"
    wb.active = 1
    wb.save(path)


def _table_sheet(ws, spec: TemplateSpec, table: dict, data) -> None:
    columns = table["columns"]
    ws.append([table["label"]])
    ws.cell(1, 1).font = Font(bold=True, size=12)
    ws.append(["#row", "行", *[c["code"] for c in columns]])  # codes: read back on import
    ws.append(["行代码", "行", *[f"{c['label']}（{c['unit']}）" if c.get("unit") else c["label"] for c in columns]])
    for cell in [*ws[2], *ws[3]]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    ws.row_dimensions[2].hidden = True
    if table["rows"]:
        rows = [(r["code"], r["label"], (data or {}).get(r["code"]) or {}) for r in table["rows"]]
    else:
        existing = list(data or [])
        count = max(len(existing) + 5, FREE_ROWS_DEFAULT)
        count = min(count, spec.max_rows(table))
        rows = [(i, f"第{i}行", existing[i - 1] if i <= len(existing) else {}) for i in range(1, count + 1)]
    validations = {}
    for column in columns:
        if not spec.is_computed(table["code"], column["code"]):
            rule = _validation(column)
            if rule is not None:
                ws.add_data_validation(rule)
                validations[column["code"]] = rule
    for row_key, label, cells in rows:
        ws.append([row_key, label, *[_display(c, cells.get(c["code"])) for c in columns]])
        for index, column in enumerate(columns, start=3):
            cell = ws.cell(ws.max_row, index)
            computed = spec.is_computed(table["code"], column["code"])
            cell.fill = LOCKED_FILL if computed else INPUT_FILL
            if column["type"] == "date":
                cell.number_format = "yyyy-mm-dd"
            if column["code"] in validations:
                validations[column["code"]].add(cell)
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 14
    for index in range(3, 3 + len(columns)):
        ws.column_dimensions[get_column_letter(index)].width = 16
    ws.freeze_panes = "C4"


def _excel_raw(value):
    """Excel cell → raw input for the field parser."""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    return value


def read_form(submission: Submission, stream, *, overwrite: bool = False) -> dict:
    """Parse an uploaded form into raw values for ``save_values``; refuses with cell references."""
    task = submission.task
    version = task.template_version
    spec = spec_for(version)
    head = stream.read(4)
    stream.seek(0)
    if head != b"PK\x03\x04":
        raise ValidationFailed("请上传 .xlsx 格式的填报表（由本平台下载）", code="bad_workbook")
    inspect_zip(stream, what="Excel 填报表")
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationFailed("无法读取该 Excel 文件，请确认文件未损坏", code="bad_workbook") from exc
    try:
        return _read(wb, submission, spec, version, overwrite)
    finally:
        wb.close()


def _read(wb, submission, spec, version, overwrite) -> dict:
    if META not in wb.sheetnames or MAIN not in wb.sheetnames:
        raise ValidationFailed("这不是本平台导出的填报表（缺少 _meta 或 填报表 工作表），请重新下载",
                               code="bad_workbook")
    meta = {}
    for index, row in enumerate(wb[META].iter_rows(min_row=1, max_col=2, values_only=True), start=1):
        if row and row[0]:
            meta[str(row[0])] = (row[1], f"{META}!B{index}")
    errors: dict[str, list[str]] = {}
    template_code, where = meta.get("template", (None, f"{META}!B2"))
    if meta.get("format", (None,))[0] != FORMAT or template_code != version.template.code:
        raise ValidationFailed(f"模板不符：文件是“{template_code}”的填报表，本任务使用“{version.template.code}”",
                               code="wrong_template", fields={where: ["模板不符"]})
    file_version, where = meta.get("version", (None, f"{META}!B3"))
    if str(file_version) != str(version.number):
        raise ValidationFailed(f"模板版本不符：文件为 V{file_version}，本任务使用 V{version.number}，请重新下载填报表",
                               code="wrong_version", fields={where: [f"模板版本应为 V{version.number}"]})
    school, where = meta.get("school", (None, f"{META}!B5"))
    if str(school) != submission.school.code:
        raise ValidationFailed(f"这是学校 {school} 的填报表，不是{submission.school.name}的",
                               code="wrong_school", fields={where: ["学校不符"]})
    made_from, _ = meta.get("submission_version", (None, None))
    if not overwrite and str(made_from) != str(submission.version):
        raise Conflict("下载此填报表后，网上的数据又被修改过；导入会覆盖这些修改。"
                       "请重新下载填报表，或勾选“覆盖网上的修改”后再导入。", code="version_conflict")

    raw: dict = {}
    seen = set()
    for index, row in enumerate(wb[MAIN].iter_rows(min_row=2, max_col=4, values_only=True), start=2):
        code = row[0] if row else None
        if not code or not isinstance(code, str):
            continue
        field = spec.field(code)
        if field is None:
            errors.setdefault(f"{MAIN}!A{index}", []).append(f"模板中没有代码 {code}")
            continue
        seen.add(code)
        if field["type"] == "table" or spec.is_computed(code) or field["type"] == "file":
            continue
        _parse_cell(field, _excel_raw(row[3]), f"{MAIN}!D{index}", code, raw, errors)
    missing = [c for c, f in spec.fields.items() if c not in seen]
    if missing:
        errors.setdefault(MAIN, []).append(f"缺少指标行：{'、'.join(missing[:10])}，请勿删除行")
    for field in spec.tables:
        sheet = _find_table_sheet(wb, field)
        if sheet is None:
            errors.setdefault(field["label"], []).append(f"缺少表格工作表“{field['label']}”")
            continue
        raw[field["code"]] = _read_table(wb[sheet], sheet, spec, field, errors)
    if errors:
        raise ValidationFailed(f"Excel 中有 {len(errors)} 处问题，未导入任何数据", code="bad_cells", fields=errors)
    return raw


def _parse_cell(definition, value, ref, key, raw, errors):
    try:
        FIELD_TYPES[definition["type"]].parse(definition, value)
    except FieldValueError as exc:
        errors.setdefault(ref, []).append(f"{definition['label']}：{exc.message}")
        return
    raw[key] = value


def _find_table_sheet(wb, table) -> str | None:
    for name in wb.sheetnames:
        if name in (MAIN, META, "填报说明"):
            continue
        ws = wb[name]
        first = next(ws.iter_rows(min_row=2, max_row=2, max_col=3 + len(table["columns"]), values_only=True), ())
        codes = [c for c in first[2:] if c]
        if first and first[0] == "#row" and codes == [c["code"] for c in table["columns"]]:
            return name
    return None


def _read_table(ws, sheet, spec, table, errors):
    columns = table["columns"]
    fixed = {r["code"] for r in table["rows"]}
    result: dict | list = {} if table["rows"] else []
    for index, row in enumerate(ws.iter_rows(min_row=4, max_col=2 + len(columns), values_only=True), start=4):
        if not row or row[0] is None:
            continue
        key = str(row[0]).strip()
        if table["rows"] and key not in fixed:
            errors.setdefault(f"{sheet}!A{index}", []).append(f"表格中没有行代码 {key}")
            continue
        cells = {}
        for offset, column in enumerate(columns, start=2):
            if spec.is_computed(table["code"], column["code"]):
                continue
            value = _excel_raw(row[offset] if offset < len(row) else None)
            _parse_cell(column, value, f"{sheet}!{get_column_letter(offset + 1)}{index}", column["code"], cells, errors)
        if table["rows"]:
            result[key] = cells
        else:
            result.append(cells)
    return result


# --- exports ---------------------------------------------------------------------------------------

EXPORT_BATCH = 500
MAIN_EXPORT_SHEET = "填报数据"


def _export_columns(spec: TemplateSpec):
    """Top-level fields and fixed-row table cells, as (key, header, definition)."""
    columns = []
    for code, field in spec.fields.items():
        if field["type"] != "table":
            unit = f"（{field['unit']}）" if field.get("unit") else ""
            columns.append((code, f"{field['label']}{unit}", field))
        elif field["rows"]:
            for row in field["rows"]:
                for column in field["columns"]:
                    columns.append((f"{code}.{row['code']}.{column['code']}",
                                    f"{field['label']}·{row['label']}·{column['label']}", column))
    return columns


def _export_plan(spec: TemplateSpec):
    """For each column of ``_export_columns`` (same order): where its value sits in a submission's
    data — (field code, row code or None, column code or None) — and its definition when the stored
    value must be shown otherwise (choices as labels, a file as its number), else None."""
    plan = []
    for code, field in spec.fields.items():
        if field["type"] != "table":
            plan.append((code, None, None, field if field["type"] in _DISPLAYED else None))
        elif field["rows"]:
            for row in field["rows"]:
                for column in field["columns"]:
                    plan.append((code, row["code"], column["code"], column if column["type"] in _DISPLAYED else None))
    return plan


_DISPLAYED = frozenset({"select", "multiselect", "file"})


def _planned_values(plan, data: dict) -> list:
    """The row's cells by the plan: what ``_cell_value(definition, spec.cells(data).get(key))`` gives
    for every column, without building the flattened dict first (20,000 × 200 cells)."""
    out = []
    add = out.append
    for code, row_code, column_code, shown in plan:
        value = data.get(code)
        if row_code is not None:
            value = ((value or {}).get(row_code) or {}).get(column_code)
        if value is None or value == [] or (type(value) is str and not value.strip()):
            add(None)
        elif shown is not None:
            add(_cell_value(shown, value))
        else:
            add(value)
    return out


def _cell_value(definition, value):
    if value is None:
        return None
    if definition["type"] in ("select", "multiselect"):
        return FIELD_TYPES[definition["type"]].display(definition, value)
    if definition["type"] == "file":
        return f"附件（编号 {value}）"
    return value


def _stream_submissions(task, scope, statuses):
    """(submission row, school code, school name, district name) in batches, by id."""
    from eduplatform.reporting.services.completeness import _scope_filter

    district = aliased(OrgUnit)
    school = aliased(OrgUnit)
    last_id = 0
    while True:
        query = (sa.select(Submission.id, Submission.status, Submission.data, Submission.stage_key,
                           Submission.first_submitted_at, Submission.on_time, Submission.updated_at,
                           school.code.label("school_code"), school.name.label("school_name"),
                           district.name.label("district_name"))
                 .join(school, school.id == Submission.school_id)
                 .outerjoin(district, district.id == Submission.district_id)
                 .where(Submission.task_id == task.id, Submission.id > last_id)
                 .order_by(Submission.id).limit(EXPORT_BATCH))
        if statuses:
            query = query.where(Submission.status.in_(statuses))
        rows = db.session.execute(_scope_filter(query, task, scope)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def export_submissions(task, scope, path: str, *, statuses: list[str] | None = None) -> int:
    """All submissions of ``task`` under ``scope`` into a workbook at ``path``; returns the row count."""
    counter = [0]
    with open(path, "wb") as out:
        out.writelines(export_submissions_stream(task.root.id, scope.id, statuses=statuses, counter=counter))
    return counter[0]


def export_submissions_stream(task_id: int, scope_id: int, *, statuses: list[str] | None = None,
                              counter: list[int] | None = None) -> Iterator[bytes]:
    """The workbook of all submissions of a task under a unit, as bytes while it is written: a sheet
    填报数据 (a row per school: its fixed columns, then every top-level field and fixed-row table cell;
    a row of labels and one of keys on top) and a sheet per free table (a row per table row). Rows
    are read in batches by id and written at once (``core.text.xlsxstream``): memory stays flat and
    the first bytes go out before the last school is read. Takes ids, for ``stream_after_request``."""
    from eduplatform.reporting.models import ReportTask
    from eduplatform.reporting.models.submissions import STATUS_LABELS, SubmissionStatus

    task = db.session.get(ReportTask, task_id).root
    scope = db.session.get(OrgUnit, scope_id)
    spec = spec_for(task.template_version)
    columns = _export_columns(spec)
    plan = _export_plan(spec)
    free_tables = [f for f in spec.tables if not f["rows"]]
    used: set[str] = set()
    titles = [MAIN_EXPORT_SHEET] + [_sheet_title(f["label"], used) for f in free_tables]
    fixed = ["学校代码", "学校名称", "区县", "学段", "状态", "首次上报时间", "是否按时", "最后修改"]
    labels = {status: STATUS_LABELS[status] for status in SubmissionStatus}
    stages: dict[str | None, str] = {}

    def rows():
        yield 0, fixed + [header for _, header, _ in columns]
        yield 0, ["school_code", "school_name", "district", "stage", "status", "first_submitted_at", "on_time",
                  "updated_at"] + [key for key, _, _ in columns]
        for index, table in enumerate(free_tables, start=1):
            yield index, ["学校代码", "学校名称", "行号", *[c["label"] for c in table["columns"]]]
        for row in _stream_submissions(task, scope, statuses):
            data = row.data or {}
            if row.stage_key not in stages:
                stages[row.stage_key] = stage_label(row.stage_key)
            yield 0, ([row.school_code, row.school_name, row.district_name or "市直属", stages[row.stage_key],
                       labels[SubmissionStatus(row.status)], localtime(row.first_submitted_at) or None,
                       None if row.on_time is None else ("是" if row.on_time else "否"), localtime(row.updated_at)]
                      + _planned_values(plan, data))
            for index, table in enumerate(free_tables, start=1):
                for number, cells_row in enumerate(data.get(table["code"]) or [], start=1):
                    yield index, [row.school_code, row.school_name, number,
                                  *[_cell_value(c, cells_row.get(c["code"])) for c in table["columns"]]]
            if counter is not None:
                counter[0] += 1

    yield from stream_workbook(titles, rows(), header_rows={0: 2, **{i: 1 for i in range(1, len(titles))}})


def export_aggregate(result: dict, path: str, *, task) -> None:
    """The aggregation result as a workbook: one sheet per statistic, fields down, groups across."""
    wb = Workbook(write_only=True)
    info = wb.create_sheet("说明")
    for row in [("填报任务", task.title), ("填报周期", task.period), ("统计范围", result["include_label"]),
                ("分组", result["by_label"]), ("单位", result["scope"]["name"]), ("学校数", result["schools"])]:
        info.append(list(row))
    groups = result["groups"]
    for stat, title in (("sum", "合计"), ("mean", "平均值"), ("min", "最小值"), ("max", "最大值"), ("n", "填报学校数")):
        ws = wb.create_sheet(title)
        ws.append(["代码", "指标", "单位", *[g["label"] for g in groups], "全部"])
        for item in result["fields"]:
            per_group = result["values"].get(item["key"], {})
            ws.append([item["key"], item["label"], item["unit"],
                       *[(per_group.get(g["key"]) or {}).get(stat) for g in groups],
                       (per_group.get(TOTAL) or {}).get(stat)])
    wb.save(path)


def temp_path(suffix: str = ".xlsx") -> str:
    with tempfile.NamedTemporaryFile(prefix="edu-report-", suffix=suffix, delete=False) as handle:
        return handle.name
