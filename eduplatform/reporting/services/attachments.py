"""Which attachments a task or submission takes; what a file really is comes from the platform's
inspector (:func:`eduplatform.core.storage.inspect.inspect_upload`: extension and content must agree,
archives checked)."""

from __future__ import annotations

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import UploadRefusals, inspect_upload

#: extensions accepted as attachments (office documents, PDF, images, text)
ALLOWED = {"pdf", "doc", "xls", "ppt", "docx", "xlsx", "pptx", "zip", "wps", "et", "jpg", "jpeg", "png",
           "txt", "csv"}
TEXT = {"txt", "csv"}


class AttachmentRefusals(UploadRefusals):
    def not_allowed(self, extension, allowed) -> Exception:
        return ValidationFailed(f"不支持的附件类型 .{extension or '?'}（可上传：{'、'.join(sorted(allowed))}）",
                                code="bad_file_type", fields={"file": ["不支持的附件类型"]})

    def empty(self) -> Exception:
        return ValidationFailed("附件是空文件", code="bad_file_type", fields={"file": ["附件是空文件"]})


def check_upload(stream, filename: str | None):
    """Refuse files whose type is not allowed or whose content does not match the extension; the stream
    to store (it reads the file from its first byte)."""
    inspected = inspect_upload(stream, filename=filename or "", require_name=False, allowed=ALLOWED,
                               allow_empty=False, refusals=AttachmentRefusals())
    if inspected.extension in TEXT and inspected.kind != "text":
        raise ValidationFailed(f"文件内容与扩展名 .{inspected.extension} 不符", code="bad_file_type",
                               fields={"file": ["文件内容与扩展名不符"]})
    return inspected.stream
