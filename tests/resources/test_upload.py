"""Upload and download on both storage backends: streaming, sniffing, refusals, Range, duplicates."""

from __future__ import annotations

import hashlib
import io

import pytest

from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.resources.models import Resource, ResourceVersion
from eduplatform.resources.upload import StreamingUpload
from tests.assertions import denials
from tests.resources.conftest import make_image, make_pptx, make_zip, storage_keys


def counts():
    return (db.session.scalar(db.select(db.func.count()).select_from(Resource)),
            db.session.scalar(db.select(db.func.count()).select_from(StoredFile)))


def test_upload_then_download_and_range(backend, people, upload, client):
    content = make_pptx("二次函数|抛物线的顶点与对称轴")
    response = upload(people.teacher_a1, file=(content, "二次函数.pptx"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["type"] == "courseware" and body["stage"] == "junior" and body["subject"] == "math"
    assert body["grade"] == "g9" and body["keywords"] == ["二次函数", "抛物线"]
    assert body["format"] == "pptx" and body["state"] == "draft" and body["conformance_status"] == "pass"
    version = db.session.scalars(db.select(ResourceVersion)).one()
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert version.file.backend == backend.name and backend.exists(version.file.key)

    headers = upload.headers(people.teacher_a1)
    whole = client.get(f"/api/v1/resources/{body['id']}/download", headers=headers)
    assert whole.status_code == 200 and whole.data == content
    assert whole.headers["Accept-Ranges"] == "bytes" and "attachment" in whole.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E4%BA%8C" in whole.headers["Content-Disposition"]

    part = client.get(f"/api/v1/resources/{body['id']}/download", headers={**headers, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == content[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(content)}"
    tail = client.get(f"/api/v1/resources/{body['id']}/download", headers={**headers, "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == content[-10:]
    bad = client.get(f"/api/v1/resources/{body['id']}/download",
                     headers={**headers, "Range": f"bytes={len(content) + 5}-"})
    assert bad.status_code == 416 and bad.headers["Content-Range"] == f"bytes */{len(content)}"


def test_executable_is_refused_before_storing(backend, people, upload):
    before = counts()
    response = upload(people.teacher_a1, file=(b"MZ\x90\x00" + b"\x00" * 500, "课件.pptx"))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "executable_refused"
    assert counts() == before and storage_keys(backend) == []
    script = upload(people.teacher_a1, file=(b"#!/bin/sh\nrm -rf /\n", "notes.txt"),
                    data={**_text_fields(), "type": "media_text"})
    assert script.status_code == 422 and script.get_json()["error"]["code"] == "executable_refused"


def _text_fields():
    return {"title": "阅读材料", "description": "说明", "stage": "primary", "subject": "chinese"}


def test_extension_alone_is_not_trusted(backend, people, upload):
    png_as_pdf = upload(people.teacher_a1, file=(make_image(), "讲义.pdf"))
    assert png_as_pdf.status_code == 422
    assert png_as_pdf.get_json()["error"]["code"] == "type_mismatch"
    assert "PNG" in png_as_pdf.get_json()["error"]["message"]
    # A plain ZIP named .pptx is only found out once stored: the object must go with the refusal.
    fake = upload(people.teacher_a1, file=(make_zip({"a.txt": b"hello"}), "课件.pptx"))
    assert fake.status_code == 422 and fake.get_json()["error"]["code"] == "type_mismatch"
    db.session.rollback()
    assert storage_keys(backend) == [] and counts()[0] == 0


def test_format_must_be_accepted_by_the_type(people, upload):
    response = upload(people.teacher_a1, file=(make_image(), "图.png"))  # courseware takes no PNG
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "format_not_accepted"


def test_file_name_is_sanitised(backend, people, upload):
    response = upload(people.teacher_a1, file=(make_pptx(), "../../etc/passwd/课件.pptx"))
    assert response.status_code == 201
    stored = db.session.scalars(db.select(StoredFile)).first()
    assert stored.filename == "课件.pptx" and ".." not in stored.key and stored.key.startswith("resources/")


def test_size_limit_is_configurable(backend, app, people, upload, monkeypatch):
    monkeypatch.setitem(app.config, "RESOURCES_MAX_UPLOAD_BYTES", 10_000)
    response = upload(people.teacher_a1, file=(make_pptx() + b"\x00" * 0, "大课件.pptx"))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    db.session.rollback()
    assert storage_keys(backend) == [] and counts() == (0, 0)


def test_invalid_metadata_is_refused_before_the_file_is_stored(backend, people, upload):
    response = upload(people.teacher_a1, title="", stage="大学", grade="高三")
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "title" in fields and "stage" in fields
    assert "不是有效的学段" in fields["stage"][0]
    assert storage_keys(backend) == [] and counts() == (0, 0)


def test_grade_must_belong_to_stage(people, upload):
    response = upload(people.teacher_a1, stage="小学", grade="九年级")
    assert response.status_code == 422
    assert "不属于学段" in response.get_json()["error"]["fields"]["grade"][0]


def test_unknown_type_and_missing_file(people, upload, client):
    assert upload(people.teacher_a1, type="video_game").get_json()["error"]["code"] == "unknown_type"
    headers = upload.headers(people.teacher_a1)
    response = client.post("/api/v1/resources", headers=headers, data={
        "type": "courseware", "title": "无文件", "description": "x", "stage": "junior", "subject": "math"},
        content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "file_missing"


def test_same_content_twice_links_to_the_existing_resource(backend, people, upload):
    content = make_pptx("重复的课件")
    first = upload(people.teacher_a1, file=(content, "a.pptx"))
    assert first.status_code == 201
    again = upload(people.teacher_a1, file=(content, "b.pptx"), title="换个标题")
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "duplicate" and error["fields"]["existing_id"] == first.get_json()["id"]
    db.session.rollback()
    assert len(storage_keys(backend)) == 1  # the second copy was removed


def test_a_draft_of_another_school_is_not_offered_as_duplicate(people, upload):
    content = make_pptx("各自的草稿")
    first = upload(people.teacher_a1, file=(content, "a.pptx"))
    assert first.status_code == 201
    # teacher_b1 cannot see that draft: telling them it exists would leak it.
    second = upload(people.teacher_b1, file=(content, "a.pptx"))
    assert second.status_code == 201
    assert "existing_id" not in second.get_data(as_text=True)
    own = db.session.get(Resource, second.get_json()["id"])
    assert own.id != first.get_json()["id"]
    assert (own.owner_id, own.org_id) == (people.teacher_b1.id, people.teacher_b1.org_id)
    assert counts()[0] == 2


def test_students_and_public_cannot_upload(people, upload, storage):
    for user in (people.student_a1, people.citizen):
        refused = upload(user)
        assert refused.status_code == 403, user.username
        assert refused.get_json()["error"]["code"] == "forbidden"
        assert [e.data["action"] for e in denials(user)] == ["resource.create"]
    assert counts() == (0, 0)
    assert storage_keys(storage) == []  # not even the uploaded bytes were kept


def test_html_upload_form_with_chinese_errors(auth, client, people):
    auth.login(people.teacher_a1)
    assert 'name="file"' in client.get("/resources/upload?type=courseware").get_data(as_text=True)
    chosen = client.post("/resources/upload/file", data={"type": "courseware",
                                                         "file": (io.BytesIO(make_pptx()), "k.pptx")},
                         content_type="multipart/form-data")
    assert chosen.status_code == 302
    token = chosen.headers["Location"].split("staged=")[1].split("&")[0]
    html = client.get(chosen.headers["Location"]).get_data(as_text=True)
    for name in ("title", "description", "stage", "subject", "grade", "textbook_edition", "knowledge_points",
                 "keywords", "teaching_hours"):
        assert f'name="{name}"' in html
    bad = client.post("/resources/upload/staged", data={"staged": token, "type": "courseware", "stage": "junior"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "请填写描述" in text and "请填写学科" in text
    # The one-request upload (type, metadata and file streamed together) still serves scripts.
    ok = client.post("/resources/upload", data={**{k: v for k, v in _text_fields().items()}, "type": "courseware",
                                                "file": (io.BytesIO(make_pptx("另一个")), "k2.pptx")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302 and "/resources/" in ok.headers["Location"]


def test_html_upload_checks_the_csrf_token_before_reading_the_file(app, auth, client, people, monkeypatch):
    auth.login(people.teacher_a1)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/resources/upload", data={"csrf_token": "forged", **_text_fields(), "type": "courseware",
                                                      "file": (io.BytesIO(make_pptx()), "k.pptx")},
                           content_type="multipart/form-data")
    assert response.status_code in (302, 400)
    assert counts() == (0, 0)


class ChunkedBody:
    """A request body produced piece by piece; records the biggest read."""

    def __init__(self, parts):
        self.parts = list(parts)
        self.buffer = b""
        self.largest = 0

    def read(self, n=-1):
        self.largest = max(self.largest, n)
        while len(self.buffer) < n and self.parts:
            self.buffer += self.parts.pop(0)
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data


def test_streaming_parser_reads_in_bounded_chunks():
    boundary = "XyZ"
    payload = bytes(range(256)) * 40_000  # ~10 MB
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n二次函数\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"late\"\r\n\r\nx\r\n--{boundary}--\r\n".encode()
    body = ChunkedBody([head, *[payload[i:i + 1_000_000] for i in range(0, len(payload), 1_000_000)], tail])
    upload = StreamingUpload(body, f"multipart/form-data; boundary={boundary}").open()
    assert upload.fields["title"] == "二次函数" and upload.file.filename == "a.bin"
    received = bytearray()
    while chunk := upload.file.read(1024 * 1024):
        assert len(chunk) <= 1024 * 1024
        received += chunk
    assert bytes(received) == payload
    upload.finish()
    assert upload.fields_after_file == ["late"]
    assert body.largest <= 1024 * 1024


def test_fields_after_the_file_are_refused(backend, people, client, upload):
    headers = upload.headers(people.teacher_a1)
    boundary = "B0und"
    parts = [(k, v) for k, v in {"type": "courseware", "title": "标题", "description": "d", "stage": "junior"}.items()]
    body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                    for k, v in parts)
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"k.pptx\"\r\n\r\n".encode()
             + make_pptx() + f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nmath\r\n"
             f"--{boundary}--\r\n".encode())
    response = client.post("/api/v1/resources", headers=headers, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422
    db.session.rollback()
    assert storage_keys(backend) == []


@pytest.mark.parametrize("visibility,expected", [("本区县", "district"), ("school", "school"), (None, "platform")])
def test_visibility_by_code_or_label(people, upload, visibility, expected):
    fields = {"visibility": visibility} if visibility else {}
    response = upload(people.teacher_a1, file=(make_pptx(str(visibility)), "v.pptx"), **fields)
    assert response.status_code == 201
    assert response.get_json()["visibility"] == expected
    assert db.session.get(Resource, response.get_json()["id"]).visibility == expected  # stored as the code


def test_browser_session_api_upload_uses_the_parsed_form(app, client, auth, people, monkeypatch):
    """A cookie-session API call has its CSRF header checked (which parses the form): same result."""
    import re

    auth.login(people.teacher_a1)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # the suite runs with it off
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/resources").get_data(as_text=True))[1]
    data = {"type": "courseware", "title": "会话上传", "description": "d", "stage": "junior", "subject": "math",
            "file": (io.BytesIO(make_pptx("会话")), "s.pptx")}
    refused = client.post("/api/v1/resources", data=dict(data), content_type="multipart/form-data")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    data["file"] = (io.BytesIO(make_pptx("会话")), "s.pptx")
    ok = client.post("/api/v1/resources", data=data, content_type="multipart/form-data",
                     headers={"X-CSRFToken": token})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["title"] == "会话上传"


def test_html_duplicate_offers_a_link(client, auth, upload, people):
    content = make_pptx("网页重复")
    first = upload(people.teacher_a1, file=(content, "a.pptx")).get_json()["id"]
    auth.login(people.teacher_a1)
    again = client.post("/resources/upload", content_type="multipart/form-data",
                        data={**_text_fields(), "type": "courseware", "file": (io.BytesIO(content), "b.pptx")})
    assert again.status_code == 409
    assert f'href="/resources/{first}"' in again.get_data(as_text=True)
