"""Published resources made the way a package import makes them (no review round), for channel tests."""

from __future__ import annotations

import hashlib
import io

from eduplatform.resources.models import Visibility
from eduplatform.resources.packages import create_from_entry, validate_entry


def text_file(title: str, size: int = 2000) -> bytes:
    line = f"{title}：校校通推送测试资料。".encode()
    body = (line * (size // len(line) + 1))[:size]
    return body.decode("utf-8", "ignore").encode("utf-8")


def make_resource(owner, title: str, content: bytes | None = None, *, stage: str = "初中", subject: str = "数学"):
    """A published 文献资料 (txt) owned by ``owner``'s unit."""
    content = content if content is not None else text_file(title)
    entry = {"uid": hashlib.sha256(title.encode()).hexdigest()[:32], "type": "literature",
             "metadata": {"title": title, "description": f"{title}（测试）", "stage": stage, "subject": subject},
             "file": {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content), "format": "txt",
                      "filename": f"{title}.txt", "content_type": "text/plain"}}
    validate_entry(entry, "测试资源")
    return create_from_entry(owner, entry, io.BytesIO(content), visibility=Visibility.PLATFORM, note="测试")
