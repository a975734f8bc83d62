"""Deleting a resource that was never published: the owner only, in 草稿 / 已退回; rows, objects (every
version's file and thumbnail, on both backends) and the search entry go; a running review is
cancelled through the engine with its event flow kept; objects are removed only after the commit."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.audit.models import AuditEntry
from eduplatform.core.consistency import check_consistency
from eduplatform.core.errors import Conflict, PermissionDenied
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.courses import structure
from eduplatform.courses.models import LessonKind
from eduplatform.resources import removal, review
from eduplatform.resources.models import Comment, Favourite, Rating, Resource, ResourceVersion
from eduplatform.resources.search import search_resources
from eduplatform.workflow.models import InstanceStatus, ProcessInstance, WorkflowEvent
from tests.resources.conftest import make_image, make_pptx, storage_keys

IMAGE = {"type": "media_image", "title": "光合作用示意图", "description": "叶绿体结构", "stage": "primary",
         "subject": "science"}


def _create(upload, user, text="删除测试", **kwargs) -> Resource:
    response = upload(user, file=kwargs.pop("file", None) or (make_pptx(text), f"{text}.pptx"), **kwargs)
    assert response.status_code == 201, response.get_json()
    return db.session.get(Resource, response.get_json()["id"])


def _keys_of(resource) -> list[str]:
    return sorted(f.key for v in resource.versions for f in (v.file, v.thumbnail) if f is not None)


def _found(user, word) -> list[int]:
    return [hit.resource.id for hit in search_resources(user, q=word).hits]


def _replace(client, upload, resource, text):
    response = client.post(f"/api/v1/resources/{resource.id}/versions", headers=upload.headers(resource.owner),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(make_pptx(text)), f"{text}.pptx")})
    assert response.status_code == 201, response.get_json()


def _returned(upload, people, text="退回课件") -> Resource:
    resource = _create(upload, people.teacher_a1, text)
    review.submit(resource, people.teacher_a1)
    review.return_resource(resource, people.school_a1_admin, "例题有误")
    db.session.commit()
    return resource


def test_owner_deletes_a_draft_with_every_version_thumbnail_and_search_entry(backend, client, upload, people):
    resource = _create(upload, people.teacher_a1, data=IMAGE, file=(make_image(size=(800, 600)), "示意图.png"))
    other = _create(upload, people.teacher_a1, "留下的课件")  # untouched
    second = make_image(size=(640, 480), colors=None, mode="RGB")
    replaced = client.post(f"/api/v1/resources/{resource.id}/versions", headers=upload.headers(people.teacher_a1),
                           content_type="multipart/form-data", data={"file": (io.BytesIO(second[:-1] + b"\0"), "二.png")})
    assert replaced.status_code == 201, replaced.get_json()
    db.session.refresh(resource)
    keys = _keys_of(resource)
    assert len(resource.versions) == 2 and len(keys) == 4  # two files, two thumbnails
    assert set(keys) <= set(storage_keys(backend))
    assert _found(people.teacher_a1, "叶绿体") == [resource.id]
    rid, kept = resource.id, _keys_of(other)

    response = client.delete(f"/api/v1/resources/{rid}", headers=upload.headers(people.teacher_a1))

    assert response.status_code == 200 and response.get_json() == {"deleted": True, "id": rid}
    db.session.expire_all()
    assert db.session.get(Resource, rid) is None
    assert db.session.scalars(sa.select(ResourceVersion).where(ResourceVersion.resource_id == rid)).all() == []
    assert db.session.scalars(sa.select(StoredFile).where(StoredFile.key.in_(keys))).all() == []
    assert sorted(storage_keys(backend)) == sorted(kept)  # the other resource's objects stay
    assert _found(people.teacher_a1, "叶绿体") == []
    assert check_consistency().ok
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "resource.deleted")).one()
    assert entry.actor_id == people.teacher_a1.id and "光合作用示意图" in entry.summary
    assert sorted(entry.data["files"]) == keys
    assert client.get(f"/api/v1/resources/{rid}", headers=upload.headers(people.teacher_a1)).status_code == 404


def test_a_returned_resource_is_deleted_and_its_review_cancelled_with_the_event_flow_kept(backend, client, auth,
                                                                                          upload, people):
    resource = _returned(upload, people)
    instance = review.current_instance(resource)
    iid, rid = instance.id, resource.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkflowEvent)
                             .where(WorkflowEvent.instance_id == iid)) >= 3

    assert client.delete(f"/api/v1/resources/{rid}", headers=upload.headers(people.teacher_a1)).status_code == 200

    db.session.expire_all()
    instance = db.session.get(ProcessInstance, iid)
    assert instance.status == InstanceStatus.CANCELLED
    kinds = [e.kind for e in workflow.events(instance)]
    assert kinds[0] == "started" and "transition" in kinds and kinds[-1] == "cancelled"
    assert workflow.events(instance)[-1].reason == removal.CANCEL_REASON
    assert not [t for t in workflow.current_tasks(instance) if t.is_open]
    assert storage_keys(backend) == [] and check_consistency().ok
    # the event flow stays readable on the engine's page, without a link to the gone resource
    auth.login(people.teacher_a1)
    page = client.get(f"/workflow/instances/{iid}")
    assert page.status_code == 200 and removal.CANCEL_REASON in page.get_data(as_text=True)


def test_favourites_ratings_and_comments_go_too(upload, people):
    resource = _create(upload, people.teacher_a1)
    # not reachable through the pages for a draft; rows put here stand for any left by older data
    db.session.add_all([Favourite(user_id=people.teacher_b1.id, resource_id=resource.id),
                        Rating(user_id=people.teacher_b1.id, resource_id=resource.id, stars=4),
                        Comment(resource_id=resource.id, user_id=people.teacher_b1.id, body="好")])
    db.session.commit()
    rid = resource.id
    removal.delete_resource(people.teacher_a1, resource)
    db.session.commit()
    for model in (Favourite, Rating, Comment):
        assert db.session.scalars(sa.select(model).where(model.resource_id == rid)).all() == []


def test_a_failing_commit_leaves_rows_objects_and_search_entry_in_place(backend, upload, people):
    resource = _create(upload, people.teacher_a1, "提交失败")
    rid, keys = resource.id, _keys_of(resource)

    def fail(session):
        raise RuntimeError("数据库提交失败")

    removal.delete_resource(people.teacher_a1, resource)
    assert set(keys) <= set(storage_keys(backend))  # nothing removed before the commit
    sa.event.listen(db.session(), "before_commit", fail)
    try:
        with pytest.raises(RuntimeError):
            db.session.commit()
    finally:
        sa.event.remove(db.session(), "before_commit", fail)
    db.session.rollback()

    assert db.session.get(Resource, rid) is not None
    assert set(keys) <= set(storage_keys(backend))
    assert _found(people.teacher_a1, "提交失败") == [rid]
    assert check_consistency().ok
    # and a later delete that commits removes them
    removal.delete_resource(people.teacher_a1, db.session.get(Resource, rid))
    db.session.commit()
    assert not set(keys) & set(storage_keys(backend)) and check_consistency().ok


def test_only_the_owner_may_delete_not_colleagues_reviewers_or_other_schools(client, auth, upload, people,
                                                                            create_user, tree):
    from eduplatform.accounts.models import Role

    colleague = create_user("a1teacher2", roles=[Role.TEACHER], org=tree.school_a1)
    draft = _create(upload, people.teacher_a1, "草稿")
    returned = _returned(upload, people, "已退回")
    for user in (colleague, people.school_a1_admin, people.district_a_staff, people.teacher_b1,
                 people.school_b1_admin, people.district_b_staff):
        for resource in (draft, returned):
            response = client.delete(f"/api/v1/resources/{resource.id}", headers=upload.headers(user))
            assert response.status_code == 403, (user.username, resource.title)
            assert response.get_json()["error"]["code"]
        with pytest.raises(PermissionDenied):
            removal.delete_resource(user, returned)
        db.session.rollback()
    # the HTML form too (IDOR by id across schools)
    auth.login(people.teacher_b1)
    assert client.post(f"/resources/{draft.id}/delete").status_code == 403
    assert client.post(f"/resources/{returned.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Resource, draft.id) is not None and db.session.get(Resource, returned.id) is not None
    assert client.delete("/api/v1/resources/999999", headers=upload.headers(people.teacher_a1)).status_code == 404


@pytest.mark.parametrize("step", ["submitted", "district_review", "published", "published_then_draft",
                                  "published_then_returned"])
def test_submitted_or_published_resources_are_refused_with_409(app, client, upload, publish, people, step):
    resource = _create(upload, people.teacher_a1, f"状态{step}")
    if step == "submitted":
        review.submit(resource, people.teacher_a1)
    elif step == "district_review":
        review.submit(resource, people.teacher_a1)
        review.approve(resource, people.school_a1_admin)
    else:
        publish(resource.id)
        if step != "published":
            _replace(client, upload, resource, f"新版{step}")  # back to draft
            if step == "published_then_returned":
                db.session.refresh(resource)
                review.submit(resource, people.teacher_a1)
                review.return_resource(resource, people.school_a1_admin, "再改改")
    db.session.commit()
    keys = _keys_of(resource)
    response = client.delete(f"/api/v1/resources/{resource.id}", headers=upload.headers(people.teacher_a1))
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "not_deletable" and "不能删除" in error["message"]
    if step == "published":
        assert "下架" in error["message"]
    db.session.expire_all()
    assert db.session.get(Resource, resource.id) is not None and check_consistency().ok
    assert set(keys) <= set(storage_keys(app.extensions["edu_storage"]))


def test_a_resource_a_course_lesson_plays_cannot_be_deleted(client, upload, people):
    from eduplatform.courses import catalogue
    from eduplatform.courses.models import CourseAudience, EnrolmentMode

    resource = _create(upload, people.teacher_a1, "课时讲义")
    course = catalogue.create_course(people.teacher_a1, {
        "title": "七年级数学", "summary": "方程", "description": "", "stage": "junior", "subject": "math",
        "grade": "g7", "audience": CourseAudience.STUDENTS, "enrolment_mode": EnrolmentMode.OPEN,
        "training_hours": 0.0, "visible_org_id": None})
    chapter = structure.add_chapter(people.teacher_a1, course, "第一章")
    lesson = structure.add_lesson(people.teacher_a1, chapter, {"title": "讲义", "kind": LessonKind.DOCUMENT,
                                                               "resource_id": resource.id, "body": "",
                                                               "required": True})
    db.session.commit()
    response = client.delete(f"/api/v1/resources/{resource.id}", headers=upload.headers(people.teacher_a1))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "resource_in_use" and "《七年级数学》·讲义" in error["message"]
    # once the lesson no longer plays it, it can go
    lesson.resource_id = None
    db.session.commit()
    assert client.delete(f"/api/v1/resources/{resource.id}",
                         headers=upload.headers(people.teacher_a1)).status_code == 200


def test_pages_offer_delete_with_a_confirm_to_the_owner_only(client, auth, upload, publish, people):
    draft = _create(upload, people.teacher_a1, "页面草稿", title="页面草稿")
    published = _create(upload, people.teacher_a1, "页面已发布", title="页面已发布")
    publish(published.id)
    auth.login(people.teacher_a1)
    page = client.get(f"/resources/{draft.id}").get_data(as_text=True)
    assert 'id="delete-resource"' in page and "data-confirm=\"确定永久删除《页面草稿》" in page
    assert 'id="delete-resource"' not in client.get(f"/resources/{published.id}").get_data(as_text=True)
    mine = client.get("/resources/mine").get_data(as_text=True)
    assert f'id="delete-{draft.id}"' in mine and f'id="delete-{published.id}"' not in mine
    # a refusal is a clear message on the page, nothing deleted
    refused = client.post(f"/resources/{published.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "不能删除" in refused
    done = client.post(f"/resources/{draft.id}/delete", follow_redirects=True)
    assert done.status_code == 200 and "资源《页面草稿》已删除" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Resource, draft.id) is None and db.session.get(Resource, published.id) is not None
    auth.logout()
    auth.login(people.school_a1_admin)
    assert 'id="delete-resource"' not in client.get(f"/resources/{published.id}").get_data(as_text=True)


def test_delete_is_in_the_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/resources/{resource_id}"]["delete"]
    assert {"200", "403", "409"} <= set(operation["responses"])


def test_conflict_is_raised_by_the_service_too(upload, people):
    resource = _returned(upload, people, "服务层")
    review.submit(resource, people.teacher_a1)
    db.session.commit()
    with pytest.raises(Conflict):
        removal.delete_resource(people.teacher_a1, resource)

