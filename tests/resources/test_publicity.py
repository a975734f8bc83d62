"""向社会公开: the owner asks, the review's publishing step approves it or lowers it to 全平台 (with the
reason recorded); a published resource asking later is reviewed again; anonymous visitors of the
public site see only what was approved."""

from __future__ import annotations

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.resources import permissions, publicity, review
from eduplatform.resources.models import Resource, ReviewState, Visibility
from tests.resources.conftest import make_pptx


def _create(upload, user, **fields) -> Resource:
    response = upload(user, file=(make_pptx(fields.pop("text", "向社会公开")), "p.pptx"), **fields)
    assert response.status_code == 201, response.get_json()
    return db.session.get(Resource, response.get_json()["id"])


def _kinds(resource) -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.kind).where(
        AuditEntry.object_type == "resource", AuditEntry.object_id == str(resource.id)).order_by(AuditEntry.id)))


def _to_district(resource, people):
    review.submit(resource, resource.owner)
    review.approve(resource, people.school_a1_admin)
    assert resource.state == ReviewState.DISTRICT_REVIEW


def test_public_is_a_request_until_the_district_approves_it(client, upload, people):
    resource = _create(upload, people.teacher_a1, visibility="public")
    assert resource.visibility == Visibility.PLATFORM and resource.requested_visibility == Visibility.PUBLIC
    _to_district(resource, people)
    assert not resource.is_public
    headers = upload.headers(people.district_a_staff)
    missing = client.post(f"/api/v1/resources/{resource.id}/approve", headers=headers, json={})
    assert missing.status_code == 422 and "向社会公开" in missing.get_json()["error"]["message"]
    assert db.session.get(Resource, resource.id).state == ReviewState.DISTRICT_REVIEW  # nothing half-written
    done = client.post(f"/api/v1/resources/{resource.id}/approve", headers=headers, json={"public": "public"})
    body = done.get_json()
    assert body["state"] == "published" and body["visibility"] == "public" and body["requested_visibility"] is None
    assert "resource.public_approved" in _kinds(resource)
    assert permissions.can_view_public_resource(db.session.get(Resource, resource.id))


def test_the_reviewer_lowers_public_to_platform_with_a_reason(client, upload, people):
    resource = _create(upload, people.teacher_a1, visibility="向社会公开")
    _to_district(resource, people)
    db.session.commit()
    headers = upload.headers(people.district_a_staff)
    no_reason = client.post(f"/api/v1/resources/{resource.id}/approve", headers=headers,
                            json={"public": "platform", "public_reason": " "})
    assert no_reason.status_code == 422 and "理由" in no_reason.get_json()["error"]["message"]
    body = client.post(f"/api/v1/resources/{resource.id}/approve", headers=headers,
                       json={"public": "platform", "public_reason": "含学生肖像，不宜向社会公开"}).get_json()
    assert body["visibility"] == "platform" and body["visibility_note"] == "含学生肖像，不宜向社会公开"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "resource.public_lowered")).one()
    assert entry.data["reason"] == "含学生肖像，不宜向社会公开" and entry.actor_id == people.district_a_staff.id


def test_the_engine_task_page_cannot_publish_a_public_request(upload, people):
    from eduplatform import workflow

    resource = _create(upload, people.teacher_a1, visibility="public")
    _to_district(resource, people)
    with pytest.raises(ValidationFailed):
        workflow.perform(review.current_instance(resource), "approve_district", actor=people.district_a_staff)


def test_a_published_resource_asks_again_and_stays_visible_meanwhile(client, upload, people, publish):
    resource = publish(_create(upload, people.teacher_a1, visibility="district").id)
    assert resource.visibility == Visibility.DISTRICT
    owner = upload.headers(people.teacher_a1)
    asked = client.post(f"/api/v1/resources/{resource.id}/visibility", headers=owner, json={"visibility": "public"})
    assert asked.status_code == 200, asked.get_json()
    assert asked.get_json()["visibility"] == "district" and asked.get_json()["requested_visibility"] == "public"
    assert asked.get_json()["state"] == "published"
    assert resource.id in [r.id for r in db.session.scalars(publicity.pending_for(people.district_a_staff))]
    assert resource.id not in [r.id for r in db.session.scalars(publicity.pending_for(people.district_b_staff))]
    # the school's admin and the owner do not decide; another district does not either
    for user in (people.school_a1_admin, people.teacher_a1, people.district_b_staff):
        refused = client.post(f"/api/v1/resources/{resource.id}/public-decision", headers=upload.headers(user),
                              json={"public": "public"})
        assert refused.status_code in (403, 404)
    decided = client.post(f"/api/v1/resources/{resource.id}/public-decision",
                          headers=upload.headers(people.district_a_staff), json={"public": "public"})
    assert decided.get_json()["visibility"] == "public"
    kinds = [k for k in _kinds(resource) if k.startswith("resource.")]
    assert kinds[-2:] == ["resource.public_requested", "resource.public_approved"]


def test_the_owner_lowers_at_once_and_a_new_file_asks_again(client, upload, people, publish):
    resource = _create(upload, people.teacher_a1, visibility="public")
    _to_district(resource, people)
    review.approve(resource, people.district_a_staff, public="public")
    db.session.commit()
    assert resource.is_public
    # a new file: back to draft, not public, 向社会公开 requested again
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from eduplatform.resources import services
    services.replace_file(people.teacher_a1, resource,
                          FileStorage(BytesIO(make_pptx("新版本")), filename="v2.pptx"))
    assert resource.state == ReviewState.DRAFT and not resource.is_public and resource.public_pending
    db.session.rollback()
    resource = db.session.get(Resource, resource.id)
    publicity.change_visibility(people.teacher_a1, resource, Visibility.SCHOOL)
    assert resource.visibility == Visibility.SCHOOL and not resource.public_pending
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "resource.visibility_changed")).one()
    assert entry.data == {"from": "public", "to": "school", "withdrew_request": False}
    with pytest.raises(PermissionDenied):
        publicity.change_visibility(people.teacher_b1, resource, Visibility.PLATFORM)


def test_packages_cannot_import_straight_to_public(client, upload, people):
    from eduplatform.resources.services import parse_visibility

    with pytest.raises(ValidationFailed):
        parse_visibility("public", allow_public=False)
    assert parse_visibility("向社会公开") == Visibility.PUBLIC


def test_acl_list_and_predicate_agree_for_public(upload, people, publish):
    from eduplatform.core.search.base import PUBLIC

    public = _create(upload, people.teacher_a1, visibility="public", text="公开的")
    _to_district(public, people)
    review.approve(public, people.district_a_staff, public="public")
    platform = publish(_create(upload, people.teacher_a1, text="全平台的").id)
    db.session.commit()
    assert PUBLIC in permissions.resource_acl(public) and "platform" in permissions.resource_acl(public)
    assert PUBLIC not in permissions.resource_acl(platform)
    listed = [r.id for r in db.session.scalars(permissions.public_resources(db.select(Resource)))]
    assert public.id in listed and platform.id not in listed
    # signed-in users of another district see it as they see 全平台
    assert permissions.can_view_resource(people.teacher_b1, public)
    assert public.id in [r.id for r in db.session.scalars(
        permissions.visible_resources(people.teacher_b1, db.select(Resource)))]


def test_the_review_page_asks_for_the_decision_and_the_owner_reads_the_reason(client, auth, upload, people):
    resource = _create(upload, people.teacher_a1, visibility="public")
    _to_district(resource, people)
    db.session.commit()
    auth.login(people.district_a_staff)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "上传者申请向社会公开" in page and 'value="platform"' in page
    token = review.review_token(resource)
    # no decision: refused with the reason, nothing published
    refused = client.post(f"/resources/{resource.id}/review", data={"action": "approve", "review_token": token},
                          follow_redirects=True).get_data(as_text=True)
    assert "请选择“同意向社会公开”或“降为全平台”" in refused
    assert db.session.get(Resource, resource.id).state == ReviewState.DISTRICT_REVIEW
    client.post(f"/resources/{resource.id}/review", data={
        "action": "approve", "review_token": token, "public": "platform", "public_reason": "含未授权的教材插图"})
    resource = db.session.get(Resource, resource.id)
    assert resource.state == ReviewState.PUBLISHED and resource.visibility == Visibility.PLATFORM
    auth.logout()
    auth.login(people.teacher_a1)
    owner_page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "向社会公开未获同意，已降为全平台。理由：含未授权的教材插图" in owner_page
    # the owner asks again from the page: it stays 全平台 and published meanwhile
    client.post(f"/resources/{resource.id}/visibility", data={"visibility": "public"})
    resource = db.session.get(Resource, resource.id)
    assert resource.public_pending and resource.visibility == Visibility.PLATFORM and resource.is_published
