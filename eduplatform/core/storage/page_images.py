"""Page images and posters of a stored file, stored in turn — the one mechanism the resource library's
versions and a course lesson's own uploaded file both use.

:func:`make_page_images` runs the fenced conversion of ``preview`` for a file on disk and stores what
it made (``previews/…`` WebP pages or the JPEG poster); the caller keeps the returned list
(``[{file, width, height[, second]}]``), the page count and the thumbnail on its own row and hands the
old list to :func:`remove_page_images` once the new one is in place. Worker only: never in a request.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eduplatform.core.extensions import db
from eduplatform.core.storage import preview
from eduplatform.core.storage.models import StoredFile
from eduplatform.core.storage.services import delete_file, store_file

#: What is made of a file: page images (a PDF, an office document) or a poster frame (a video).
PAGED = ("pdf",) + preview.OFFICE_EXTENSIONS
POSTER = ("mp4", "webm", "ogv", "mov", "m4v", "mkv", "avi")


@dataclass
class PageImages:
    pages: list[dict]  #: ``[{"file": stored id, "width", "height"}]`` (a poster also has ``second``)
    page_count: int | None  #: pages of the document (None for a poster)
    thumbnail: bytes | None  #: JPEG, ``preview.THUMB_WIDTH`` wide
    text: str | None = None  #: what ``pdf_text`` read from the converted PDF of an office file


def kind_of(extension: str, *, video: bool = False) -> str | None:
    """``"pages"``, ``"poster"`` or None (nothing to make) for a file of this extension."""
    extension = extension.lower().lstrip(".")
    if extension in PAGED:
        return "pages"
    if video or extension in POSTER:
        return "poster"
    return None


def make_page_images(path: Path, *, extension: str, name: str, timeout: float,
                     max_pages: int = preview.DEFAULT_MAX_PAGES, video: bool = False,
                     pdf_text: Callable | None = None) -> PageImages:
    """Convert (fenced, with ``timeout``) and store the images; raises ``preview.PreviewError``.

    ``name`` goes into the stored files' names (``page-<name>-<n>.webp``); ``pdf_text``, when given, is
    called with the converted PDF of an office file (open, binary) and its answer returned as ``text``."""
    extension = extension.lower().lstrip(".")
    kind = kind_of(extension, video=video)
    if kind == "poster":
        from PIL import Image

        data, width, height, second = preview.video_poster(path, timeout=timeout)
        stored = store_file(io.BytesIO(data), prefix="previews", filename=f"poster-{name}.jpg",
                            content_type="image/jpeg", actor=None)
        with Image.open(io.BytesIO(data)) as image:
            thumbnail = preview.jpeg_thumbnail(image)
        return PageImages([{"file": stored.id, "width": width, "height": height, "second": second}], None, thumbnail)
    if kind is None:
        raise preview.PreviewError(f"不支持为 .{extension} 文件生成页面预览", "extension")
    text = None
    if extension == "pdf":
        rendered = preview.pdf_pages(path, timeout=timeout, max_pages=max_pages)
    else:
        rendered, pdf, workdir = preview.office_pages(path, extension=extension, timeout=timeout, max_pages=max_pages)
        try:
            if pdf_text is not None:
                with open(pdf, "rb") as converted:
                    text = pdf_text(converted)
        finally:
            workdir.cleanup()
    pages = []
    for page in rendered.pages:
        stored = store_file(io.BytesIO(page.data), prefix="previews", filename=f"page-{name}-{page.number}.webp",
                            content_type="image/webp", actor=None)
        pages.append({"file": stored.id, "width": page.width, "height": page.height})
    return PageImages(pages, rendered.page_count, rendered.thumbnail, text)


def remove_page_images(pages: list[dict] | None) -> None:
    """Delete the stored images of an old list (after the row points at the new one)."""
    for page in pages or []:
        stored = db.session.get(StoredFile, page["file"])
        if stored is not None:
            delete_file(stored)


def page_file(pages: list[dict] | None, number: int):
    """The StoredFile of page ``number`` (1-based) of a list, or None."""
    pages = pages or []
    if not 1 <= number <= len(pages):
        return None
    return db.session.get(StoredFile, pages[number - 1]["file"])
