"""Answering a request with a stored file: the one place for Range, validators, the inline policy and
download names (after indico's ``StoredFileMixin.send``). Domains call ``stored.send(...)`` once their
own permission checks have passed.

* Range: a single ``bytes`` range gives 206 (``Content-Range``), one that cannot be satisfied or
  several ranges give 416; ``If-Range`` with another validator gives the whole file (200).
* Validators: a strong ``ETag`` (the sha256, so equal content has one tag on every backend) and
  ``Last-Modified`` (a row's object never changes); ``If-None-Match`` / ``If-Modified-Since`` → 304.
* Inline policy: only :data:`INLINE_TYPES` are shown inline, under :data:`UNTRUSTED_INLINE_CSP` (a
  user's file runs no script); everything else is an attachment, text as ``application/octet-stream``.
* The body streams from the backend (file system or MinIO/S3) in chunks; only the requested range
  is read.
* Hand-off (``EDU_DOWNLOAD_OFFLOAD``) for files of ``DOWNLOAD_OFFLOAD_MIN_BYTES`` and more, once the
  caller's permission checks passed and the 304 was decided here: ``x-accel`` answers with an
  ``X-Accel-Redirect`` to nginx's internal location over the file store (nginx sends the bytes and
  does the Range itself; our ETag, disposition, type and cache headers go with it);
  ``presigned`` redirects (302, ``no-store``) to a short-lived object-store URL that carries the type
  and disposition. Content that runs in the platform's origin (``active_content_csp``) and a
  backend without the mode's means always stream. ``none`` (the default) streams everything.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from flask import Response, current_app, redirect, request
from werkzeug.datastructures import ContentRange
from werkzeug.http import http_date, parse_date, parse_range_header

from eduplatform.core.storage.base import content_disposition
from eduplatform.core.storage.registry import get_storage

#: Content types a browser may show inline (never HTML, SVG or XML: they could run script).
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/bmp", "image/webp", "application/pdf",
                "audio/", "video/", "text/plain")

#: Shown inline, a user's file is untrusted: no script, nothing loaded from elsewhere.
UNTRUSTED_INLINE_CSP = ("default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; "
                        "object-src 'self'; frame-ancestors 'self'; sandbox allow-same-origin")

#: Browsers revalidate with the ETag before each use: a revoked permission takes effect at once.
DEFAULT_CACHE = "private, no-cache"


def can_inline(content_type: str) -> bool:
    base = content_type.split(";", 1)[0].strip().lower()
    return any(base == t or (t.endswith("/") and base.startswith(t)) for t in INLINE_TYPES)


def send_stored_file(stored, *, inline: bool = False, content_type: str | None = None,
                     cache: str | None = DEFAULT_CACHE, active_content_csp: str | None = None) -> Response:
    """The object of ``stored`` (a ``StoredFile``) for the current request: 200, 206, 304 or 416.

    ``content_type`` overrides the row's (SCORM files are typed by their path). ``cache`` is the
    ``Cache-Control`` value; ``None`` leaves it to the application (``no-store`` for a signed-in user).
    ``active_content_csp`` is for content the platform lets run (SCORM packages): the file is shown
    inline whatever its type, confined by that policy instead of :data:`UNTRUSTED_INLINE_CSP`.
    """
    content_type = content_type or stored.content_type or "application/octet-stream"
    if active_content_csp is None:
        inline = inline and can_inline(content_type)
        if not inline and content_type.startswith("text/"):
            content_type = "application/octet-stream"  # an attachment is never rendered as a page
    if content_type.startswith("text/") and "charset" not in content_type:
        content_type += "; charset=utf-8"
    etag = stored.sha256
    last_modified = _last_modified(stored)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(stored.filename, "inline" if inline else "attachment"),
        "ETag": f'"{etag}"',
        "X-Content-Type-Options": "nosniff",
    }
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    if cache:
        headers["Cache-Control"] = cache
    if inline:
        headers["Content-Security-Policy"] = active_content_csp or UNTRUSTED_INLINE_CSP
    if _not_modified(etag, last_modified):
        return Response(status=304, headers=headers)

    size = stored.size
    offloaded = _offload(stored, headers, content_type, inline, active_content_csp)
    if offloaded is not None:
        return offloaded
    start, stop = 0, size
    status = 200
    ranges = parse_range_header(request.headers.get("Range"))
    if ranges is not None and ranges.units == "bytes" and _if_range_holds(etag, last_modified):
        span = ranges.range_for_length(size) if len(ranges.ranges) == 1 else None
        if span is None:
            headers["Content-Range"] = f"bytes */{size}"
            return Response(status=416, headers=headers)
        (start, stop), status = span, 206
        headers["Content-Range"] = ContentRange("bytes", start, stop, size).to_header()
    headers["Content-Length"] = str(stop - start)
    # Opened here, so a missing object fails before the status line is sent; a HEAD reads nothing.
    body = [] if request.method == "HEAD" or stop == start else get_storage().open(stored.key, start, stop - 1)
    return Response(body, status=status, headers=headers, content_type=content_type, direct_passthrough=True)


def _offload(stored, headers: dict, content_type: str, inline: bool,
             active_content_csp: str | None) -> Response | None:
    """The hand-off answer (X-Accel-Redirect or a presigned redirect), or None to stream."""
    config = current_app.config
    mode = (config.get("DOWNLOAD_OFFLOAD") or "none").lower()
    if mode == "none" or active_content_csp is not None or stored.size < config.get("DOWNLOAD_OFFLOAD_MIN_BYTES", 0):
        return None
    storage = get_storage()
    if mode == "x-accel":
        if not hasattr(storage, "root"):  # only the file store has files nginx can read
            return None
        prefix = config.get("DOWNLOAD_ACCEL_PREFIX") or "/_protected/"
        response = Response(status=200, headers={**headers, "X-Accel-Redirect": prefix + quote(stored.key)},
                            content_type=content_type)
        response.headers.pop("Content-Length", None)  # nginx gives the file's
    elif mode == "presigned":
        url = storage.presigned_url(stored.key, timedelta(seconds=config.get("DOWNLOAD_PRESIGNED_SECONDS", 300)),
                                    stored.filename, disposition="inline" if inline else "attachment",
                                    content_type=content_type)
        if url is None:
            return None
        response = redirect(url, 302)
        response.headers["Cache-Control"] = "no-store"  # the URL expires; ask the app again
        response.headers["X-Content-Type-Options"] = "nosniff"
    else:
        raise ValueError(f"EDU_DOWNLOAD_OFFLOAD={mode!r}: none, x-accel or presigned")
    response.offloaded = True
    return response


def begins_download(response: Response) -> bool:
    """Whether a response of :func:`send_stored_file` counts as a download: the whole file, or the
    first part of one (players and resumed downloads ask for the rest in further ranges)."""
    if request.method == "HEAD":
        return False
    if getattr(response, "offloaded", False):  # the web server or the store answers the Range
        ranges = parse_range_header(request.headers.get("Range"))
        return ranges is None or not ranges.ranges or ranges.ranges[0][0] == 0
    if response.status_code == 200:
        return True
    return response.status_code == 206 and response.headers.get("Content-Range", "").startswith("bytes 0-")


def _last_modified(stored) -> datetime | None:
    created = stored.created_at
    if created is None:
        return None
    if created.tzinfo is None:  # rows keep naive UTC
        created = created.replace(tzinfo=UTC)
    return created.replace(microsecond=0)  # HTTP dates have whole seconds


def _not_modified(etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match (weak comparison) decides; If-Modified-Since only without it."""
    if "If-None-Match" in request.headers:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and last_modified is not None and last_modified <= since


def _if_range_holds(etag: str, last_modified: datetime | None) -> bool:
    """Whether the Range applies: no If-Range, or one naming this very file (strong comparison)."""
    value = (request.headers.get("If-Range") or "").strip()
    if not value:
        return True
    if value.startswith("W/"):
        return False  # a weak tag never validates a range
    if value.strip('"') == etag:
        return True
    date = parse_date(value)
    return date is not None and last_modified is not None and date == last_modified
