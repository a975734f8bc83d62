"""The parent app's API: operations in the OpenAPI document; link a child with a code (Chinese refusals,
rate limit); children, homework, notices with 回执, messages — with a bearer token."""

from __future__ import annotations

from eduplatform.core.extensions import db
from eduplatform.families import services
from tests.assertions import api_error


def test_operations_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert set(paths["/api/v1/my/children"]) >= {"get", "post"}
    for path in ("/api/v1/my/children/{student_id}/homework", "/api/v1/my/children/{student_id}/notices",
                 "/api/v1/my/children/{student_id}/messages", "/api/v1/family-notices/{notice_id}/receipt"):
        assert path in paths, path
    assert "CodeIn" in str(paths["/api/v1/my/children"]["post"]["requestBody"])


def test_link_notices_receipt_and_messages_through_the_api(app, client, api, families, create_user):
    from eduplatform.accounts.models import Role

    mum = create_user("api_mum", roles=[Role.PARENT], org=None, display_name="API妈妈")
    headers = api(mum)
    kid = families.kids_a[2]
    wrong = client.post("/api/v1/my/children", json={"code": "NOPE"}, headers=headers)
    assert wrong.status_code == 422 and api_error(wrong) ["code"] == "wrong_code"
    assert api_error(wrong)["message"] == "邀请码不正确，请核对账户条上的邀请码"
    [(_, code)] = services.issue_codes(families.admin, [kid])
    notice = services.post_notice(families.a.head, families.a.school_class, title="API通知", body="正文",
                                  needs_receipt=True)
    db.session.commit()
    linked = client.post("/api/v1/my/children", json={"code": code, "relation": "母亲"}, headers=headers)
    assert linked.status_code == 201 and linked.get_json()["id"] == kid.id
    used = client.post("/api/v1/my/children", json={"code": code}, headers=headers)
    assert used.status_code == 422 and api_error(used)["code"] == "used_code"
    notices = client.get(f"/api/v1/my/children/{kid.id}/notices", headers=headers).get_json()["items"]
    assert [n["title"] for n in notices] == ["API通知"] and notices[0]["acknowledged_at"] is None
    ack = client.post(f"/api/v1/family-notices/{notice.id}/receipt", json={"student_id": kid.id}, headers=headers)
    assert ack.status_code == 201 and ack.get_json()["acknowledged_at"]
    assert client.get(f"/api/v1/my/children/{kid.id}/notices", headers=headers).get_json()["items"][0]["acknowledged_by"] == "API妈妈"
    sent = client.post(f"/api/v1/my/children/{kid.id}/messages", json={"body": "老师好"}, headers=headers)
    assert sent.status_code == 201
    empty = client.post(f"/api/v1/my/children/{kid.id}/messages", json={"body": ""}, headers=headers)
    assert empty.status_code == 422 and api_error(empty)["message"] == "请填写留言内容"
    thread = client.get(f"/api/v1/my/children/{kid.id}/messages", headers=headers).get_json()
    assert [m["body"] for m in thread["items"]] == ["老师好"] and thread["head_teacher"] == families.a.head.display_name
    # not a parent: refused
    teacher = client.get("/api/v1/my/children", headers=api(families.a.head))
    assert teacher.status_code == 403 and api_error(teacher)["message"] == "只有家长账户可以查看"


def test_api_linking_is_rate_limited(app, client, api, families, monkeypatch):
    monkeypatch.setitem(app.config, "FAMILY_JOIN_LIMIT", 2)
    monkeypatch.setitem(app.config, "FAMILY_JOIN_WINDOW", 600)
    headers = api(families.parent_a)
    assert [client.post("/api/v1/my/children", json={"code": f"X{n}"}, headers=headers).status_code
            for n in range(2)] == [422, 422]
    refused = client.post("/api/v1/my/children", json={"code": "X3"}, headers=headers)
    assert refused.status_code == 429 and "邀请码尝试过于频繁" in api_error(refused)["message"]
