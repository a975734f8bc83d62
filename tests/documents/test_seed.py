from eduplatform.core.extensions import db
from eduplatform.documents import seed
from eduplatform.documents.models import Document
from eduplatform.orgs.models import OrgType


def test_the_demo_documents_are_made_once(create_org, create_user):
    from eduplatform.accounts.models import Role

    city = create_org("示范市教育局", type=OrgType.CITY_BUREAU, code="3399000000")
    create_user("city_staff", roles=[Role.BUREAU_STAFF], org=city)
    seed.seed_demo(lambda message: None)
    seed.seed_demo(lambda message: None)
    rows = db.session.scalars(db.select(Document).where(Document.org_id == city.id)).all()
    assert len(rows) == 2
    notice = next(d for d in rows if d.doctype == "notice")
    assert notice.doc_number == "示教发〔2026〕1号" and notice.finalized_at is not None
    assert [v.number for v in notice.versions] == [1, 2]
