"""The org tree: materialised paths, visibility per user, creation rules."""

from __future__ import annotations

import pytest

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.orgs.services import create_org_unit
from tests.assertions import api_error, count, denials, reread


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
    for user in (people.auditor, people.citizen):
        refused = client.get("/api/v1/orgs", headers=api(user))
        assert refused.status_code == 403, user.username
        assert api_error(refused)["code"] == "forbidden"
        assert "items" not in refused.get_json()
        assert len(denials(user)) == 1, user.username


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
    assert api_error(staff)["code"] == "forbidden"
    assert len(denials(people.city_staff)) == 1
    headers = api(people.sysadmin)
    under_school = client.post("/api/v1/orgs", headers=headers, json={
        "code": "NEW003", "name": "某学校", "type": "school", "parent": tree.school_a1.code})
    assert under_school.status_code == 422
    assert "不能设立" in api_error(under_school)["message"]
    duplicate = client.post("/api/v1/orgs", headers=headers, json={
        "code": tree.school_a1.code, "name": "重复", "type": "school", "parent": tree.district_a.code})
    assert duplicate.status_code == 422
    assert api_error(duplicate)["code"] == "duplicate"
    assert api_error(duplicate)["fields"] == {"code": ["单位代码已存在"]}
    bad_type = client.post("/api/v1/orgs", headers=headers, json={
        "code": "NEW004", "name": "某单位", "type": "castle", "parent": tree.city.code})
    assert bad_type.status_code == 422
    assert "type" in api_error(bad_type)["fields"]
    assert count(OrgUnit, OrgUnit.code.in_(["NEW002", "NEW003", "NEW004"])) == 0
    assert count(OrgUnit, OrgUnit.code == tree.school_a1.code) == 1
    assert reread(tree.school_a1).name != "重复"


def test_stages_only_for_schools(app, tree):
    with pytest.raises(ValidationFailed):
        create_org_unit(None, code="BAD01", name="某科", type=OrgType.DEPARTMENT, parent=tree.city,
                        stages=["primary"])


def test_ancestors_nearest_first_in_at_most_one_query(app, tree):
    from sqlalchemy import event

    school_id, district_id, city_id = tree.school_a1.id, tree.district_a.id, tree.city.id
    db.session.expunge_all()  # nothing of the tree is loaded: the chain comes in one query
    school = db.session.get(OrgUnit, school_id)
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        above = school.ancestors()
        again = school.ancestors()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert [u.id for u in above] == [district_id, city_id]
    assert again == above and len(statements) == 1
    assert school.ancestor_ids() == [district_id, city_id]
    assert school.path_ids == [city_id, district_id, school_id]
    city = db.session.get(OrgUnit, city_id)
    assert city.ancestors() == [] and city.ancestor_ids() == []


def test_district_city_and_reviewing_bureau(tree, create_org):
    city_school = create_org("市直属实验中学", parent=tree.city)
    assert tree.school_a1.district == tree.district_a and tree.dept_a.district == tree.district_a
    assert tree.district_b.district == tree.district_b
    assert city_school.district is None and tree.city.district is None and tree.city_dept.district is None
    assert {u.city for u in (tree.city, tree.school_b2, tree.dept_a, city_school)} == {tree.city}
    # A school goes to its district, or to the city when the city runs it; a bureau reviews its own.
    assert tree.school_a1.reviewing_bureau() == tree.district_a
    assert city_school.reviewing_bureau() == tree.city
    assert tree.district_b.reviewing_bureau() == tree.district_b
    assert tree.city.reviewing_bureau() == tree.city
    assert tree.dept_a.reviewing_bureau() == tree.district_a


def test_subtree_ids_is_the_unit_and_everything_below(tree):
    ids = set(db.session.scalars(tree.district_a.subtree_ids()))
    assert ids == {tree.district_a.id, tree.dept_a.id, tree.school_a1.id, tree.school_a2.id}
