"""Review: draft → submitted → school review → district review → published, or returned with a reason."""

from __future__ import annotations

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.resources import review
from eduplatform.resources.models import Resource, ReviewState
from tests.resources.conftest import make_image, make_pptx


def _create(upload, user, **fields) -> Resource:
    response = upload(user, file=(make_pptx(fields.pop("text", "review")), "r.pptx"), **fields)
    assert response.status_code == 201, response.get_json()
    return db.session.get(Resource, response.get_json()["id"])


def _ids(client, headers, url):
    return [r["id"] for r in client.get(url, headers=headers).get_json()["items"]]


def test_full_review_over_the_api(client, upload, people):
    resource = _create(upload, people.teacher_a1)
    owner, school, district = (upload.headers(u) for u in (people.teacher_a1, people.school_a1_admin,
                                                          people.district_a_staff))
    rid = resource.id
    assert client.post(f"/api/v1/resources/{rid}/approve", headers=school).status_code == 403  # still a draft
    assert client.post(f"/api/v1/resources/{rid}/submit", headers=owner).get_json()["state"] == "submitted"

    assert _ids(client, school, "/api/v1/resources/review-queue") == [rid]
    assert _ids(client, district, "/api/v1/resources/review-queue") == []
    assert client.post(f"/api/v1/resources/{rid}/approve", headers=district).status_code == 403  # not its step
    assert client.post(f"/api/v1/resources/{rid}/approve", headers=school).get_json()["state"] == "district_review"

    assert _ids(client, school, "/api/v1/resources/review-queue") == []
    assert _ids(client, district, "/api/v1/resources/review-queue") == [rid]
    body = client.post(f"/api/v1/resources/{rid}/approve", headers=district).get_json()
    assert body["state"] == "published" and body["published_at"]

    steps = client.get(f"/api/v1/resources/{rid}/history", headers=owner).get_json()["items"]
    assert [s["action"] for s in steps] == ["submit", "approve_school", "approve_district"]
    kinds = list(db.session.scalars(db.select(AuditEntry.kind).where(AuditEntry.object_type == "resource",
                                                                     AuditEntry.object_id == str(rid),
                                                                     AuditEntry.realm == "resources")
                                    .order_by(AuditEntry.id)))
    assert kinds == ["resource.created", "resource.submit", "resource.approve_school", "resource.approve_district"]


@pytest.mark.parametrize("step", ["school", "district"])
def test_return_needs_a_reason_at_any_step(client, upload, people, step):
    resource = _create(upload, people.teacher_a1)
    review.submit(resource, people.teacher_a1)
    reviewer = people.school_a1_admin
    if step == "district":
        review.approve(resource, people.school_a1_admin)
        reviewer = people.district_a_staff
    db.session.commit()
    headers = upload.headers(reviewer)
    empty = client.post(f"/api/v1/resources/{resource.id}/return", headers=headers, json={"reason": "  "})
    assert empty.status_code == 422 and "理由" in empty.get_json()["error"]["message"]
    done = client.post(f"/api/v1/resources/{resource.id}/return", headers=headers, json={"reason": "缺少练习答案"})
    assert done.get_json()["state"] == "returned" and done.get_json()["return_reason"] == "缺少练习答案"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "resource.return")).one()
    assert entry.data["reason"] == "缺少练习答案" and entry.actor_id == reviewer.id
    # The owner fixes it and submits again: it starts over at the school.
    owner = upload.headers(people.teacher_a1)
    assert client.post(f"/api/v1/resources/{resource.id}/submit", headers=owner).get_json()["state"] == "submitted"


def test_nobody_reviews_their_own_upload(upload, people):
    resource = _create(upload, people.district_a_staff)  # a bureau upload skips the school step
    review.submit(resource, people.district_a_staff)
    assert resource.state == ReviewState.DISTRICT_REVIEW
    assert not review.can_approve(people.district_a_staff, resource)
    city_staff = people.city_staff
    assert review.can_approve(city_staff, resource)
    assert resource.id not in [r.id for r in db.session.scalars(review.queue(people.district_a_staff))]


def test_other_school_and_district_cannot_review(client, upload, people):
    resource = _create(upload, people.teacher_a1)
    review.submit(resource, people.teacher_a1)
    db.session.commit()
    for outsider in (people.school_b1_admin, people.district_b_staff, people.teacher_b1, people.teacher_a1):
        response = client.post(f"/api/v1/resources/{resource.id}/approve", headers=upload.headers(outsider))
        assert response.status_code == 403, outsider
    assert db.session.get(Resource, resource.id).state == ReviewState.SUBMITTED


def test_failing_required_rule_blocks_submission(client, upload, people):
    response = upload(people.teacher_a1, data={"type": "media_image", "title": "16 色示意图", "description": "d",
                                               "stage": "primary", "subject": "science"},
                      file=(make_image(colors=16, fmt="GIF"), "示意图.gif"))
    assert response.status_code == 201
    assert response.get_json()["conformance_status"] == "fail"
    submit = client.post(f"/api/v1/resources/{response.get_json()['id']}/submit",
                         headers=upload.headers(people.teacher_a1))
    assert submit.status_code == 409
    assert submit.get_json()["error"]["code"] == "conformance_failed"
    assert "未通过技术规范检查中的必备项" in submit.get_json()["error"]["message"]
    resource = db.session.get(Resource, response.get_json()["id"])
    db.session.refresh(resource)
    assert resource.state == ReviewState.DRAFT  # still a draft: nobody was asked to review it


def test_review_through_the_html_pages(client, auth, upload, people):
    resource = _create(upload, people.teacher_a1)
    auth.login(people.teacher_a1)
    client.post(f"/resources/{resource.id}/review", data={"action": "submit"})
    auth.logout()
    auth.login(people.school_a1_admin)
    queue = client.get("/resources/review").get_data(as_text=True)
    assert resource.title in queue
    assert "学校审核通过" in client.get(f"/resources/{resource.id}").get_data(as_text=True)
    response = client.post(f"/resources/{resource.id}/review", data={"action": "return", "reason": ""})
    assert db.session.get(Resource, resource.id).state == ReviewState.SUBMITTED  # refused: no reason
    assert response.status_code in (302, 422)
    client.post(f"/resources/{resource.id}/review", data={"action": "approve"})
    assert db.session.get(Resource, resource.id).state == ReviewState.DISTRICT_REVIEW
