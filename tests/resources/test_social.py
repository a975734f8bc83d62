"""Search over the API and the page, favourites, ratings, comments, lists, preview."""

from __future__ import annotations

from eduplatform.core.extensions import db
from eduplatform.resources.models import Comment, Favourite, Rating, Resource
from tests.assertions import assert_refused_api, count
from tests.resources.conftest import make_image, make_pptx


def _published(upload, publish, user, text, **fields) -> int:
    response = upload(user, file=(make_pptx(text), f"{text}.pptx"), **fields)
    assert response.status_code == 201, response.get_json()
    publish(response.get_json()["id"])
    return response.get_json()["id"]


def test_search_with_facets_sort_highlight_and_pagination(client, upload, publish, people):
    a = _published(upload, publish, people.teacher_a1, "一元二次方程的解法", title="一元二次方程 教学课件")
    b = _published(upload, publish, people.teacher_a1, "光合作用实验", title="光合作用", stage="primary",
                   subject="生物", grade="五年级")
    headers = upload.headers(people.teacher_b1)
    found = client.get("/api/v1/resources?q=方程", headers=headers).get_json()
    assert [i["resource"]["id"] for i in found["items"]] == [a]
    assert "<mark>方程</mark>" in found["items"][0]["highlights"]["title"]
    facets = client.get("/api/v1/resources", headers=headers).get_json()["facets"]
    assert {f["value"]: f["count"] for f in facets["subject"]} == {"math": 1, "biology": 1}
    assert facets["stage"][0]["label"] in ("初中", "小学")
    only = client.get("/api/v1/resources?subject=biology", headers=headers).get_json()
    assert [i["resource"]["id"] for i in only["items"]] == [b]
    newest = client.get("/api/v1/resources?sort=newest&per_page=1&page=2", headers=headers).get_json()
    assert newest["total"] == 2 and newest["pages"] == 2 and [i["resource"]["id"] for i in newest["items"]] == [a]
    bad = client.get("/api/v1/resources?sort=cheapest", headers=headers)
    assert bad.status_code == 422


def test_search_page_and_home_lists(client, auth, upload, publish, people):
    rid = _published(upload, publish, people.teacher_a1, "欧姆定律", title="欧姆定律 复习课件")
    auth.login(people.teacher_b1)
    page = client.get("/resources/search?q=欧姆定律").get_data(as_text=True)
    assert f"/resources/{rid}" in page and "<mark>" in page and "学科" in page
    home = client.get("/resources").get_data(as_text=True)
    assert "最新资源" in home and "最常使用" in home and f"/resources/{rid}" in home
    detail = client.get(f"/resources/{rid}").get_data(as_text=True)
    assert "欧姆定律" in detail and "第 1 页" in detail  # text preview of the slides


def test_favourite_rate_comment(client, upload, publish, people):
    rid = _published(upload, publish, people.teacher_a1, "收藏评价")
    headers = upload.headers(people.teacher_b1)
    assert client.put(f"/api/v1/resources/{rid}/favourite", headers=headers).get_json()["favourite_count"] == 1
    assert client.put(f"/api/v1/resources/{rid}/favourite", headers=headers).get_json()["favourite_count"] == 1
    assert client.put(f"/api/v1/resources/{rid}/rating", headers=headers, json={"stars": 4}).get_json()["rating_avg"] == 4
    again = client.put(f"/api/v1/resources/{rid}/rating", headers=headers, json={"stars": 2}).get_json()
    assert again["rating_avg"] == 2 and again["rating_count"] == 1
    assert client.put(f"/api/v1/resources/{rid}/rating", headers=headers, json={"stars": 6}).status_code == 422
    own = client.put(f"/api/v1/resources/{rid}/rating", headers=upload.headers(people.teacher_a1), json={"stars": 5})
    assert own.status_code == 422
    created = client.post(f"/api/v1/resources/{rid}/comments", headers=headers, json={"body": "例题很实用"})
    assert created.status_code == 201
    comments = client.get(f"/api/v1/resources/{rid}/comments", headers=headers).get_json()["items"]
    assert [c["body"] for c in comments] == ["例题很实用"]
    cid = comments[0]["id"]
    assert client.delete(f"/api/v1/resources/comments/{cid}", headers=upload.headers(people.teacher_a1)).status_code == 403
    assert client.delete(f"/api/v1/resources/comments/{cid}", headers=headers).get_json() == {"deleted": True}
    assert client.delete(f"/api/v1/resources/{rid}/favourite", headers=headers).get_json()["favourite_count"] == 0


def test_drafts_cannot_be_favourited_or_rated(client, upload, people):
    rid = upload(people.teacher_a1).get_json()["id"]
    headers = upload.headers(people.teacher_a1)
    for refused in (client.put(f"/api/v1/resources/{rid}/favourite", headers=headers),
                    client.put(f"/api/v1/resources/{rid}/rating", headers=headers, json={"stars": 5}),
                    client.post(f"/api/v1/resources/{rid}/comments", headers=headers, json={"body": "x"})):
        error = assert_refused_api(refused, refused.request.path)
        assert error["message"] == "只能收藏、评价已发布且您可以查看的资源"
    assert count(Favourite, Favourite.resource_id == rid) == 0
    assert count(Rating, Rating.resource_id == rid) == 0
    assert count(Comment, Comment.resource_id == rid) == 0
    draft = db.session.get(Resource, rid)
    assert (draft.favourite_count, draft.rating_count) == (0, 0)


def test_my_uploads_show_status(client, auth, upload, people):
    rid = upload(people.teacher_a1).get_json()["id"]
    mine = client.get("/api/v1/resources/mine", headers=upload.headers(people.teacher_a1)).get_json()
    assert [r["id"] for r in mine["items"]] == [rid] and mine["items"][0]["state"] == "draft"
    assert client.get("/api/v1/resources/mine", headers=upload.headers(people.teacher_b1)).get_json()["total"] == 0
    auth.login(people.teacher_a1)
    assert "草稿" in client.get("/resources/mine").get_data(as_text=True)


def test_image_preview_is_inline_and_html_never_is(client, upload, publish, people):
    image = upload(people.teacher_a1, data={"type": "media_image", "title": "图", "description": "d",
                                            "stage": "primary", "subject": "art"},
                   file=(make_image(), "图.png")).get_json()["id"]
    html = upload(people.teacher_a1, data={"type": "media_text", "title": "网页", "description": "d",
                                           "stage": "primary", "subject": "art"},
                  file=(b"<html><body><script>alert(1)</script>\xe7\xbd\x91\xe9\xa1\xb5</body></html>", "页.html")
                  ).get_json()["id"]
    headers = upload.headers(people.teacher_a1)
    shown = client.get(f"/api/v1/resources/{image}/download?inline=1", headers=headers)
    assert shown.headers["Content-Type"] == "image/png" and shown.headers["Content-Disposition"].startswith("inline")
    page = client.get(f"/api/v1/resources/{html}/download?inline=1", headers=headers)
    assert page.headers["Content-Disposition"].startswith("attachment")
    assert page.headers["Content-Type"] == "application/octet-stream"
    assert db.session.get(Resource, html).version.extracted_text == "网页"


def test_patch_metadata_over_the_api(client, upload, people):
    rid = upload(people.teacher_a1).get_json()["id"]
    headers = upload.headers(people.teacher_a1)
    changed = client.patch(f"/api/v1/resources/{rid}", headers=headers,
                           json={"title": "修订后的标题", "grade": "初三", "teaching_hours": 3, "visibility": "本区县"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["title"] == "修订后的标题" and body["grade"] == "g9" and body["extra"] == {"teaching_hours": 3}
    assert body["visibility"] == "district"
    bad = client.patch(f"/api/v1/resources/{rid}", headers=headers, json={"stage": "小学"})  # grade g9 no longer fits
    assert bad.status_code == 422 and "grade" in bad.get_json()["error"]["fields"]
