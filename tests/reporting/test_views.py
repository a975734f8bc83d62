"""HTML pages: every page renders for its users, forms save and show errors beside fields, IDOR."""

from __future__ import annotations

import io

import pytest

from eduplatform.core.extensions import db
from eduplatform.reporting.models import SubmissionStatus
from tests.assertions import denials, page_message, reread


@pytest.fixture
def login(client, auth):
    def as_user(user):
        auth.logout()
        response = auth.login(user)
        assert response.status_code in (302, 303), response.data[:300]
        return client

    return as_user


def test_bureau_pages_render(login, people, task, template, tree):
    client = login(people.city_staff)
    for url in ("/reporting/", "/reporting/tasks", "/reporting/templates", f"/reporting/templates/{template.id}",
                f"/reporting/templates/{template.id}/design", "/reporting/tasks/new", f"/reporting/tasks/{task.id}",
                f"/reporting/tasks/{task.id}?district={tree.district_a.id}", f"/reporting/tasks/{task.id}/aggregate",
                f"/reporting/tasks/{task.id}/aggregate?by=stage&include=approved&stat=mean", "/reporting/inbox"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
    page = client.get(f"/reporting/tasks/{task.id}").get_data(as_text=True)
    assert "completeness-chart" in page and "echarts.min.js" in page and "一键催报" in page
    assert client.get(f"/reporting/tasks/{task.id}/aggregate.xlsx").status_code == 200
    assert client.get(f"/reporting/tasks/{task.id}/export.xlsx").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert "填报任务" in home and "报表模板" in home


def test_issue_a_task_through_the_form(login, people, tree, template):
    client = login(people.city_staff)
    bad = client.post("/reporting/tasks/new", data={"template_id": template.id, "title": "表单任务", "period": "2026",
                                                    "due_at": "2000-01-01T10:00", "subtrees": [tree.city.code]})
    assert bad.status_code == 422 and "截止时间须晚于现在" in bad.get_data(as_text=True)
    response = client.post("/reporting/tasks/new", data={
        "template_id": template.id, "title": "表单任务", "period": "2026", "due_at": "2099-10-15T17:00",
        "subtrees": [tree.district_a.code], "stages": ["junior"], "schools": [tree.school_b1.code],
        "attachments": (io.BytesIO(b"%PDF-1.4 notice"), "通知.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "通知.pdf" in detail and 'id="count-expected">2<' in detail


def test_school_fills_saves_with_errors_and_submits(login, people, tree, task, sub_of, good_values):
    sub = sub_of(task, tree.school_a1)
    client = login(people.school_a1_admin)
    assert client.get("/reporting/todo").status_code == 200
    assert client.get(f"/reporting/tasks/{task.id}").headers["Location"].endswith(f"/reporting/submissions/{sub.id}")
    page = client.get(f"/reporting/submissions/{sub.id}").get_data(as_text=True)
    assert 'name="v:grades.g1.boys"' in page and 'data-autosave=' in page
    form = {"version": "1", "action": "save", "v:teachers_total": "四十", "v:principal": "王校长",
            "v:grades.g1.boys": "5", "m:features": "1", "v:features": ["smart", "dual"]}
    response = client.post(f"/reporting/submissions/{sub.id}", data=form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "请输入整数" in text and 'value="四十"' in text  # the error beside the field, with what was typed
    db.session.refresh(sub)
    assert sub.data == {}  # nothing saved from a form with errors
    form["v:teachers_total"] = "40"
    assert client.post(f"/reporting/submissions/{sub.id}", data=form).status_code == 302
    db.session.refresh(sub)
    assert sub.data["features"] == ["smart", "dual"] and sub.version == 2
    stale = client.post(f"/reporting/submissions/{sub.id}", data={**form, "version": "1"})
    assert stale.status_code == 409 and "刷新" in stale.get_data(as_text=True)
    refused = client.post(f"/reporting/submissions/{sub.id}", data={**form, "version": "2", "action": "submit"})
    assert refused.status_code == 422 and "此项为必填" in refused.get_data(as_text=True)
    autosave = client.post(f"/reporting/submissions/{sub.id}/autosave",
                           data={"version": "2", "v:grades.g1.girls": "7", "v:teachers_female": "x"})
    body = autosave.get_json()
    assert body["version"] == 3 and body["computed"]["grades.g1.total"] == 12
    assert body["errors"] == {"teachers_female": ["请输入整数"]}


def test_review_and_reopen_through_the_pages(login, people, tree, task, sub_of, good_values):
    from eduplatform.reporting.services import submissions as services

    sub = sub_of(task, tree.school_a1)
    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    db.session.commit()
    client = login(people.district_a_staff)
    page = client.get(f"/reporting/submissions/{sub.id}").get_data(as_text=True)
    assert 'id="review-form"' in page and 'name="v:teachers_total"' in page and "disabled" in page
    # The engine's page of the same instance (diagram, event flow) is linked and open to the reviewer.
    instance_url = page.split('href="/workflow/instances/')[1].split('"')[0]
    assert client.get(f"/workflow/instances/{instance_url}").status_code == 200
    response = client.post(f"/reporting/submissions/{sub.id}/review", data={"action": "return", "comment": ""},
                           headers={"Referer": f"/reporting/submissions/{sub.id}"})
    assert response.status_code == 302
    db.session.refresh(sub)
    assert sub.status == SubmissionStatus.SUBMITTED
    client.post(f"/reporting/submissions/{sub.id}/review", data={"action": "return", "comment": "请核对经费"})
    db.session.refresh(sub)
    assert sub.status == SubmissionStatus.RETURNED
    client = login(people.school_a1_admin)
    assert "请核对经费" in client.get(f"/reporting/submissions/{sub.id}").get_data(as_text=True)
    assert "请核对经费" in client.get("/reporting/todo").get_data(as_text=True)
    inbox = client.get("/reporting/inbox").get_data(as_text=True)
    assert "已退回" in inbox


def test_html_idor(login, people, tree, task, sub_of, template, issue):
    a1 = sub_of(task, tree.school_a1)
    before = (dict(a1.data), a1.version, a1.status)

    def refused(response, what, why="没有权限"):
        assert response.status_code == 403, what
        assert why in page_message(response), (what, page_message(response))

    client = login(people.school_b1_admin)
    for url in (f"/reporting/submissions/{a1.id}", f"/reporting/submissions/{a1.id}/excel",
                f"/reporting/tasks/{task.id}/aggregate", "/reporting/templates", "/reporting/tasks/new"):
        refused(client.get(url), url)
    refused(client.post(f"/reporting/submissions/{a1.id}", data={"version": "1", "v:principal": "x"}), "save")
    refused(client.post(f"/reporting/submissions/{a1.id}/autosave", data={"version": "1", "v:principal": "x"}),
            "autosave")
    assert len(denials(people.school_b1_admin)) == 7
    client = login(people.district_b_staff)
    refused(client.get(f"/reporting/submissions/{a1.id}"), "district b reads")
    refused(client.post(f"/reporting/submissions/{a1.id}/review", data={"action": "approve"}), "district b approves")
    own_a = issue(template.latest_published, issuer=tree.district_a, actor=people.district_a_staff)
    refused(client.get(f"/reporting/tasks/{own_a.id}"), "district a's task")
    refused(client.get(f"/reporting/templates/{template.id}/design"), "design", "只有模板所属单位可以修改")  # not the owner
    assert len(denials(people.district_b_staff)) == 4
    client = login(people.teacher_a1)
    refused(client.get(f"/reporting/submissions/{a1.id}"), "teacher reads")
    refused(client.get("/reporting/todo"), "teacher's todo", "只有学校管理员有填报任务")
    assert len(denials(people.teacher_a1)) == 2
    reread(a1)
    assert (a1.data, a1.version, a1.status) == before  # neither the save, the autosave nor the approval landed


def test_excel_import_errors_are_listed_on_the_page(login, people, tree, task, sub_of):
    sub = sub_of(task, tree.school_a1)
    client = login(people.school_a1_admin)
    response = client.post(f"/reporting/submissions/{sub.id}/excel",
                           data={"file": (io.BytesIO(b"PK\x03\x04broken"), "x.xlsx")}, content_type="multipart/form-data",
                           follow_redirects=True)
    assert "未通过安全检查：不是有效的 ZIP 文件或已损坏" in response.get_data(as_text=True)


def test_attachments_download_with_range_and_stay_out_of_caches(login, people, tree, task, sub_of):
    from eduplatform.reporting.services import submissions as submission_services
    from eduplatform.reporting.services import tasks as task_services

    notice = b"%PDF-1.4 " + bytes(range(256)) * 4
    attachment = task_services.add_attachment(people.city_staff, task, io.BytesIO(notice), filename="通知.pdf",
                                              content_type="application/pdf")
    sub = sub_of(task, tree.school_a1)
    plan = submission_services.add_attachment(sub, people.school_a1_admin, field_key="plan",
                                              upload=io.BytesIO(notice), filename="规划.pdf",
                                              content_type="application/pdf")
    db.session.commit()
    for user, url in ((people.city_staff, f"/reporting/tasks/{task.id}/attachments/{attachment.id}"),
                      (people.school_a1_admin, f"/reporting/submissions/{sub.id}/attachments/{plan.id}")):
        client = login(user)
        whole = client.get(url)
        assert whole.status_code == 200 and whole.data == notice and whole.mimetype == "application/pdf"
        assert whole.headers["Content-Disposition"].startswith("attachment;") and "filename*=UTF-8''" in \
            whole.headers["Content-Disposition"]
        assert whole.headers["Cache-Control"] == "no-store"  # filled-in data: the application's rule
        part = client.get(url, headers={"Range": "bytes=9-72"})
        assert part.status_code == 206 and part.data == notice[9:73]
        assert part.headers["Content-Range"] == f"bytes 9-72/{len(notice)}"
        assert client.get(url, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304
    assert login(people.school_b1_admin).get(f"/reporting/submissions/{sub.id}/attachments/{plan.id}").status_code \
        in (403, 404)


def test_a_reviewers_todo_opens_the_schools_data_with_one_opinion_box(login, people, tree, task, sub_of, good_values):
    """The 待办 leads to the submission as the school filled it; the city's step shows the district's
    opinion as what it was, not as a prefilled second box."""
    import lxml.html

    from eduplatform.reporting.services import review
    from eduplatform.reporting.services import submissions as services
    from eduplatform.workflow.models import WorkflowTask

    sub = sub_of(task, tree.school_a1)
    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    db.session.commit()
    client = login(people.district_a_staff)
    task_id = db.session.scalar(db.select(WorkflowTask.id).where(WorkflowTask.status == "open")
                                .order_by(WorkflowTask.id.desc()))
    response = client.get(f"/tasks/{task_id}")
    assert response.headers["Location"] == f"/reporting/submissions/{sub.id}?todo={task_id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="todo-nav"' in page and 'id="review-form"' in page
    assert f'value="{good_values["teachers_total"]}"' in page  # the school's figures, on the page
    review.approve(sub, people.district_a_staff, "区县意见：数据已核对")
    db.session.commit()
    client = login(people.city_staff)
    instance_id = page.split('href="/workflow/instances/')[1].split('"')[0]
    tree_ = lxml.html.fromstring(client.get(f"/workflow/instances/{instance_id}").get_data(as_text=True))
    boxes = tree_.xpath('//*[@id="actions"]//textarea')
    assert len(boxes) == 1 and (boxes[0].text or "") == ""
    assert "区县意见：数据已核对" in tree_.get_element_by_id("event-flow").text_content()


def test_acting_from_the_queue_goes_on_to_the_next_to_do(login, people, tree, task, sub_of, good_values,
                                                         school_a2_admin):
    """A form sent from a page opened from 待办 carries todo / todo_next: once its to-do is done the
    reviewer goes on to the next one; a refused action keeps the queue bar."""
    from eduplatform.reporting.services import submissions as services
    from eduplatform.workflow.models import WorkflowTask

    first, second = sub_of(task, tree.school_a1), sub_of(task, tree.school_a2)
    services.submit_submission(first, people.school_a1_admin, raw=good_values)
    services.submit_submission(second, school_a2_admin, raw=good_values)
    db.session.commit()
    client = login(people.district_a_staff)
    open_ids = db.session.scalars(db.select(WorkflowTask.id).where(WorkflowTask.status == "open")
                                  .order_by(WorkflowTask.id)).all()
    one, two = open_ids[-2:]
    page = client.get(client.get(f"/tasks/{one}").headers["Location"]).get_data(as_text=True)
    assert f'data-todo="{one}" data-todo-next="{two}"' in page
    url = f"/reporting/submissions/{first.id}/review"
    refused = client.post(url, data={"action": "return", "comment": "", "todo": one, "todo_next": two})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"todo={one}")
    done = client.post(url, data={"action": "approve", "comment": "", "todo": one, "todo_next": two})
    assert done.headers["Location"] == f"/tasks/{two}"
    db.session.refresh(first)
    assert first.status == SubmissionStatus.DISTRICT_APPROVED or first.status == SubmissionStatus.APPROVED
    last = client.post(f"/reporting/submissions/{second.id}/review",
                       data={"action": "approve", "comment": "", "todo": two, "todo_next": ""})
    assert last.headers["Location"] == "/tasks"
