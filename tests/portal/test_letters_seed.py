from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.portal import letters_seed
from eduplatform.portal.models import HotlineCallback, Letter


def test_the_demo_letters_are_made_once_in_different_states(create_org, create_user):
    city = create_org("示范市教育局", type=OrgType.CITY_BUREAU, code="3399000000")
    office = create_org("市教育局办公室", type=OrgType.DEPARTMENT, code="3399000001", parent=city)
    basic = create_org("市教育局基础教育处", type=OrgType.DEPARTMENT, code="3399000002", parent=city)
    donghu = create_org("东湖区教育局", type=OrgType.DISTRICT_BUREAU, code="3399010000", parent=city)
    create_user("city_office", roles=[Role.BUREAU_STAFF], org=office)
    create_user("city_staff", roles=[Role.BUREAU_STAFF], org=basic)
    letters_seed.seed_demo(lambda message: None)
    letters_seed.seed_demo(lambda message: None)
    rows = db.session.scalars(db.select(Letter).order_by(Letter.id)).all()
    assert [(r.kind, r.state) for r in rows] == [
        ("consult", "triage"), ("complaint", "handling"), ("suggestion", "replied"), ("complaint", "closed"),
        ("complaint", "merged"), ("consult", "handling"), ("consult", "triage")]
    closed, merged, hotline = rows[3], rows[4], rows[5]
    assert closed.published_at is not None and closed.rating == "satisfied"
    assert "339901********2345" in closed.public_content and "刘**" in closed.public_content
    assert merged.merged_into is closed and merged.answered is closed  # answered by the case it repeats
    assert hotline.channel == "hotline" and hotline.department == basic
    assert rows[6].org_id == donghu.id
    assert db.session.scalar(db.select(db.func.count(HotlineCallback.id))) == 2  # received, accepted
