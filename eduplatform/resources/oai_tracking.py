"""Keep ``oai_records`` in step with the resources, on every flush (``resources/oai.py`` reads them).

A resource is harvestable while it is public (published and 向社会公开, ``Resource.is_public``). Any
path that changes that or the harvested metadata — review, 更改可见范围, a new file, an edit, an
offline-package import, deletion — goes through the ORM, so one ``before_flush`` listener sees them
all instead of a call in each service: a public resource gets (or refreshes) its row with a new
datestamp when its fingerprint changed; a row whose resource is no longer public, or is deleted,
becomes a tombstone (``deleted``, new datestamp) that stays. SQL bulk updates of counters
(downloads) bypass the ORM and change nothing harvested.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from eduplatform.core.db import utcnow
from eduplatform.resources.models import OaiRecord, Resource

#: The attributes the OAI records are made from (counters and review bookkeeping are not).
HARVESTED = ("uid", "type", "title", "description", "stage", "subject", "grade", "textbook_edition",
             "knowledge_points", "keywords", "extra", "format", "published_at", "org_id", "owner_id",
             "current_version")


def datestamp_now():
    """Now in the declared granularity (whole seconds, UTC)."""
    return utcnow().replace(microsecond=0)


def fingerprint(resource: Resource) -> str:
    values = {name: getattr(resource, name) for name in HARVESTED}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
                          .encode()).hexdigest()


def _record_of(session: Session, resource: Resource) -> OaiRecord | None:
    if resource.id is None:  # not inserted yet: its record (if any) is made in this same flush
        return None
    with session.no_autoflush:
        return session.scalars(sa.select(OaiRecord).where(OaiRecord.resource_id == resource.id)).first()


def _withdraw(record: OaiRecord, now) -> None:
    if not record.deleted:
        record.deleted, record.datestamp = True, now


def sync_resource(session: Session, resource: Resource, *, now=None) -> OaiRecord | None:
    """Bring the OAI row of ``resource`` up to date (add, refresh or tombstone it)."""
    now = now or datestamp_now()
    public = resource.is_public
    record = _record_of(session, resource)
    if not public:
        if record is not None:
            _withdraw(record, now)
        return record
    mark = fingerprint(resource)
    if record is None:
        record = OaiRecord(resource=resource, uid=resource.uid, datestamp=now)
        session.add(record)
    elif record.fingerprint == mark and not record.deleted:
        return record
    record.deleted, record.datestamp, record.fingerprint = False, now, mark
    record.type, record.stage, record.subject = resource.type, resource.stage, resource.subject
    return record


@event.listens_for(Session, "before_flush")
def _track_resources(session: Session, flush_context, instances) -> None:
    now = None
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Resource):
            if obj in session.new and not obj.is_public:
                continue  # a new draft has nothing to harvest and no row to look up
            if obj.uid is None:
                from eduplatform.resources.models import _new_uid

                obj.uid = _new_uid()  # the column default comes too late for the record's uid
            now = now or datestamp_now()
            sync_resource(session, obj, now=now)
    for obj in list(session.deleted):
        if isinstance(obj, Resource) and obj.id is not None:
            record = _record_of(session, obj)
            if record is not None:
                now = now or datestamp_now()
                _withdraw(record, now)
                record.resource = None
