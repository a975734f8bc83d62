"""A step of a report's review is recorded once: one audit entry per hand-in, approval or return,
and the reviewers are told once (not by the engine's to-do notice and reporting's notice both)."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.reporting.services import review
from eduplatform.reporting.services import submissions as services


def _last(model) -> int:
    return db.session.scalar(sa.select(sa.func.max(model.id))) or 0


def _entries_since(start: int) -> list[tuple]:
    return [(e.realm, e.kind, e.object_type) for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.id > start).order_by(AuditEntry.id))]


def _notices_since(start: int) -> list[tuple]:
    return [(n.realm, n.kind, n.org_id, n.user_id) for n in db.session.scalars(
        sa.select(Notice).where(Notice.id > start).order_by(Notice.id))]


def test_a_hand_in_is_one_audit_entry_and_one_notice_to_the_reviewers(task, tree, sub_of, people, good_values):
    sub = sub_of(task, tree.school_a1)
    db.session.commit()
    audit0, notice0 = _last(AuditEntry), _last(Notice)

    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    db.session.commit()

    # saving the values, starting the review, the hand-in itself — no second entry for the hand-in
    assert _entries_since(audit0) == [("reporting", "submission.saved", "report_submission"),
                                      ("workflow", "instance.started", "process_instance"),
                                      ("reporting", "submission.submitted", "report_submission")]
    # the district is told once, in its inbox; its staff get no second (to-do) notice
    assert _notices_since(notice0) == [("reporting", "review", tree.district_a.id, None)]


def test_an_approval_and_a_return_are_one_entry_and_one_notice_each(task, tree, sub_of, people, good_values):
    sub = sub_of(task, tree.school_a1)
    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    db.session.commit()

    audit0, notice0 = _last(AuditEntry), _last(Notice)
    review.approve(sub, people.district_a_staff)
    db.session.commit()
    assert _entries_since(audit0) == [("reporting", "submission.approved", "report_submission")]
    assert _notices_since(notice0) == [("reporting", "review", tree.city.id, None)]

    audit0, notice0 = _last(AuditEntry), _last(Notice)
    review.send_back(sub, people.city_staff, "数据与上年差异过大，请核对")
    db.session.commit()
    assert _entries_since(audit0) == [("reporting", "submission.returned", "report_submission")]
    # the school is told once (its inbox), not also its admin personally by the engine
    assert _notices_since(notice0) == [("reporting", "returned", tree.school_a1.id, None)]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.id > audit0))
    assert entry.data["reason"] == "数据与上年差异过大，请核对" and entry.data["instance"] is not None
