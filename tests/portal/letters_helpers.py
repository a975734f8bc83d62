"""Shared by the 领导信箱 tests: a letter written to the city bureau, and a second department."""

from __future__ import annotations

import pytest

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.portal.services import letters as services

LETTER = {"kind": "complaint", "name": "王晓明", "phone": "13900001111", "email": "wangxm@example.cn",
          "id_number": "330102199001011234", "title": "学校食堂价格偏高",
          "content": "我是王晓明，孩子所在学校食堂价格偏高，请核查。电话13900001111，邮箱 wangxm@example.cn，"
                     "身份证330102199001011234。",
          "consent_publish": True}


@pytest.fixture
def mailbox(tree, people, create_org, create_user):
    """The city bureau with its 办公室 (the 信箱 office) and 财务处 beside 基础教育处, a staff member in each."""
    people.office = create_org("市教育局办公室", type=OrgType.DEPARTMENT, parent=tree.city)
    people.office_staff = create_user("officestaff", roles=[Role.BUREAU_STAFF], org=people.office,
                                      display_name="周秘书")
    people.finance = create_org("财务处", type=OrgType.DEPARTMENT, parent=tree.city)
    people.finance_staff = create_user("finstaff", roles=[Role.BUREAU_STAFF], org=people.finance)
    db.session.flush()
    return people


def write(tree, **changes):
    letter, secret = services.receive({**LETTER, **changes}, org=tree.city)
    db.session.flush()
    return letter, secret
