"""Shared by the 领导信箱 tests: a letter written to the city bureau (the ``mailbox`` fixture is in conftest)."""

from __future__ import annotations

from eduplatform.core.extensions import db
from eduplatform.portal.services import letters as services

LETTER = {"kind": "complaint", "name": "王晓明", "phone": "13900001111", "email": "wangxm@example.cn",
          "id_number": "330102199001011234", "title": "学校食堂价格偏高",
          "content": "我是王晓明，孩子所在学校食堂价格偏高，请核查。电话13900001111，邮箱 wangxm@example.cn，"
                     "身份证330102199001011234。",
          "consent_publish": True}


def write(tree, **changes):
    letter, secret = services.receive({**LETTER, **changes}, org=tree.city)
    db.session.flush()
    return letter, secret
