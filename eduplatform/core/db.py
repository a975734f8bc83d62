"""Declarative base, column mixins and engine tweaks shared by every domain."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL; shown in Asia/Shanghai."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    # Set on the registry: Flask-SQLAlchemy subclasses this base, and SQLAlchemy 2.1 refuses a
    # per-class type_annotation_map there.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dict: sa.JSON, list: sa.JSON},
    )


def enum_column(enum_cls: type[enum.Enum], **kwargs):
    """A portable string column for a Python enum (stores the value, not the member name)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        **kwargs,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SoftDeleteMixin:
    """Rows are hidden, never removed, and remember who hid them and when."""

    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self, actor) -> None:
        self.deleted_at = utcnow()
        self.deleted_by_id = actor.id if actor is not None else None


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    # pysqlite's own transaction handling breaks SAVEPOINT (used by the test isolation and by
    # nested service transactions); let SQLAlchemy emit BEGIN itself, and enforce foreign keys.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # WAL lets readers go on while the one writer works (gunicorn workers, the dev server).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")
