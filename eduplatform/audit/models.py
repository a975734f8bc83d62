"""One audit entry shape for every domain (after indico's LogEntryBase)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.db import utcnow
from eduplatform.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The domain that wrote it: "accounts", "orgs", "security", "resources" …
    realm: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: What happened, dotted: "user.created", "login.failed", "permission.denied" …
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    summary: Mapped[str] = mapped_column(sa.String(500))
    #: Details, e.g. {"field": [old, new]} for a change.
    data: Mapped[dict] = mapped_column(default=dict)
    #: Kept as plain values, not foreign keys: the record must outlive the user it names.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_name: Mapped[str | None] = mapped_column(sa.String(64))
    object_type: Mapped[str | None] = mapped_column(sa.String(32))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    ip: Mapped[str | None] = mapped_column(sa.String(45))

    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)


class AuditEntryImmutable(Exception):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target):
    # The database refuses it as well (triggers in the migration); this catches it earlier.
    raise AuditEntryImmutable("审计记录不可修改或删除")
