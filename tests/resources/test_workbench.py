"""The resource cards of the 工作台: 提交审核 from the uploads card, and the reviewer's to-do it makes."""

from __future__ import annotations

import re

from eduplatform.core.extensions import db
from eduplatform.resources import review
from eduplatform.resources.models import Resource, ReviewState
from tests.resources.conftest import make_pptx


def test_submitting_a_draft_from_the_workbench_sends_it_to_the_schools_review(client, auth, upload, people):
    response = upload(people.teacher_a1, file=(make_pptx("杠杆原理"), "杠杆.pptx"), title="杠杆原理 课件")
    resource = db.session.get(Resource, response.get_json()["id"])
    auth.login(people.teacher_a1)
    card = client.get("/").get_data(as_text=True).split('id="wb-uploads"')[1]
    assert "杠杆原理 课件" in card and ">草稿</span>" in card and "提交审核" in card
    token = re.search(r'name="review_token" value="([^"]*)"', card).group(1)
    answer = client.post(f"/resources/{resource.id}/review",
                         data={"action": "submit", "review_token": token, "next": "home"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/")
    db.session.expire_all()
    assert db.session.get(Resource, resource.id).state == ReviewState.SUBMITTED
    card = client.get("/").get_data(as_text=True).split('id="wb-uploads"')[1].split('<div class="col')[0]
    assert ">待学校审核</span>" in card and "提交审核" not in card
    auth.logout()
    auth.login(people.school_a1_admin)  # the reviewer's to-do: the resource by name, its kind and deadline
    todos = client.get("/").get_data(as_text=True).split('id="home-todos"')[1].split("</ol>")[0]
    due = review.queue_tasks(people.school_a1_admin, [resource])[resource.id].due_at
    from eduplatform.core.templating import localtime

    assert "杠杆原理 课件" in todos and "教学资源" in todos and "待学校审核" in todos
    assert f"截止 {localtime(due)}" in todos
    href = re.search(r'href="(/tasks/\d+)"', todos.split("杠杆原理 课件")[0].rsplit("<li", 1)[1]).group(1)
    assert client.get(href).headers["Location"].startswith(f"/resources/{resource.id}?todo=")
    auth.logout()
    auth.login(people.school_b1_admin)  # another school's reviewer: nothing of it
    assert "杠杆原理" not in client.get("/").get_data(as_text=True)


def test_a_returned_resource_is_marked_on_the_uploaders_workbench_with_the_reason(client, auth, upload, people):
    response = upload(people.teacher_a1, file=(make_pptx("浮力"), "浮力.pptx"), title="浮力 实验课件")
    resource = db.session.get(Resource, response.get_json()["id"])
    review.submit(resource, people.teacher_a1)
    review.return_resource(resource, people.school_a1_admin, "请补充实验器材清单")
    db.session.commit()
    auth.login(people.teacher_a1)
    todos = client.get("/").get_data(as_text=True).split('id="home-todos"')[1].split("</ol>")[0]
    item = todos.split("浮力 实验课件")[0].rsplit("<li", 1)[1] + todos.split("浮力 实验课件")[1].split("</li>")[0]
    assert "被退回" in item and "教学资源" in item and "已退回" in item
    assert "退回理由：请补充实验器材清单" in item
    href = re.search(r'href="(/tasks/\d+)"', item).group(1)
    assert client.get(href).headers["Location"].startswith(f"/resources/{resource.id}?todo=")
