"""校校通 services: network access, receiving points, and the equipment ledger with its history."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import diff, record
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.schools.models import (
    Equipment,
    EquipmentCategory,
    EquipmentChange,
    EquipmentState,
    NetworkAccess,
    ReceivingPoint,
)

REALM = "schools"


# --- network access --------------------------------------------------------------------------

def network_for(school: OrgUnit) -> NetworkAccess | None:
    return db.session.scalar(sa.select(NetworkAccess).where(NetworkAccess.school_id == school.id))


def save_network(actor, school: OrgUnit, data: dict) -> NetworkAccess:
    network = network_for(school)
    if network is None:
        network = NetworkAccess(school_id=school.id)
        db.session.add(network)
        changes = {k: [None, v] for k, v in data.items()}
        for key, value in data.items():
            setattr(network, key, value)
    else:
        changes = diff(network, data)
    if changes:
        record(REALM, "network.updated", f"{school.name} 更新网络接入情况", actor=actor, obj=school,
               data=changes)
    db.session.flush()
    return network


# --- receiving points ------------------------------------------------------------------------

def receiving_points(school: OrgUnit) -> list[ReceivingPoint]:
    return list(db.session.scalars(sa.select(ReceivingPoint).where(ReceivingPoint.school_id == school.id)
                                   .order_by(ReceivingPoint.mode, ReceivingPoint.id)))


def find_receiving_point(school: OrgUnit, point_id: int) -> ReceivingPoint:
    point = db.session.get(ReceivingPoint, point_id)
    if point is None or point.school_id != school.id:
        raise NotFound("接收站点不存在")
    return point


def create_receiving_point(actor, school: OrgUnit, data: dict) -> ReceivingPoint:
    point = ReceivingPoint(school_id=school.id, **data)
    db.session.add(point)
    db.session.flush()
    record(REALM, "receiving_point.created", f"{school.name} 新增{point.mode.label}：{point.name}",
           actor=actor, obj=point)
    return point


def update_receiving_point(actor, point: ReceivingPoint, data: dict) -> ReceivingPoint:
    changes = diff(point, data)
    if changes:
        record(REALM, "receiving_point.updated", f"修改接收站点：{point.name}", actor=actor, obj=point,
               data=changes)
    db.session.flush()
    return point


def delete_receiving_point(actor, point: ReceivingPoint) -> None:
    record(REALM, "receiving_point.deleted", f"删除接收站点：{point.name}", actor=actor, obj=point)
    db.session.delete(point)
    db.session.flush()


# --- equipment ledger ------------------------------------------------------------------------

def equipment_query(school: OrgUnit, *, category: EquipmentCategory | None = None,
                    state: EquipmentState | None = None, q: str | None = None):
    query = sa.select(Equipment).where(Equipment.school_id == school.id)
    if category is not None:
        query = query.where(Equipment.category == category)
    if state is not None:
        query = query.where(Equipment.state == state)
    if q:
        query = query.where(Equipment.name.contains(q) | Equipment.asset_no.contains(q)
                            | Equipment.model.contains(q) | Equipment.location.contains(q))
    return query.order_by(Equipment.category, Equipment.asset_no)


def find_equipment(school: OrgUnit, equipment_id: int) -> Equipment:
    item = db.session.get(Equipment, equipment_id)
    if item is None or item.school_id != school.id:
        raise NotFound("设备不存在")
    return item


def equipment_by_asset_no(school: OrgUnit, asset_no: str) -> Equipment | None:
    return db.session.scalar(sa.select(Equipment).where(Equipment.school_id == school.id,
                                                        Equipment.asset_no == asset_no))


def _plain(changes: dict) -> dict:
    return {k: [_v(old), _v(new)] for k, (old, new) in changes.items()}


def _v(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


def create_equipment(actor, school: OrgUnit, data: dict, *, kind: str = "created") -> Equipment:
    data = dict(data)
    note = data.pop("note", None)
    if equipment_by_asset_no(school, data["asset_no"]) is not None:
        raise ValidationFailed(f"资产编号 {data['asset_no']} 已存在", code="duplicate",
                               fields={"asset_no": ["资产编号已存在"]})
    item = Equipment(school_id=school.id, **data)
    db.session.add(item)
    db.session.flush()
    snapshot = {k: [None, _v(getattr(item, k))] for k in Equipment.EDITABLE if getattr(item, k) is not None}
    db.session.add(EquipmentChange(equipment_id=item.id, actor_id=getattr(actor, "id", None), kind=kind,
                                   changes=snapshot, note=note))
    record(REALM, f"equipment.{kind}", f"{school.name} 设备入账：{item.asset_no} {item.name} ×{item.quantity}",
           actor=actor, obj=item)
    db.session.flush()
    return item


def update_equipment(actor, item: Equipment, data: dict, *, kind: str = "updated") -> dict:
    """Apply edits; every real change becomes a line of the item's history. Returns the changes."""
    data = dict(data)
    note = data.pop("note", None)
    data.pop("asset_no", None)  # the asset number identifies the line; it is not edited
    changes = diff(item, {k: v for k, v in data.items() if k in Equipment.EDITABLE})
    if changes:
        changes = _plain(changes)
        db.session.add(EquipmentChange(equipment_id=item.id, actor_id=getattr(actor, "id", None), kind=kind,
                                       changes=changes, note=note))
        record(REALM, f"equipment.{kind}", f"设备变更：{item.asset_no} {item.name}（{'、'.join(changes)}）",
               actor=actor, obj=item, data=changes)
    db.session.flush()
    return changes


def equipment_history(item: Equipment) -> list[EquipmentChange]:
    return list(db.session.scalars(sa.select(EquipmentChange).where(EquipmentChange.equipment_id == item.id)
                                   .order_by(EquipmentChange.id.desc())))


def equipment_totals(school: OrgUnit) -> list[tuple[EquipmentCategory, int, int]]:
    """(category, quantity in use, quantity in total) per category, for the ledger summary."""
    rows = db.session.execute(
        sa.select(Equipment.category, Equipment.state, sa.func.sum(Equipment.quantity))
        .where(Equipment.school_id == school.id).group_by(Equipment.category, Equipment.state)).all()
    totals: dict[EquipmentCategory, list[int]] = {}
    for category, state, quantity in rows:
        entry = totals.setdefault(category, [0, 0])
        entry[1] += quantity or 0
        if state == EquipmentState.IN_USE:
            entry[0] += quantity or 0
    return [(c, totals[c][0], totals[c][1]) for c in EquipmentCategory if c in totals]
