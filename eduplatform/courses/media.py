"""Files of media and document lessons: upload checks (extension + magic bytes), duration probing with
PyAV and office previews.

A lesson's file is either a resource of the resource library (``Lesson.resource_id``) or a file uploaded
for the lesson (``Lesson.file_id``, a ``StoredFile``); both are served through the same route with
``StoredFile.send`` (Range → 206, so players can seek).
"""

from __future__ import annotations

import html
import io
import logging

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import (
    ArchiveLimits,
    UploadRefusals,
    inspect_bytes,
    inspect_upload,
    is_zip,
)
from eduplatform.courses.models import LessonKind

log = logging.getLogger(__name__)

#: Extensions per lesson kind → content type. Browsers play WebM/Ogg everywhere; MP4 where H.264 exists.
EXTENSIONS = {
    LessonKind.VIDEO: {"webm": "video/webm", "mp4": "video/mp4", "m4v": "video/mp4", "ogv": "video/ogg"},
    LessonKind.AUDIO: {"mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg", "oga": "audio/ogg",
                       "opus": "audio/ogg", "wav": "audio/wav", "weba": "audio/webm", "webm": "audio/webm"},
    LessonKind.DOCUMENT: {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "txt": "text/plain",
    },
}
MAX_PREVIEW_CHARS = 200_000
MAX_OFFICE_UNZIPPED = 200 * 1024 * 1024


def _magic_ok(ext: str, head: bytes) -> bool:
    if ext in ("webm", "weba"):
        return head[:4] == b"\x1a\x45\xdf\xa3"
    if ext in ("mp4", "m4v", "m4a"):
        return head[4:8] == b"ftyp"
    if ext in ("ogv", "ogg", "oga", "opus"):
        return head[:4] == b"OggS"
    if ext == "mp3":
        return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if ext == "wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if ext == "pdf":
        return head[:5] == b"%PDF-"
    if ext in ("docx", "pptx", "xlsx"):
        return head[:4] == b"PK\x03\x04"
    if ext == "txt":
        return b"\x00" not in head
    return False


class LessonFileRefusals(UploadRefusals):
    def __init__(self, kind: LessonKind):
        self.kind = kind

    def missing(self) -> Exception:
        return ValidationFailed("请选择要上传的文件", fields={"file": ["请选择文件"]})

    def not_allowed(self, extension, allowed) -> Exception:
        return ValidationFailed(f"{self.kind.label}课时只接受以下格式：{'、'.join(sorted(allowed))}",
                                fields={"file": ["文件格式不支持"]})


def check_upload(kind: LessonKind, upload) -> tuple[str, str]:
    """(extension, content type) of an acceptable upload for ``kind``; a clear refusal otherwise."""
    allowed = EXTENSIONS.get(kind, {})
    inspected = inspect_upload(upload, filename=(getattr(upload, "filename", "") or "").strip(), allowed=allowed,
                               refusals=LessonFileRefusals(kind))
    # Players need more than the platform's rule: e.g. an .ogv must really be Ogg.
    if not _magic_ok(inspected.extension, inspected.head[:64]):
        raise ValidationFailed(f"文件内容与扩展名 .{inspected.extension} 不符（可能已损坏或改过扩展名）",
                               fields={"file": ["文件内容不符"]})
    return inspected.extension, allowed[inspected.extension]


def probe_duration(stream) -> float | None:
    """Seconds of audio/video, read with PyAV from a seekable stream (rewound afterwards)."""
    try:
        import av

        stream.seek(0)
        with av.open(stream, mode="r") as container:
            if container.duration:
                return round(container.duration / 1_000_000, 2)
            for s in container.streams:
                if s.duration and s.time_base:
                    return round(float(s.duration * s.time_base), 2)
    except Exception as exc:  # noqa: BLE001 - any decoder error means "unknown"
        log.info("media probe failed: %s", exc)
    finally:
        stream.seek(0)
    return None


# --- office previews --------------------------------------------------------------------------

def office_preview(ext: str, stream) -> str | None:
    """Escaped HTML showing the text of a docx/pptx/xlsx/txt (None for PDF, which the browser shows)."""
    try:
        stream.seek(0)
        data = stream.read()
        stream.seek(0)
        if ext == "txt":
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    text = data.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                return None
            return "".join(f"<p>{html.escape(line)}</p>" for line in text[:MAX_PREVIEW_CHARS].splitlines())
        if ext in ("docx", "pptx", "xlsx"):
            if is_zip(data[:4]):  # not a zip at all: the reader below says it cannot read it
                inspect_bytes(data, what="文档", limits=ArchiveLimits.from_config(max_expanded_bytes=MAX_OFFICE_UNZIPPED))
            return {"docx": _docx, "pptx": _pptx, "xlsx": _xlsx}[ext](data)
    except ValidationFailed:
        raise
    except Exception as exc:
        raise ValidationFailed(f"文档无法读取（已损坏或不是有效的 .{ext} 文件）", fields={"file": ["文件无法读取"]}) \
            from exc
    return None


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        tag = "h4" if (paragraph.style is not None and paragraph.style.name.lower().startswith(("heading", "标题"))) \
            else "p"
        parts.append(f"<{tag}>{html.escape(text)}</{tag}>")
    for table in document.tables:
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(c.text)}</td>" for c in row.cells) + "</tr>"
                       for row in table.rows)
        parts.append(f'<table class="table table-sm table-bordered">{rows}</table>')
    return "".join(parts)[:MAX_PREVIEW_CHARS]


def _pptx(data: bytes) -> str:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    parts = []
    for number, slide in enumerate(deck.slides, start=1):
        texts = [shape.text_frame.text.strip() for shape in slide.shapes
                 if shape.has_text_frame and shape.text_frame.text.strip()]
        body = "".join(f"<p>{html.escape(t)}</p>" for t in texts)
        parts.append(f'<section class="slide border rounded p-3 mb-2"><h5>第 {number} 页</h5>{body}</section>')
    return "".join(parts)[:MAX_PREVIEW_CHARS]


def _xlsx(data: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    parts = []
    try:
        for sheet in workbook.worksheets[:5]:
            rows = []
            for row in sheet.iter_rows(values_only=True, max_row=200):
                rows.append("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>"
                                             for v in row[:30]) + "</tr>")
            parts.append(f'<h5>{html.escape(sheet.title)}</h5><table class="table table-sm table-bordered">'
                         f'{"".join(rows)}</table>')
    finally:
        workbook.close()
    return "".join(parts)[:MAX_PREVIEW_CHARS]


def lesson_file(lesson):
    """The StoredFile a media/document lesson plays: its resource's current file, or its own upload."""
    if lesson.resource_id is not None:
        from eduplatform.courses import resources_link

        stored = resources_link.stored_file_of(lesson.resource_id)
        if stored is not None:
            return stored
    return lesson.file


def document_preview(lesson) -> str | None:
    """The HTML preview of a document lesson: made at upload, or the resource's extracted text."""
    if lesson.preview_html:
        return lesson.preview_html
    if lesson.resource_id is not None:
        from eduplatform.courses import resources_link

        resource = resources_link.get_resource(lesson.resource_id)
        return resources_link.preview_of(resource) if resource is not None else None
    return None


def page_previews(lesson) -> tuple[list[dict], int | None]:
    """The page images (a video: the poster) of what the lesson plays: the library resource's, or those
    the worker made of the lesson's own file (``lesson_previews``) — the same viewer either way."""
    if lesson.resource_id is None:
        return list(lesson.preview_pages or []), lesson.page_count
    from eduplatform.courses import resources_link

    return resources_link.page_previews_of(lesson.resource_id)


def page_image(lesson, number: int):
    """The StoredFile of page ``number`` of the lesson's preview (None when there is none)."""
    if lesson.resource_id is None:
        from eduplatform.core.storage.page_images import page_file

        return page_file(lesson.preview_pages, number)
    from eduplatform.courses import resources_link

    return resources_link.page_image_of(lesson.resource_id, number)


def thumbnail(lesson):
    """The StoredFile of the lesson's thumbnail (its resource's, or its own file's first page / poster)."""
    if lesson.resource_id is None:
        return lesson.thumbnail
    from eduplatform.courses import resources_link

    return resources_link.thumbnail_of(lesson.resource_id)
