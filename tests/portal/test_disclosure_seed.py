from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.portal import disclosure_seed
from eduplatform.portal.models import DisclosureRequest


def test_the_demo_requests_are_made_once_in_different_states(create_org, create_user):
    city = create_org("示范市教育局", type=OrgType.CITY_BUREAU, code="3399000000")
    basic = create_org("市教育局基础教育处", type=OrgType.DEPARTMENT, code="3399000002", parent=city)
    donghu = create_org("东湖区教育局", type=OrgType.DISTRICT_BUREAU, code="3399010000", parent=city)
    create_user("city_staff", roles=[Role.BUREAU_STAFF], org=basic)
    create_user("dh_staff", roles=[Role.BUREAU_STAFF], org=donghu)
    create_user("leader", roles=[Role.BUREAU_LEADER], org=city)
    disclosure_seed.seed_demo(lambda message: None)
    disclosure_seed.seed_demo(lambda message: None)
    rows = db.session.scalars(db.select(DisclosureRequest).order_by(DisclosureRequest.id)).all()
    assert [r.state for r in rows] == ["review", "correction", "consulting", "answered", "handling", "handling"]
    assert rows[3].letter_number and rows[3].letter_number.startswith("公复〔")
    assert rows[4].extension_days == 15
    assert rows[5].org_id == donghu.id
    assert {r.applicant_type for r in rows} == {"person", "organisation"}
