"""Network access, receiving points and the equipment ledger with its history and Excel import."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from eduplatform.core.api import load_input
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.schools import connectivity, equipment_io
from eduplatform.schools.models import (
    Equipment,
    EquipmentCategory,
    EquipmentState,
    ReceivingPointMode,
    ReceivingPointState,
)
from eduplatform.schools.schemas import NetworkInputSchema
from tests.schools.conftest import xlsx_bytes

HEADER = equipment_io.HEADERS


def test_network_input_must_be_consistent():
    with pytest.raises(ValidationFailed) as refused:
        load_input(NetworkInputSchema(), {"access_type": "fiber", "bandwidth_mbps": 0})
    assert refused.value.fields == {"bandwidth_mbps": ["已接入互联网时请填写带宽"]}
    with pytest.raises(ValidationFailed):
        load_input(NetworkInputSchema(), {"access_type": "none", "bandwidth_mbps": 100})


def test_network_is_saved_and_changes_are_audited(world):
    admin = world.people.school_a1_admin
    data = load_input(NetworkInputSchema(), {"access_type": "fiber", "bandwidth_mbps": 500, "provider": "中国电信",
                                             "has_campus_network": True, "wifi_coverage": "partial"})
    network = connectivity.save_network(admin, world.school, data)
    assert network.is_online
    connectivity.save_network(admin, world.school, {**data, "bandwidth_mbps": 1000})
    assert connectivity.network_for(world.school).bandwidth_mbps == 1000


def test_receiving_points(world):
    admin = world.people.school_a1_admin
    point = connectivity.create_receiving_point(admin, world.school, {
        "mode": ReceivingPointMode.SATELLITE, "name": "卫星收视点", "location": "教学楼三楼"})
    connectivity.update_receiving_point(admin, point, {"state": ReceivingPointState.FAULTY})
    assert point.state.label == "故障"
    assert [p.mode.label for p in connectivity.receiving_points(world.school)] == ["卫星教学收视点"]


def test_every_equipment_change_is_in_the_history(world):
    admin = world.people.school_a1_admin
    item = connectivity.create_equipment(admin, world.school, {
        "asset_no": "ZC-1", "category": EquipmentCategory.STUDENT_COMPUTER, "name": "学生机", "quantity": 40,
        "purchase_date": date(2023, 9, 1), "funding_source": "财政拨款", "state": EquipmentState.IN_USE})
    connectivity.update_equipment(admin, item, {"state": EquipmentState.REPAIR, "note": "主板故障送修"})
    connectivity.update_equipment(admin, item, {"state": EquipmentState.REPAIR})  # no change: no history line
    connectivity.update_equipment(admin, item, {"quantity": 38, "state": EquipmentState.IN_USE})
    history = connectivity.equipment_history(item)
    assert [h.kind for h in history] == ["updated", "updated", "created"]
    assert history[1].changes == {"state": ["in_use", "repair"]} and history[1].note == "主板故障送修"
    assert history[0].changes == {"quantity": [40, 38], "state": ["repair", "in_use"]}
    assert history[2].changes["purchase_date"] == [None, "2023-09-01"]
    with pytest.raises(ValidationFailed, match="资产编号 ZC-1 已存在"):
        connectivity.create_equipment(admin, world.school, {"asset_no": "ZC-1", "category": EquipmentCategory.TV,
                                                            "name": "电视", "quantity": 1})


def test_equipment_import_upserts_by_asset_number_and_records_history(world):
    admin = world.people.school_a1_admin
    rows = [HEADER, ["ZC-1", "学生用计算机", "学生机", "联想", 40, "2023-09-01", "财政拨款", "机房一", "在用"],
            ["ZC-2", "多媒体教室", "多媒体教室", None, 12, None, None, None, None]]
    result = equipment_io.import_equipment(admin, world.school, xlsx_bytes(rows), "台账.xlsx")
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    rows[1][8] = "报废"
    result = equipment_io.import_equipment(admin, world.school, xlsx_bytes(rows), "台账.xlsx")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    item = connectivity.equipment_by_asset_no(world.school, "ZC-1")
    assert item.state == EquipmentState.SCRAPPED
    assert [h.kind for h in connectivity.equipment_history(item)] == ["imported", "imported"]


def test_a_bad_equipment_file_imports_nothing(world):
    rows = [HEADER, ["ZC-1", "学生用计算机", "学生机", None, 40, None, None, None, None],
            ["ZC-2", "飞船", "x", None, 0, "2023-13-01", "天上掉的", None, "丢了"],
            ["ZC-1", "电视机", "电视", None, 1, None, None, None, None]]
    with pytest.raises(ValidationFailed) as refused:
        equipment_io.import_equipment(world.people.school_a1_admin, world.school, xlsx_bytes(rows), "a.xlsx")
    db.session.rollback()
    problems = [(p["row"], p["column"]) for p in refused.value.fields["problems"]]
    assert problems == [(3, "设备类别"), (3, "数量"), (3, "购置日期"), (3, "经费来源"), (3, "状态"), (4, "资产编号")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Equipment)) == 0


def test_export_round_trips_through_the_import(world):
    admin = world.people.school_a1_admin
    connectivity.create_equipment(admin, world.school, {"asset_no": "ZC-9", "category": EquipmentCategory.SERVER,
                                                        "name": "=cmd|' /C calc'!A0", "quantity": 2})
    data = equipment_io.export_workbook(db.session.scalars(connectivity.equipment_query(world.school)))
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADER)
    assert rows[1][2] == "'=cmd|' /C calc'!A0"  # a formula in a cell is neutralised
    assert rows[1][1] == "服务器"
