"""The editor's picture upload and its serving by token."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.editor.models import EditorImage


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


HOSTILE_SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)">'
               b"<script>fetch('/api/v1/me')</script><circle r='5'/></svg>")


def post_image(client, data: bytes, name: str):
    return client.post("/editor/images", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers={"Accept": "application/json"})


def counts() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(EditorImage)),
            db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)))


def test_a_picture_is_stored_and_served_by_its_token(client, auth, people):
    auth.login(people.teacher_a1)
    data = png_bytes()
    response = post_image(client, data, "板书.png")
    assert response.status_code == 201, response.get_json()
    url = response.get_json()["url"]
    match = re.fullmatch(r"/editor/images/([A-Za-z0-9_-]{43})", url)
    assert match, url
    image = db.session.scalar(sa.select(EditorImage).where(EditorImage.token == match.group(1)))
    assert image.owner_id == people.teacher_a1.id and image.file.key.startswith("editor-images/")
    assert image.file.content_type == "image/png" and image.file.size == len(data)

    auth.logout()  # the URL is the permission: an anonymous reader of a public article sees it
    served = client.get(url)
    assert served.status_code == 200 and served.data == data
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in served.headers.get("Content-Disposition", "")


def test_the_url_cannot_be_guessed(client, auth, people):
    auth.login(people.teacher_a1)
    first = post_image(client, png_bytes(), "a.png").get_json()["url"]
    second = post_image(client, png_bytes(), "a.png").get_json()["url"]
    assert first != second
    assert client.get("/editor/images/" + "A" * 43).status_code == 404
    image_id = db.session.scalar(sa.select(sa.func.max(EditorImage.id)))
    assert client.get(f"/editor/images/{image_id}").status_code == 404  # not by its row id either


def test_a_public_account_may_not_upload(client, auth, people):
    auth.login(people.citizen)
    before = counts()
    response = post_image(client, png_bytes(), "a.png")
    assert response.status_code == 403
    assert re.search(r"[\u4e00-\u9fff]", response.get_json()["error"]["message"])
    assert counts() == before


def test_signing_in_is_required(client):
    before = counts()
    response = post_image(client, png_bytes(), "a.png")
    assert response.status_code in (302, 401)
    assert counts() == before


@pytest.mark.parametrize("data, name, words", [
    (b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "讲义.pdf", "只能插入 PNG、JPEG、GIF 或 WebP 图片"),
    (HOSTILE_SVG, "logo.svg", "只能插入 PNG、JPEG、GIF 或 WebP 图片"),
    (b"GIF89a" + b"\0" * 20, "x.txt", "只能插入 PNG、JPEG、GIF 或 WebP 图片"),
], ids=["pdf", "hostile svg", "gif named .txt"])
def test_a_file_that_is_not_a_picture_is_refused_in_chinese(client, auth, people, data, name, words):
    auth.login(people.teacher_a1)
    before = counts()
    response = post_image(client, data, name)
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == words
    assert counts() == before


def test_a_hostile_svg_named_png_is_refused(client, auth, people):
    auth.login(people.teacher_a1)
    before = counts()
    response = post_image(client, HOSTILE_SVG, "logo.png")
    assert 400 <= response.status_code < 500
    assert re.search(r"[\u4e00-\u9fff]", response.get_json()["error"]["message"])
    assert counts() == before


def test_a_picture_over_five_megabytes_is_refused(client, auth, people):
    before = counts()
    auth.login(people.teacher_a1)
    too_big = png_bytes() + b"\0" * (5 * 1024 * 1024)
    response = post_image(client, too_big, "大图.png")
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "图片不能超过 5 MB"
    assert counts() == before


def test_uploads_are_rate_limited_per_user(client, auth, people, monkeypatch):
    from eduplatform.editor import views

    monkeypatch.setattr(views, "RATE_LIMIT", 2)
    auth.login(people.teacher_a1)
    assert post_image(client, png_bytes(), "1.png").status_code == 201
    assert post_image(client, png_bytes(), "2.png").status_code == 201
    before = counts()
    third = post_image(client, png_bytes(), "3.png")
    assert third.status_code == 429
    assert "插入图片过于频繁" in third.get_json()["error"]["message"]
    assert counts() == before
    auth.logout()
    auth.login(people.teacher_b1)
    assert post_image(client, png_bytes(), "4.png").status_code == 201  # another user has their own count


def test_the_upload_is_audited(client, auth, people):
    from eduplatform.audit.models import AuditEntry

    auth.login(people.teacher_a1)
    post_image(client, png_bytes(), "板书.png")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "image.uploaded")
                              .order_by(AuditEntry.id.desc()))
    assert entry is not None and entry.realm == "editor" and entry.actor_id == people.teacher_a1.id
    assert "板书.png" in entry.summary
