"""Writing and querying audit entries."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from flask import has_request_context, request

from eduplatform.audit.models import AuditEntry
from eduplatform.extensions import db


def client_ip() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def record(realm: str, kind: str, summary: str, *, actor=None, obj=None, object_type: str | None = None,
           object_id=None, data: dict | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction: it commits or rolls back with the change."""
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
        actor_name=getattr(actor, "username", None),
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        ip=client_ip(),
    )
    db.session.add(entry)
    return entry


def _unproxy(value):
    getter = getattr(value, "_get_current_object", None)
    return getter() if getter is not None else value


def record_security_event(kind: str, summary: str, *, actor=None, obj=None, data: dict | None = None,
                          username: str | None = None) -> None:
    """Record a security event that must survive the refused request: rolls back, writes, commits."""
    db.session.rollback()
    entry = record("security", kind, summary, actor=actor, obj=obj, data=data)
    if username and not entry.actor_name:
        entry.actor_name = username[:64]
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
                   object_type: str | None = None, object_id: str | None = None,
                   since: datetime | None = None, until: datetime | None = None):
    query = db.select(AuditEntry).order_by(AuditEntry.id.desc())
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


CSV_HEADER = ["编号", "时间(UTC)", "领域", "事件", "摘要", "操作人", "对象类型", "对象编号", "IP", "详情"]


def export_csv(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """Stream CSV rows (with a BOM so Excel opens the Chinese text correctly)."""
    import json

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    for entry in entries:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in (
            entry.id, entry.created_at.isoformat(sep=" ", timespec="seconds"), entry.realm, entry.kind,
            entry.summary, entry.actor_name or "", entry.object_type or "", entry.object_id or "",
            entry.ip or "", json.dumps(entry.data, ensure_ascii=False) if entry.data else "",
        )])
        yield buffer.getvalue()


def _cell(value):
    # A cell starting with = + - @ is a formula to Excel: quote it (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
