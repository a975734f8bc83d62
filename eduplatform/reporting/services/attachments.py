"""Upload checks for task and submission attachments: extension and magic bytes must agree."""

from __future__ import annotations

from eduplatform.core.errors import ValidationFailed

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
#: extension → accepted leading bytes (None: plain text, checked as UTF-8/GB text)
ALLOWED = {
    "pdf": (b"%PDF-",),
    "doc": (_OLE,), "xls": (_OLE,), "ppt": (_OLE,),
    "docx": (_ZIP,), "xlsx": (_ZIP,), "pptx": (_ZIP,), "zip": (_ZIP,),
    "wps": (_OLE,), "et": (_OLE,),
    "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",),
    "txt": None, "csv": None,
}


def check_upload(stream, filename: str | None) -> None:
    """Refuse files whose type is not allowed or whose content does not match the extension."""
    name = filename or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationFailed(f"不支持的附件类型 .{ext or '?'}（可上传：{'、'.join(sorted(ALLOWED))}）",
                               code="bad_file_type", fields={"file": ["不支持的附件类型"]})
    head = stream.read(16)
    stream.seek(0)
    if not head:
        raise ValidationFailed("附件是空文件", code="bad_file_type", fields={"file": ["附件是空文件"]})
    prefixes = ALLOWED[ext]
    if prefixes is None:
        if b"\x00" in head:
            raise ValidationFailed(f"文件内容与扩展名 .{ext} 不符", code="bad_file_type",
                                   fields={"file": ["文件内容与扩展名不符"]})
        return
    if not any(head.startswith(prefix) for prefix in prefixes):
        raise ValidationFailed(f"文件内容与扩展名 .{ext} 不符", code="bad_file_type",
                               fields={"file": ["文件内容与扩展名不符"]})
