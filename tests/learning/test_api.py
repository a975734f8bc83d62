"""The JSON API of class homework: the over-budget refusal and the 班主任's decision, hand-in, marking."""

from __future__ import annotations

from datetime import timedelta

from eduplatform.core.db import utcnow
from eduplatform.core.text.timeutil import to_local
from eduplatform.learning import services
from eduplatform.learning.models import Homework, HomeworkStatus
from tests.assertions import api_error, count
from tests.learning.conftest import PNG


def _due():
    return to_local(utcnow() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")


def test_set_publish_over_budget_approve_hand_in_and_mark(client, api, junior, set_homework):
    c = junior.school_class
    services.publish(junior.teachers["语文"], set_homework(junior.teachers["语文"], c, "语文", (70,)))
    maths = api(junior.teachers["数学"])
    created = client.post(f"/api/v1/classes/{c.id}/homework", headers=maths, json={
        "subject": "数学", "title": "一元一次方程", "load_date": services.local_today().isoformat(), "due_at": _due()})
    assert created.status_code == 201, created.get_json()
    hid = created.get_json()["id"]
    item = client.post(f"/api/v1/homework/{hid}/items", headers=maths,
                       json={"kind": "handin", "title": "练习册第 5 页", "minutes": 30})
    assert item.status_code == 201
    bad = client.post(f"/api/v1/homework/{hid}/items", headers=maths, json={"kind": "handin", "title": "x", "minutes": 0})
    assert bad.status_code == 422 and "1–180" in api_error(bad)["message"]
    refused = client.post(f"/api/v1/homework/{hid}/publish", headers=maths, json={})
    assert refused.status_code == 409
    error = api_error(refused)
    assert error["code"] == "over_budget" and "超过双减预算 90 分钟" in error["message"]
    load = client.get(f"/api/v1/classes/{c.id}/homework-load", headers=maths).get_json()
    assert (load["total"], load["budget"], load["over"]) == (70, 90, False)
    sent = client.post(f"/api/v1/homework/{hid}/publish", headers=maths, json={"ask_head_teacher": True})
    assert sent.get_json()["status"] == "pending"
    student = api(junior.students[0])
    assert client.post(f"/api/v1/homework/{hid}/decision", headers=student, json={"approve": True}).status_code == 403
    head = api(junior.head)
    decided = client.post(f"/api/v1/homework/{hid}/decision", headers=head, json={"approve": True, "opinion": "同意"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "published"
    mine = client.get("/api/v1/my/homework", headers=student).get_json()
    assert [h["id"] for h in mine["items"]][-1] == hid or hid in [h["id"] for h in mine["items"]]
    item_id = item.get_json()["id"]
    import io

    handed = client.post(f"/api/v1/homework-items/{item_id}/answer", headers=student,
                         data={"text": "见照片", "file": (io.BytesIO(PNG), "page5.png", "image/png")},
                         content_type="multipart/form-data")
    assert handed.status_code == 201 and handed.get_json()["has_file"]
    stack = client.get(f"/api/v1/homework-items/{item_id}/answers", headers=maths).get_json()["items"]
    assert len(stack) == 3 and stack[0]["answer"]["id"] == handed.get_json()["id"]
    assert client.get(f"/api/v1/homework-items/{item_id}/answers", headers=student).status_code == 403
    answer_id = handed.get_json()["id"]
    marked = client.post(f"/api/v1/homework-answers/{answer_id}/mark", headers=maths, json={"score": 9, "comment": "好"})
    assert marked.get_json()["score"] == 9 and marked.get_json()["status"] == "marked"


def test_other_teachers_and_students_are_refused(client, api, junior, make_class, set_homework):
    other = make_class()
    h = set_homework(junior.teachers["数学"], junior.school_class, "数学", (20,))
    outsider = api(other.teachers["数学"])
    assert client.get(f"/api/v1/homework/{h.id}", headers=outsider).status_code == 403
    assert client.post(f"/api/v1/classes/{junior.school_class.id}/homework", headers=outsider, json={
        "subject": "数学", "title": "越权", "load_date": services.local_today().isoformat(),
        "due_at": _due()}).status_code == 403
    assert client.get(f"/api/v1/classes/{junior.school_class.id}/homework-load", headers=api(other.students[0])
                      ).status_code == 403
    # a draft is not the students' yet
    assert client.get(f"/api/v1/homework/{h.id}", headers=api(junior.students[0])).status_code == 403
    assert count(Homework, Homework.status != HomeworkStatus.DRAFT) == 0


def test_withdraw_groups_and_school_week(client, api, people, junior, set_homework):
    c = junior.school_class
    services.publish(junior.teachers["语文"], set_homework(junior.teachers["语文"], c, "语文", (80,)))
    maths = set_homework(junior.teachers["数学"], c, "数学", (20,))
    services.publish(junior.teachers["数学"], maths, ask_head_teacher=True)
    from eduplatform.core.extensions import db

    db.session.commit()
    teacher = api(junior.teachers["数学"])
    assert client.post(f"/api/v1/homework/{maths.id}/withdraw", headers=api(junior.head)).status_code == 403
    back = client.post(f"/api/v1/homework/{maths.id}/withdraw", headers=teacher)
    assert back.status_code == 200 and back.get_json()["status"] == "draft"
    first = c.students[0]
    grouped = client.put(f"/api/v1/classes/{c.id}/groups", headers=teacher,
                         json={"subject": "数学", "levels": {str(first.id): "extension"}})
    assert grouped.get_json() == {"changed": 1}
    bad = client.put(f"/api/v1/classes/{c.id}/groups", headers=teacher, json={"subject": "数学", "levels": {"x": "basic"}})
    assert bad.status_code == 422
    assert client.put(f"/api/v1/classes/{c.id}/groups", headers=api(junior.teachers["语文"]),
                      json={"subject": "数学", "levels": {}}).status_code == 403
    from eduplatform.accounts.models import Role
    from tests.fixtures.factories import make_user

    admin = make_user(username="a2admin", roles=[Role.SCHOOL_ADMIN], org=c.school)
    db.session.commit()
    week = client.get("/api/v1/my-school/homework-load", headers=api(admin)).get_json()
    row = next(r for r in week["classes"] if r["class_id"] == c.id)
    assert row["budget"] == 90 and 80 in row["days"]
    assert client.get("/api/v1/my-school/homework-load", headers=teacher).status_code == 403
