"""The HTML pages: edit, replace, favourites, packages, preview kinds, and refusals by direct id."""

from __future__ import annotations

import io
import zipfile

from eduplatform.core.extensions import db
from eduplatform.resources.models import Resource, ReviewState
from tests.resources.conftest import make_image, make_pdf, make_pptx


def test_edit_a_draft_through_the_generated_form(client, auth, upload, people):
    rid = upload(people.teacher_a1).get_json()["id"]
    auth.login(people.teacher_a1)
    form = client.get(f"/resources/{rid}/edit").get_data(as_text=True)
    assert 'value="二次函数的图像与性质"' in form and 'name="teaching_hours"' in form
    bad = client.post(f"/resources/{rid}/edit", data={"title": "新标题", "description": "d", "stage": "junior",
                                                     "subject": "math", "teaching_hours": "99"})
    assert bad.status_code == 422 and "建议课时应在 1–40 之间" in bad.get_data(as_text=True)
    ok = client.post(f"/resources/{rid}/edit", data={"title": "新标题", "description": "d", "stage": "junior",
                                                    "subject": "math", "teaching_hours": "2",
                                                    "keywords": "甲、乙", "visibility": "district"})
    assert ok.status_code == 302
    resource = db.session.get(Resource, rid)
    assert resource.title == "新标题" and resource.extra == {"teaching_hours": 2}
    assert resource.keywords == ["甲", "乙"] and resource.visibility.value == "district"
    auth.logout()
    auth.login(people.teacher_b1)
    assert client.get(f"/resources/{rid}/edit").status_code == 403
    assert client.post(f"/resources/{rid}/edit", data={"title": "偷改"}).status_code == 403


def test_replace_through_the_page_keeps_the_old_version(client, auth, upload, people):
    rid = upload(people.teacher_a1).get_json()["id"]
    auth.login(people.teacher_a1)
    response = client.post(f"/resources/{rid}/replace", content_type="multipart/form-data",
                           data={"note": "第二版", "file": (io.BytesIO(make_pptx("第二版")), "v2.pptx")})
    assert response.status_code == 302
    resource = db.session.get(Resource, rid)
    assert resource.current_version == 2 and len(resource.versions) == 2
    detail = client.get(f"/resources/{rid}").get_data(as_text=True)
    assert "版本 1" in detail and "第二版" in detail


def test_preview_kinds_and_thumbnail(client, auth, upload, publish, people):
    image = upload(people.teacher_a1, data={"type": "media_image", "title": "图", "description": "d",
                                            "stage": "primary", "subject": "art"},
                   file=(make_image(), "图.png")).get_json()["id"]
    pdf = upload(people.teacher_a1, data={"type": "literature", "title": "文献", "description": "d",
                                          "stage": "primary", "subject": "art"}, file=(make_pdf(), "文献.pdf")).get_json()["id"]
    auth.login(people.teacher_a1)
    assert "<img" in client.get(f"/resources/{image}").get_data(as_text=True)
    assert "<iframe" in client.get(f"/resources/{pdf}").get_data(as_text=True)
    thumb = client.get(f"/resources/{pdf}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    auth.logout()
    auth.login(people.teacher_b1)
    assert client.get(f"/resources/{pdf}/thumbnail").status_code == 403  # still a draft


def test_favourites_page_and_packages_page(client, auth, upload, publish, people):
    rid = upload(people.teacher_a1).get_json()["id"]
    publish(rid)
    auth.login(people.teacher_b1)
    client.post(f"/resources/{rid}/favourite", data={"on": "1"})
    assert "二次函数的图像与性质" in client.get("/resources/favourites").get_data(as_text=True)
    assert client.get("/resources/packages").status_code == 403
    auth.logout()
    auth.login(people.district_a_staff)
    page = client.get("/resources/packages").get_data(as_text=True)
    assert f'value="{rid}"' in page
    exported = client.post("/resources/packages/export", data={"ids": [str(rid)]})
    assert exported.status_code == 200
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    refused = client.post("/resources/packages/import", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"junk"), "p.zip")}, follow_redirects=True)
    assert "文件扩展名 .zip 与实际内容（纯文本）不符" in refused.get_data(as_text=True)


def test_returned_resource_shows_the_reason_to_its_owner(client, auth, upload, people):
    from eduplatform.resources import review

    rid = upload(people.teacher_a1).get_json()["id"]
    resource = db.session.get(Resource, rid)
    review.submit(resource, people.teacher_a1)
    review.return_resource(resource, people.school_a1_admin, "请补充课堂练习答案")
    db.session.commit()
    assert resource.state == ReviewState.RETURNED
    auth.login(people.teacher_a1)
    page = client.get(f"/resources/{rid}").get_data(as_text=True)
    assert "退回理由：请补充课堂练习答案" in page
    assert "已退回" in client.get("/resources/mine").get_data(as_text=True)
