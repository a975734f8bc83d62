"""The HTML pages: lists, the instance page and its forms, notices, models, calendar; IDOR."""

from __future__ import annotations

from eduplatform.core.extensions import db
from eduplatform.workflow.models import CalendarDay


def test_todo_and_done_pages(client, auth, people, submitted):
    auth.login(people.school_a1_admin)
    page = client.get("/tasks").get_data(as_text=True)
    assert "我的待办" in page and "分数的意义" in page and "学校审核（已提交）" in page
    assert 'id="nav-todo"' in page and ">1</span>" in page
    assert "分数的意义" not in client.get("/tasks?list=done").get_data(as_text=True)


def test_the_home_page_shows_my_todos_and_notices(client, auth, people, submitted):
    auth.login(people.school_a1_admin)
    page = client.get("/").get_data(as_text=True)
    todos = page.split('id="home-todos"')[1].split('id="home-notices"')[0]
    assert "今天要办（1）" in todos and "分数的意义" in todos
    auth.logout()
    auth.login(people.school_b1_admin)  # another school: none of it
    page = client.get("/").get_data(as_text=True)
    assert "今天要办（0）" in page and "分数的意义" not in page


def test_acting_through_the_instance_page(client, auth, people, submitted):
    auth.login(people.school_a1_admin)
    page = client.get(f"/workflow/instances/{submitted.id}").get_data(as_text=True)
    assert "学校审核通过" in page and "退回修改" in page and "事件流" in page and 'id="bpmn-diagram"' in page
    (task,) = [t for t in submitted.tasks if t.is_open]
    response = client.post(f"/workflow/instances/{submitted.id}/transitions/school_return",
                           data={"version": task.version, "task_id": task.id, "reason": ""})
    assert response.status_code == 302  # refused: back with a message, nothing changed
    assert "退回必须填写理由" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(type(submitted), submitted.id).state == "school_review"
    response = client.post(f"/workflow/instances/{submitted.id}/transitions/school_approve",
                           data={"version": task.version, "task_id": task.id, "school_opinion": "同意推荐"})
    assert response.status_code == 302
    page = client.get(f"/workflow/instances/{submitted.id}").get_data(as_text=True)
    assert "已办理：学校审核通过" in page and "区县审核" in page and "同意推荐" in page


def test_another_school_gets_403_on_the_pages(client, auth, people, submitted):
    auth.login(people.school_b1_admin)
    assert client.get(f"/workflow/instances/{submitted.id}").status_code == 403
    (task,) = [t for t in submitted.tasks if t.is_open]
    assert client.get(f"/tasks/{task.id}").status_code == 403
    assert client.post(f"/workflow/instances/{submitted.id}/transitions/school_approve",
                       data={"version": task.version, "task_id": task.id}).status_code == 403
    assert client.get(f"/workflow/instances/{submitted.id}/diagram.bpmn").status_code == 403


def test_notice_page_and_marking_read(client, auth, people, submitted):
    auth.login(people.school_a1_admin)
    page = client.get("/notices").get_data(as_text=True)
    assert "新待办：示例资源审核·学校审核（已提交）：分数的意义" in page and ">未读</span>" in page
    client.post("/notices/read")
    assert ">未读</span>" not in client.get("/notices").get_data(as_text=True)


def test_opening_an_item_reads_its_notices(client, auth, api, people, submitted):
    auth.login(people.school_a1_admin)
    assert client.get("/api/v1/notices").get_json()["unread"] == 1
    client.get(f"/workflow/instances/{submitted.id}")
    assert client.get("/api/v1/notices").get_json()["unread"] == 0


def test_model_pages(client, auth, people):
    auth.login(people.teacher_a1)
    listing = client.get("/processes").get_data(as_text=True)
    assert "收文办理" in listing and "发文办理" in listing
    page = client.get("/processes/engine_incoming").get_data(as_text=True)
    for text in ("协作流程图", "信息表单关系", "办公室", "局领导", "传阅", "会签", "一票退回", "导出 BPMN 2.0"):
        assert text in page, text
    download = client.get("/processes/engine_incoming.bpmn")
    assert download.status_code == 200 and b"bpmn:laneSet" in download.data
    assert "attachment" in download.headers["Content-Disposition"]
    tree_page = client.get("/processes/division").get_data(as_text=True)
    assert "分工组成树" in tree_page and "局领导" in tree_page and "批办" in tree_page
    auth.logout()
    auth.login(people.citizen)
    assert client.get("/processes").status_code == 403


def test_calendar_page_for_the_system_administrator_only(client, auth, people):
    auth.login(people.sysadmin)
    page = client.get("/workflow/calendar?year=2026").get_data(as_text=True)
    assert "2026-10-10" in page and "国庆节调休上班" in page
    assert "尚未录入" in client.get("/workflow/calendar?year=2027").get_data(as_text=True)
    client.post("/workflow/calendar", data={"day": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert db.session.get(CalendarDay, __import__("datetime").date(2027, 1, 1)).name == "元旦"
    bad = client.post("/workflow/calendar", data={"day": "2027-02-30", "kind": "holiday", "name": "x"})
    assert bad.status_code == 302
    client.post("/workflow/calendar/2027-01-01/delete")
    assert db.session.get(CalendarDay, __import__("datetime").date(2027, 1, 1)) is None
    auth.logout()
    auth.login(people.city_staff)
    assert client.get("/workflow/calendar").status_code == 403
    assert client.post("/workflow/calendar", data={"day": "2027-01-02", "kind": "holiday",
                                                   "name": "x"}).status_code == 403
