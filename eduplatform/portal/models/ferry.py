"""The ferry (网闸 / 光闸) between the internal node and the public one: per direction, the sequence
last sent and last applied; a log of every package sent, applied or refused; and, on the sending
side, what each record looked like when it was last carried (so only changes go)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db

#: out: 内网 → 外网 (what is published); in: 外网 → 内网 (what the public submits)
DIRECTIONS = {"out": "内网→外网", "in": "外网→内网"}
ACTIONS = {"sent": "已生成", "applied": "已导入", "refused": "已拒收"}


class FerryCursor(db.Model):
    """One row per direction: the sender counts ``sent_seq`` up, the receiver keeps ``applied_seq``."""

    __tablename__ = "portal_ferry_cursors"

    direction: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    sent_seq: Mapped[int] = mapped_column(default=0)
    applied_seq: Mapped[int] = mapped_column(default=0)


class FerryPackage(db.Model):
    """A package this node wrote, applied or refused (with the reason)."""

    __tablename__ = "portal_ferry_packages"
    __audit_type__ = "ferry_package"

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(8), index=True)
    action: Mapped[str] = mapped_column(sa.String(12), index=True)
    seq: Mapped[int | None] = mapped_column()
    filename: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    records: Mapped[int] = mapped_column(default=0)
    files: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: what it carried or changed, by kind ({"article": 3, "disclosure_request": 1})
    summary: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    @property
    def direction_label(self) -> str:
        return DIRECTIONS.get(self.direction, self.direction)

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


class FerryDigest(db.Model):
    """The SHA-256 of a record as last carried out of this node; a record is sent again when it changes."""

    __tablename__ = "portal_ferry_digests"
    __table_args__ = (sa.UniqueConstraint("kind", "key", name="uq_portal_ferry_digests_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    key: Mapped[str] = mapped_column(sa.String(80))
    digest: Mapped[str] = mapped_column(sa.String(64))
    seq: Mapped[int] = mapped_column()
