"""Two reviewers approve the same resource at the same moment: exactly one approval is recorded.

Real threads and connections on a database of their own (``separate_app``): the engine's
conditional UPDATE on the instance lets one through; the other gets a conflict (or, if it looked
after the winner committed, finds the step no longer its own).
"""

from __future__ import annotations

from eduplatform import workflow
from eduplatform.accounts.models import Role, User
from eduplatform.accounts.services import create_user
from eduplatform.core.errors import Conflict, PermissionDenied
from eduplatform.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit
from eduplatform.resources import review, services
from eduplatform.resources.models import Resource, ReviewState, Visibility
from eduplatform.resources.seed import NamedBytes
from eduplatform.resources.specs import get_specs
from tests.fixtures.app import race
from tests.resources.conftest import make_pptx

ROUNDS = 3


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


def test_two_school_admins_approve_the_same_resource_at_once(separate_app):
    admin_ids, resource_ids = _setup(separate_app)
    for resource_id in resource_ids:

        def act(user_id, ready, resource_id=resource_id):
            user = db.session.get(User, user_id)
            resource = db.session.get(Resource, resource_id)
            assert [a.code for a in review.available_actions(user, resource)] == ["approve", "return"]
            ready()  # both have seen the step open before either acts
            review.approve(resource, user)

        outcomes = race(separate_app, admin_ids, act, losers=(Conflict, PermissionDenied))
        assert sorted(v.split(":")[0] for v in outcomes.values()) == ["lost", "won"], outcomes
        with separate_app.app_context():
            resource = db.session.get(Resource, resource_id)
            assert resource.state == ReviewState.DISTRICT_REVIEW
            instance = workflow.instance_for(resource, review.PROCESS)
            assert instance.state == "district_review"
            assert [s.action for s in review.history(resource)] == ["submit", "approve_school"]
            db.session.remove()
