"""One step of a resource's review is one audit entry (the resource's words), not the engine's
transition entry and the library's entry both."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.resources import review
from eduplatform.resources.models import ReviewState
from tests.resources.test_review_engine import _submitted


def test_an_approval_step_is_one_audit_entry(upload, people):
    resource = _submitted(upload, people.teacher_a1, "一步一记")
    audit0 = db.session.scalar(sa.select(sa.func.max(AuditEntry.id)))
    notice0 = db.session.scalar(sa.select(sa.func.max(Notice.id))) or 0

    review.approve(resource, people.school_a1_admin)
    db.session.commit()

    assert resource.state == ReviewState.DISTRICT_REVIEW
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > audit0)).all()
    assert [(e.realm, e.kind, e.object_type, e.object_id) for e in entries] == [
        ("resources", "resource.approve_school", "resource", str(resource.id))]
    assert entries[0].data["instance"] == review.current_instance(resource).id
    # the district's reviewers get their to-do notice once each (the engine's, the library adds none)
    told = db.session.scalars(sa.select(Notice.user_id).where(Notice.id > notice0)).all()
    assert told and len(told) == len(set(told))
