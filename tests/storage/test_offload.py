"""Large downloads handed off (``EDU_DOWNLOAD_OFFLOAD``): X-Accel-Redirect for the file store (a
real nginx in ``tests/cluster``), a presigned URL of the object store (moto's S3 server, the real
minio SDK), and ``none`` streaming as before."""

from __future__ import annotations

import hashlib
import io

import pytest
import requests

from eduplatform.core.storage.services import store_file
from eduplatform.core.storage.serving import begins_download

DATA = b"%PDF-1.4\n" + bytes(range(256)) * 4096  # just over 1 MiB


@pytest.fixture
def offload(app, monkeypatch):
    def set_mode(mode, min_bytes=1000):
        monkeypatch.setitem(app.config, "DOWNLOAD_OFFLOAD", mode)
        monkeypatch.setitem(app.config, "DOWNLOAD_OFFLOAD_MIN_BYTES", min_bytes)
    return set_mode


@pytest.fixture
def minio(app, make_minio_storage):
    app.extensions["edu_storage"] = make_minio_storage()
    return app.extensions["edu_storage"]


def stored_file(data=DATA, filename="期中复习 第2讲.pdf", content_type="application/pdf"):
    return store_file(io.BytesIO(data), prefix="test", filename=filename, content_type=content_type)


def send(app, stored, headers=None, method="GET", **options):
    with app.test_request_context("/", method=method, headers=headers or {}):
        response = stored.send(**options)
        counted = begins_download(response)
    body = b"".join(response.response)
    response.close()
    return response, body, counted


def test_x_accel_hands_the_file_to_nginx_with_the_apps_headers(app, offload):
    offload("x-accel")
    stored = stored_file()
    response, body, counted = send(app, stored)
    assert response.status_code == 200 and body == b"" and counted
    assert response.headers["X-Accel-Redirect"] == f"/_protected/{stored.key}"
    assert (app.extensions["edu_storage"].root / stored.key).read_bytes() == DATA  # where nginx's alias points
    assert response.headers["ETag"] == f'"{hashlib.sha256(DATA).hexdigest()}"'
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    # a later range is not a new download; a revalidation is still answered by the app
    assert send(app, stored, {"Range": "bytes=500000-"})[2] is False
    not_modified, _, _ = send(app, stored, {"If-None-Match": response.headers["ETag"]})
    assert not_modified.status_code == 304 and "X-Accel-Redirect" not in not_modified.headers


def test_small_files_and_active_content_always_stream(app, offload):
    offload("x-accel", min_bytes=len(DATA) + 1)
    response, body, _ = send(app, stored_file())
    assert "X-Accel-Redirect" not in response.headers and body == DATA
    offload("x-accel", min_bytes=0)
    response, body, _ = send(app, stored_file(), inline=True, active_content_csp="default-src 'self'")
    assert "X-Accel-Redirect" not in response.headers and body == DATA


def test_none_streams_with_ranges(app, offload):
    offload("none", min_bytes=0)
    response, body, counted = send(app, stored_file(), {"Range": "bytes=10-19"})
    assert response.status_code == 206 and body == DATA[10:20] and counted is False


def test_x_accel_on_the_object_store_streams(app, offload, minio):
    offload("x-accel")
    response, body, _ = send(app, stored_file())
    assert "X-Accel-Redirect" not in response.headers and body == DATA


def test_presigned_redirects_to_the_object_store(app, offload, minio):
    offload("presigned")
    stored = stored_file()
    response, _, counted = send(app, stored)
    assert response.status_code == 302 and counted
    assert response.headers["Cache-Control"] == "no-store"
    url = response.headers["Location"]
    assert url.startswith(f"http://{minio.client._base_url.host}/{minio.bucket}/{stored.key}?")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == DATA
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in fetched.headers["Content-Disposition"]
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    part = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=10)  # the store does Range
    assert part.status_code == 206 and part.content == DATA[100:200]


def test_presigned_inline_keeps_the_inline_policy(app, offload, minio):
    offload("presigned")
    response, _, _ = send(app, stored_file(), inline=True)
    fetched = requests.get(response.headers["Location"], timeout=10)
    assert fetched.headers["Content-Disposition"].startswith("inline;") and fetched.content == DATA
    # an HTML file is never offered inline, wherever it is served from
    page = stored_file(b"<script>alert(1)</script>" * 100, "x.html", "text/html")
    response, _, _ = send(app, page, inline=True)
    fetched = requests.get(response.headers["Location"], timeout=10)
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert fetched.headers["Content-Type"].startswith("application/octet-stream")


def test_presigned_on_the_file_store_streams(app, offload):
    offload("presigned")
    response, body, _ = send(app, stored_file())
    assert response.status_code == 200 and body == DATA


def test_an_unknown_mode_is_an_error(app, offload):
    offload("sendfile")
    with pytest.raises(ValueError, match="x-accel or presigned"):
        send(app, stored_file())
