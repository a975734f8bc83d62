"""校校通: network access, remote-education receiving points and the equipment ledger (设备台账)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit


class _Labelled(enum.StrEnum):
    @property
    def label(self) -> str:
        return self._labels()[self.value]

    @classmethod
    def _labels(cls) -> dict[str, str]:
        raise NotImplementedError

    @classmethod
    def from_label(cls, text: str):
        for member in cls:
            if text in (member.value, member.label):
                return member
        return None


#: 接入方式 of a school's internet link; "none" means the school is not online.
ACCESS_TYPES = {"fiber": "光纤", "leased_line": "专线", "dsl": "ADSL/DSL", "wireless": "无线/4G/5G",
                "satellite": "卫星", "none": "未接入"}
PROVIDERS = ["中国电信", "中国联通", "中国移动", "中国广电", "教育城域网", "其他"]
WIFI_COVERAGE = {"none": "无", "partial": "部分覆盖", "full": "全覆盖"}


class NetworkAccess(TimestampMixin, db.Model):
    """A school's internet access and campus network (one row per school)."""

    __tablename__ = "school_network_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), unique=True)
    access_type: Mapped[str] = mapped_column(sa.String(16), default="none")
    #: Outgoing bandwidth to the internet, Mbps.
    bandwidth_mbps: Mapped[int] = mapped_column(default=0)
    provider: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    has_campus_network: Mapped[bool] = mapped_column(default=False)
    wifi_coverage: Mapped[str] = mapped_column(sa.String(16), default="none")
    note: Mapped[str | None] = mapped_column(sa.String(200), default=None)

    @property
    def is_online(self) -> bool:
        return self.access_type != "none" and self.bandwidth_mbps > 0


class ReceivingPointMode(_Labelled):
    """The three modes of the rural distance-education project (农远工程)."""

    SATELLITE = "satellite"
    DISC = "disc"
    COMPUTER_ROOM = "computer_room"

    @classmethod
    def _labels(cls):
        return {"satellite": "卫星教学收视点", "disc": "光盘播放点", "computer_room": "计算机教室"}


class ReceivingPointState(_Labelled):
    NORMAL = "normal"
    FAULTY = "faulty"
    STOPPED = "stopped"

    @classmethod
    def _labels(cls):
        return {"normal": "正常", "faulty": "故障", "stopped": "停用"}


class ReceivingPoint(TimestampMixin, db.Model):
    """远程教育接收站点."""

    __tablename__ = "receiving_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    mode: Mapped[ReceivingPointMode] = mapped_column(enum_column(ReceivingPointMode))
    name: Mapped[str] = mapped_column(sa.String(64))
    location: Mapped[str] = mapped_column(sa.String(120))
    state: Mapped[ReceivingPointState] = mapped_column(enum_column(ReceivingPointState),
                                                      default=ReceivingPointState.NORMAL)
    established_on: Mapped[date | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(sa.String(200), default=None)

    school: Mapped[OrgUnit] = relationship()


class EquipmentCategory(_Labelled):
    """设备类别. Computers are split by who uses them: the 生机比 and 师机比 need exactly that."""

    STUDENT_COMPUTER = "student_computer"
    TEACHER_COMPUTER = "teacher_computer"
    OFFICE_COMPUTER = "office_computer"
    MULTIMEDIA_CLASSROOM = "multimedia_classroom"
    INTERACTIVE_WHITEBOARD = "interactive_whiteboard"
    SATELLITE_RECEIVER = "satellite_receiver"
    TV = "tv"
    DISC_PLAYER = "disc_player"
    SERVER = "server"
    NETWORK_DEVICE = "network_device"
    PROJECTOR = "projector"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            "student_computer": "学生用计算机", "teacher_computer": "教师用计算机",
            "office_computer": "办公用计算机", "multimedia_classroom": "多媒体教室",
            "interactive_whiteboard": "交互式电子白板", "satellite_receiver": "卫星接收设备",
            "tv": "电视机", "disc_player": "光盘播放机", "server": "服务器", "network_device": "网络设备",
            "projector": "投影仪", "other": "其他",
        }


class EquipmentState(_Labelled):
    IN_USE = "in_use"
    REPAIR = "repair"
    SCRAPPED = "scrapped"

    @classmethod
    def _labels(cls):
        return {"in_use": "在用", "repair": "维修", "scrapped": "报废"}


FUNDING_SOURCES = ["财政拨款", "专项经费", "学校自筹", "社会捐赠", "其他"]


class Equipment(TimestampMixin, db.Model):
    """A line of the equipment ledger: one model bought at once, ``quantity`` units of it."""

    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    #: 资产编号, unique within the school: the key of the Excel import's upsert.
    asset_no: Mapped[str] = mapped_column(sa.String(32))
    category: Mapped[EquipmentCategory] = mapped_column(enum_column(EquipmentCategory))
    name: Mapped[str] = mapped_column(sa.String(64))
    model: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    quantity: Mapped[int] = mapped_column(default=1)
    purchase_date: Mapped[date | None] = mapped_column(default=None)
    funding_source: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    location: Mapped[str | None] = mapped_column(sa.String(120), default=None)
    state: Mapped[EquipmentState] = mapped_column(enum_column(EquipmentState), default=EquipmentState.IN_USE)

    school: Mapped[OrgUnit] = relationship()
    changes: Mapped[list[EquipmentChange]] = relationship(back_populates="equipment",
                                                          order_by="EquipmentChange.id.desc()")

    __table_args__ = (
        sa.UniqueConstraint("school_id", "asset_no"),
        sa.Index("ix_equipment_school_category", "school_id", "category", "state"),
    )

    EDITABLE = ("category", "name", "model", "quantity", "purchase_date", "funding_source", "location", "state")


class EquipmentChange(db.Model):
    """The ledger's history: every creation, edit, state change and import of a line."""

    __tablename__ = "equipment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(sa.ForeignKey("equipment.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: "created", "updated", "imported"
    kind: Mapped[str] = mapped_column(sa.String(16))
    changes: Mapped[dict] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(sa.String(200), default=None)

    equipment: Mapped[Equipment] = relationship(back_populates="changes")
    actor = relationship("User")
