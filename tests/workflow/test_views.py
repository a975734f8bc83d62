"""The HTML pages: lists, the instance page and its forms, notices, models, calendar; IDOR."""

from __future__ import annotations

from eduplatform import workflow
from eduplatform.core.extensions import db
from eduplatform.workflow.models import CalendarDay
from tests.assertions import assert_refused_page, denials, reread


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


def test_a_todo_opens_with_the_queue_beside_it_and_keys_move_through_it(client, auth, people, tree, submitted):
    second = workflow.start("sample_review", org=tree.school_a1, actor=people.teacher_a1, title="小数的意义",
                            data={"title": "小数的意义"})
    workflow.perform(second, "submit", actor=people.teacher_a1)
    db.session.commit()
    first_task = next(t for t in submitted.tasks if t.is_open)
    second_task = next(t for t in second.tasks if t.is_open)
    auth.login(people.school_a1_admin)
    listing = client.get("/tasks").get_data(as_text=True)
    assert f'href="/tasks/{first_task.id}"' in listing and f'href="/tasks/{second_task.id}"' in listing
    # No page of its own for this object: the process page, opened with its place in the queue.
    response = client.get(f"/tasks/{first_task.id}")
    assert response.headers["Location"] == f"/workflow/instances/{submitted.id}?todo={first_task.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    bar = page.split('id="todo-nav"', 1)[1].split("</nav>", 1)[0]
    assert "待办 1 / 2" in bar and f'href="/tasks/{second_task.id}"' in bar and 'id="todo-prev"' not in bar
    page = client.get(f"/workflow/instances/{second.id}?todo={second_task.id}").get_data(as_text=True)
    bar = page.split('id="todo-nav"', 1)[1].split("</nav>", 1)[0]
    assert "待办 2 / 2" in bar and f'href="/tasks/{first_task.id}"' in bar and 'id="todo-next"' not in bar
    # Someone else's task id in the address shows no queue (and tells nothing about it).
    auth.logout()
    auth.login(people.school_b1_admin)
    assert 'id="todo-nav"' not in client.get(f"/notices?todo={first_task.id}").get_data(as_text=True)


def test_the_event_flow_names_people_not_logins(client, auth, people, submitted):
    people.teacher_a1.display_name = "王老师"
    db.session.commit()
    auth.login(people.school_a1_admin)
    page = client.get(f"/workflow/instances/{submitted.id}").get_data(as_text=True)
    flow = page.split("事件流", 1)[1]
    teacher = people.teacher_a1
    assert f'<span title="账号：{teacher.username}">{teacher.display_name}</span>' in flow
    assert f"· {teacher.username}" not in flow


def test_another_school_gets_403_on_the_pages(client, auth, people, submitted):
    auth.login(people.school_b1_admin)
    assert_refused_page(client.get(f"/workflow/instances/{submitted.id}"), "instance")
    (task,) = [t for t in submitted.tasks if t.is_open]
    state, version = submitted.state, task.version
    assert_refused_page(client.get(f"/tasks/{task.id}"), "task")
    assert_refused_page(client.post(f"/workflow/instances/{submitted.id}/transitions/school_approve",
                                    data={"version": task.version, "task_id": task.id}), "approve")
    diagram = client.get(f"/workflow/instances/{submitted.id}/diagram.bpmn")
    assert_refused_page(diagram, "diagram")
    assert b"bpmn:definitions" not in diagram.data
    assert [e.data["action"] for e in denials(people.school_b1_admin)] == [
        "instance.read", "task.read", "instance.read", "instance.read"]
    assert (reread(submitted).state, reread(task).version, task.is_open) == (state, version, True)


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
