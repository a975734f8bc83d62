"""Declarative base, column mixins and engine tweaks shared by every domain."""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

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
        # A writer waits this long for the one writer lock (see below: writes queue, never fail
        # for a stale read); each holder keeps it only from its first write to its commit.
        cursor.execute("PRAGMA busy_timeout=15000")
        # WAL lets readers go on while the one writer works (gunicorn workers, the dev server).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


# --- SQLite: one writer at a time, and no write ever fails for a stale read -------------------
#
# SQLite (WAL) lets readers go on beside one writer. A transaction begun with a plain (deferred)
# BEGIN reads from a snapshot; when it later writes and another connection has committed since,
# SQLite refuses the upgrade at once (SQLITE_BUSY_SNAPSHOT, "database is locked") — the busy
# timeout never applies, since waiting cannot make the snapshot fresh. Under gunicorn that made most
# logins, autosaves and refusal audits answer 500 in a rush.
#
# So a SQLite transaction's BEGIN is emitted lazily, with its first statement: BEGIN IMMEDIATE when
# that statement writes (the writer lock is taken first, and other writers wait their turn on the
# busy timeout), a deferred BEGIN when it reads. When a transaction that has only read comes to its
# first write (or to a SELECT … FOR UPDATE or a SAVEPOINT, which announce one), nothing is lost by
# ending its read snapshot, so it restarts there as BEGIN IMMEDIATE and the write waits for the
# lock instead of failing. The objects already loaded stay as they were read; statements from then
# on see the latest commits and hold the lock until COMMIT — what PostgreSQL's READ COMMITTED gives
# the same code, so a read whose result decides a write needs ``with_for_update()`` (or a
# conditional UPDATE / version column) on both databases alike. The writer lock is held only from
# the first write to the commit: slow work that only reads (a password hash check, streaming an
# upload to storage) holds nothing, as long as it runs before the unit of work's first write.
# PostgreSQL is untouched: none of this runs for another dialect.

_TXN = "edu_sqlite_txn"  # in Connection.info: "pending" (no BEGIN yet), "read" or "write"
_FIRST_WORD = re.compile(r"\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*([A-Za-z]+)", re.DOTALL)
_READS = frozenset({"SELECT", "PRAGMA", "EXPLAIN", "VALUES"})
_WRITE_IN_CTE = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def statement_writes(statement: str, context=None) -> bool:
    """Whether a SQLite statement writes or announces a write (FOR UPDATE, SAVEPOINT, DDL …)."""
    match = _FIRST_WORD.match(statement)
    word = match.group(1).upper() if match else ""
    if word == "WITH":
        return bool(_WRITE_IN_CTE.search(statement))
    if word in _READS:
        # SQLite has no FOR UPDATE (SQLAlchemy leaves it out): the select itself says it leads to a write.
        compiled = getattr(context, "compiled", None)
        return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None
    return True


#: an engine created with this execution option keeps SQLite's own transactions (the job broker's:
#: kombu's SQLAlchemy transport begins its own ``BEGIN IMMEDIATE``; see core/jobs/celery_app.py)
PLAIN_SQLITE = "edu_plain_sqlite"


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite" and not conn.get_execution_options().get(PLAIN_SQLITE):
        conn.info[_TXN] = "pending"


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(conn):
    conn.info.pop(_TXN, None)


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_before_statement(conn, cursor, statement, parameters, context, executemany):
    state = conn.info.get(_TXN)
    if state is None or state == "write":
        return
    if not statement_writes(statement, context):
        if state == "pending":
            cursor.connection.execute("BEGIN")
            conn.info[_TXN] = "read"
        return
    if state == "read":
        # Only reads so far (and no savepoint: a SAVEPOINT counts as a write): end the snapshot.
        cursor.connection.execute("ROLLBACK")
    cursor.connection.execute("BEGIN IMMEDIATE")
    conn.info[_TXN] = "write"


# --- has this unit of work written? ------------------------------------------------------------

_WROTE = "edu_wrote"


@event.listens_for(Session, "after_flush")
def _mark_written(session, flush_context):
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk_written(state):
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _clear_written(session):
    session.info.pop(_WROTE, None)


def has_writes(session) -> bool:
    """Whether the session's transaction has written (flushed) or holds changes not flushed yet: a
    page that may write on the way (a sync pulled from another domain) commits only then, so a plain
    read does not expire every object it loaded and load them again to render."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WROTE))
