"""Resource review runs on the process engine (resource_review v2): the status column follows the
instance through the hook whoever acts (the library's pages, its API, or the engine's own pages and
API); queues are the engine's 待办; history is its event flow; due dates, reminders and escalation
come from the definition; the rules (reasons, no self-review, bureau skip, scope) hold everywhere."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from eduplatform import workflow
from eduplatform.accounts.models import Role
from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, PermissionDenied
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.core.templating import localtime
from eduplatform.resources import review
from eduplatform.resources.models import Resource, ReviewState
from eduplatform.workflow.models import WorkflowTask
from eduplatform.workflow.tasks import done_query, todo_query
from eduplatform.workflow.tick import run_tick
from tests.fixtures.auth import AuthActions
from tests.resources.conftest import make_image, make_pptx


def _create(upload, user, text="审核", **fields) -> Resource:
    response = upload(user, file=(make_pptx(text), f"{text}.pptx"), **fields)
    assert response.status_code == 201, response.get_json()
    return db.session.get(Resource, response.get_json()["id"])


def _submitted(upload, user, text="审核", **fields) -> Resource:
    resource = _create(upload, user, text, **fields)
    review.submit(resource, user)
    db.session.commit()
    return resource


def _open_task(resource) -> WorkflowTask:
    (task,) = [t for t in workflow.current_tasks(review.current_instance(resource)) if t.is_open]
    return task


def _queue(user) -> list[int]:
    return [r.id for r in db.session.scalars(review.queue(user))]


def _titles(user) -> list[str]:
    return [t.instance.title for t in db.session.scalars(todo_query(user, review.PROCESS))]


def test_a_draft_has_no_review_until_its_owner_submits_it(upload, people):
    resource = _create(upload, people.teacher_a1)
    assert workflow.instance_for(resource, review.PROCESS) is None  # a draft stays private to its owner
    assert [a.code for a in review.available_actions(people.teacher_a1, resource)] == ["submit"]
    review.submit(resource, people.teacher_a1)
    instance = review.current_instance(resource)
    assert instance.definition.version == 2 and instance.started_by_id == people.teacher_a1.id
    assert instance.data == {"title": resource.title, "uploader_unit": "学校"}
    assert (instance.state, resource.state) == ("submitted", ReviewState.SUBMITTED)
    assert resource.submitted_at is not None
    # The starter's own draft step was done at once and told nobody; the school admin was told.
    assert db.session.scalars(db.select(Notice).where(Notice.user_id == people.teacher_a1.id)).all() == []
    notices = db.session.scalars(db.select(Notice.title).where(Notice.user_id == people.school_a1_admin.id)).all()
    assert notices == [f"新待办：教学资源审核·待学校审核：{resource.title}"]


def test_queues_are_the_engines_todo_lists(client, auth, api, upload, people):
    resource = _submitted(upload, people.teacher_a1, "待办课件", title="浮力 课件")
    assert _queue(people.school_a1_admin) == [resource.id] and _titles(people.school_a1_admin) == ["浮力 课件"]
    assert _queue(people.district_a_staff) == [] and _queue(people.school_b1_admin) == []
    # the same item in the engine's API, /tasks and the home page, linking to the resource
    body = client.get("/api/v1/tasks?process=resource_review", headers=api(people.school_a1_admin)).get_json()
    (item,) = body["items"]
    assert item["url"] == f"/resources/{resource.id}" and item["state_label"] == "待学校审核"
    assert item["due_at"] and {t["key"] for t in item["transitions"]} == {"approve_school", "return"}
    auth.login(people.school_a1_admin)
    assert "浮力 课件" in client.get("/tasks").get_data(as_text=True)
    queue_page = client.get("/resources/review").get_data(as_text=True)
    due = review.queue_tasks(people.school_a1_admin, [resource])[resource.id].due_at
    assert "浮力 课件" in queue_page and localtime(due) in queue_page.split('id="review-queue"')[1]
    home = client.get("/").get_data(as_text=True)
    assert "浮力 课件" in home.split('id="home-todos"')[1].split('id="home-notices"')[0]
    process_page = client.get(f"/workflow/instances/{review.current_instance(resource).id}").get_data(as_text=True)
    for text in ("教学资源审核", "待学校审核", "学校审核通过", "退回", f"/resources/{resource.id}"):
        assert text in process_page, text
    # approved: it leaves the school's 待办 for its 已办, and reaches the district's
    review.approve(resource, people.school_a1_admin)
    db.session.commit()
    assert _queue(people.school_a1_admin) == [] and _queue(people.district_a_staff) == [resource.id]
    done = db.session.scalars(done_query(people.school_a1_admin, review.PROCESS)).all()
    assert [(t.state, t.outcome) for t in done] == [("submitted", "approve_school")]
    assert _queue(people.city_staff) == [resource.id]  # the city bureau above may review too


def test_the_engines_own_pages_keep_the_resource_in_step(client, auth, api, upload, people):
    resource = _submitted(upload, people.teacher_a1, "引擎页面")
    instance = review.current_instance(resource)
    headers = api(people.school_a1_admin)
    task = _open_task(resource)
    url = f"/api/v1/tasks/{task.id}/transitions/approve_school"
    moved = client.post(url, headers=headers, json={"version": task.version, "reason": "内容规范，同意推荐"})
    assert moved.status_code == 200 and moved.get_json()["state"] == "district_review"
    db.session.expire_all()
    assert db.session.get(Resource, resource.id).state == ReviewState.DISTRICT_REVIEW
    # a return from the engine's HTML page needs a reason and lands on the resource
    auth.login(people.district_a_staff)
    task = _open_task(resource)
    page_url = f"/workflow/instances/{instance.id}/transitions/return"
    client.post(page_url, data={"task_id": task.id, "version": task.version, "reason": ""})
    db.session.expire_all()
    assert db.session.get(Resource, resource.id).state == ReviewState.DISTRICT_REVIEW
    too_long = client.post(page_url, data={"task_id": task.id, "version": task.version, "reason": "长" * 1001})
    assert too_long.status_code in (302, 422)
    db.session.expire_all()
    assert db.session.get(Resource, resource.id).state == ReviewState.DISTRICT_REVIEW
    client.post(page_url, data={"task_id": task.id, "version": task.version, "reason": "请补充练习答案"})
    db.session.expire_all()
    resource = db.session.get(Resource, resource.id)
    assert (resource.state, resource.return_reason) == (ReviewState.RETURNED, "请补充练习答案")
    steps = [(s.action, s.reason) for s in review.history(resource)]
    assert steps == [("submit", None), ("approve_school", "内容规范，同意推荐"), ("return", "请补充练习答案")]
    kinds = db.session.scalars(db.select(AuditEntry.kind).where(
        AuditEntry.realm == "resources", AuditEntry.object_id == str(resource.id)).order_by(AuditEntry.id)).all()
    assert kinds[-3:] == ["resource.submit", "resource.approve_school", "resource.return"]
    # The detail page shows the history from the event flow and links to the process page.
    auth.logout()
    auth.login(people.teacher_a1)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "退回理由：请补充练习答案" in page and f"/workflow/instances/{instance.id}" in page
    assert "内容规范，同意推荐" in page.split('id="review-history"')[1]


def test_a_failing_file_cannot_be_submitted_from_the_engines_pages_either(client, api, upload, people):
    response = upload(people.teacher_a1, data={"type": "media_image", "title": "16 色示意图", "description": "d",
                                               "stage": "primary", "subject": "science"},
                      file=(make_image(colors=16, fmt="GIF"), "示意图.gif"))
    resource = db.session.get(Resource, response.get_json()["id"])
    # Even a review started for it refuses submission on the engine's own API.
    instance = review.open_review(resource)
    db.session.commit()
    (task,) = [t for t in workflow.current_tasks(instance) if t.is_open]
    refused = client.post(f"/api/v1/tasks/{task.id}/transitions/submit", headers=api(people.teacher_a1),
                          json={"version": task.version})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conformance_failed"
    db.session.expire_all()
    assert db.session.get(Resource, resource.id).state == ReviewState.DRAFT
    assert db.session.get(type(instance), instance.id).state == "draft"


@pytest.mark.parametrize("uploader", ["district_a_staff", "city_staff"])
def test_bureau_uploads_skip_the_school_step_and_nobody_reviews_their_own(client, api, upload, people, tree,
                                                                          create_user, uploader):
    owner = getattr(people, uploader)
    resource = _submitted(upload, owner, f"局属{uploader}")
    assert resource.state == ReviewState.DISTRICT_REVIEW
    assert review.current_instance(resource).data["uploader_unit"] == "教育局"
    assert review.available_actions(owner, resource) == [] and not review.can_approve(owner, resource)
    assert resource.id not in _queue(owner)
    # Not over the library's API, nor the engine's (回避), nor from its pages.
    headers = api(owner)
    assert client.post(f"/api/v1/resources/{resource.id}/approve", headers=headers).status_code == 403
    task = _open_task(resource)
    refused = client.post(f"/api/v1/tasks/{task.id}/transitions/approve_district", headers=headers,
                          json={"version": task.version})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "excluded"
    db.session.expire_all()
    assert db.session.get(Resource, resource.id).state == ReviewState.DISTRICT_REVIEW
    # A colleague of the same bureau, or the city above, reviews it.
    colleague = create_user(f"{uploader}2", roles=[Role.BUREAU_STAFF], org=owner.org)
    assert review.can_approve(colleague, resource) and resource.id in _queue(colleague)
    if uploader == "district_a_staff":
        assert review.can_approve(people.city_staff, resource)
    body = client.post(f"/api/v1/resources/{resource.id}/approve", headers=api(colleague)).get_json()
    assert body["state"] == "published" and body["published_at"]


def test_a_school_admins_own_upload_goes_to_another_admin(client, api, upload, people, tree, create_user):
    resource = _submitted(upload, people.school_a1_admin, "校管上传")
    assert resource.state == ReviewState.SUBMITTED  # a school's upload still goes through the school
    assert not review.can_approve(people.school_a1_admin, resource) and _queue(people.school_a1_admin) == []
    other = create_user("a1admin2", roles=[Role.SCHOOL_ADMIN], org=tree.school_a1)
    assert _queue(other) == [resource.id]
    assert client.post(f"/api/v1/resources/{resource.id}/approve", headers=api(other)).get_json()["state"] == \
        "district_review"


def test_other_schools_and_districts_cannot_act_by_direct_id(client, auth, api, upload, people):
    resource = _submitted(upload, people.teacher_a1, "越权")
    instance = review.current_instance(resource)
    task = _open_task(resource)
    for outsider in (people.school_b1_admin, people.district_b_staff, people.teacher_b1):
        headers = api(outsider)
        assert client.post(f"/api/v1/resources/{resource.id}/approve", headers=headers).status_code == 403
        assert client.post(f"/api/v1/resources/{resource.id}/return", headers=headers,
                           json={"reason": "越权退回"}).status_code == 403
        assert client.post(f"/api/v1/tasks/{task.id}/transitions/approve_school", headers=headers,
                           json={"version": task.version}).status_code == 403
        assert client.post(f"/api/v1/instances/{instance.id}/transitions/return", headers=headers,
                           json={"version": instance.version, "reason": "越权"}).status_code == 403
        assert client.get(f"/api/v1/instances/{instance.id}", headers=headers).status_code == 403
        assert resource.id not in _queue(outsider)
    auth.login(people.school_b1_admin)
    assert client.post(f"/resources/{resource.id}/review", data={"action": "approve"}).status_code == 403
    assert client.get(f"/workflow/instances/{instance.id}").status_code == 403
    assert client.post(f"/workflow/instances/{instance.id}/transitions/approve_school",
                       data={"task_id": task.id, "version": task.version}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Resource, resource.id).state == ReviewState.SUBMITTED
    # the district step is district A's (and the city's): district B cannot take it either
    review.approve(resource, people.school_a1_admin)
    db.session.commit()
    task = _open_task(resource)
    refused = client.post(f"/api/v1/tasks/{task.id}/transitions/approve_district",
                          headers=api(people.district_b_staff), json={"version": task.version})
    assert refused.status_code == 403
    assert not review.can_approve(people.district_b_staff, resource)


def test_due_dates_reminders_and_escalation_come_from_the_definition(upload, people, tree, create_user):
    leader = create_user("daleader", roles=[Role.BUREAU_LEADER], org=tree.district_a)
    resource = _submitted(upload, people.teacher_a1, "期限")
    task = _open_task(resource)
    calendar = workflow.WorkCalendar.load()
    assert task.due_at == calendar.due_at(task.created_at, 3)  # submitted: 3 working days
    assert task.remind_at == calendar.remind_at(task.due_at, 1)
    inbox = lambda user: db.session.scalars(db.select(Notice.kind).where(Notice.user_id == user.id)
                                            .order_by(Notice.id)).all()
    run_tick(task.remind_at + timedelta(minutes=1))
    assert inbox(people.school_a1_admin)[-1] == "reminder"
    run_tick(task.due_at + timedelta(minutes=1))
    assert inbox(people.school_a1_admin)[-1] == "overdue"
    # Two working days overdue: the district is told, and may act at the school step (reassign).
    assert not review.can_approve(people.district_a_staff, resource)
    run_tick(task.escalate_at + timedelta(minutes=1))
    assert inbox(people.district_a_staff)[-1] == "escalated"
    assert "escalated" not in inbox(people.teacher_a1)
    assert review.can_approve(people.district_a_staff, resource)
    assert resource.id in _queue(people.district_a_staff)
    review.approve(resource, people.district_a_staff)  # approves the school step for it
    assert resource.state == ReviewState.DISTRICT_REVIEW
    # The district step: 5 working days, then the bureau's leader may act.
    task = _open_task(resource)
    assert task.due_at == calendar.due_at(task.created_at, 5)
    assert not review.can_approve(leader, resource)
    run_tick(task.escalate_at + timedelta(minutes=1))
    assert "escalated" in inbox(leader) and review.can_approve(leader, resource)
    review.approve(resource, leader)
    assert resource.state == ReviewState.PUBLISHED
    # Running it again changes nothing (idempotent).
    assert run_tick(task.escalate_at + timedelta(days=1)).escalated == 0


def test_a_new_file_reopens_the_review_and_history_spans_both_rounds(client, api, upload, publish, people):
    resource = _create(upload, people.teacher_a1, "第一版")
    publish(resource.id)
    first = workflow.instance_for(resource, review.PROCESS)
    assert first.status.value == "completed" and first.state == "published"
    owner = api(people.teacher_a1)
    replaced = client.post(f"/api/v1/resources/{resource.id}/versions", headers=owner,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(make_pptx("第二版")), "v2.pptx")})
    assert replaced.status_code == 201
    db.session.expire_all()
    resource = db.session.get(Resource, resource.id)
    second = review.current_instance(resource)
    assert second.id != first.id and second.state == "draft" and resource.state == ReviewState.DRAFT
    assert resource.published_at is None
    assert client.post(f"/api/v1/resources/{resource.id}/submit", headers=owner).get_json()["state"] == "submitted"
    history = client.get(f"/api/v1/resources/{resource.id}/history", headers=owner).get_json()["items"]
    assert [h["action"] for h in history] == ["submit", "approve_school", "approve_district", "submit"]
    assert history[0]["actor"] == people.teacher_a1.display_name and history[-1]["to"] == "submitted"


def test_a_new_file_for_a_returned_resource_makes_it_a_draft_again(client, api, upload, people):
    resource = _submitted(upload, people.teacher_a1, "退回换文件")
    review.return_resource(resource, people.school_a1_admin, "图片不清晰")
    db.session.commit()
    instance = review.current_instance(resource)
    replaced = client.post(f"/api/v1/resources/{resource.id}/versions", headers=api(people.teacher_a1),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(make_pptx("清晰版")), "v2.pptx")})
    assert replaced.status_code == 201
    db.session.expire_all()
    resource = db.session.get(Resource, resource.id)
    assert resource.state == ReviewState.DRAFT and review.current_instance(resource).id == instance.id
    assert [s.action for s in review.history(resource)] == ["submit", "return", "revise"]
    review.submit(resource, people.teacher_a1)
    assert resource.state == ReviewState.SUBMITTED and resource.return_reason is None


def test_permission_denied_when_acting_out_of_turn(upload, people):
    resource = _create(upload, people.teacher_a1, "顺序")
    with pytest.raises(PermissionDenied):
        review.approve(resource, people.school_a1_admin)  # still a draft
    review.submit(resource, people.teacher_a1)
    with pytest.raises(PermissionDenied):
        review.submit(resource, people.teacher_a1)  # already under review
    with pytest.raises(PermissionDenied):
        review.approve(resource, people.district_a_staff)  # the school's step


def test_one_review_at_a_time(upload, people):
    resource = _submitted(upload, people.teacher_a1, "一次一个")
    with pytest.raises(Conflict) as refused:  # e.g. started by hand on the engine
        workflow.start(review.PROCESS, subject=resource, org=resource.org, actor=people.teacher_a1,
                       data={"title": resource.title})
    assert refused.value.code == "review_running"
    db.session.rollback()
    assert review.open_review(resource).state == "submitted"  # the running one


def test_a_reviewer_beaten_to_it_gets_a_conflict_not_a_refusal(app, client, api, upload, people, tree,
                                                              create_user):
    resource = _submitted(upload, people.teacher_a1, "先到先得")
    other = create_user("a1admin2", roles=[Role.SCHOOL_ADMIN], org=tree.school_a1, display_name="第二管理员")
    token = review.review_token(resource)
    # both reviewers have the resource open: the review form and the API carry the token
    browser = app.test_client()  # the second reviewer's browser (``client`` speaks the API)
    AuthActions(browser).login(other)
    page = browser.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert page.count(f'name="review_token" value="{token}"') == 2  # approve and return forms
    body = client.get(f"/api/v1/resources/{resource.id}", headers=api(people.school_a1_admin)).get_json()
    assert body["review_token"] == token and body["actions"] == ["approve", "return"]
    # the first approves over the API
    approved = client.post(f"/api/v1/resources/{resource.id}/approve", headers=api(people.school_a1_admin),
                           json={"review_token": token})
    assert approved.status_code == 200 and approved.get_json()["state"] == "district_review"
    # the second returns from the page it loaded before: a conflict saying what happened, nothing written
    late = browser.post(f"/resources/{resource.id}/review", headers={"Referer": f"/resources/{resource.id}"},
                       data={"action": "return", "reason": "缺少答案", "review_token": token})
    assert late.status_code == 302
    assert "该资源的审核已由他人处理，当前状态为“待区县审核”，请刷新页面后再操作" in \
        browser.get(late.location).get_data(as_text=True)
    refused = client.post(f"/api/v1/resources/{resource.id}/return", headers=api(other),
                          json={"reason": "缺少答案", "review_token": token})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "review_changed"
    refused = client.post(f"/api/v1/resources/{resource.id}/approve", headers=api(other),
                          json={"review_token": token})
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(Resource, resource.id).state == ReviewState.DISTRICT_REVIEW
    assert [(s.action, s.actor_name) for s in review.history(resource)] == [
        ("submit", people.teacher_a1.display_name), ("approve_school", people.school_a1_admin.display_name)]
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "resource.return", AuditEntry.object_id == str(resource.id))) == 0
    # a current token goes through; once published, an old one is told so
    token = review.review_token(resource)
    approved = client.post(f"/api/v1/resources/{resource.id}/approve", headers=api(people.district_a_staff),
                           json={"review_token": token})
    assert approved.get_json()["state"] == "published"
    refused = client.post(f"/api/v1/resources/{resource.id}/approve", headers=api(people.city_staff),
                          json={"review_token": token})
    assert refused.status_code == 409 and "已发布" in refused.get_json()["error"]["message"]
    # a malformed body is a 422, as elsewhere
    bad = client.post(f"/api/v1/resources/{resource.id}/approve", headers=api(other), json={"review_token": 5})
    assert bad.status_code == 422
