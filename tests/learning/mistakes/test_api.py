"""The 错题本 API: the list's filters and counts, the summary, odd answers refused with 422 (never a 500),
the operations in the OpenAPI document."""

from __future__ import annotations

import pytest

from eduplatform.core.extensions import db
from eduplatform.learning import services as homework


@pytest.fixture
def booked(junior, bank, question_homework):
    h = question_homework(bank.single, bank.tf, bank.blank)
    s = junior.students[0]
    homework.submit_answer(s, h.items[0], response=0)
    homework.submit_answer(s, h.items[1], response=False)
    homework.submit_answer(s, h.items[2], response=["1", "2"])
    db.session.commit()
    return s


def test_the_list_filters_by_subject_point_and_status(booked, client, api, points, bank):
    headers = api(booked)
    everything = client.get("/api/v1/my/mistakes", headers=headers).get_json()
    assert everything["total"] == 3 and everything["counts"] == {"pending": 3, "mastered": 0, "total": 3}
    first = everything["items"][0]
    assert {"knowledge_points", "response_text", "wrong_count", "source_label"} <= set(first)
    assert first["question"]["analysis"] is not None and "answer_text" in first["question"]
    linear = client.get(f"/api/v1/my/mistakes?knowledge_point_id={points.linear.id}", headers=headers).get_json()
    assert sorted(i["question"]["question_id"] for i in linear["items"]) == sorted([bank.single.id, bank.tf.id])
    under_root = client.get(f"/api/v1/my/mistakes?knowledge_point_id={points.algebra.id}", headers=headers).get_json()
    assert under_root["total"] == 2  # 一元一次方程 is under 代数
    assert client.get("/api/v1/my/mistakes?subject=chinese", headers=headers).get_json()["total"] == 0
    assert client.get("/api/v1/my/mistakes?status=mastered", headers=headers).get_json()["total"] == 0
    bad = client.get("/api/v1/my/mistakes?status=done", headers=headers)
    assert bad.status_code == 422 and "状态须为" in bad.get_json()["error"]["message"]
    summary = client.get("/api/v1/my/mistakes/summary", headers=headers).get_json()
    assert summary["pending"] == 3 and summary["top_knowledge_points"][0]["name"] == "一元一次方程"


@pytest.mark.parametrize("response", [{"a": 1}, [1, [2]], "x" * 50, 99, -1, 1.5, True, "中文", [None]])
def test_odd_re_do_answers_are_refused_not_crashed(booked, client, api, response):
    headers = api(booked)
    for item in client.get("/api/v1/my/mistakes", headers=headers).get_json()["items"]:
        answer = client.post(f"/api/v1/mistakes/{item['id']}/redo", headers=headers, json={"response": response})
        assert answer.status_code in (200, 422), (item["question"]["type"], response, answer.get_json())


def test_odd_practice_answers_are_refused(booked, client, api):
    headers = api(booked)
    built = client.post("/api/v1/my/practice-sets", headers=headers, json={"size": 3}).get_json()
    url = f"/api/v1/practice-sets/{built['id']}/submit"
    assert client.post(url, headers=headers, json={"answers": {"abc": 1}}).status_code == 422
    assert client.post(url, headers=headers, json={"answers": [1, 2]}).status_code == 422
    assert client.post(url, headers=headers, json={"answers": {}}).get_json()["score"] == 0


def test_the_operations_are_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/my/mistakes", "/api/v1/my/mistakes/summary", "/api/v1/mistakes/{entry_id}",
            "/api/v1/mistakes/{entry_id}/redo", "/api/v1/my/practice-sets", "/api/v1/practice-sets/{set_id}",
            "/api/v1/practice-sets/{set_id}/submit", "/api/v1/classes/{class_id}/mistakes"} <= set(paths)
    assert "requestBody" in paths["/api/v1/mistakes/{entry_id}/redo"]["post"]
