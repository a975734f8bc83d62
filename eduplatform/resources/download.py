"""Streaming a stored file to the browser, answering HTTP ``Range`` with 206 on every backend."""

from __future__ import annotations

from flask import Response, request
from werkzeug.datastructures import ContentRange
from werkzeug.http import parse_range_header

from eduplatform.core.storage.base import content_disposition
from eduplatform.core.storage.registry import get_storage

#: Content types a browser may show inline (never HTML or SVG: they could run script).
#: Shown inline, a user's file is treated as untrusted: no script, nothing loaded from elsewhere.
INLINE_POLICY = ("default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; "
                 "object-src 'self'; frame-ancestors 'self'; sandbox allow-same-origin")

INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/bmp", "application/pdf", "audio/", "video/",
                "text/plain")


def can_inline(content_type: str) -> bool:
    return any(content_type == t or (t.endswith("/") and content_type.startswith(t)) for t in INLINE_TYPES)


def send_stored(stored, *, inline: bool = False) -> Response:
    """The object of ``stored`` (a StoredFile), whole (200) or the requested byte range (206/416)."""
    storage = get_storage()
    size = stored.size
    content_type = stored.content_type or "application/octet-stream"
    inline = inline and can_inline(content_type)
    if not inline and content_type.startswith("text/"):
        content_type = "application/octet-stream"
    if content_type == "text/plain":
        content_type = "text/plain; charset=utf-8"
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(stored.filename, "inline" if inline else "attachment"),
        "ETag": f'"{stored.sha256}"',
        "Cache-Control": "private, no-cache",
    }
    if inline:
        headers["Content-Security-Policy"] = INLINE_POLICY
    ranges = parse_range_header(request.headers.get("Range"))
    if_range = request.headers.get("If-Range")
    if ranges is not None and (not if_range or if_range.strip('"') == stored.sha256):
        span = ranges.range_for_length(size) if len(ranges.ranges) == 1 else None
        if span is None:
            headers["Content-Range"] = f"bytes */{size}"
            return Response(status=416, headers=headers)
        start, stop = span
        body = storage.open(stored.key, start, stop - 1)
        headers["Content-Range"] = ContentRange("bytes", start, stop, size).to_header()
        headers["Content-Length"] = str(stop - start)
        return Response(body, status=206, headers=headers, content_type=content_type, direct_passthrough=True)
    body = storage.open(stored.key)
    headers["Content-Length"] = str(size)
    return Response(body, status=200, headers=headers, content_type=content_type, direct_passthrough=True)


def counts_as_download(inline: bool) -> bool:
    """A whole download, or the first range of one (players and resumed downloads send more)."""
    if inline:
        return False
    ranges = parse_range_header(request.headers.get("Range"))
    return ranges is None or (len(ranges.ranges) == 1 and ranges.ranges[0][0] == 0)
