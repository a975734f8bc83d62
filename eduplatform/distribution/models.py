"""校校通 distribution: channels (频道/专题) and their revisions, pushes to schools, the delivery of every
item to every school (which is also the school's revision feed), node tokens and reported use; and,
on a school node, what the node has synced."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db


class Channel(TimestampMixin, db.Model):
    """A curated, versioned set of published resources; every change makes a new revision."""

    __tablename__ = "dist_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The bureau that curates it (its subtree sees it).
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The newest revision number (0: nothing added yet).
    revision: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    org = relationship("OrgUnit", lazy="joined")
    items: Mapped[list[ChannelItem]] = relationship(back_populates="channel", order_by="ChannelItem.id")

    __audit_type__ = "dist_channel"

    @property
    def active_items(self) -> list[ChannelItem]:
        return [i for i in self.items if i.retired_revision is None]


class ChannelItem(db.Model):
    """A resource in a channel: in it from ``added_revision`` until ``retired_revision``."""

    __tablename__ = "dist_channel_items"
    __table_args__ = (sa.UniqueConstraint("channel_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("dist_channels.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id"), index=True)
    added_revision: Mapped[int] = mapped_column()
    retired_revision: Mapped[int | None] = mapped_column(default=None)
    #: The file it carries (the resource's current version when added or last updated).
    version_number: Mapped[int] = mapped_column(default=1)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.BigInteger)

    channel: Mapped[Channel] = relationship(back_populates="items")
    resource = relationship("Resource", lazy="joined")


class ChannelRevision(db.Model):
    """What one revision changed (the channel's history)."""

    __tablename__ = "dist_channel_revisions"
    __table_args__ = (sa.UniqueConstraint("channel_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("dist_channels.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    #: {"added": [resource ids], "retired": [...], "updated": [...]}
    changes: Mapped[dict] = mapped_column(default=dict)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TargetKind(enum.StrEnum):
    SUBTREE = "subtree"
    STAGE = "stage"
    SCHOOL_TYPE = "school_type"
    CONNECTIVITY = "connectivity"
    SCHOOLS = "schools"

    @property
    def label(self) -> str:
        return TARGET_LABELS[self]


TARGET_LABELS = {TargetKind.SUBTREE: "整个辖区", TargetKind.STAGE: "按学段", TargetKind.SCHOOL_TYPE: "按办学类型",
                 TargetKind.CONNECTIVITY: "按网络条件", TargetKind.SCHOOLS: "指定学校"}

#: Connectivity classes read from the school's 网络接入 record (``schools.NetworkAccess``).
CONNECTIVITY_LABELS = {"good": "网络良好", "poor": "网络较差", "none": "未联网"}


class Push(db.Model):
    """A channel revision sent to a set of schools (resolved when planned)."""

    __tablename__ = "dist_pushes"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("dist_channels.id"), index=True)
    #: The pushing bureau.
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: The subtree the target is taken from.
    target_org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    revision: Mapped[int] = mapped_column()
    #: Later revisions of the channel go to the same schools.
    follows: Mapped[bool] = mapped_column(default=False)
    target_kind: Mapped[TargetKind] = mapped_column(enum_column(TargetKind))
    #: {"stage": "junior"} / {"school_type": "primary"} / {"connectivity": "poor"} / {"school_ids": [...]}
    target: Mapped[dict] = mapped_column(default=dict)
    starts_on: Mapped[date] = mapped_column()
    #: Transfer window in local time, "HH:MM" (both or neither); may wrap midnight (22:00–06:00).
    window_start: Mapped[str | None] = mapped_column(sa.String(5), default=None)
    window_end: Mapped[str | None] = mapped_column(sa.String(5), default=None)
    #: Bandwidth cap per school, KiB/s (None: no cap).
    cap_kbps: Mapped[int | None] = mapped_column(default=None)
    #: Its deliveries are in the schools' feeds (on or after ``starts_on``).
    activated: Mapped[bool] = mapped_column(default=False)
    school_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    channel: Mapped[Channel] = relationship(lazy="joined")
    target_org = relationship("OrgUnit", foreign_keys=[target_org_id])

    __audit_type__ = "dist_push"

    @property
    def window_label(self) -> str:
        return f"{self.window_start}–{self.window_end}" if self.window_start else "不限"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    TRANSFERRING = "transferring"
    RECEIVED = "received"
    FAILED = "failed"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return DELIVERY_LABELS[self]


DELIVERY_LABELS = {DeliveryState.PENDING: "待发送", DeliveryState.TRANSFERRING: "传输中",
                   DeliveryState.RECEIVED: "已接收", DeliveryState.FAILED: "失败", DeliveryState.RETIRED: "已撤回"}


class Delivery(db.Model):
    """One item of one push at one school. Its ``seq`` places it in the school's revision feed: it is
    given a new, higher one whenever the node has something new to do about it (added, updated, retired)."""

    __tablename__ = "dist_deliveries"
    __table_args__ = (sa.UniqueConstraint("push_id", "school_id", "item_id"),
                      sa.Index("ix_dist_deliveries_school_seq", "school_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    push_id: Mapped[int] = mapped_column(sa.ForeignKey("dist_pushes.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("dist_channel_items.id"), index=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id"))
    #: "added" | "updated" | "retired": what the node is to do.
    action: Mapped[str] = mapped_column(sa.String(8), default="added")
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[DeliveryState] = mapped_column(enum_column(DeliveryState), default=DeliveryState.PENDING,
                                                 index=True)
    bytes_done: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reason: Mapped[str | None] = mapped_column(sa.String(300), default=None)
    last_contact: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Place in the school's feed; None until the push starts.
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)

    push: Mapped[Push] = relationship()
    school = relationship("OrgUnit")
    resource = relationship("Resource")


class FeedSequence(db.Model):
    """The one counter the feed's ``seq`` values are taken from (a block per write)."""

    __tablename__ = "dist_feed_sequence"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class NodeToken(db.Model):
    """A school node's token, issued by the city; only its SHA-256 is kept."""

    __tablename__ = "dist_node_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_contact: Mapped[datetime | None] = mapped_column(default=None)

    school = relationship("OrgUnit", lazy="joined")

    __audit_type__ = "dist_node_token"


class UsageReport(db.Model):
    """Use of a resource at a school node, per day, as the node reported it (views, downloads)."""

    __tablename__ = "dist_usage"
    __table_args__ = (sa.UniqueConstraint("school_id", "resource_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id"), index=True)
    day: Mapped[date] = mapped_column()
    views: Mapped[int] = mapped_column(default=0)
    downloads: Mapped[int] = mapped_column(default=0)


# -- on a school node ----------------------------------------------------------------------------

class NodeState(db.Model):
    """The node's place in its city feed (one row)."""

    __tablename__ = "dist_node_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    cursor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_sync_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(sa.String(500), default=None)


class NodeItem(db.Model):
    """A delivery as the node sees it: what to fetch, and what it became here."""

    __tablename__ = "dist_node_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The city's delivery id.
    delivery_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    resource_uid: Mapped[str] = mapped_column(sa.String(64), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    #: pending | done | failed | retired
    state: Mapped[str] = mapped_column(sa.String(12), default="pending", index=True)
    #: The feed entry (type, metadata, file name, window, cap …).
    entry: Mapped[dict] = mapped_column(default=dict)
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resources.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(sa.String(300), default=None)
    #: The city knows the current state.
    reported: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NodeUsage(db.Model):
    """Views and downloads of a synced resource on the node, per day; ``reported_*`` what the city has."""

    __tablename__ = "dist_node_usage"
    __table_args__ = (sa.UniqueConstraint("resource_uid", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_uid: Mapped[str] = mapped_column(sa.String(64))
    day: Mapped[date] = mapped_column()
    views: Mapped[int] = mapped_column(default=0)
    downloads: Mapped[int] = mapped_column(default=0)
    reported_views: Mapped[int] = mapped_column(default=0)
    reported_downloads: Mapped[int] = mapped_column(default=0)
