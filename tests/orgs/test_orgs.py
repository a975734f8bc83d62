"""The org tree: materialised paths, visibility per user, creation rules."""

from __future__ import annotations

import pytest

from eduplatform.core.errors import ValidationFailed
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit


def codes(nodes) -> set[str]:
    found = set()
    for node in nodes:
        found.add(node["code"])
        found |= codes(node["children"])
    return found


def test_paths_and_containment(tree):
    assert tree.school_a1.path == f"{tree.city.path}{tree.district_a.id}/{tree.school_a1.id}/"
    assert tree.city.contains(tree.school_b2)
    assert tree.district_a.contains(tree.school_a1)
    assert not tree.district_a.contains(tree.school_b1)
    assert tree.school_a1.contains(tree.school_a1)


def test_tree_visibility_per_user(client, api, people, tree):
    city = client.get("/api/v1/orgs", headers=api(people.city_staff)).get_json()["items"]
    assert len(city) == 1 and city[0]["code"] == tree.city.code
    assert tree.school_b2.code in codes(city)
    district = client.get("/api/v1/orgs", headers=api(people.district_a_staff)).get_json()["items"]
    assert codes(district) == {tree.district_a.code, tree.dept_a.code, tree.school_a1.code, tree.school_a2.code}
    school = client.get("/api/v1/orgs", headers=api(people.teacher_a1)).get_json()["items"]
    assert codes(school) == {tree.school_a1.code}
    assert school[0]["stages"] == ["primary"] and school[0]["type"] == "school"


def test_tree_is_refused_to_those_without_an_org_scope(client, api, people):
    assert client.get("/api/v1/orgs", headers=api(people.auditor)).status_code == 403
    assert client.get("/api/v1/orgs", headers=api(people.citizen)).status_code == 403


def test_tree_page_in_chinese(client, auth, people, tree):
    auth.login(people.district_a_staff)
    page = client.get("/orgs").get_data(as_text=True)
    assert "组织机构" in page and tree.school_a1.name in page and tree.school_b1.name not in page


def test_sysadmin_creates_org_units(client, api, people, tree):
    response = client.post("/api/v1/orgs", headers=api(people.sysadmin), json={
        "code": "NEW001", "name": "新建实验学校", "type": "school", "parent": tree.district_b.code,
        "stages": ["primary", "junior"]})
    assert response.status_code == 201
    assert response.get_json()["parent"] == tree.district_b.code


def test_org_creation_rules(client, api, people, tree):
    staff = client.post("/api/v1/orgs", headers=api(people.city_staff), json={
        "code": "NEW002", "name": "某学校", "type": "school", "parent": tree.district_b.code})
    assert staff.status_code == 403
    headers = api(people.sysadmin)
    under_school = client.post("/api/v1/orgs", headers=headers, json={
        "code": "NEW003", "name": "某学校", "type": "school", "parent": tree.school_a1.code})
    assert under_school.status_code == 422 and "不能设立" in under_school.get_json()["error"]["message"]
    duplicate = client.post("/api/v1/orgs", headers=headers, json={
        "code": tree.school_a1.code, "name": "重复", "type": "school", "parent": tree.district_a.code})
    assert duplicate.status_code == 422
    bad_type = client.post("/api/v1/orgs", headers=headers, json={
        "code": "NEW004", "name": "某单位", "type": "castle", "parent": tree.city.code})
    assert bad_type.status_code == 422 and "type" in bad_type.get_json()["error"]["fields"]


def test_stages_only_for_schools(app, tree):
    with pytest.raises(ValidationFailed):
        create_org_unit(None, code="BAD01", name="某科", type=OrgType.DEPARTMENT, parent=tree.city,
                        stages=["primary"])
