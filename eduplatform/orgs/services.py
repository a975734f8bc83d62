"""Creating org units and reading the part of the tree a user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import visible_to
from eduplatform.core.signals import audit
from eduplatform.orgs.models import ALLOWED_CHILDREN, ORG_TYPE_LABELS, OrgType, OrgUnit, Stage


def find_org(code: str | None) -> OrgUnit | None:
    if not code:
        return None
    return db.session.scalar(db.select(OrgUnit).where(OrgUnit.code == code))


def create_org_unit(actor, *, code: str, name: str, type: OrgType, parent: OrgUnit | None,
                    stages: list[Stage] | None = None) -> OrgUnit:
    parent_type = parent.type if parent else None
    if type not in ALLOWED_CHILDREN[parent_type]:
        where = ORG_TYPE_LABELS[parent_type] if parent_type else "顶层"
        raise ValidationFailed(f"{where}下不能设立{ORG_TYPE_LABELS[type]}", fields={"type": ["单位类型与上级不符"]})
    if find_org(code) is not None:
        raise ValidationFailed(f"单位代码 {code} 已存在", code="duplicate", fields={"code": ["单位代码已存在"]})
    if stages and type != OrgType.SCHOOL:
        raise ValidationFailed("只有学校可以设置学段", fields={"stages": ["只有学校可以设置学段"]})
    org = OrgUnit(code=code, name=name, type=type, parent=parent,
                  stages=[Stage(s).value for s in stages or []])
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    audit("orgs", "org.created", f"新建{type.label}：{name}（{code}）", actor=actor, obj=org,
          data={"parent": parent.code if parent else None})
    db.session.flush()
    return org


def visible_units(user) -> list[OrgUnit]:
    """Every unit the user may see, ordered so parents come before children.

    The org tree is structure, not a business record: the system administrator sees all of it."""
    query = visible_to(user, db.select(OrgUnit).order_by(OrgUnit.path), org_column=OrgUnit.id, admin=True)
    units = list(db.session.scalars(query))
    return sorted(units, key=lambda u: (u.depth, u.code))


@dataclass
class OrgNode:
    unit: OrgUnit
    children: list[OrgNode] = field(default_factory=list)


def visible_tree(user) -> list[OrgNode]:
    """The visible units as a forest (one root for most users: their bureau or school)."""
    units = visible_units(user)
    nodes = {unit.id: OrgNode(unit) for unit in units}
    roots = []
    for unit in units:
        node = nodes[unit.id]
        parent = nodes.get(unit.parent_id)
        (parent.children if parent else roots).append(node)
    return roots
