"""Equipment ledger to and from Excel: export of the (filtered) ledger, import that upserts by 资产编号.

An import is all or nothing: every row is checked first and any problem refuses the whole file,
listed by row and column. Each created or changed line gets its history entry (kind "imported").
"""

from __future__ import annotations

from dataclasses import dataclass

from eduplatform.audit.services import record
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.text.excel import MAX_UPLOAD_BYTES, build_workbook
from eduplatform.orgs.models import OrgUnit
from eduplatform.schools import connectivity
from eduplatform.schools.models import Equipment, EquipmentCategory, EquipmentState
from eduplatform.schools.models.connectivity import FUNDING_SOURCES
from eduplatform.schools.roster_import import (
    Column,
    RowError,
    _text,
    parse_date,
    parse_name,
    parse_number,
    parse_table,
)


def _enum_parser(enum_cls, what):
    def parse(value, ctx):
        member = enum_cls.from_label(_text(value))
        if member is None:
            raise RowError(f"{what}须为：{'、'.join(m.label for m in enum_cls)}")
        return member
    return parse


def parse_quantity(value, ctx) -> int:
    text = _text(value)
    if not text.isdigit() or not 1 <= int(text) <= 100000:
        raise RowError("数量须为 1–100000 的整数")
    return int(text)


def parse_funding(value, ctx) -> str:
    text = _text(value)
    if text not in FUNDING_SOURCES:
        raise RowError(f"经费来源须为：{'、'.join(FUNDING_SOURCES)}")
    return text


def parse_short(value, ctx) -> str:
    text = _text(value)
    if len(text) > 120:
        raise RowError("内容过长（最多 120 字）")
    return text


EQUIPMENT_COLUMNS = [
    Column("资产编号", "asset_no", parse_number, True, "本校唯一"),
    Column("设备类别", "category", _enum_parser(EquipmentCategory, "设备类别"), True,
           "、".join(c.label for c in EquipmentCategory)),
    Column("设备名称", "name", parse_name, True),
    Column("型号", "model", parse_name),
    Column("数量", "quantity", parse_quantity, True),
    Column("购置日期", "purchase_date", parse_date, False, "如 2024-09-01"),
    Column("经费来源", "funding_source", parse_funding, False, "、".join(FUNDING_SOURCES)),
    Column("存放地点", "location", parse_short),
    Column("状态", "state", _enum_parser(EquipmentState, "状态"), False, "在用 / 维修 / 报废，默认在用"),
]
HEADERS = [c.header for c in EQUIPMENT_COLUMNS]


def equipment_row(item: Equipment) -> list:
    return [item.asset_no, item.category.label, item.name, item.model, item.quantity, item.purchase_date,
            item.funding_source, item.location, item.state.label]


def export_workbook(items) -> bytes:
    return build_workbook([("设备台账", HEADERS, (equipment_row(i) for i in items))])


def template_workbook() -> bytes:
    notes = [[c.header, "必填" if c.required else "选填", c.hint] for c in EQUIPMENT_COLUMNS]
    return build_workbook([
        ("设备台账", HEADERS, [["ZC-2024-001", "学生用计算机", "学生计算机", "联想 启天M430", 50, "2024-09-01",
                              "财政拨款", "计算机教室(一)", "在用"]]),
        ("填写说明", ["列名", "是否必填", "填写要求"], notes),
    ])


@dataclass
class EquipmentImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_equipment(actor, school: OrgUnit, data: bytes, filename: str) -> EquipmentImportResult:
    parsed = parse_table("equipment", EQUIPMENT_COLUMNS, data, filename, ctx=None)
    seen: dict[str, int] = {}
    for number, row in parsed.rows:
        if row.get("asset_no"):
            if row["asset_no"] in seen:
                parsed.problem(number, "资产编号", f"资产编号 {row['asset_no']} 与第 {seen[row['asset_no']]} 行重复")
            seen.setdefault(row["asset_no"], number)
    if parsed.problem_count:
        raise ValidationFailed(f"设备台账有 {parsed.problem_count} 个问题，未导入任何数据", code="import_invalid",
                               fields={"problems": parsed.problems})
    result = EquipmentImportResult()
    for _, row in parsed.rows:
        values = {k: v for k, v in row.items() if v is not None}
        values.setdefault("state", EquipmentState.IN_USE)
        item = connectivity.equipment_by_asset_no(school, row["asset_no"])
        if item is None:
            connectivity.create_equipment(actor, school, values, kind="imported")
            result.created += 1
        elif connectivity.update_equipment(actor, item, values, kind="imported"):
            result.updated += 1
        else:
            result.unchanged += 1
    record("schools", "equipment.import", f"{school.name} 导入设备台账：新增 {result.created}，更新 "
           f"{result.updated}，未变 {result.unchanged}", actor=actor, obj=school, data=result.__dict__)
    return result


def import_equipment_upload(actor, school: OrgUnit, stream, filename: str) -> EquipmentImportResult:
    """An uploaded ledger file, size-capped before it is parsed (openpyxl needs the whole workbook)."""
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed("文件过大（上限 20 MB）", code="too_large")
    return import_equipment(actor, school, data, filename)
