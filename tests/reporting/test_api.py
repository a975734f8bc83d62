"""The reporting REST API: the whole flow, error shapes, and that nobody reaches another's data."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from eduplatform.core.extensions import db
from tests.assertions import api_error, denials, reread


@pytest.fixture
def h(api, people):
    cache = {}

    def headers(user):
        if user.username not in cache:
            cache[user.username] = api(user)
        return cache[user.username]

    return headers


def sub_url(task, sub):
    return f"/api/v1/report-tasks/{task.id}/submissions/{sub.id}"


def test_template_design_and_publish_over_the_api(client, h, people, sample_definition):
    r = client.post("/api/v1/report-templates", json={"code": "api-t", "name": "接口模板"}, headers=h(people.city_staff))
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert (created["code"], created["name"], created["draft_version"], created["latest_published"]) == (
        "api-t", "接口模板", 1, None)
    assert created["owner"]["code"] == people.city_staff.scope_root.code
    tid = r.get_json()["id"]
    bad = client.put(f"/api/v1/report-templates/{tid}/draft", headers=h(people.city_staff), json={"definition": {
        "sections": [{"title": "一", "fields": [{"code": "a", "label": "A", "type": "integer", "formula": "a*2"}]}]}})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"]["sections.0.fields.0.formula"][0].startswith("计算公式循环引用")
    checked = client.post(f"/api/v1/report-templates/{tid}/check", headers=h(people.city_staff), json={"definition": {
        "sections": [{"title": "一", "fields": [{"code": "a", "label": "A", "type": "integer", "formula": "b"}]}]}})
    assert checked.status_code == 200 and checked.get_json()["valid"] is False
    assert "sections.0.fields.0.formula" in checked.get_json()["errors"]
    ok = client.put(f"/api/v1/report-templates/{tid}/draft", json={"definition": sample_definition},
                    headers=h(people.city_staff))
    assert ok.status_code == 200 and ok.get_json()["field_count"] == 13
    published = client.post(f"/api/v1/report-templates/{tid}/publish", headers=h(people.city_staff))
    assert published.status_code == 200
    assert (published.get_json()["number"], published.get_json()["status"]) == (1, "published")
    assert [sec["title"] for sec in published.get_json()["definition"]["sections"]] == ["学校基本情况", "分年级学生"]
    body = client.get(f"/api/v1/report-templates/{tid}", headers=h(people.city_staff)).get_json()
    assert body["latest_published"] == 1 and body["draft_version"] is None
    # Another bureau may see a city template but not edit it; a school may do neither.
    seen = client.get(f"/api/v1/report-templates/{tid}", headers=h(people.district_a_staff))
    assert seen.status_code == 200 and seen.get_json()["can_edit"] is False
    assert seen.get_json()["definition"] == published.get_json()["definition"]
    assert client.put(f"/api/v1/report-templates/{tid}/draft", json={"definition": sample_definition},
                      headers=h(people.district_a_staff)).status_code == 403
    assert client.get(f"/api/v1/report-templates/{tid}", headers=h(people.school_a1_admin)).status_code == 403


def test_issue_fill_review_flow_over_the_api(client, h, people, tree, template, good_values):
    r = client.post("/api/v1/report-tasks", headers=h(people.city_staff), json={
        "template": template.code, "title": "2026年学校基本情况统计", "period": "2026",
        "due_at": "2099-12-10", "lock_at": "2099-12-15 18:00", "targets": {"subtrees": [tree.city.code]}})
    assert r.status_code == 201, r.get_json()
    task = r.get_json()
    assert task["target_count"] == 4 and task["due_at"].startswith("2099-12-10T23:59:59+08:00")
    preview = client.post("/api/v1/report-tasks/target-preview", headers=h(people.city_staff),
                          json={"targets": {"subtrees": [tree.city.code], "stages": ["senior"]}})
    assert preview.get_json()["count"] == 1

    mine = client.get(f"/api/v1/report-tasks/{task['id']}", headers=h(people.school_a1_admin)).get_json()
    sid = mine["my_submission"]["id"]
    url = f"/api/v1/report-tasks/{task['id']}/submissions/{sid}"
    saved = client.put(f"{url}/draft", headers=h(people.school_a1_admin),
                       json={"values": {**good_values, "teachers_female": 50}, "version": 1})
    assert saved.status_code == 200 and saved.get_json()["submission"]["version"] == 2
    stale = client.put(f"{url}/draft", headers=h(people.school_a1_admin), json={"values": {}, "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version_conflict"
    refused = client.post(f"{url}/submit", headers=h(people.school_a1_admin), json={"version": 2})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"teachers_female": ["女教师数不能超过教师总数（重要程度：中）"]}
    done = client.post(f"{url}/submit", headers=h(people.school_a1_admin),
                       json={"values": {"teachers_female": 20}, "version": 2})
    assert done.status_code == 200 and done.get_json()["status"] == "submitted"
    locked = client.put(f"{url}/draft", headers=h(people.school_a1_admin), json={"values": {}, "version": 3})
    assert locked.status_code == 409 and locked.get_json()["error"]["code"] == "locked"
    assert "等待东湖区教育局审核" in locked.get_json()["error"]["message"]

    no_reason = client.post(f"{url}/review", headers=h(people.district_a_staff), json={"action": "return"})
    assert no_reason.status_code == 422
    assert client.post(f"{url}/review", headers=h(people.city_staff), json={"action": "approve"}).status_code == 403
    back = client.post(f"{url}/review", headers=h(people.district_a_staff),
                       json={"action": "return", "comment": "请补充社团信息"})
    assert back.get_json()["status"] == "returned" and back.get_json()["last_comment"] == "请补充社团信息"
    again = client.post(f"{url}/submit", headers=h(people.school_a1_admin), json={"version": back.get_json()["version"]})
    assert again.status_code == 200 and again.get_json()["status"] == "submitted"
    assert again.get_json()["can_fill"] is False and again.get_json()["waiting"]
    client.post(f"{url}/review", headers=h(people.district_a_staff), json={"action": "approve"})
    final = client.post(f"{url}/review", headers=h(people.city_staff), json={"action": "approve"})
    assert final.get_json()["status"] == "approved"
    steps = client.get(f"{url}/events", headers=h(people.school_a1_admin)).get_json()["items"]
    assert [s["action"] for s in steps] == ["submit", "return", "submit", "approve", "approve"]
    history = client.get(f"{url}/history?key=teachers_female", headers=h(people.city_staff)).get_json()["items"]
    assert [(c["old_value"], c["new_value"], c["changed_by"]) for c in history] == [
        (50, 20, "a1admin"), (None, 50, "a1admin")]

    comp = client.get(f"/api/v1/report-tasks/{task['id']}/completeness", headers=h(people.city_staff)).get_json()
    assert comp["total"]["approved"] == 1 and comp["total"]["expected"] == 4
    drill = client.get(f"/api/v1/report-tasks/{task['id']}/completeness?district={tree.district_a.id}",
                       headers=h(people.city_staff)).get_json()
    assert [s["status"] for s in drill["schools"]] == ["approved", "not_started"]
    agg = client.get(f"/api/v1/report-tasks/{task['id']}/aggregate?by=district&include=approved",
                     headers=h(people.city_staff)).get_json()
    assert agg["values"]["teachers_total"]["_total"]["sum"] == 40
    xlsx = client.get(f"/api/v1/report-tasks/{task['id']}/aggregate.xlsx", headers=h(people.city_staff))
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("sheet")
    sheet = load_workbook(io.BytesIO(xlsx.data))["合计"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "teachers_total")
    assert row[-1] == 40
    raw = client.get(f"/api/v1/report-tasks/{task['id']}/export.xlsx", headers=h(people.district_b_staff))
    assert len(list(load_workbook(io.BytesIO(raw.data))["填报数据"].iter_rows())) == 2 + 2  # headers + 西山 only


def test_pass_down_remind_and_inbox(client, h, people, tree, task):
    r = client.post(f"/api/v1/report-tasks/{task.id}/pass-down", headers=h(people.district_a_staff),
                    json={"due_at": "2000-01-01", "instructions": "提前完成"})
    assert r.status_code == 422 and "due_at" in r.get_json()["error"]["fields"]
    due = task.due_at.strftime("%Y-%m-%d")
    r = client.post(f"/api/v1/report-tasks/{task.id}/pass-down", headers=h(people.district_a_staff),
                    json={"due_at": due + " 08:00", "instructions": "提前完成"})
    assert r.status_code == 201, r.get_json()
    child = r.get_json()
    assert (child["parent_id"], child["instructions"], child["issuer"]["code"]) == (
        task.id, "提前完成", tree.district_a.code)
    assert child["due_at"].startswith(due + "T08:00") and child["lock_at"] == child["due_at"]
    assert client.post(f"/api/v1/report-tasks/{task.id}/pass-down", headers=h(people.district_a_staff),
                       json={"due_at": due}).status_code == 403  # only once
    assert client.post(f"/api/v1/report-tasks/{task.id}/pass-down", headers=h(people.city_staff),
                       json={"due_at": due}).status_code == 403
    reminded = client.post(f"/api/v1/report-tasks/{task.id}/remind", headers=h(people.district_a_staff),
                           json={"message": "请抓紧"})
    assert reminded.get_json() == {"reminded": 2}
    inbox = client.get("/api/v1/report-notices", headers=h(people.school_a1_admin)).get_json()
    assert inbox["unread"] == 3 and {n["kind"] for n in inbox["items"]} == {"task", "reminder"}
    nid = inbox["items"][0]["id"]
    assert client.post(f"/api/v1/report-notices/{nid}/read", headers=h(people.school_b1_admin)).status_code == 403
    read = client.post(f"/api/v1/report-notices/{nid}/read", headers=h(people.school_a1_admin))
    assert read.status_code == 200 and read.get_json()["id"] == nid and read.get_json()["read_at"]
    assert client.get("/api/v1/report-notices", headers=h(people.school_a1_admin)).get_json()["unread"] == 2


def test_nobody_reaches_another_schools_submission(client, h, people, tree, task, sub_of, good_values):
    a1 = sub_of(task, tree.school_a1)
    url = sub_url(task, a1)
    refused = client.get(url, headers=h(people.school_b1_admin))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert client.put(f"{url}/draft", headers=h(people.school_b1_admin),
                      json={"values": {"teachers_total": 1}, "version": 1}).status_code == 403
    assert client.get(f"{url}/excel", headers=h(people.school_b1_admin)).status_code == 403
    assert client.get(f"{url}/history", headers=h(people.school_b1_admin)).status_code == 403
    assert client.get(url, headers=h(people.district_b_staff)).status_code == 403  # another district
    assert client.get(url, headers=h(people.teacher_a1)).status_code == 403  # not the school's reporter
    assert client.put(f"{url}/draft", headers=h(people.district_a_staff),
                      json={"values": {"teachers_total": 1}, "version": 1}).status_code == 403  # bureaus don't fill
    # A submission id under the wrong task is not found.
    other_task_url = f"/api/v1/report-tasks/{task.id + 999}/submissions/{a1.id}"
    missing = client.get(other_task_url, headers=h(people.school_a1_admin))
    assert missing.status_code == 404 and missing.get_json()["error"]["message"] == "填报任务不存在"
    # Lists are scoped.
    listed = client.get(f"/api/v1/report-tasks/{task.id}/submissions", headers=h(people.school_b1_admin)).get_json()
    assert [s["school"]["code"] for s in listed["items"]] == [tree.school_b1.code]
    listed = client.get(f"/api/v1/report-tasks/{task.id}/submissions", headers=h(people.district_a_staff)).get_json()
    assert listed["total"] == 2
    # Schools see no results; a district's results are its own.
    assert client.get(f"/api/v1/report-tasks/{task.id}/completeness", headers=h(people.school_a1_admin)).status_code == 403
    assert client.get(f"/api/v1/report-tasks/{task.id}/aggregate", headers=h(people.school_a1_admin)).status_code == 403
    values = client.get(f"/api/v1/report-tasks/{task.id}/data-values?orgUnit={tree.school_a1.code}",
                        headers=h(people.school_b1_admin)).get_json()
    assert values["dataValues"] == []  # a school's export is its own, whatever it asks for


def test_district_of_another_city_task_and_task_list_scope(client, h, people, tree, template, issue):
    own_b = issue(template.latest_published, issuer=tree.district_b, actor=people.district_b_staff)
    assert client.get(f"/api/v1/report-tasks/{own_b.id}", headers=h(people.district_a_staff)).status_code == 403
    assert client.get(f"/api/v1/report-tasks/{own_b.id}", headers=h(people.school_a1_admin)).status_code == 403
    seen = client.get(f"/api/v1/report-tasks/{own_b.id}", headers=h(people.city_staff))
    assert seen.status_code == 200 and seen.get_json()["issuer"]["code"] == tree.district_b.code
    assert seen.get_json()["can_pass_down"] is False and "my_submission" not in seen.get_json()
    listed = client.get("/api/v1/report-tasks", headers=h(people.district_a_staff)).get_json()
    assert own_b.id not in [t["id"] for t in listed["items"]]


def test_excel_form_round_trip_over_the_api(client, h, people, tree, task, sub_of, good_values):
    sub = sub_of(task, tree.school_a1)
    url = sub_url(task, sub)
    before = (dict(sub.data), sub.version)
    form = client.get(f"{url}/excel", headers=h(people.school_a1_admin))
    assert form.status_code == 200
    assert form.mimetype.endswith("sheet")
    wb = load_workbook(io.BytesIO(form.data))
    row = next(r[0].row for r in wb["填报表"].iter_rows() if r[0].value == "teachers_total")
    wb["填报表"][f"D{row}"] = "abc"
    bad = io.BytesIO()
    wb.save(bad)
    r = client.post(f"{url}/excel", headers=h(people.school_a1_admin),
                    data={"file": (io.BytesIO(bad.getvalue()), "form.xlsx")})
    assert r.status_code == 422
    assert api_error(r)["fields"] == {f"填报表!D{row}": ["教师总数：请输入整数"]}
    reread(sub)
    assert (sub.data, sub.version) == before  # the bad workbook wrote nothing, not even its good cells
    wb["填报表"][f"D{row}"] = 33
    good = io.BytesIO()
    wb.save(good)
    r = client.post(f"{url}/excel", headers=h(people.school_a1_admin),
                    data={"file": (io.BytesIO(good.getvalue()), "form.xlsx")})
    assert r.status_code == 200
    assert r.get_json()["submission"]["data"]["teachers_total"] == 33
    assert reread(sub).data["teachers_total"] == 33


def test_data_values_csv_over_the_api(client, h, people, tree, task):
    csv_body = f"dataelement,period,orgunit,value\nteachers_total,2026,{tree.school_a1.code},12\n"
    r = client.post(f"/api/v1/report-tasks/{task.id}/data-values?dryRun=true", data=csv_body,
                    content_type="text/csv", headers=h(people.school_a1_admin))
    assert r.get_json()["importCount"]["imported"] == 1 and r.get_json()["dryRun"] is True
    r = client.post(f"/api/v1/report-tasks/{task.id}/data-values", data=csv_body, content_type="text/csv",
                    headers=h(people.school_a1_admin))
    assert r.get_json()["status"] == "SUCCESS"
    out = client.get(f"/api/v1/report-tasks/{task.id}/data-values?format=csv", headers=h(people.city_staff))
    assert f"teachers_total,2026,{tree.school_a1.code},12,a1admin," in out.get_data(as_text=True)


def test_reopen_over_the_api(client, h, people, tree, task, sub_of):
    from datetime import timedelta

    from eduplatform.core.db import utcnow

    task.lock_at = task.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    sub = sub_of(task, tree.school_a1)
    url = sub_url(task, sub)
    locked = client.put(f"{url}/draft", headers=h(people.school_a1_admin), json={"values": {}, "version": 1})
    assert locked.status_code == 409
    assert "截止" in api_error(locked)["message"]
    other_district = client.post(f"{url}/reopen", headers=h(people.district_b_staff),
                                 json={"until": "2099-01-01", "reason": "补报"})
    assert other_district.status_code == 403
    assert api_error(other_district)["code"] == "forbidden"
    assert len(denials(people.district_b_staff)) == 1
    assert reread(sub).reopened_until is None
    r = client.post(f"{url}/reopen", headers=h(people.district_a_staff), json={"until": "2099-01-01", "reason": "补报"})
    assert r.status_code == 200
    assert r.get_json()["lock_reason"] is None
    assert reread(sub).reopened_until.year == 2099
    assert client.put(f"{url}/draft", headers=h(people.school_a1_admin),
                      json={"values": {}, "version": sub.version}).status_code == 200  # open again


def test_openapi_documents_reporting(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/report-templates", "/api/v1/report-tasks", "/api/v1/report-tasks/{task_id}/pass-down",
                 "/api/v1/report-tasks/{task_id}/remind", "/api/v1/report-tasks/{task_id}/submissions",
                 "/api/v1/report-tasks/{task_id}/submissions/{submission_id}/review",
                 "/api/v1/report-tasks/{task_id}/completeness", "/api/v1/report-tasks/{task_id}/aggregate",
                 "/api/v1/report-tasks/{task_id}/data-values",
                 "/api/v1/report-tasks/{task_id}/submissions/{submission_id}/excel"):
        assert path in paths, path
