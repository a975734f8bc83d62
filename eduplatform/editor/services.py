"""Store and find the editor's pictures (PNG, JPEG, GIF, WebP only; never SVG)."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.errors import AppError, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.inspect import UploadRefusals, inspect_upload
from eduplatform.editor.models import EditorImage

REALM = "editor"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp")
NOT_AN_IMAGE = "只能插入 PNG、JPEG、GIF 或 WebP 图片"
TOO_LARGE = f"图片不能超过 {MAX_IMAGE_BYTES // (1024 * 1024)} MB"
#: The picture's type is read from its first bytes, never from the name or the browser's claim.
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
          (b"GIF89a", "image/gif"))


class ImageRefusals(UploadRefusals):
    def missing(self) -> Exception:
        return ValidationFailed("请选择要插入的图片", fields={"file": ["请选择图片"]})

    def not_allowed(self, extension, allowed) -> Exception:
        return ValidationFailed(NOT_AN_IMAGE, fields={"file": ["不是图片"]}, code="not_an_image")

    def too_large(self, limit) -> Exception:
        return AppError(TOO_LARGE, code="too_large", status=413)

    def empty(self) -> Exception:
        return ValidationFailed(NOT_AN_IMAGE, fields={"file": ["文件为空"]}, code="not_an_image")


def image_type(head: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def store_image(actor, upload) -> EditorImage:
    """Inspect, store and register one picture of ``actor``'s; refuses anything not a raster image."""
    from eduplatform.core.storage.services import store_file

    inspected = inspect_upload(upload, allowed=IMAGE_EXTENSIONS, max_bytes=MAX_IMAGE_BYTES,
                               allow_empty=False, refusals=ImageRefusals())
    content_type = image_type(inspected.head)
    if content_type is None:
        raise ValidationFailed(NOT_AN_IMAGE, fields={"file": ["不是图片"]}, code="not_an_image")
    # A stream of unknown size meets the limit while it is written (413, worded by storage).
    stored = store_file(inspected.stream, prefix="editor-images", filename=inspected.filename,
                        content_type=content_type, actor=actor, max_size=MAX_IMAGE_BYTES)
    image = EditorImage(token=secrets.token_urlsafe(32), file_id=stored.id, owner_id=actor.id)
    db.session.add(image)
    db.session.flush()
    record(REALM, "image.uploaded", f"编辑器插入图片：{stored.filename}", actor=actor, obj=image,
           data={"file_id": stored.id, "size": stored.size})
    return image


def find_image(token: str) -> EditorImage | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(EditorImage).where(EditorImage.token == token))
