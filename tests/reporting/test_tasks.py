"""Issuing tasks: target selection, dates, pass-down by a district with its own earlier dates."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.orgs.models import OrgType
from eduplatform.reporting.models import Submission, SubmissionStatus
from eduplatform.reporting.services import tasks as services


def school_ids(task):
    return set(db.session.scalars(sa.select(Submission.school_id).where(Submission.task_id == task.id)))


def test_issue_to_the_whole_city_creates_one_submission_per_school(task, tree):
    assert task.target_count == 4
    assert school_ids(task) == {tree.school_a1.id, tree.school_a2.id, tree.school_b1.id, tree.school_b2.id}
    rows = db.session.scalars(sa.select(Submission).where(Submission.task_id == task.id)).all()
    assert {r.status for r in rows} == {SubmissionStatus.NOT_STARTED}
    by_school = {r.school_id: r for r in rows}
    assert by_school[tree.school_a1.id].district_id == tree.district_a.id
    assert by_school[tree.school_b2.id].stage_key == "senior"
    inbox = db.session.scalars(sa.select(Notice.org_id).where(Notice.object_type == "report_task", Notice.object_id == task.id)).all()
    assert sorted(inbox) == sorted(school_ids(task))


def test_targets_by_stage_by_hand_and_excluded(template, issue, tree):
    version = template.latest_published
    by_stage = issue(version, targets={"subtrees": [tree.city.code], "stages": ["primary"]})
    assert school_ids(by_stage) == {tree.school_a1.id, tree.school_b1.id}
    mixed = issue(version, targets={"subtrees": [tree.district_a.code], "schools": [tree.school_b2.code],
                                    "exclude": [tree.school_a1.code]})
    assert school_ids(mixed) == {tree.school_a2.id, tree.school_b2.id}


def test_targets_by_school_type_from_the_school_profiles(template, issue, tree):
    from eduplatform.schools.models import SchoolProfile, SchoolType

    db.session.add_all([SchoolProfile(org_id=tree.school_a1.id, school_type=SchoolType.PRIMARY),
                        SchoolProfile(org_id=tree.school_b1.id, school_type=SchoolType.PRIMARY),
                        SchoolProfile(org_id=tree.school_b2.id, school_type=SchoolType.SENIOR)])
    db.session.commit()
    task = issue(template.latest_published, targets={"subtrees": [tree.city.code], "school_types": ["primary"]})
    assert school_ids(task) == {tree.school_a1.id, tree.school_b1.id}
    everyone = issue(template.latest_published)
    types = dict(db.session.execute(sa.select(Submission.school_id, Submission.school_type)
                                    .where(Submission.task_id == everyone.id)).all())
    assert types == {tree.school_a1.id: "primary", tree.school_a2.id: None, tree.school_b1.id: "primary",
                     tree.school_b2.id: "senior"}


def test_school_directly_under_the_city_has_no_district(template, issue, tree, create_org):
    direct = create_org("市直属实验中学", parent=tree.city)
    task = issue(template.latest_published, targets={"schools": [direct.code]})
    sub = db.session.scalar(sa.select(Submission).where(Submission.task_id == task.id))
    assert sub.district_id is None


@pytest.mark.parametrize("targets, field", [
    ({"subtrees": ["NOPE"]}, "subtrees"),
    ({"schools": ["NOPE"]}, "schools"),
    ({"subtrees": ["T"], "stages": ["college"]}, "stages"),
    ({"subtrees": ["T"], "school_types": ["公办"]}, "school_types"),  # a label is not a type code
])
def test_bad_targets_are_refused(template, people, tree, targets, field):
    targets = {k: [tree.city.code if v == "T" else v for v in vals] for k, vals in targets.items()}
    with pytest.raises(ValidationFailed) as info:
        services.issue_task(people.city_staff, issuer=tree.city, version=template.latest_published, title="任务",
                            period="2026", due_at=utcnow() + timedelta(days=1),
                            lock_at=utcnow() + timedelta(days=2), targets=targets)
    assert field in info.value.fields


def test_a_district_cannot_target_outside_its_subtree(template, people, tree):
    with pytest.raises(ValidationFailed) as info:
        services.issue_task(people.district_a_staff, issuer=tree.district_a, version=template.latest_published,
                            title="区任务", period="2026", due_at=utcnow() + timedelta(days=1),
                            lock_at=utcnow() + timedelta(days=2), targets={"schools": [tree.school_b1.code]})
    assert info.value.fields["schools"] == [f"{tree.school_b1.code} 不是本单位辖区内的学校"]


def test_no_targets_unpublished_version_and_bad_dates(make_template, template, people, tree):
    version = template.latest_published
    common = {"issuer": tree.city, "title": "任务", "period": "2026"}
    with pytest.raises(ValidationFailed, match="没有符合条件"):
        services.issue_task(people.city_staff, version=version, due_at=utcnow() + timedelta(days=1),
                            lock_at=utcnow() + timedelta(days=2),
                            targets={"subtrees": [tree.city.code], "stages": ["kindergarten"]}, **common)
    draft = make_template(publish=False, code="draft-only").draft
    with pytest.raises(ValidationFailed, match="已发布"):
        services.issue_task(people.city_staff, version=draft, due_at=utcnow() + timedelta(days=1),
                            lock_at=utcnow() + timedelta(days=2), targets={"subtrees": [tree.city.code]}, **common)
    with pytest.raises(ValidationFailed) as info:
        services.issue_task(people.city_staff, version=version, due_at=utcnow() + timedelta(days=3),
                            lock_at=utcnow() + timedelta(days=2), targets={"subtrees": [tree.city.code]}, **common)
    assert "lock_at" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        services.issue_task(people.city_staff, version=version, due_at=utcnow() - timedelta(days=1),
                            lock_at=utcnow() + timedelta(days=2), targets={"subtrees": [tree.city.code]}, **common)
    assert "due_at" in info.value.fields


def test_pass_down_sets_the_districts_earlier_dates(task, people, tree, sub_of):
    due, lock = task.due_at - timedelta(days=2), task.lock_at - timedelta(days=2)
    child = services.pass_down(people.district_a_staff, task, district=tree.district_a, due_at=due, lock_at=lock,
                               instructions="请区内各校提前两天完成。")
    db.session.commit()
    assert child.parent_id == task.id and child.target_count == 2
    mine, other = sub_of(task, tree.school_a1), sub_of(task, tree.school_b1)
    assert mine.via_task_id == child.id and mine.due_at == due and mine.lock_at == lock
    assert other.via_task_id is None and other.due_at == task.due_at
    with pytest.raises(Conflict, match="已转发过"):
        services.pass_down(people.district_a_staff, task, district=tree.district_a, due_at=due, lock_at=lock)


def test_pass_down_cannot_be_later_than_the_city(task, people, tree):
    with pytest.raises(ValidationFailed) as info:
        services.pass_down(people.district_a_staff, task, district=tree.district_a,
                           due_at=task.due_at + timedelta(hours=1), lock_at=task.lock_at + timedelta(hours=1))
    assert set(info.value.fields) == {"due_at", "lock_at"}


def test_district_issues_its_own_task(template, issue, people, tree):
    own = issue(template.latest_published, issuer=tree.district_a, actor=people.district_a_staff)
    assert school_ids(own) == {tree.school_a1.id, tree.school_a2.id}
    assert own.issuer_org.type == OrgType.DISTRICT_BUREAU


def test_visible_tasks(task, template, issue, people, tree, school_a2_admin):
    own_b = issue(template.latest_published, issuer=tree.district_b, actor=people.district_b_staff, title="西山区任务")

    def ids(user):
        return {t.id for t in db.session.scalars(services.visible_tasks_query(user))}

    assert ids(people.city_staff) == {task.id, own_b.id}
    assert ids(people.district_a_staff) == {task.id}
    assert ids(people.district_b_staff) == {task.id, own_b.id}
    assert ids(people.school_a1_admin) == {task.id}
    assert ids(people.school_b1_admin) == {task.id, own_b.id}
    assert ids(people.teacher_a1) == set()


def test_a_pass_down_is_seen_by_the_schools_under_its_district_only(task, people, tree):
    from eduplatform.reporting.permissions import can_view_task

    child = services.pass_down(people.district_a_staff, task, district=tree.district_a,
                               due_at=task.due_at - timedelta(days=2), lock_at=task.lock_at - timedelta(days=2),
                               instructions="东湖区内部安排")
    db.session.commit()
    assert can_view_task(people.school_a1_admin, child) and can_view_task(people.school_a1_admin, task)
    # The other district's school reports to the same city task, but 东湖区's dates and attachments are not its.
    assert can_view_task(people.school_b1_admin, task)
    assert not can_view_task(people.school_b1_admin, child)
