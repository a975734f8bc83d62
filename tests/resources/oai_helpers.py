"""Public resources in bulk for the OAI-PMH harvest test and bench (rows only: no files, no review)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import sqlalchemy as sa

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.resources.models import OaiRecord, Resource, ReviewState, Visibility

TYPES = ("courseware", "paper", "case", "media_video", "literature")
STAGES = (("primary", "math", "g3"), ("junior", "physics", "g8"), ("senior", "chinese", "g10"))
_numbers = itertools.count(1)


def add_public_resources(owner, count: int) -> list[Resource]:
    """``count`` published 向社会公开 resources of ``owner``, flushed (their OAI records come with them)."""
    made = []
    for _ in range(count):
        n = next(_numbers)
        stage, subject, grade = STAGES[n % len(STAGES)]
        made.append(Resource(type=TYPES[n % len(TYPES)], title=f"公开资源 {n}", description=f"第 {n} 个公开资源",
                             stage=stage, subject=subject, grade=grade, keywords=[f"关键词{n % 7}"],
                             format="pdf", state=ReviewState.PUBLISHED, visibility=Visibility.PUBLIC,
                             published_at=utcnow(), owner_id=owner.id, org_id=owner.org_id))
    db.session.add_all(made)
    db.session.flush()
    return made


def backdate(records_per_second: int = 10, days: int = 1) -> None:
    """Spread the OAI datestamps over the past, ``records_per_second`` sharing each second (ties the
    keyset has to page through)."""
    ids = list(db.session.scalars(sa.select(OaiRecord.id).order_by(OaiRecord.id)))
    base = utcnow().replace(microsecond=0) - timedelta(days=days)
    table = OaiRecord.__table__
    db.session.execute(table.update().where(table.c.id == sa.bindparam("rid"))
                       .values(datestamp=sa.bindparam("stamp")),
                       [{"rid": rid, "stamp": base + timedelta(seconds=i // records_per_second)}
                        for i, rid in enumerate(ids)])
