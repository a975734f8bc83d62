"""Writing and querying audit entries."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa

from eduplatform.audit import chain
from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.core.observability import current_request_id
from eduplatform.core.security import client_ip


def record(realm: str, kind: str, summary: str, *, actor=None, obj=None, object_type: str | None = None,
           object_id=None, data: dict | None = None, actor_name: str | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction: it commits or rolls back with the change.

    ``actor_name``: the login name given when there is no actor (an unknown or refused username)."""
    # Callers may hand over Flask-Login's ``current_user`` proxy; record the object behind it.
    actor = _unproxy(actor)
    obj = _unproxy(obj)
    if obj is not None:
        object_type = object_type or getattr(obj, "__audit_type__", None) or type(obj).__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    entry = AuditEntry(
        realm=realm,
        kind=kind,
        summary=summary[:500],
        data=data or {},
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or (actor_name[:64] if actor_name else None),
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        ip=client_ip(),
    )
    request_id = current_request_id()
    if request_id is not None:  # (outside a request the column is left out of the INSERT)
        entry.request_id = request_id
    db.session.add(entry)
    db.session.info[chain.WROTE] = True  # sealed into the chain after commit
    return entry


def _unproxy(value):
    getter = getattr(value, "_get_current_object", None)
    return getter() if getter is not None else value


def record_security_event(kind: str, summary: str, *, actor=None, obj=None, data: dict | None = None,
                          username: str | None = None) -> None:
    """Record a security event that must survive the refused request: rolls back, writes, commits."""
    db.session.rollback()
    record("security", kind, summary, actor=actor, obj=obj, data=data, actor_name=username)
    db.session.commit()


def diff(obj, changes: dict) -> dict:
    """{field: [old, new]} for the fields that really change; applies them to ``obj``."""
    changed = {}
    for field, new in changes.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [_plain(old), _plain(new)]
            setattr(obj, field, new)
    return changed


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def filter_entries(*, realm: str | None = None, kind: str | None = None, actor: str | None = None,
                   actor_id: int | None = None, org=None, object_type: str | None = None,
                   object_id: str | None = None, since: datetime | None = None, until: datetime | None = None):
    """``org``: an OrgUnit; entries by the people of it and the units below it."""
    from eduplatform.accounts.models import User
    from eduplatform.orgs.models import OrgUnit

    query = db.select(AuditEntry).order_by(AuditEntry.id.desc())
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if org is not None:
        people = (sa.select(User.id).join(OrgUnit, OrgUnit.id == User.org_id)
                  .where(OrgUnit.path.startswith(org.path)))
        query = query.where(AuditEntry.actor_id.in_(people))
    if realm:
        query = query.where(AuditEntry.realm == realm)
    if kind:
        query = query.where(AuditEntry.kind.startswith(kind))
    if actor:
        query = query.where(AuditEntry.actor_name == actor)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if since:
        query = query.where(AuditEntry.created_at >= since)
    if until:
        query = query.where(AuditEntry.created_at < until)
    return query


CSV_HEADER = ["编号", "时间(北京时间)", "领域", "事件", "事件代码", "摘要", "操作人", "操作人账号", "对象类型",
              "对象编号", "IP", "详情"]
EXPORT_BATCH = 1000


def iter_rows(query, batch: int = EXPORT_BATCH) -> Iterator:
    """The rows of an audit select (newest first), read in keyset batches of plain tuples.

    Memory stays bounded by one batch whatever the size of the log, and no ORM objects pile up in
    the session. Entries are append-only and ids only grow, so entries written during the export
    are left out (the upper bound is fixed first) and none is read twice.
    """
    columns = query.with_only_columns(*AuditEntry.__table__.columns).order_by(None).order_by(AuditEntry.id.desc())
    upper = db.session.execute(query.with_only_columns(sa.func.max(AuditEntry.id)).order_by(None)).scalar()
    if upper is None:
        return
    upper += 1
    while True:
        rows = db.session.execute(columns.where(AuditEntry.id < upper).limit(batch)).all()
        # Release the read snapshot between batches: a long download must not pin the database.
        db.session.rollback()
        if not rows:
            return
        yield from rows
        upper = rows[-1].id


def export_csv(query, *, batch: int = EXPORT_BATCH) -> Iterator[str]:
    """Stream CSV rows (with a BOM so Excel opens the Chinese text correctly), ``batch`` rows a chunk."""
    import json

    from eduplatform.audit.labels import kind_label, realm_label
    from eduplatform.core.templating import localtime

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    names = _PersonNames()
    pending: list = []
    for row in iter_rows(query):
        pending.append(row)
        if len(pending) >= batch:
            yield _csv_chunk(buffer, writer, pending, names, json, kind_label, realm_label, localtime)
            pending = []
    if pending:
        yield _csv_chunk(buffer, writer, pending, names, json, kind_label, realm_label, localtime)


def _csv_chunk(buffer, writer, rows, names, json, kind_label, realm_label, localtime) -> str:
    buffer.seek(0)
    buffer.truncate()
    names.load({r.actor_id for r in rows if r.actor_id})
    for r in rows:
        writer.writerow([_cell(v) for v in (
            r.id, localtime(r.created_at, "%Y-%m-%d %H:%M:%S"), realm_label(r.realm), kind_label(r.kind), r.kind,
            r.summary, names.get(r.actor_id) or r.actor_name or "", r.actor_name or "", r.object_type or "",
            r.object_id or "", r.ip or "", json.dumps(r.data, ensure_ascii=False) if r.data else "",
        )])
    return buffer.getvalue()


class _PersonNames:
    """Display names of the users an export names, looked up a batch at a time (bounded)."""

    LIMIT = 5000

    def __init__(self):
        self.names: dict[int, str] = {}

    def load(self, ids: set[int]) -> None:
        from eduplatform.accounts.models import User

        missing = [i for i in ids if i not in self.names]
        if not missing:
            return
        if len(self.names) > self.LIMIT:
            self.names.clear()
        found = dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(missing))).all())
        db.session.rollback()
        for i in missing:
            self.names[i] = found.get(i, "")

    def get(self, user_id):
        return self.names.get(user_id) if user_id else None


def _cell(value):
    # A cell starting with = + - @ is a formula to Excel: quote it (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def person_names(ids) -> dict[int, tuple[str, str]]:
    """{user id: (display name, login name)} for the people a page of entries names."""
    from eduplatform.accounts.models import User

    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.display_name, User.username).where(User.id.in_(ids)))
    return {r.id: (r.display_name, r.username) for r in rows}


_TITLE_ATTRIBUTES = ("title", "name", "display_name", "filename", "original_name", "asset_no", "code")


def object_titles(entries) -> dict[tuple[str, str], str]:
    """{(object type, id): title} for the objects a page of entries names (one query per type).

    Models are found by their ``__audit_type__`` or table name; their title is the first of
    title / name / display name … they have. Objects gone since are simply not titled.
    """
    wanted: dict[str, set[str]] = {}
    for e in entries:
        if e.object_type and e.object_id:
            wanted.setdefault(e.object_type, set()).add(e.object_id)
    models = {}
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        for name in {getattr(cls, "__audit_type__", None), getattr(cls, "__tablename__", None)} - {None}:
            models.setdefault(name, cls)
    titles = {}
    for object_type, ids in wanted.items():
        cls = models.get(object_type)
        attribute = next((a for a in _TITLE_ATTRIBUTES if cls is not None and hasattr(cls, a)
                          and isinstance(getattr(cls, a, None), sa.orm.InstrumentedAttribute)), None)
        pk = sa.inspect(cls).primary_key if cls is not None else ()
        if attribute is None or len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        numbers = [int(i) for i in ids if i.isdigit()]
        for row_id, title in db.session.execute(sa.select(pk[0], getattr(cls, attribute)).where(pk[0].in_(numbers))):
            titles[(object_type, str(row_id))] = title
    return titles
