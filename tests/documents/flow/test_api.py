"""The 发文 API: draft, read (密级 → 404), elements, 正文 versions and 痕迹, steps through the engine's API."""

from __future__ import annotations

from eduplatform.core.extensions import db
from eduplatform.documents.models import Document
from tests.assertions import denials
from tests.documents.flow.test_outgoing import BODY

DRAFT = {"doctype": "notice", "title": "关于开展校园安全检查的通知", "agency_code": "示教发", "urgency": "加急",
         "main_recipients": "各区县教育局", "body": BODY}


def test_draft_read_edit_and_compare(bureau, client, api):
    drafter = api(bureau.drafter)
    created = client.post("/api/v1/documents", json={**DRAFT, "reviewer_id": bureau.head.id}, headers=drafter)
    assert created.status_code == 201, created.get_json()
    doc = created.get_json()
    assert (doc["state"], doc["urgency"], doc["doc_number"], doc["issuer_mark"]) == ("draft", "加急", None,
                                                                                     "示范市教育局文件")
    assert [v["number"] for v in doc["versions"]] == [1] and doc["instance_id"]
    patched = client.patch(f"/api/v1/documents/{doc['id']}", json={"remark": "联系人：李科员"}, headers=drafter)
    assert patched.status_code == 200 and patched.get_json()["remark"] == "联系人：李科员"
    assert patched.get_json()["title"] == DRAFT["title"]  # a partial change leaves the rest alone
    v2 = client.post(f"/api/v1/documents/{doc['id']}/body", json={"text": BODY + "\n二、落实值班制度。"},
                     headers=drafter)
    assert v2.status_code == 201 and v2.get_json()["number"] == 2
    diff = client.get(f"/api/v1/documents/{doc['id']}/diff?a=1&b=2", headers=drafter).get_json()
    assert diff["rows"][-1] == {"kind": "insert", "left": [], "right": [[True, "二、落实值班制度。"]]}
    text = client.get(f"/api/v1/documents/{doc['id']}/versions/2", headers=drafter).get_json()["text"]
    assert text.endswith("二、落实值班制度。")


def test_steps_go_through_the_engines_api_and_the_hook_follows(bureau, client, api):
    drafter = api(bureau.drafter)
    doc = client.post("/api/v1/documents", json={**DRAFT, "reviewer_id": bureau.head.id}, headers=drafter).get_json()
    assert [a["key"] for a in doc["actions"]] == ["submit", "abandon"]
    version = doc["actions"][0]["version"]
    moved = client.post(f"/api/v1/instances/{doc['instance_id']}/transitions/submit", json={"version": version},
                        headers=drafter)
    assert moved.status_code == 200, moved.get_json()
    assert client.get(f"/api/v1/documents/{doc['id']}", headers=drafter).get_json()["state"] == "review"


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(bureau, client, api):
    drafter = api(bureau.drafter)
    refused = client.post("/api/v1/documents", json={**DRAFT, "doctype": "memo", "secrecy": "内部"}, headers=drafter)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert "未知的文种" in error["message"] and set(error["fields"]) == {"doctype", "secrecy"}
    missing = client.post("/api/v1/documents", json={"title": "无文种"}, headers=drafter)
    assert missing.status_code == 422 and "doctype" in missing.get_json()["error"]["fields"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


def test_a_classified_document_is_404_and_unlisted_for_others(bureau, client, api):
    doc = client.post("/api/v1/documents", json={**DRAFT, "secrecy": "机密"}, headers=api(bureau.drafter)).get_json()
    clerk = api(bureau.clerk)
    for method, path in (("get", ""), ("get", "/diff?a=1&b=1"), ("get", "/sealed.pdf"), ("patch", "")):
        response = getattr(client, method)(f"/api/v1/documents/{doc['id']}{path}", headers=clerk,
                                           **({"json": {"remark": "x"}} if method == "patch" else {}))
        assert response.status_code == 404, (method, path)
    assert client.get("/api/v1/documents", headers=clerk).get_json()["total"] == 0
    granted = client.post(f"/api/v1/documents/{doc['id']}/grants", json={"user_id": bureau.clerk.id,
                                                                          "reason": "办公室需掌握"},
                          headers=api(bureau.leader))
    assert granted.status_code == 201
    assert client.get(f"/api/v1/documents/{doc['id']}", headers=clerk).status_code == 200


def test_only_bureau_users_use_the_documents_api(bureau, client, api):
    refused = client.get("/api/v1/documents", headers=api(bureau.outsider))
    assert refused.status_code == 403
    assert refused.get_json() == {"error": {"code": "forbidden", "message": "没有权限执行此操作"}}  # no items
    assert len(denials(bureau.outsider)) == 1
