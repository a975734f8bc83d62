"""Who sees what: drafts, review states, visibility scopes — by id (IDOR), in lists and in search."""

from __future__ import annotations

import pytest

from eduplatform.core.extensions import db
from eduplatform.resources import permissions, review
from eduplatform.resources.models import Resource, ReviewState
from tests.resources.conftest import make_pptx


def _create(upload, user, text, **fields) -> Resource:
    response = upload(user, file=(make_pptx(text), f"{text}.pptx"), title=f"资源{text}", **fields)
    assert response.status_code == 201, response.get_json()
    return db.session.get(Resource, response.get_json()["id"])


def test_a_draft_is_hidden_from_everyone_but_its_owner(client, auth, upload, people):
    resource = _create(upload, people.teacher_a1, "草稿光合作用")
    rid = resource.id
    assert client.get(f"/api/v1/resources/{rid}", headers=upload.headers(people.teacher_a1)).status_code == 200
    for other in (people.teacher_b1, people.school_a1_admin, people.district_a_staff, people.student_a1):
        headers = upload.headers(other)
        assert client.get(f"/api/v1/resources/{rid}", headers=headers).status_code == 403, other
        assert client.get(f"/api/v1/resources/{rid}/download", headers=headers).status_code == 403
        assert client.post(f"/api/v1/resources/{rid}/submit", headers=headers).status_code == 403
        assert client.patch(f"/api/v1/resources/{rid}", headers=headers, json={"title": "改"}).status_code == 403
        assert client.post(f"/api/v1/resources/{rid}/versions", headers=headers, content_type="multipart/form-data",
                           data={"file": (__import__("io").BytesIO(make_pptx("x")), "x.pptx")}).status_code == 403
        found = client.get("/api/v1/resources?q=草稿光合作用", headers=headers).get_json()
        assert found["total"] == 0
    auth.login(people.teacher_b1)
    assert client.get(f"/resources/{rid}").status_code == 403
    assert client.get(f"/resources/{rid}/file").status_code == 403
    assert client.post(f"/resources/{rid}/review", data={"action": "submit"}).status_code == 403
    assert db.session.get(Resource, rid).title == "资源草稿光合作用"


def test_submitted_items_reach_their_reviewers_only(client, upload, people):
    resource = _create(upload, people.teacher_a1, "待审浮力")
    review.submit(resource, people.teacher_a1)
    db.session.commit()
    for user, expected in ((people.school_a1_admin, 1), (people.district_a_staff, 1), (people.city_staff, 1),
                           (people.school_b1_admin, 0), (people.district_b_staff, 0), (people.teacher_b1, 0)):
        found = client.get("/api/v1/resources?q=待审浮力", headers=upload.headers(user)).get_json()
        assert found["total"] == expected, user


@pytest.mark.parametrize("visibility,sees", [
    ("platform", {"teacher_a1", "school_a1_admin", "teacher_b1", "school_b1_admin", "district_b_staff", "student_a1",
                  "citizen"}),
    ("district", {"teacher_a1", "school_a1_admin", "district_a_staff", "student_a1"}),
    ("school", {"teacher_a1", "school_a1_admin", "student_a1"}),
])
def test_published_visibility_as_chosen(client, upload, publish, people, visibility, sees):
    resource = _create(upload, people.teacher_a1, f"可见{visibility}", visibility=visibility)
    publish(resource.id)
    everyone = ("teacher_a1", "school_a1_admin", "district_a_staff", "teacher_b1", "school_b1_admin",
                "district_b_staff", "student_a1", "citizen")
    for name in everyone:
        user = getattr(people, name)
        may = permissions.can_view_resource(user, resource)
        listed = resource.id in db.session.scalars(permissions.visible_resources(user, db.select(Resource.id))).all()
        searched = client.get(f"/api/v1/resources?q=可见{visibility}", headers=upload.headers(user)).get_json()
        in_search = resource.id in [i["resource"]["id"] for i in searched["items"]]
        # The predicate, the SQL filter and the search ACL tell the same story.
        assert may == listed == in_search, (name, may, listed, in_search)
        expected = name in sees or (name == "district_a_staff")  # district reviewers see their district's items
        assert may == expected, (visibility, name)


def test_acl_tokens_agree_with_the_predicate(upload, people):
    resource = _create(upload, people.teacher_a1, "令牌")
    users = [people.teacher_a1, people.teacher_b1, people.school_a1_admin, people.school_b1_admin,
             people.district_a_staff, people.district_b_staff, people.city_staff, people.citizen]
    for state in ReviewState:
        resource.state = state
        for user in users:
            holds = bool(set(permissions.resource_acl(resource)) & set(permissions.user_acl(user)))
            assert holds == permissions.can_view_resource(user, resource), (state, user)


def test_old_versions_only_for_owner_and_reviewers(client, upload, publish, people):
    resource = _create(upload, people.teacher_a1, "版本一")
    publish(resource.id)
    owner = upload.headers(people.teacher_a1)
    replaced = client.post(f"/api/v1/resources/{resource.id}/versions", headers=owner,
                           content_type="multipart/form-data",
                           data={"note": "修订例题", "file": (__import__("io").BytesIO(make_pptx("版本二")), "v2.pptx")})
    assert replaced.status_code == 201 and replaced.get_json()["number"] == 2
    db.session.refresh(resource)
    assert resource.state == ReviewState.DRAFT  # a new file is reviewed again
    publish(resource.id)
    assert client.get(f"/api/v1/resources/{resource.id}/versions/1/download", headers=owner).status_code == 200
    reviewer = upload.headers(people.school_a1_admin)
    assert client.get(f"/api/v1/resources/{resource.id}/versions/1/download", headers=reviewer).status_code == 200
    other = upload.headers(people.teacher_b1)
    assert client.get(f"/api/v1/resources/{resource.id}/versions/1/download", headers=other).status_code == 403
    assert client.get(f"/api/v1/resources/{resource.id}/versions/2/download", headers=other).status_code == 200
    listed = client.get(f"/api/v1/resources/{resource.id}/versions", headers=other).get_json()
    assert [v["number"] for v in listed["items"]] == [2]
