from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.portal import seed
from eduplatform.portal.models import Article, ArticleState, Validity


def test_the_demo_content_is_published_once_with_an_amended_policy_and_a_tender(create_org, create_user):
    city = create_org("示范市教育局", type=OrgType.CITY_BUREAU, code="3399000000")
    office = create_org("市教育局办公室", type=OrgType.DEPARTMENT, code="3399000001", parent=city)
    basic = create_org("市教育局基础教育处", type=OrgType.DEPARTMENT, code="3399000002", parent=city)
    create_user("city_staff", roles=[Role.BUREAU_STAFF], org=basic)
    create_user("city_office", roles=[Role.BUREAU_STAFF], org=office)
    seed.seed_demo(lambda message: None)
    seed.seed_demo(lambda message: None)
    rows = {a.title: a for a in db.session.scalars(db.select(Article).where(Article.org_id == city.id))}
    assert len(rows) == len(seed.ARTICLES) + 3
    assert all(a.state == ArticleState.PUBLISHED for a in rows.values())
    assert sorted(a.index_seq for a in rows.values()) == list(range(1, len(rows) + 1))
    old, new = rows[seed.OLD_POLICY], rows[seed.NEW_POLICY]
    assert old.validity == Validity.AMENDED and old.replaced_by_id == new.id and new.validity == Validity.VALID
    tender = rows[seed.PURCHASE]
    assert tender.deadline_at is not None and [a.file.filename for a in tender.attachments] == ["采购需求书.pdf"]
    columns_used = {a.column.top.key for a in rows.values()}
    assert {"news", "notices", "gov_open", "services", "interaction", "procurement"} <= columns_used
