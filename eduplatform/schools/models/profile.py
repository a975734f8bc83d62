"""The school profile: a 1:1 extension of a school ``OrgUnit`` (code, name, 学段 and district stay there)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit


class SchoolType(enum.StrEnum):
    """办学类型 (after the statistical categories of the MoE yearly survey)."""

    PRIMARY = "primary"
    JUNIOR = "junior"
    SENIOR = "senior"
    COMPLETE_SECONDARY = "complete_secondary"
    NINE_YEAR = "nine_year"
    TWELVE_YEAR = "twelve_year"
    VOCATIONAL = "vocational"
    SPECIAL = "special"
    KINDERGARTEN = "kindergarten"

    @property
    def label(self) -> str:
        return SCHOOL_TYPE_LABELS[self]


SCHOOL_TYPE_LABELS = {
    SchoolType.PRIMARY: "小学",
    SchoolType.JUNIOR: "初级中学",
    SchoolType.SENIOR: "高级中学",
    SchoolType.COMPLETE_SECONDARY: "完全中学",
    SchoolType.NINE_YEAR: "九年一贯制学校",
    SchoolType.TWELVE_YEAR: "十二年一贯制学校",
    SchoolType.VOCATIONAL: "中等职业学校",
    SchoolType.SPECIAL: "特殊教育学校",
    SchoolType.KINDERGARTEN: "幼儿园",
}

#: 城乡分类 and 办学性质, kept as plain labelled codes for reporting.
LOCALITY_LABELS = {"urban": "城区", "town": "镇区", "rural": "乡村"}
OWNERSHIP_LABELS = {"public": "公办", "private": "民办"}


class SchoolProfile(TimestampMixin, db.Model):
    """What the school admin keeps about the school; every change is a ``SchoolProfileRevision``."""

    __tablename__ = "school_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), unique=True)
    school_type: Mapped[SchoolType | None] = mapped_column(enum_column(SchoolType), default=None)
    #: 学校标识码 (10 digits, ``personal.parse_school_identifier``), as the national registry has it.
    identifier_code: Mapped[str | None] = mapped_column(sa.String(10), default=None)
    locality: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    ownership: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    address: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    postcode: Mapped[str | None] = mapped_column(sa.String(6), default=None)
    principal: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    principal_phone: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    contact: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    contact_phone: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    email: Mapped[str | None] = mapped_column(sa.String(120), default=None)
    website: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    #: Ordinary teaching classrooms (普通教室): the denominator of the multimedia-classroom share.
    classroom_count: Mapped[int] = mapped_column(default=0)

    org: Mapped[OrgUnit] = relationship(lazy="joined")

    #: Profile fields the school admin edits (everything else lives on the OrgUnit).
    EDITABLE = ("school_type", "identifier_code", "locality", "ownership", "address", "postcode", "principal", "principal_phone",
                "contact", "contact_phone", "email", "website", "classroom_count")

    @property
    def campuses(self) -> list[Campus]:
        """The school's campuses, main campus first (also for a profile not saved yet)."""
        return list(db.session.scalars(sa.select(Campus).where(Campus.school_id == self.org.id)
                                       .order_by(Campus.is_main.desc(), Campus.id)))

    @property
    def district(self) -> OrgUnit | None:
        """The district bureau above the school (None for a school run by the city directly)."""
        return self.org.district

    @classmethod
    def for_org(cls, org: OrgUnit) -> SchoolProfile | None:
        return db.session.scalar(sa.select(cls).where(cls.org_id == org.id))


class SchoolProfileRevision(db.Model):
    """One saved edit of a profile: {field: [old, new]} and who made it."""

    __tablename__ = "school_profile_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("school_profiles.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changes: Mapped[dict] = mapped_column(default=dict)

    actor = relationship("User")


class Campus(TimestampMixin, db.Model):
    """校区: a school has a main campus and maybe others; receiving points and equipment sit on one."""

    __tablename__ = "school_campuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    is_main: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)
