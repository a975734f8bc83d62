"""One audit entry shape for every domain (after indico's LogEntryBase)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db


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
    #: The X-Request-ID of the request that wrote it (matches the log lines); not in the chain.
    #: Left out of INSERTs and SELECTs unless set or asked for (server default, deferred), so code
    #: that writes entries also runs on a database not yet migrated to it (the migration tests).
    request_id: Mapped[str | None] = mapped_column(sa.String(128), server_default=sa.text("NULL"), deferred=True)

    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)
    #: no RETURNING of request_id after an INSERT
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012


class AuditEntryImmutable(Exception):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target):
    # The database refuses it as well (triggers in the migration); this catches it earlier.
    raise AuditEntryImmutable("审计记录不可修改或删除")


class AuditChainLink(db.Model):
    """One link of the tamper-evident chain: the hash of one entry, chained to the link before it.

    Written only by the sealer (``audit.chain``), in ``seq`` order, under a lock; append-only in
    the database (triggers), removable only for the links an archive record covers.
    """

    __tablename__ = "audit_chain"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Not a foreign key: an archived entry leaves with its link, and a deleted one must show.
    entry_id: Mapped[int] = mapped_column(unique=True)
    #: SHA-256 of the entry's columns (``chain.entry_hash``).
    entry_hash: Mapped[str] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    #: HMAC-SHA256 over seq, entry id, entry hash and the previous link's hash.
    hash: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditArchive(db.Model):
    """A signed export that took the chain's links ``first_seq``–``last_seq`` (and their entries) away."""

    __tablename__ = "audit_archives"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Entries older than this (UTC) were archived.
    before: Mapped[datetime]
    first_seq: Mapped[int]
    last_seq: Mapped[int]
    entry_count: Mapped[int]
    #: The chain continues from here: the next link's ``prev_hash``.
    head_hash: Mapped[str] = mapped_column(sa.String(64))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    actor_name: Mapped[str | None] = mapped_column(sa.String(64))
    #: HMAC over the fields above: a forged archive record (to excuse a deletion) shows.
    signature: Mapped[str] = mapped_column(sa.String(64))


@event.listens_for(AuditChainLink, "before_update")
@event.listens_for(AuditChainLink, "before_delete")
@event.listens_for(AuditArchive, "before_update")
@event.listens_for(AuditArchive, "before_delete")
def _refuse_chain_change(mapper, connection, target):
    raise AuditEntryImmutable("审计链与归档记录不可修改或删除")
