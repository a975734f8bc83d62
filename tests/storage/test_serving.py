"""StoredFile.send: Range, validators (ETag / Last-Modified, 304), 416 and the inline policy, on both backends."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, timedelta
from urllib.parse import quote

import pytest
from werkzeug.http import http_date, parse_date

from eduplatform.core.storage.services import store_file
from eduplatform.core.storage.serving import UNTRUSTED_INLINE_CSP, begins_download

DATA = bytes(range(256)) * 40  # 10,240 bytes, every offset distinguishable
PDF = b"%PDF-1.4\n" + DATA


@pytest.fixture(params=["file", "minio"])
def backend(request, app):
    if request.param == "minio":
        app.extensions["edu_storage"] = request.getfixturevalue("make_minio_storage")()
    return app.extensions["edu_storage"]


@pytest.fixture
def opened(backend, monkeypatch):
    """The (start, end) of every read the backend is asked for."""
    calls = []
    real_open = backend.open

    def spy(key, start=0, end=None):
        calls.append((start, end))
        return real_open(key, start, end)

    monkeypatch.setattr(backend, "open", spy)
    return calls


def stored_file(data=PDF, filename="二次函数 第1课.pdf", content_type="application/pdf"):
    return store_file(io.BytesIO(data), prefix="test", filename=filename, content_type=content_type)


def send(app, stored, headers=None, method="GET", **options):
    with app.test_request_context("/", method=method, headers=headers or {}):
        response = stored.send(**options)
        counted = begins_download(response)
    body = b"".join(response.response)
    response.close()
    return response, body, counted


def test_whole_file_streams_with_validators_and_a_chinese_name(app, backend, opened):
    stored = stored_file()
    response, body, counted = send(app, stored)
    assert response.status_code == 200 and body == PDF and counted
    assert response.is_streamed and opened == [(0, len(PDF) - 1)]
    assert response.headers["Content-Length"] == str(len(PDF))
    assert response.headers["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert parse_date(response.headers["Last-Modified"]) == stored.created_at.replace(microsecond=0, tzinfo=UTC)
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-cache"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"")
    assert f"filename*=UTF-8''{quote('二次函数 第1课.pdf', safe='')}" in disposition
    assert "Content-Security-Policy" not in response.headers  # an attachment keeps the application's


@pytest.mark.parametrize("header,start,stop", [
    ("bytes=100-199", 100, 200),
    ("bytes=10000-", 10000, len(PDF)),
    ("bytes=-10", len(PDF) - 10, len(PDF)),
    ("bytes=0-99999", 0, len(PDF)),  # an end past the file is clamped
])
def test_a_single_range_reads_only_that_range(app, backend, opened, header, start, stop):
    stored = stored_file()
    response, body, counted = send(app, stored, {"Range": header})
    assert response.status_code == 206 and body == PDF[start:stop]
    assert response.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{len(PDF)}"
    assert response.headers["Content-Length"] == str(stop - start)
    assert opened == [(start, stop - 1)]  # the backend streams the range, not the object
    assert counted == (start == 0)


@pytest.mark.parametrize("header", [f"bytes={len(PDF)}-", f"bytes={len(PDF) + 5}-", "bytes=0-9,20-29"])
def test_unsatisfiable_or_several_ranges_are_416(app, backend, opened, header):
    response, body, counted = send(app, stored_file(), {"Range": header})
    assert response.status_code == 416 and body == b"" and not counted
    assert response.headers["Content-Range"] == f"bytes */{len(PDF)}"
    assert opened == []


def test_a_malformed_range_or_other_unit_is_ignored(app, backend):
    stored = stored_file()
    for header in ("bytes=abc", "items=0-9"):
        response, body, _ = send(app, stored, {"Range": header})
        assert response.status_code == 200, header
        assert body == PDF, header  # the whole file, not a slice
        assert response.headers["Content-Length"] == str(len(PDF)) and "Content-Range" not in response.headers


def test_if_range_applies_the_range_only_to_the_same_file(app, backend):
    stored = stored_file()
    tag = f'"{stored.sha256}"'
    modified = http_date(stored.created_at.replace(microsecond=0))
    cases = [(tag, 206), (modified, 206), ('"0000"', 200), (f"W/{tag}", 200),
             (http_date(stored.created_at - timedelta(days=1)), 200)]
    for if_range, status in cases:
        response, body, counted = send(app, stored, {"Range": "bytes=10-19", "If-Range": if_range})
        assert response.status_code == status, if_range
        assert body == (PDF[10:20] if status == 206 else PDF)
        assert counted == (status == 200)  # a stale resumption sends, and counts, the whole file


def test_conditional_get_answers_304_without_reading(app, backend, opened):
    stored = stored_file()
    tag = f'"{stored.sha256}"'
    later = http_date(stored.created_at + timedelta(hours=1))
    for headers in ({"If-None-Match": tag}, {"If-None-Match": f'"other", W/{tag}'}, {"If-None-Match": "*"},
                    {"If-Modified-Since": later}, {"If-None-Match": tag, "Range": "bytes=0-9"}):
        response, body, counted = send(app, stored, headers)
        assert response.status_code == 304 and body == b"" and not counted, headers
        assert response.headers["ETag"] == tag and response.headers["Cache-Control"] == "private, no-cache"
    assert opened == []
    # If-None-Match decides over If-Modified-Since; an older date means modified.
    for headers in ({"If-None-Match": '"other"', "If-Modified-Since": later},
                    {"If-Modified-Since": http_date(stored.created_at - timedelta(days=1))}):
        response, body, _ = send(app, stored, headers)
        assert response.status_code == 200 and body == PDF, headers


@pytest.mark.parametrize("content_type,shown_as,inline", [
    ("application/pdf", "application/pdf", True),
    ("image/png", "image/png", True),
    ("image/webp", "image/webp", True),
    ("video/webm", "video/webm", True),
    ("text/plain", "text/plain; charset=utf-8", True),
    ("text/html", "application/octet-stream", False),  # HTML never renders as the platform's page
    ("image/svg+xml", "image/svg+xml", False),  # SVG carries script
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
     "application/vnd.openxmlformats-officedocument.presentationml.presentation", False),
])
def test_inline_policy(app, backend, content_type, shown_as, inline):
    stored = stored_file(b"plain words", filename="文件.bin", content_type=content_type)
    response, body, _ = send(app, stored, inline=True)
    assert response.status_code == 200 and body == b"plain words"
    assert response.headers["Content-Type"] == shown_as
    assert response.headers["Content-Disposition"].startswith("inline;" if inline else "attachment;")
    assert response.headers.get("Content-Security-Policy") == (UNTRUSTED_INLINE_CSP if inline else None)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_attachment_unless_asked_inline(app, backend):
    response, _, _ = send(app, stored_file(b"plain words", filename="a.txt", content_type="text/plain"))
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_active_content_runs_under_the_callers_policy(app, backend):
    stored = stored_file(b"<html><script>API.LMSInitialize('')</script></html>", filename="index.html",
                         content_type="application/octet-stream")
    response, body, _ = send(app, stored, inline=True, content_type="text/html",
                             active_content_csp="script-src 'self' 'unsafe-inline'", cache="private, max-age=3600")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8" and body.startswith(b"<html>")
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Content-Security-Policy"] == "script-src 'self' 'unsafe-inline'"
    assert response.headers["Cache-Control"] == "private, max-age=3600"


def test_head_reads_nothing_and_cache_can_be_left_to_the_application(app, backend, opened):
    stored = stored_file()
    response, body, counted = send(app, stored, method="HEAD", cache=None)
    assert response.status_code == 200 and response.headers["Content-Length"] == str(len(PDF))
    assert body == b"" and opened == [] and not counted
    assert "Cache-Control" not in response.headers


def test_an_empty_file(app, backend):
    stored = stored_file(b"", filename="empty.bin", content_type="application/octet-stream")
    response, body, _ = send(app, stored)
    assert response.status_code == 200
    assert body == b"" and response.headers["Content-Length"] == "0"
    unsatisfiable, body, counted = send(app, stored, {"Range": "bytes=0-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["Content-Range"] == "bytes */0"  # RFC 9110 §15.5.17: the current length
    assert body == b"" and not counted
