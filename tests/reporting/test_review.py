"""Review up the tree: district, then city; returns need a reason and go back to the school."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.reporting.models import SubmissionStatus
from eduplatform.reporting.services import review
from eduplatform.reporting.services import submissions as services


@pytest.fixture
def submitted(task, tree, sub_of, people, good_values):
    sub = sub_of(task, tree.school_a1)
    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    db.session.commit()
    return sub


def test_full_flow_with_a_return_and_resubmission(submitted, people, tree):
    sub = submitted
    assert review.review_chain(sub) == [tree.district_a, tree.city]
    assert review.available_actions(sub, people.district_a_staff) == ["approve", "return"]
    assert review.available_actions(sub, people.city_staff) == []
    assert review.available_actions(sub, people.district_b_staff) == []
    assert review.available_actions(sub, people.school_a1_admin) == []

    review.send_back(sub, people.district_a_staff, "教师总数与人事系统不符，请核对")
    assert sub.status == SubmissionStatus.RETURNED and sub.last_comment.startswith("教师总数")
    assert services.lock_reason(sub) is None
    services.submit_submission(sub, people.school_a1_admin, raw={"teachers_total": 41})
    assert sub.status == SubmissionStatus.SUBMITTED

    review.approve(sub, people.district_a_staff)
    assert sub.status == SubmissionStatus.DISTRICT_APPROVED
    assert review.available_actions(sub, people.district_a_staff) == []
    assert review.available_actions(sub, people.city_staff) == ["approve", "return"]
    review.approve(sub, people.city_staff, "数据完整")
    assert sub.status == SubmissionStatus.APPROVED and sub.approved_at is not None
    assert "审核通过" in services.lock_reason(sub)
    db.session.commit()

    steps = [(e.action, e.from_status, e.to_status) for e in review.events(sub)]
    assert steps == [("submit", "draft", "submitted"), ("return", "submitted", "returned"),
                     ("submit", "returned", "submitted"), ("approve", "submitted", "district_approved"),
                     ("approve", "district_approved", "approved")]
    assert review.events(sub)[1].comment == "教师总数与人事系统不符，请核对"
    kinds = set(db.session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.object_id == str(sub.id),
                                                                     AuditEntry.object_type == "report_submission")))
    assert {"submission.submitted", "submission.returned", "submission.approved"} <= kinds
    titles = db.session.scalars(sa.select(Notice.title).where(Notice.org_id == tree.school_a1.id)).all()
    assert any(t.startswith("已退回") for t in titles) and any(t.startswith("审核通过") for t in titles)


def test_return_needs_a_reason(submitted, people):
    with pytest.raises(ValidationFailed, match="退回原因"):
        review.send_back(submitted, people.district_a_staff, "  ")
    assert submitted.status == SubmissionStatus.SUBMITTED


def test_city_cannot_skip_the_district_and_others_cannot_act(submitted, people):
    with pytest.raises(PermissionDenied, match="等待东湖区教育局审核"):
        review.approve(submitted, people.city_staff)
    with pytest.raises(PermissionDenied):
        review.approve(submitted, people.district_b_staff)
    with pytest.raises(PermissionDenied):
        review.send_back(submitted, people.school_a1_admin, "自己退回")


def test_the_city_sends_back_what_the_district_approved_and_approval_is_final(submitted, people):
    review.approve(submitted, people.district_a_staff)
    review.send_back(submitted, people.city_staff, "复核发现经费数据有误")
    assert submitted.status == SubmissionStatus.RETURNED and submitted.last_comment == "复核发现经费数据有误"
    services.submit_submission(submitted, people.school_a1_admin)
    assert review.available_actions(submitted, people.city_staff) == []  # the district reviews again first
    review.approve(submitted, people.district_a_staff)
    review.approve(submitted, people.city_staff)
    assert review.available_actions(submitted, people.city_staff) == []
    with pytest.raises(Conflict):
        review.send_back(submitted, people.city_staff, "再退回")


def test_the_flow_runs_on_the_process_engine(submitted, people, tree):
    from eduplatform import workflow

    instance = review.process_instance(submitted)
    assert instance.process_key == "report_review" and instance.state == "district_review"
    assert instance.data["district_level"] is True and instance.data["city_level"] is True
    todo = db.session.scalars(workflow.todo_query(people.district_a_staff)).all()
    assert instance.id in {t.instance_id for t in todo}
    assert db.session.scalars(workflow.todo_query(people.district_b_staff)).all() == []
    review.send_back(submitted, people.district_a_staff, "请核对")
    flow = [(e.from_state, e.to_state, e.reason) for e in workflow.events(instance) if e.kind == "transition"]
    assert flow == [("filling", "district_review", None), ("district_review", "filling", "请核对")]


def test_a_transition_from_the_engine_pages_keeps_the_submission_in_step(submitted, people):
    """Approving through the engine (its to-do pages) updates the submission via the hook."""
    from eduplatform import workflow

    workflow.perform(review.process_instance(submitted), "district_approve", actor=people.district_a_staff)
    assert submitted.status == SubmissionStatus.DISTRICT_APPROVED
    assert review.events(submitted)[-1].action == "approve"


def test_a_hand_in_through_the_engine_is_checked_too(task, tree, sub_of, people, good_values):
    """Submitting from the engine's pages cannot skip the form's rules."""
    from eduplatform import workflow

    sub = sub_of(task, tree.school_a1)
    services.save_values(sub, people.school_a1_admin, {**good_values, "teachers_female": 99})
    instance = workflow.start("report_review", org=tree.school_a1, actor=people.school_a1_admin, subject=sub,
                              data={"district_level": True, "city_level": True})
    with pytest.raises(ValidationFailed) as info:
        workflow.perform(instance, "submit", actor=people.school_a1_admin)
    assert "teachers_female" in info.value.fields


def test_cannot_review_what_is_not_submitted(task, tree, sub_of, people):
    sub = sub_of(task, tree.school_a1)
    with pytest.raises(Conflict, match="不能审核"):
        review.approve(sub, people.district_a_staff)


def test_district_task_has_one_level(template, issue, people, tree, sub_of, good_values):
    own = issue(template.latest_published, issuer=tree.district_a, actor=people.district_a_staff)
    sub = sub_of(own, tree.school_a1)
    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    assert review.review_chain(sub) == [tree.district_a]
    review.approve(sub, people.district_a_staff)
    assert sub.status == SubmissionStatus.APPROVED


def test_school_directly_under_the_city_goes_to_the_city(template, issue, people, tree, create_org, create_user,
                                                         sub_of, good_values):
    from eduplatform.accounts.models import Role

    direct = create_org("市直属实验中学", parent=tree.city)
    admin = create_user("directadmin", roles=[Role.SCHOOL_ADMIN], org=direct)
    task = issue(template.latest_published, targets={"schools": [direct.code]})
    sub = sub_of(task, direct)
    services.submit_submission(sub, admin, raw=good_values)
    assert review.available_actions(sub, people.city_staff) == ["approve", "return"]
    review.approve(sub, people.city_staff)
    assert sub.status == SubmissionStatus.APPROVED
