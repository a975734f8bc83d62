"""Org units and their materialised path, which makes "this unit and everything below" one LIKE."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.util import identity_key

from eduplatform.core.db import TimestampMixin, enum_column
from eduplatform.core.extensions import db


class OrgType(enum.StrEnum):
    CITY_BUREAU = "city_bureau"
    DISTRICT_BUREAU = "district_bureau"
    SCHOOL = "school"
    DEPARTMENT = "department"

    @property
    def label(self) -> str:
        return ORG_TYPE_LABELS[self]


ORG_TYPE_LABELS = {
    OrgType.CITY_BUREAU: "市教育局",
    OrgType.DISTRICT_BUREAU: "区县教育局",
    OrgType.SCHOOL: "学校",
    OrgType.DEPARTMENT: "科室",
}

#: Which unit types may sit under which parent type.
ALLOWED_CHILDREN = {
    None: {OrgType.CITY_BUREAU},
    OrgType.CITY_BUREAU: {OrgType.DISTRICT_BUREAU, OrgType.SCHOOL, OrgType.DEPARTMENT},
    OrgType.DISTRICT_BUREAU: {OrgType.SCHOOL, OrgType.DEPARTMENT},
    OrgType.SCHOOL: set(),
    OrgType.DEPARTMENT: set(),
}


class Stage(enum.StrEnum):
    """学段."""

    KINDERGARTEN = "kindergarten"
    PRIMARY = "primary"
    JUNIOR = "junior"
    SENIOR = "senior"
    VOCATIONAL = "vocational"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.KINDERGARTEN: "幼儿园",
    Stage.PRIMARY: "小学",
    Stage.JUNIOR: "初中",
    Stage.SENIOR: "高中",
    Stage.VOCATIONAL: "中职",
}


class OrgUnit(TimestampMixin, db.Model):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable external code (学校标识码 for schools), used by the CLI and the API.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    type: Mapped[OrgType] = mapped_column(enum_column(OrgType))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: "/1/4/17/": ids from the root down to this unit; subtree = path LIKE '/1/4/%'.
    path: Mapped[str] = mapped_column(sa.String(255), index=True, default="")
    #: 学段 a school offers (codes of Stage); empty for bureaus.
    stages: Mapped[list] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.code")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.name}>"

    @property
    def is_bureau(self) -> bool:
        return self.type in (OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def contains(self, other: OrgUnit | None) -> bool:
        """True when ``other`` is this unit or lies below it."""
        return other is not None and other.path.startswith(self.path)

    def subtree_ids(self) -> sa.Select:
        """A SELECT of the ids of this unit and of every unit below it, for ``column.in_(...)``."""
        return sa.select(OrgUnit.id).where(OrgUnit.path.startswith(self.path))

    @property
    def path_ids(self) -> list[int]:
        """Ids from the root down to this unit, itself included ("/1/4/17/" → [1, 4, 17])."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def ancestor_ids(self) -> list[int]:
        """Ids of the units above this one, nearest first."""
        return self.path_ids[-2::-1]

    def ancestors(self) -> list[OrgUnit]:
        """The units above this one, nearest first: those already loaded, the rest in one query."""
        session = object_session(self)
        if session is None or not self.path:  # not flushed yet: only the in-memory chain exists
            chain, node = [], self.parent
            while node is not None:
                chain.append(node)
                node = node.parent
            return chain
        ids = self.ancestor_ids()
        found = {}
        for unit_id in ids:
            unit = session.identity_map.get(identity_key(OrgUnit, unit_id))
            if unit is not None:
                found[unit_id] = unit
        missing = [unit_id for unit_id in ids if unit_id not in found]
        if missing:
            found.update((u.id, u) for u in session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(missing))))
        return [found[unit_id] for unit_id in ids if unit_id in found]

    def nearest(self, *types: OrgType) -> OrgUnit | None:
        """This unit, or the nearest unit above it, of one of ``types``."""
        if self.type in types:
            return self
        return next((unit for unit in self.ancestors() if unit.type in types), None)

    @property
    def district(self) -> OrgUnit | None:
        """The district bureau this unit lies in (a district is its own); None for the city bureau,
        its departments and the schools it runs directly (市直属)."""
        return self.nearest(OrgType.DISTRICT_BUREAU)

    @property
    def city(self) -> OrgUnit | None:
        """The city bureau at the top of this unit's tree."""
        return self.nearest(OrgType.CITY_BUREAU)

    def reviewing_bureau(self) -> OrgUnit | None:
        """The bureau that reviews what this unit hands in (resources, report submissions): a bureau
        reviews its own; a school or a department goes to the nearest bureau above it — its
        district, or the city for a school the city runs directly."""
        return self.nearest(OrgType.DISTRICT_BUREAU, OrgType.CITY_BUREAU)

    @property
    def stage_labels(self) -> list[str]:
        return [Stage(s).label for s in self.stages or []]

    @property
    def owning_bureau_or_school(self) -> OrgUnit:
        """A department acts for the bureau it belongs to."""
        return self.parent if self.type == OrgType.DEPARTMENT and self.parent else self
