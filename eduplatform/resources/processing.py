"""The heavy part of an upload: text extraction (PDF, DOCX, PPTX, XLSX, TXT, HTML), thumbnails and
previews (office pages as images, a video's poster frame).

It runs after the upload's commit, so the upload answers fast and a resource is never searchable
before its row and its object both exist. ``RESOURCES_PROCESSING`` chooses where:

* ``inline`` (development, tests, small installations): the view processes the new version right
  after its commit, in the same request;
* ``worker`` (production default): the upload returns at once and a ``resources.process_version`` job
  (``core.jobs``, run by ``flask jobs worker``) processes the version; the periodic ``resources.sweep``
  job picks pending versions no job was queued for, in id order, commits each one, and also
  refreshes search entries whose counters changed (downloads).

Either way the same :func:`process_version` runs, so tests drive it deterministically.

Previews (``RESOURCES_PREVIEWS``, on unless testing) run external programs — LibreOffice for DOCX,
PPTX, XLSX, DOC and PPT (→ PDF → page images, and the text of DOC/PPT from that PDF), pdfium in a
process of its own for a PDF's pages, ffmpeg for a video's poster — so they are made by the worker only, never in a request: in ``inline`` mode the
request does the quick part and queues the version's job for the preview.
A conversion that fails (corrupt file, timeout) marks the version ``failed`` with a Chinese reason
its owner sees on the resource's page; the text and thumbnail already made stay.
"""

from __future__ import annotations

import io
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.storage import page_images, preview
from eduplatform.core.storage.probe import detect_encoding
from eduplatform.core.storage.registry import get_storage
from eduplatform.core.storage.services import delete_file, store_file
from eduplatform.core.storage.streams import local_copy
from eduplatform.core.text.office import docx_paragraphs
from eduplatform.resources.models import ProcessingState, Resource, ResourceVersion
from eduplatform.resources.specs import get_specs

log = logging.getLogger(__name__)

#: Extracted text kept per version (and indexed): enough for any courseware, bounded for the index.
MAX_TEXT_CHARS = 200_000
MAX_PDF_PAGES = 300
THUMBNAIL_SIZE = (320, 320)
#: Pages of extracted text are separated by a form feed (the preview shows them one by one).
PAGE_BREAK = "\f"
#: Media whose preview needs the worker: office documents (LibreOffice), PDFs (pdfium, fenced) and
#: videos (ffmpeg).
CONVERTED_MEDIA = ("office", "legacy_office", "pdf")
POSTER_MEDIA = ("video",)


def processing_mode() -> str:
    return current_app.config.get("RESOURCES_PROCESSING", "inline")


def previews_enabled() -> bool:
    return bool(current_app.config.get("RESOURCES_PREVIEWS", True))


def media_of(fmt: str) -> str:
    term = get_specs().format_term(fmt)
    return term.attrs.get("media", "") if term else ""


def needs_worker(version: ResourceVersion) -> bool:
    """The version's preview runs an external program (made by the worker only)."""
    return previews_enabled() and media_of(version.format) in CONVERTED_MEDIA + POSTER_MEDIA


def process_after_commit(resource: Resource) -> None:
    """In ``inline`` mode do the quick part now; whatever is left (the preview; in ``worker`` mode
    everything) is queued as a job for the workers. The upload's request calls this after its own
    commit, so what it stores is its own unit of work and a failure here never loses the upload."""
    version = resource.version
    if version is None:
        return
    if processing_mode() == "inline":
        process_version(version, previews=False)
    if version.processing_state == ProcessingState.PENDING:
        queue_processing(version)
    db.session.commit()


#: the job that processes one version (registered in resources/jobs.py)
PROCESS_JOB = "resources.process_version"


def queue_processing(version: ResourceVersion) -> None:
    """Queue the processing of a pending version (sent after the caller's commit; once per version)."""
    from eduplatform.core.jobs import enqueue

    enqueue(PROCESS_JOB, dedupe_key=f"resource_version:{version.id}", version_id=version.id)


def process_version(version: ResourceVersion, *, previews: bool = True) -> None:
    """Extract text, make a thumbnail and (``previews``) the preview; mark the version done or failed
    (never raises). Without ``previews`` a version that needs one stays pending for the worker."""
    media = media_of(version.format)
    stored = version.file
    try:
        with local_copy(get_storage(), stored.key) as tmp:
            text = extract_text(media, version.format, tmp)
            tmp.seek(0)
            # With previews on, a PDF's thumbnail is page 1 of its fenced rendering (the worker's).
            thumbnail = None if media == "pdf" and needs_worker(version) else make_thumbnail(media, tmp)
        version.extracted_text = clean_text(text)
        if thumbnail:
            _set_thumbnail(version, thumbnail)
        version.processing_state = ProcessingState.DONE
        version.processing_error = None
    except Exception as exc:  # noqa: BLE001 - a file we cannot read is recorded, not fatal
        log.warning("processing resource version %s failed: %s", version.id, exc)
        version.processing_state = ProcessingState.FAILED
        version.processing_error = f"文件无法读取，未能提取文字或生成缩略图（{type(exc).__name__}）"
    if version.processing_state == ProcessingState.DONE and needs_worker(version):
        if previews:
            make_previews(version, media)
        else:
            version.processing_state = ProcessingState.PENDING  # the worker makes the preview
    # Touch the resource so the after-commit hook reindexes it with the extracted text.
    version.resource.updated_at = utcnow()
    db.session.flush()


def make_previews(version: ResourceVersion, media: str) -> None:
    """Page images (PDF, office; the text of DOC/PPT) or a video's poster, through the one mechanism
    ``core.storage.page_images``; a failure marks the version failed."""
    config = current_app.config
    try:
        with local_copy(get_storage(), version.file.key) as tmp:
            made = page_images.make_page_images(
                Path(tmp.name), extension=version.format, name=str(version.id), video=media in POSTER_MEDIA,
                timeout=float(config.get("RESOURCES_CONVERT_TIMEOUT", 120)),
                max_pages=int(config.get("RESOURCES_PREVIEW_MAX_PAGES", preview.DEFAULT_MAX_PAGES)),
                # python-docx/pptx cannot read DOC/PPT: their text comes from the converted PDF
                pdf_text=_pdf_text if media == "legacy_office" else None)
    except preview.PreviewError as exc:
        log.warning("preview of resource version %s failed: %s (%s)", version.id, exc.reason, exc.detail)
        version.processing_state = ProcessingState.FAILED
        version.processing_error = exc.reason[:500]
        return
    except Exception as exc:
        log.exception("preview of resource version %s failed", version.id)
        version.processing_state = ProcessingState.FAILED
        version.processing_error = f"未能生成预览（{type(exc).__name__}）"
        return
    if made.text is not None:
        version.extracted_text = clean_text(made.text)
    old = version.preview_pages
    version.preview_pages = made.pages
    version.page_count = made.page_count
    db.session.flush()
    page_images.remove_page_images(old)
    if made.thumbnail:
        _set_thumbnail(version, made.thumbnail)


def _set_thumbnail(version: ResourceVersion, data: bytes) -> None:
    old = version.thumbnail
    thumb = store_file(io.BytesIO(data), prefix="thumbs", filename=f"thumb-{version.id}.jpg",
                       content_type="image/jpeg", actor=None)
    version.thumbnail = thumb
    db.session.flush()  # the version points at the new one before the old row goes
    if old is not None:
        delete_file(old)


def pending_versions(limit: int = 50) -> list[ResourceVersion]:
    return list(db.session.scalars(sa.select(ResourceVersion)
                                   .where(ResourceVersion.processing_state == ProcessingState.PENDING)
                                   .order_by(ResourceVersion.id).limit(limit)))


def refresh_stale(limit: int = 500) -> int:
    """Reindex resources whose counters changed without a reindex (downloads)."""
    stale = list(db.session.scalars(sa.select(Resource).where(Resource.index_stale.is_(True))
                                    .order_by(Resource.id).limit(limit)))
    for resource in stale:
        resource.index_stale = False
    db.session.flush()
    return len(stale)


# -- text ----------------------------------------------------------------------------------------

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str | None) -> str:
    """Extracted text as the database can store it: bounded, without NULs and lone surrogates (a PDF's
    broken ToUnicode map yields those; PostgreSQL and the UTF-8 encoder refuse them)."""
    return _UNSTORABLE.sub("", (text or "")[:MAX_TEXT_CHARS])


def extract_text(media: str, fmt: str, fileobj) -> str:
    if media == "pdf":
        return _pdf_text(fileobj)
    if fmt == "pptx":
        return _pptx_text(fileobj)
    if fmt == "docx":
        return _docx_text(fileobj)
    if fmt == "xlsx":
        return _xlsx_text(fileobj)
    if media in ("text", "html"):
        data = fileobj.read(MAX_TEXT_CHARS * 4)
        encoding = detect_encoding(data) or "utf-8"
        text = data.decode("utf-8-sig" if encoding in ("ascii", "utf-8") else encoding, errors="replace")
        return html_to_text(text) if media == "html" else text
    return ""


def _pdf_text(fileobj) -> str:
    from pypdf import PdfReader

    reader = PdfReader(fileobj)
    pages = []
    for page in reader.pages[:MAX_PDF_PAGES]:
        pages.append((page.extract_text() or "").strip())
    return PAGE_BREAK.join(pages)


def _pptx_text(fileobj) -> str:
    from pptx import Presentation

    slides = []
    for slide in Presentation(fileobj).slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    parts.append(" ".join(cell.text for cell in row.cells))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            parts.append(slide.notes_slide.notes_text_frame.text)
        slides.append("\n".join(p.strip() for p in parts if p and p.strip()))
    return PAGE_BREAK.join(slides)


def _docx_text(fileobj) -> str:
    return "\n".join(docx_paragraphs(fileobj))


def _xlsx_text(fileobj) -> str:
    from openpyxl import load_workbook

    book = load_workbook(fileobj, read_only=True, data_only=True)
    sheets = []
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True, max_row=2000):
            cells = [str(v) for v in row if v is not None]
            if cells:
                rows.append(" ".join(cells))
        sheets.append("\n".join(rows))
    book.close()
    return PAGE_BREAK.join(sheets)


class _TextParser(HTMLParser):
    SKIP = frozenset({"script", "style", "noscript", "template"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def html_to_text(markup: str) -> str:
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return "\n".join(parser.parts)


# -- thumbnails ----------------------------------------------------------------------------------

def make_thumbnail(media: str, fileobj) -> bytes | None:
    from PIL import Image

    image = None
    if media == "image":
        image = Image.open(fileobj)
        image.seek(0)
    elif media == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(fileobj.name)
        try:
            if len(pdf) == 0:
                return None
            page = pdf[0]
            width = page.get_width() or 1
            image = page.render(scale=THUMBNAIL_SIZE[0] / width * 1.5).to_pil()
        finally:
            pdf.close()
    elif media == "video":
        import av

        with av.open(fileobj.name) as container:
            stream = next(iter(container.streams.video), None)
            if stream is None:
                return None
            for frame in container.decode(stream):
                image = frame.to_image()
                break
    if image is None:
        return None
    image = image.convert("RGB")
    image.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()
