"""Two reviewers act on the same resource at the same moment: exactly one action is recorded.

Real threads and connections on a database of their own (``separate_app``). Each sends back the
``review_token`` it read (as the review form and the API do): if the winner had committed already,
``check_unchanged`` refuses the other with 409; if both got past it, the engine's conditional
UPDATE on the instance lets one through and refuses the other with 409. Never a 403.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.accounts.models import Role, User
from eduplatform.accounts.services import create_user
from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit
from eduplatform.resources import review, services
from eduplatform.resources.models import Resource, ReviewState, Visibility
from eduplatform.resources.seed import NamedBytes
from eduplatform.resources.specs import get_specs
from eduplatform.workflow.models import TaskStatus
from tests.fixtures.app import race
from tests.resources.conftest import make_pptx

#: what each of the two admins does in each round (the first is admin1's, the second admin2's)
PAIRS = [("approve", "approve"), ("approve", "return"), ("return", "return")]
ROUNDS = len(PAIRS)


def _setup(app) -> tuple[list[int], list[int]]:
    with app.app_context():
        city = create_org_unit(None, code="C1", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        district = create_org_unit(None, code="D1", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
        school = create_org_unit(None, code="S1", name="东湖区实验小学", type=OrgType.SCHOOL, parent=district)
        password = "Race#Pass2026"
        teacher, _ = create_user(None, username="teacher1", display_name="教师", roles={Role.TEACHER}, org=school,
                                 password=password, must_change_password=False)
        admins = [create_user(None, username=f"admin{i}", display_name=f"管理员{i}", roles={Role.SCHOOL_ADMIN},
                              org=school, password=password, must_change_password=False)[0] for i in (1, 2)]
        specs = get_specs()
        rtype = specs.get("courseware")
        ids = []
        for n in range(ROUNDS):
            metadata = specs.load_metadata(rtype, {"title": f"课件{n}", "description": "并发审核",
                                                   "stage": "junior", "subject": "math"})
            resource = services.create_resource(teacher, rtype=rtype, metadata=metadata,
                                                visibility=Visibility.PLATFORM,
                                                file=NamedBytes(make_pptx(f"课件{n}"), f"课件{n}.pptx"))
            review.submit(resource, teacher)
            ids.append(resource.id)
        db.session.commit()
        return [a.id for a in admins], ids




def test_two_school_admins_act_on_the_same_resource_at_once(separate_app):
    admin_ids, resource_ids = _setup(separate_app)
    for resource_id, pair in zip(resource_ids, PAIRS, strict=True):
        doing = dict(zip(admin_ids, pair, strict=True))

        def act(user_id, ready, resource_id=resource_id, doing=doing):
            user = db.session.get(User, user_id)
            resource = db.session.get(Resource, resource_id)
            assert [a.code for a in review.available_actions(user, resource)] == ["approve", "return"]
            token = review.review_token(resource)  # what the page showed
            ready()  # both have seen the step open before either acts
            review.check_unchanged(resource, token)
            if doing[user_id] == "approve":
                review.approve(resource, user)
            else:
                review.return_resource(resource, user, "请补充练习题")

        outcomes = race(separate_app, admin_ids, act, losers=(Conflict,))
        assert sorted(v.split(":")[0] for v in outcomes.values()) == ["lost", "won"], outcomes
        (winner,) = [uid for uid, v in outcomes.items() if v == "won"]
        (lost,) = [v for v in outcomes.values() if v != "won"]
        assert "他人" in lost and "刷新" in lost, lost  # a clear conflict, not "you may not review this"
        expected = {"approve": ("approve_school", ReviewState.DISTRICT_REVIEW),
                    "return": ("return", ReviewState.RETURNED)}[doing[winner]]
        with separate_app.app_context():
            resource = db.session.get(Resource, resource_id)
            assert resource.state == expected[1]
            instance = workflow.instance_for(resource, review.PROCESS)
            assert instance.state == expected[1].value
            # nothing of the loser's action was written: one step, one done task, one audit entry
            assert [(s.action, s.actor_name) for s in review.history(resource)] == [
                ("submit", "教师"), (expected[0], f"管理员{admin_ids.index(winner) + 1}")]
            done = [t for t in instance.tasks if t.status == TaskStatus.DONE and t.state == "submitted"]
            assert [(t.completed_by_id, t.outcome) for t in done] == [(winner, expected[0])]
            audited = db.session.scalars(sa.select(AuditEntry.kind).where(
                AuditEntry.object_type == "resource", AuditEntry.object_id == str(resource_id),
                AuditEntry.kind.in_(["resource.approve_school", "resource.return"]))).all()
            assert audited == [review.AUDIT_KINDS[expected[0]]]
            db.session.remove()
