from datetime import datetime

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.documents import seed
from eduplatform.documents.models import Document
from eduplatform.documents.services import incoming, outgoing
from eduplatform.orgs.models import OrgType


def test_the_demo_documents_run_through_the_flow_once(create_org, create_user):
    city = create_org("示范市教育局", type=OrgType.CITY_BUREAU, code="3399000000")
    office = create_org("市教育局办公室", type=OrgType.DEPARTMENT, code="3399000001", parent=city)
    basic = create_org("市教育局基础教育处", type=OrgType.DEPARTMENT, code="3399000002", parent=city)
    create_user("city_staff", roles=[Role.BUREAU_STAFF], org=basic)
    create_user("city_head", roles=[Role.BUREAU_STAFF], org=basic)
    create_user("city_office", roles=[Role.BUREAU_STAFF], org=office)
    create_user("leader", roles=[Role.BUREAU_LEADER], org=city)
    seed.seed_demo(lambda message: None)
    seed.seed_demo(lambda message: None)
    rows = {d.title: d for d in db.session.scalars(db.select(Document).where(Document.org_id == city.id))}
    assert len(rows) == 4
    notice = rows[seed.NOTICE]
    # no certificate outside development: the notice waits at 用印 (numbered, printed)
    assert notice.state == "seal" and outgoing.instance_of(notice).state == "seal"
    assert notice.doc_number == f"示教发〔{datetime.now(LOCAL_TZ).year}〕1号" and notice.finalized_at is not None
    homework = rows[seed.HOMEWORK]
    assert homework.state == "sign_off" and [v.number for v in homework.versions] == [1, 2]
    assert rows[seed.REQUEST].state == "draft"
    received = rows[seed.INCOMING]
    assert received.direction == "in" and received.receipt_number.startswith("收〔")
    instance = incoming.instance_of(received)
    assert instance.state == "instruct" and instance.data["lead_department"] == basic.id
