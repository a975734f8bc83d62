"""全国学籍号 and 学校标识码: validated on the student form, the API and the roster import, with the
reason in Chinese, and a refused value writes nothing."""

from __future__ import annotations

import re
from datetime import date

import pytest

from eduplatform.core.extensions import db
from eduplatform.schools import roster_import, services
from eduplatform.schools.personal import parse_registry_no, parse_school_identifier
from tests.assertions import count
from tests.schools.conftest import STUDENT_HEADER, make_id
from tests.schools.test_import import messages, preview, student_count


def g_number(**kwargs) -> str:
    return "G" + make_id(**kwargs)


@pytest.mark.parametrize("value", [g_number(), g_number(birth=date(2015, 1, 31), male=False).lower(),
                                   "J110105201503050127", "L110105201503054821"])
def test_valid_registry_numbers(value):
    assert parse_registry_no(value) == value.upper()


@pytest.mark.parametrize(("value", "reason"), [
    ("", "须为 19 位"),
    ("G11010520130305001", "须为 19 位"),
    ("X" + make_id(), "须以 G（身份证号）、J（自编号）或 L（临时号）开头"),
    ("J11010520130305A127", "首字母后须为 18 位数字"),
    ("G" + make_id()[:17] + ("0" if make_id()[17] != "0" else "1"), "身份证号校验位不正确"),
    ("G" + "110105" + "20131305" + "0011", "身份证号中的出生日期不正确"),
    ("J110105201313050127", "出生日期不正确"),
    ("L990105201503054821", "地区码不正确"),
    ("J11010520150305012X", "18 位数字"),
])
def test_bad_registry_numbers_say_why(value, reason):
    with pytest.raises(ValueError, match=reason):
        parse_registry_no(value)


def test_school_identifier():
    assert parse_school_identifier(" 2111000123 ") == "2111000123"
    for value, reason in (("211100012", "10 位数字"), ("21110001234", "10 位数字"), ("21A1000123", "10 位数字"),
                          ("2199000123", "省级行政区划代码")):
        with pytest.raises(ValueError, match=reason):
            parse_school_identifier(value)


def _api_url(world, path=""):
    return f"/api/v1/schools/{world.school.code}{path}"


def test_the_api_checks_the_registry_number_and_writes_nothing_when_refused(client, api, world):
    headers = api(world.people.school_a1_admin)
    before = count(type(world.student_1))
    body = {"student_no": "S0200", "name": "新生", "gender": "male", "class_id": world.class_1_2.id,
            "registry_no": "G" + make_id()[:17] + ("0" if make_id()[17] != "0" else "1")}
    refused = client.post(_api_url(world, "/students"), json=body, headers=headers)
    assert refused.status_code == 422
    assert "身份证号校验位不正确" in refused.get_json()["error"]["fields"]["registry_no"][0]
    assert count(type(world.student_1)) == before
    body["registry_no"] = g_number(seq=7).lower()
    created = client.post(_api_url(world, "/students"), json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["registry_no"] == body["registry_no"].upper()


def test_the_school_profile_checks_its_identifier(client, api, world):
    headers = api(world.people.school_a1_admin)
    refused = client.patch(_api_url(world), json={"identifier_code": "12345"}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["identifier_code"] == ["学校标识码须为 10 位数字"]
    assert client.get(_api_url(world), headers=headers).get_json()["identifier_code"] is None
    done = client.patch(_api_url(world), json={"identifier_code": "2111000123"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["identifier_code"] == "2111000123"


def test_the_student_form_shows_the_reason(client, auth, world):
    auth.login(world.people.school_a1_admin)
    page = client.post(f"/schools/{world.school.code}/students/new", data={
        "student_no": "S0300", "name": "表单生", "gender": "female", "class_id": world.class_1_1.id,
        "registry_no": "J110105201313050127"})
    assert "学籍号中的出生日期不正确" in page.get_data(as_text=True)
    assert services.student_by_no(world.school, "S0300") is None


def test_the_roster_import_checks_the_registry_number(world):
    good = g_number(birth=date(2018, 9, 1), seq=31)
    rows = [STUDENT_HEADER,
            ["S2001", "甲", "男", "一年级", "1", None, None, None, None, good],
            ["S2002", "乙", "女", "一年级", "1", None, None, None, None, "G123"],
            ["S2003", "丙", "女", "一年级", "1", None, None, None, None, 1.1e18]]
    before = student_count(world)
    run = preview(world, rows)
    assert run.status != "ready"
    problems = messages(run)
    assert (3, "学籍号", "学籍号须为 19 位（G、J 或 L 开头）") in problems
    assert any(row == 4 and "存成了数字" in message for row, _, message in problems)
    assert student_count(world) == before
    run = preview(world, rows[:2])
    assert run.status == "ready", run.problems
    roster_import.apply_import(world.people.school_a1_admin, run)
    db.session.commit()
    assert services.student_by_no(world.school, "S2001").registry_no == good


def test_the_profile_carries_the_national_school_type_code(client, api, world):
    headers = api(world.people.school_a1_admin)
    done = client.patch(_api_url(world), json={"school_type": "nine_year"}, headers=headers)
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["school_type_label"], done.get_json()["school_type_code"]) == ("九年一贯制学校", "312")


def test_the_registry_number_is_personal_data(client, api, world):
    """A G 学籍号 holds the ID number: masked in lists, never written into the audit log."""
    from eduplatform.audit.models import AuditEntry

    headers = api(world.people.school_a1_admin)
    number = g_number(seq=9)
    changed = client.patch(_api_url(world, f"/students/{world.student_1.id}"), json={"registry_no": number},
                           headers=headers)
    assert changed.status_code == 200 and changed.get_json()["registry_no"] == number
    listed = client.get(_api_url(world, "/students"), headers=headers).get_json()["items"]
    shown = next(s["registry_no"] for s in listed if s["id"] == world.student_1.id)
    assert shown != number and "*" in shown and shown.endswith(number[-4:])
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "student.updated")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.data["registry_no"] == "已修改" and number not in str(entry.data)


def test_the_profile_form_checks_the_identifier(client, auth, world):
    auth.login(world.people.school_a1_admin)
    page = client.get(f"/schools/{world.school.code}/profile").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="identifier_code"[^>]*>', page, re.DOTALL).group(0)
    assert 'value=""' in field
    refused = client.post(f"/schools/{world.school.code}/profile",
                          data={"stages": ["primary"], "identifier_code": "21990001"})
    assert "学校标识码须为 10 位数字" in refused.get_data(as_text=True)
    blank = client.post(f"/schools/{world.school.code}/profile", data={"stages": ["primary"], "identifier_code": ""})
    assert blank.status_code == 302  # an empty field is no value
    saved = client.post(f"/schools/{world.school.code}/profile",
                        data={"stages": ["primary"], "identifier_code": "2111000123"})
    assert saved.status_code == 302
    assert 'value="2111000123"' in client.get(f"/schools/{world.school.code}/profile").get_data(as_text=True)


def test_empty_profile_fields_render_empty_not_none(client, auth, world):
    """A field with no value rendered as the text "None", which saving the form then stored."""
    auth.login(world.people.school_a1_admin)
    page = client.get(f"/schools/{world.school.code}/profile").get_data(as_text=True)
    fields = re.findall(r'<input[^>]*name="(address|postcode|principal|contact|email|website)"[^>]*>', page)
    assert {"address", "postcode", "principal", "contact", "email", "website"} <= set(fields)
    assert 'value="None"' not in page
