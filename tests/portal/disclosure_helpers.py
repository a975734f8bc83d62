"""Shared by the 依申请公开 tests: a request as a letter received on a given day."""

from __future__ import annotations

from datetime import date

from eduplatform.core.extensions import db
from eduplatform.portal.services import disclosure as services

APPLICATION = {"applicant_type": "person", "name": "王晓明", "id_type": "居民身份证", "id_number": "330102199001011234",
               "phone": "13900001111", "email": "", "address": "示范市东湖路1号", "description": "2026年本市义务教育学校划片范围",
               "doc_title": "", "doc_number": "", "provide_format": "paper", "obtain_method": "mail"}


def letter_request(bureau, actor, received_on: date, **changes):
    request, _secret = services.receive_request({**APPLICATION, **changes}, org=bureau, channel="letter", actor=actor,
                                               received_on=received_on)
    db.session.flush()
    return request
