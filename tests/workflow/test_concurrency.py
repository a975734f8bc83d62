"""Two people act on the same task at the same moment: exactly one wins, the other gets a conflict.

Real threads and real connections against a database of their own (``separate_app`` in
tests/fixtures/app.py), since the per-test rollback shares one connection.
"""

from __future__ import annotations

from eduplatform import workflow
from eduplatform.accounts.models import Role
from eduplatform.accounts.services import create_user
from eduplatform.core.errors import Conflict
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit
from eduplatform.workflow.models import ProcessInstance, WorkflowTask
from tests.fixtures.app import race

ROUNDS = 4


def _setup(app):
    with app.app_context():
        city = create_org_unit(None, code="C1", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        district = create_org_unit(None, code="D1", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
        school = create_org_unit(None, code="S1", name="东湖区实验小学", type=OrgType.SCHOOL, parent=district)
        password = "Race#Pass2026"
        teacher, _ = create_user(None, username="teacher1", display_name="教师", roles={Role.TEACHER}, org=school,
                                 password=password, must_change_password=False)
        admins = [create_user(None, username=f"admin{i}", display_name=f"管理员{i}", roles={Role.SCHOOL_ADMIN},
                              org=school, password=password, must_change_password=False)[0] for i in (1, 2)]
        instances = []
        for n in range(ROUNDS):
            instance = workflow.start("sample_review", org=school, actor=teacher, title=f"课件{n}",
                                      data={"title": f"课件{n}"})
            workflow.perform(instance, "submit", actor=teacher)
            instances.append(instance.id)
        db.session.commit()
        return [a.id for a in admins], instances


def test_two_reviewers_approve_the_same_task_at_once(separate_app):
    from eduplatform.accounts.models import User

    admin_ids, instance_ids = _setup(separate_app)
    for instance_id in instance_ids:

        def act(user_id, ready, instance_id=instance_id):
            user = db.session.get(User, user_id)
            instance = db.session.get(ProcessInstance, instance_id)
            task = db.session.scalar(db.select(WorkflowTask).where(
                WorkflowTask.instance_id == instance_id, WorkflowTask.state == "school_review"))
            version = task.version
            ready()  # both have read the same versions before either writes
            workflow.perform(instance, "school_approve", actor=user, task=task, expected_version=version)

        outcomes = race(separate_app, admin_ids, act, losers=(Conflict,))
        assert sorted(v.split(":")[0] for v in outcomes.values()) == ["lost", "won"], outcomes
        with separate_app.app_context():
            instance = db.session.get(ProcessInstance, instance_id)
            assert instance.state == "district_review"
            transitions = [e for e in workflow.events(instance) if e.transition == "school_approve"]
            assert len(transitions) == 1
            db.session.remove()
