"""A city bureau with its 科室 and the people of a 发文: drafter, 核稿人, two co-signing 科室, the
leader, the office — and the unit certificate, so that 用印 can run."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from tests.fixtures.factories import make_org, make_user


@dataclass
class Bureau:
    city: object
    office: object
    basic: object
    policy: object
    finance: object
    district: object
    drafter: object
    head: object
    policy_staff: object
    finance_staff: object
    leader: object
    clerk: object
    district_staff: object
    outsider: object


@pytest.fixture
def bureau(app, pki, monkeypatch):
    for key, value in (("DOC_CERT_DIR", str(pki / "store")), ("DOC_CERT_PASSWORD", "测试口令"),
                       ("DOC_TRUST_ROOTS", str(pki / "roots"))):
        monkeypatch.setitem(app.config, key, value)
    city = make_org(code="city", name="示范市教育局", type=OrgType.CITY_BUREAU)
    office = make_org(code="city-office", name="市教育局办公室", type=OrgType.DEPARTMENT, parent=city)
    basic = make_org(code="city-basic", name="市教育局基础教育处", type=OrgType.DEPARTMENT, parent=city)
    policy = make_org(code="city-policy", name="市教育局政策法规处", type=OrgType.DEPARTMENT, parent=city)
    finance = make_org(code="city-finance", name="市教育局财务处", type=OrgType.DEPARTMENT, parent=city)
    district = make_org(code="dh", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
    staff = Role.BUREAU_STAFF
    people = {
        "drafter": make_user(username="drafter", display_name="李科员", roles=[staff], org=basic),
        "head": make_user(username="head", display_name="陈处长", roles=[staff], org=basic),
        "policy_staff": make_user(username="policy", display_name="何科长", roles=[staff], org=policy),
        "finance_staff": make_user(username="finance", display_name="钱会计", roles=[staff], org=finance),
        "leader": make_user(username="leader", display_name="王局长", roles=[Role.BUREAU_LEADER], org=city),
        "clerk": make_user(username="clerk", display_name="周秘书", roles=[staff], org=office),
        "district_staff": make_user(username="dh", display_name="赵科员", roles=[staff], org=district),
        "outsider": make_user(username="teacher", display_name="张老师", roles=[Role.TEACHER], org=district),
    }
    db.session.commit()
    return Bureau(city=city, office=office, basic=basic, policy=policy, finance=finance, district=district, **people)
