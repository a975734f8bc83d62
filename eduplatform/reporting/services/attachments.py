"""Which attachments a task or submission takes; what a file really is comes from the platform's
inspector (:mod:`eduplatform.core.storage.inspect`: extension and content must agree, archives checked)."""

from __future__ import annotations

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import HEAD_BYTES, check_upload_head, extension_of

#: extensions accepted as attachments (office documents, PDF, images, text)
ALLOWED = {"pdf", "doc", "xls", "ppt", "docx", "xlsx", "pptx", "zip", "wps", "et", "jpg", "jpeg", "png",
           "txt", "csv"}
TEXT = {"txt", "csv"}


def check_upload(stream, filename: str | None) -> None:
    """Refuse files whose type is not allowed or whose content does not match the extension."""
    ext = extension_of(filename)
    if ext not in ALLOWED:
        raise ValidationFailed(f"不支持的附件类型 .{ext or '?'}（可上传：{'、'.join(sorted(ALLOWED))}）",
                               code="bad_file_type", fields={"file": ["不支持的附件类型"]})
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    if not head:
        raise ValidationFailed("附件是空文件", code="bad_file_type", fields={"file": ["附件是空文件"]})
    kind = check_upload_head(filename, head)
    if ext in TEXT and kind != "text":
        raise ValidationFailed(f"文件内容与扩展名 .{ext} 不符", code="bad_file_type",
                               fields={"file": ["文件内容与扩展名不符"]})
