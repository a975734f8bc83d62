"""Excel round trip and DHIS2-style bulk exchange."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.reporting.services import excel, exchange
from eduplatform.reporting.services import submissions as services


@pytest.fixture
def sub(task, tree, sub_of):
    return sub_of(task, tree.school_a1)


def form_bytes(sub, tmp_path) -> bytes:
    path = tmp_path / "form.xlsx"
    excel.form_workbook(sub, str(path))
    return path.read_bytes()


def edit(content: bytes, changes: dict) -> io.BytesIO:
    """Change cells like {"填报表!D5": 3}; returns the edited file."""
    wb = load_workbook(io.BytesIO(content))
    for ref, value in changes.items():
        sheet, cell = ref.split("!")
        wb[sheet][cell] = value
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def row_of(content: bytes, code: str) -> int:
    wb = load_workbook(io.BytesIO(content))
    for row in wb["填报表"].iter_rows(min_row=1):
        if row[0].value == code:
            return row[0].row
    raise KeyError(code)


def test_round_trip_fills_the_draft(sub, people, good_values, tmp_path):
    services.save_values(sub, people.school_a1_admin, good_values)
    db.session.commit()
    content = form_bytes(sub, tmp_path)
    wb = load_workbook(io.BytesIO(content))
    assert wb["_meta"].sheet_state == "hidden"
    main = wb["填报表"]
    assert main.cell(row_of(content, "school_kind"), 4).value == "公办"  # labels, not codes
    grades = wb["分年级学生数"]
    assert [c.value for c in grades[4]][:5] == ["g1", "一年级", 50, 48, 98]

    changed = edit(content, {f"填报表!D{row_of(content, 'teachers_total')}": 44, "分年级学生数!C4": 51,
                             "学生社团!C6": "篮球社", "学生社团!D6": 12,
                             f"填报表!D{row_of(content, 'school_kind')}": "民办"})
    raw = excel.read_form(sub, changed)
    services.save_values(sub, people.school_a1_admin, raw, source="excel")
    assert sub.data["teachers_total"] == 44 and sub.data["school_kind"] == "private"
    assert sub.data["grades"]["g1"] == {"boys": 51, "girls": 48, "total": 99}
    assert sub.data["clubs"][-1] == {"name": "篮球社", "members": 12}
    assert sub.data["founded"] == "1998-09-01" and sub.data["features"] == ["smart", "maker"]
    assert services.value_history(sub, "teachers_total")[0].source == "excel"


def test_bad_cells_are_refused_with_cell_references(sub, tmp_path):
    content = form_bytes(sub, tmp_path)
    total_row = row_of(content, "teachers_total")
    bad = edit(content, {f"填报表!D{total_row}": "四十", "分年级学生数!D5": -1.5,
                         f"填报表!D{row_of(content, 'school_kind')}": "国有"})
    with pytest.raises(ValidationFailed) as info:
        excel.read_form(sub, bad)
    assert info.value.fields[f"填报表!D{total_row}"] == ["教师总数：请输入整数"]
    assert info.value.fields["分年级学生数!D5"] == ["女生：请输入整数"]
    assert "不是可选项" in info.value.fields[f"填报表!D{row_of(content, 'school_kind')}"][0]
    assert sub.data == {}


def test_wrong_version_school_or_stale_file(sub, task, tree, sub_of, people, tmp_path):
    content = form_bytes(sub, tmp_path)
    with pytest.raises(ValidationFailed) as info:
        excel.read_form(sub, edit(content, {"_meta!B3": 7}))
    assert info.value.code == "wrong_version" and "_meta!B3" in info.value.fields
    assert "V7" in info.value.message and "V1" in info.value.message
    with pytest.raises(ValidationFailed, match="不是"):
        excel.read_form(sub_of(task, tree.school_b1), io.BytesIO(content))
    services.save_values(sub, people.school_a1_admin, {"principal": "网上改过"})
    with pytest.raises(Conflict, match="重新下载"):
        excel.read_form(sub, io.BytesIO(content))
    assert excel.read_form(sub, io.BytesIO(content), overwrite=True)["principal"] is None
    with pytest.raises(ValidationFailed, match="xlsx"):
        excel.read_form(sub, io.BytesIO(b"not a workbook"))


def test_export_all_submissions(task, tree, people, sub_of, good_values, tmp_path):
    services.submit_submission(sub_of(task, tree.school_a1), people.school_a1_admin, raw=good_values)
    db.session.commit()
    path = tmp_path / "all.xlsx"
    assert excel.export_submissions(task, tree.city, str(path)) == 4
    wb = load_workbook(path, read_only=True)
    rows = list(wb["填报数据"].iter_rows(values_only=True))
    keys = rows[1]
    first = dict(zip(keys, rows[2], strict=True))
    assert first["school_code"] == tree.school_a1.code and first["teachers_total"] == 40
    assert first["grades.g2.total"] == 92 and first["features"] == "智慧课堂、创客教育"
    clubs = list(wb["学生社团"].iter_rows(values_only=True))
    assert clubs[1] == (tree.school_a1.code, "东湖区实验小学", 1, "机器人社", 20)
    wb.close()
    district_path = tmp_path / "district.xlsx"
    assert excel.export_submissions(task, tree.district_b, str(district_path)) == 2


def test_dhis2_style_export_and_import(task, tree, people, sub_of, good_values):
    sub = sub_of(task, tree.school_a1)
    services.save_values(sub, people.school_a1_admin, good_values)
    db.session.commit()
    doc = json.loads("".join(exchange.export_json(task, tree.city)))
    assert doc["dataSet"] == task.template_version.template.code and doc["period"] == "2026"
    values = {(v["orgUnit"], v["dataElement"]): v["value"] for v in doc["dataValues"]}
    assert values[(tree.school_a1.code, "grades.g1.boys")] == "50"
    assert values[(tree.school_a1.code, "features")] == "smart,maker"
    csv_text = "".join(exchange.export_csv(task, tree.city))
    assert csv_text.splitlines()[0] == "dataelement,period,orgunit,value,storedby,lastupdated"

    incoming = exchange.parse_csv(
        "dataelement,period,orgunit,value\n"
        f"teachers_total,2026,{tree.school_a1.code},41\n"
        f"clubs.2.members,2026,{tree.school_a1.code},16\n"
        f"budget,2026,{tree.school_a1.code},\n"
        f"teachers_total,2026,{tree.school_b1.code},30\n"
        f"teachers_total,2025,{tree.school_b1.code},30\n"
        f"students_total,2026,{tree.school_b1.code},30\n"
        f"nosuch,2026,{tree.school_b1.code},1\n"
        f"teachers_female,2026,{tree.school_b1.code},many\n")
    summary = exchange.import_values(people.district_a_staff, task, incoming).as_dict()
    assert summary["importCount"] == {"imported": 0, "updated": 2, "deleted": 1, "ignored": 5}
    assert summary["status"] == "WARNING"
    messages = {c["object"]: c["value"] for c in summary["conflicts"]}
    assert "不在您的权限范围内" in messages[f"{tree.school_b1.code}/teachers_total"]
    pairs = [(c["object"], c["value"]) for c in summary["conflicts"]]
    assert (f"{tree.school_b1.code}/teachers_total", "周期 2025 与任务周期 2026 不符") in pairs
    assert messages[f"{tree.school_b1.code}/students_total"] == "计算字段由系统计算，不能导入"
    assert messages[f"{tree.school_b1.code}/teachers_female"] == "请输入整数"
    assert sub.data["teachers_total"] == 41 and sub.data["budget"] is None
    assert sub.data["clubs"] == [{"name": "机器人社", "members": 20}, {"name": "书法社", "members": 16}]


def test_import_dry_run_and_atomic(task, tree, people, sub_of):
    sub = sub_of(task, tree.school_a1)
    values = [{"dataElement": "teachers_total", "orgUnit": tree.school_a1.code, "value": "12"},
              {"dataElement": "teachers_total", "orgUnit": "NOPE", "value": "1"}]
    dry = exchange.import_values(people.school_a1_admin, task, values, dry_run=True).as_dict()
    assert dry["importCount"]["imported"] == 1 and dry["dryRun"] and sub.data == {}
    atomic = exchange.import_values(people.school_a1_admin, task, values, atomic=True).as_dict()
    assert atomic["status"] == "ERROR" and sub.data == {}
    exchange.import_values(people.school_a1_admin, task, values[:1])
    assert sub.data["teachers_total"] == 12


def test_import_respects_the_lock(task, tree, people, sub_of, good_values):
    sub = sub_of(task, tree.school_a1)
    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    summary = exchange.import_values(people.city_staff, task, [
        {"dataElement": "teachers_total", "orgUnit": tree.school_a1.code, "value": "1"}]).as_dict()
    assert "已上报" in summary["conflicts"][0]["value"]
    assert sub.data["teachers_total"] == 40
