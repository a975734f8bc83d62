"""The REST API: to-do and done lists with their transitions, performing them (409 on a stale
version), instances, notices, process definitions and BPMN, the calendar; and who may see what."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def todo(client, headers, **params):
    response = client.get("/api/v1/tasks", headers=headers, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_todo_list_carries_the_transitions_and_versions(client, api, people, submitted):
    body = todo(client, api(people.school_a1_admin))
    assert body["total"] == 1
    (item,) = body["items"]
    assert item["title"] == "分数的意义" and item["state_label"] == "学校审核（已提交）"
    assert item["process"] == {"key": "sample_review", "version": 1, "name": "示例资源审核"}
    assert item["candidate"] == {"role": "school_admin", "role_label": "学校管理员", "org": "东湖区实验小学"}
    assert item["due_at"] and item["overdue"] is False
    moves = {t["key"]: t for t in item["transitions"]}
    assert set(moves) == {"school_approve", "school_return"}
    assert moves["school_return"]["reason_required"] is True
    assert moves["school_approve"]["editable"][0]["name"] == "school_opinion"
    assert moves["school_approve"]["version"] == item["version"]
    assert todo(client, api(people.school_b1_admin))["total"] == 0


def test_performing_and_the_loser_of_a_race_gets_409(client, api, people, submitted):
    headers = api(people.school_a1_admin)
    (item,) = todo(client, headers)["items"]
    url = f"/api/v1/tasks/{item['id']}/transitions/school_approve"
    payload = {"version": item["version"], "data": {"school_opinion": "同意"}}
    first = client.post(url, headers=headers, json=payload)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["state"] == "district_review"
    second = client.post(url, headers=headers, json=payload)  # the same, stale, version again
    assert second.status_code == 409
    assert second.get_json()["error"]["code"] in ("task_done", "stale_version", "task_not_current")
    done = client.get("/api/v1/tasks", headers=headers, query_string={"list": "done"}).get_json()
    assert [i["outcome"] for i in done["items"]] == ["school_approve"] and done["items"][0]["transitions"] == []


def test_a_stale_version_is_refused(client, api, people, submitted):
    headers = api(people.school_a1_admin)
    (item,) = todo(client, headers)["items"]
    response = client.post(f"/api/v1/tasks/{item['id']}/transitions/school_approve", headers=headers,
                           json={"version": item["version"] - 1})
    assert response.status_code == 409
    assert "刷新" in response.get_json()["error"]["message"]


def test_bad_input_gets_clear_chinese_errors(client, api, people, submitted):
    headers = api(people.school_a1_admin)
    (item,) = todo(client, headers)["items"]
    url = f"/api/v1/tasks/{item['id']}"
    no_reason = client.post(f"{url}/transitions/school_return", headers=headers, json={"version": item["version"]})
    assert no_reason.status_code == 422
    assert no_reason.get_json()["error"] == {"code": "reason_required", "message": "退回必须填写理由",
                                             "fields": {"reason": ["请填写理由"]}}
    no_version = client.post(f"{url}/transitions/school_approve", headers=headers, json={})
    assert no_version.status_code == 422 and "version" in no_version.get_json()["error"]["fields"]
    wrong_field = client.post(f"{url}/transitions/school_approve", headers=headers,
                              json={"version": item["version"], "data": {"district_opinion": "x"}})
    assert wrong_field.status_code == 422
    unknown = client.post(f"{url}/transitions/publish_now", headers=headers, json={"version": item["version"]})
    assert unknown.status_code == 409
    assert todo(client, headers)["items"][0]["state"] == "school_review"  # nothing half-done


def test_another_school_cannot_read_or_act_by_id(client, api, people, submitted):
    (item,) = todo(client, api(people.school_a1_admin))["items"]
    other = api(people.school_b1_admin)
    assert client.get(f"/api/v1/tasks/{item['id']}", headers=other).status_code == 403
    acted = client.post(f"/api/v1/tasks/{item['id']}/transitions/school_approve", headers=other,
                        json={"version": item["version"]})
    assert acted.status_code == 403
    assert client.get(f"/api/v1/instances/{submitted.id}", headers=other).status_code == 403
    assert client.get(f"/api/v1/instances/{submitted.id}", headers=api(people.teacher_b1)).status_code == 403
    assert client.get(f"/api/v1/instances/{submitted.id}", headers=api(people.district_b_staff)).status_code == 403
    denied = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "permission.denied")).all()
    assert len(denied) >= 4


def test_instance_detail_with_event_flow(client, api, people, submitted):
    # The district above the school supervises it; the starter follows it.
    for user in (people.district_a_staff, people.teacher_a1):
        response = client.get(f"/api/v1/instances/{submitted.id}", headers=api(user))
        assert response.status_code == 200
    body = response.get_json()
    assert [e["kind"] for e in body["events"]] == ["started", "transition"]
    assert body["events"][1]["actor"] == "a1teacher"
    assert [t["key"] for t in body["transitions"]] == ["withdraw"]
    withdrawn = client.post(f"/api/v1/instances/{submitted.id}/transitions/withdraw", headers=api(people.teacher_a1),
                            json={"version": body["version"], "reason": "还要补充"})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["state"] == "draft"


def test_chase_notifies_the_holders(client, api, people, submitted):
    response = client.post(f"/api/v1/instances/{submitted.id}/chase", headers=api(people.teacher_a1),
                           json={"message": "请尽快审核"})
    assert response.status_code == 200 and response.get_json() == {"notified": 1}
    inbox = client.get("/api/v1/notices", headers=api(people.school_a1_admin)).get_json()
    assert inbox["unread"] == 2 and inbox["items"][0]["kind"] == "chase"
    assert client.post(f"/api/v1/instances/{submitted.id}/chase", headers=api(people.student_a1),
                       json={}).status_code == 403


def test_notices_are_private_and_can_be_marked_read(client, api, people, submitted):
    headers = api(people.school_a1_admin)
    inbox = client.get("/api/v1/notices", headers=headers).get_json()
    assert inbox["total"] == 1 and inbox["unread"] == 1
    notice_id = inbox["items"][0]["id"]
    other = client.post("/api/v1/notices/read", headers=api(people.school_b1_admin), json={"ids": [notice_id]})
    assert other.get_json() == {"marked": 0}  # not theirs
    assert client.post("/api/v1/notices/read", headers=headers, json={}).get_json() == {"marked": 1}
    assert client.get("/api/v1/notices?unread=1", headers=headers).get_json()["total"] == 0


def test_process_definitions_diagram_and_bpmn(client, api, people):
    headers = api(people.teacher_a1)
    items = client.get("/api/v1/processes", headers=headers).get_json()["items"]
    assert {"sample_review", "engine_incoming", "outgoing_document"} <= {i["key"] for i in items}
    detail = client.get("/api/v1/processes/engine_incoming", headers=headers).get_json()
    lanes = [lane["name"] for lane in detail["diagram"]["lanes"]]
    assert lanes[:2] == ["办公室", "局领导"]
    assert detail["form_relations"]["fields"]["instruction"][detail["form_relations"]["steps"].index("instruct")] \
        == "必填"
    assert any(n["kind"] == "gateway" for n in detail["diagram"]["nodes"])
    xml = client.get("/api/v1/processes/engine_incoming/bpmn", headers=headers)
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert "engine_incoming-v1.bpmn" in xml.headers["Content-Disposition"]
    root = ET.fromstring(xml.data)
    assert {lane.get("name") for lane in root.iter(f"{BPMN}lane")} >= {"办公室", "局领导", "主办科室"}
    assert client.get("/api/v1/processes/nope", headers=headers).status_code == 404
    assert client.get("/api/v1/processes/sample_review?version=7", headers=headers).status_code == 404
    assert client.get("/api/v1/processes", headers=api(people.citizen)).status_code == 403


def test_division_tree(client, api, people):
    items = client.get("/api/v1/processes/division", headers=api(people.city_staff)).get_json()["items"]
    levels = {i["level"]: i for i in items}
    assert list(levels)[:3] == ["city_bureau", "district_bureau", "school"]
    leader_duties = {d["label"] for p in levels["city_bureau"]["posts"] if p["role"] == "bureau_leader"
                     for d in p["duties"]}
    assert {"批办", "签发"} <= leader_duties
    school = {p["role"]: [d["label"] for d in p["duties"]] for p in levels["school"]["posts"]}
    assert "学校审核（已提交）" in school["school_admin"] and "发起「示例资源审核」" in school["teacher"]
    district = {p["role"]: [d["kind"] for d in p["duties"]] for p in levels["district_bureau"]["posts"]}
    assert "督办" in district["bureau_staff"]


def test_calendar_api(client, api, people):
    headers = api(people.sysadmin)
    year = client.get("/api/v1/calendar?year=2026", headers=api(people.city_staff)).get_json()
    assert len(year["items"]) == 39 and year["items"][0] == {"day": "2026-01-01", "kind": "holiday",
                                                             "kind_label": "放假", "name": "元旦"}
    saved = client.put("/api/v1/calendar/2026-12-31", headers=headers, json={"kind": "holiday", "name": "跨年调整"})
    assert saved.status_code == 200
    due = client.get("/api/v1/calendar/working-days?start=2026-12-30&days=1", headers=headers).get_json()
    assert due["date"] == "2027-01-01"
    assert client.put("/api/v1/calendar/2026-12-30", headers=headers,
                      json={"kind": "workday", "name": "x"}).status_code == 422  # a Wednesday
    assert client.put("/api/v1/calendar/2026-13-01", headers=headers,
                      json={"kind": "holiday", "name": "x"}).status_code == 422
    assert client.put("/api/v1/calendar/2026-12-26", headers=api(people.city_staff),
                      json={"kind": "workday", "name": "x"}).status_code == 403
    assert client.delete("/api/v1/calendar/2026-12-31", headers=headers).status_code == 204
    assert client.delete("/api/v1/calendar/2026-12-31", headers=headers).status_code == 404
    kinds = db.session.scalars(db.select(AuditEntry.kind).where(AuditEntry.realm == "workflow")).all()
    assert kinds.count("calendar.set") == 1 and kinds.count("calendar.removed") == 1


def test_openapi_lists_the_workflow_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/tasks", "/api/v1/tasks/{task_id}/transitions/{key}", "/api/v1/processes",
                 "/api/v1/processes/{key}/bpmn", "/api/v1/instances/{instance_id}", "/api/v1/notices",
                 "/api/v1/calendar/{day}"):
        assert path in paths, path
