"""Measure a stored file (Pillow, PyAV, pypdf, python-pptx/docx, zipfile): the properties a domain's
quality rules are checked against (the resource library's in ``resources/conformance.py``).

Probes read headers, not whole files, so they run during the upload, on a ``RangeReader`` over the
stored object. A property a probe cannot apply is left out (a rule shows "不适用"); one it could not
determine is ``None`` (a warning).
Properties: readable, width, height, min_side, colors, grey_levels, dpi, frames, fps, duration,
sample_rate, bit_depth, channels, encoding, page_count, has_entry.
"""

from __future__ import annotations

import logging
import warnings
import zipfile

log = logging.getLogger(__name__)

TEXT_SAMPLE = 256 * 1024
_GREY_MODES = {"1": 2, "L": 256, "LA": 256, "I;16": 65536, "I;16B": 65536, "I": 2**32}
_COLOUR_MODES = {"RGB", "RGBA", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"}


def probe(media: str, fileobj) -> dict:
    """Properties of the file (``media`` comes from the format vocabulary)."""
    handler = {"image": probe_image, "audio": probe_av, "video": probe_av, "pdf": probe_pdf,
               "office": probe_office, "legacy_office": probe_legacy_office, "text": probe_text,
               "html": probe_text, "archive": probe_archive}.get(media)
    if handler is None:
        return {"readable": True}
    try:
        fileobj.seek(0)
        return handler(fileobj)
    except Exception as exc:  # noqa: BLE001 - a broken file is a finding, not a server error
        log.info("probe of %s failed: %s", media, exc)
        return {"readable": False, "error": str(exc)[:200]}


def probe_image(fileobj) -> dict:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(fileobj) as image:
            if image.format != "GIF":
                image.verify()
    fileobj.seek(0)
    with Image.open(fileobj) as image:
        props: dict = {"readable": True, "width": image.width, "height": image.height,
                       "min_side": min(image.width, image.height), "mode": image.mode,
                       "frames": getattr(image, "n_frames", 1)}
        mode = image.mode
        if mode in _GREY_MODES:
            props["grey_levels"] = _GREY_MODES[mode]
        elif mode in ("P", "PA"):
            palette = image.getpalette() or []
            colors = len(palette) // 3
            props["colors"] = colors
        elif mode in _COLOUR_MODES:
            props["colors"] = 2 ** 24
        dpi = image.info.get("dpi")
        if dpi:
            props["dpi"] = round(float(dpi[0]))
        if props["frames"] > 1:
            duration = image.info.get("duration") or 0
            if duration:
                props["fps"] = round(1000 / duration, 2)
    return props


def probe_av(fileobj) -> dict:
    import av

    props: dict = {"readable": True}
    with av.open(fileobj, mode="r") as container:
        if container.duration:
            props["duration"] = round(container.duration / 1_000_000, 2)
        video = next(iter(container.streams.video), None)
        audio = next(iter(container.streams.audio), None)
        if video is None and audio is None:
            return {"readable": False, "error": "no audio or video stream"}
        if video is not None:
            ctx = video.codec_context
            props.update(width=ctx.width, height=ctx.height, min_side=min(ctx.width, ctx.height),
                         video_codec=ctx.name, colors=2 ** 24)
            rate = video.average_rate or video.guessed_rate
            props["fps"] = round(float(rate), 2) if rate else None
        if audio is not None:
            ctx = audio.codec_context
            props.update(sample_rate=ctx.sample_rate, channels=ctx.channels if hasattr(ctx, "channels")
                         else ctx.layout.nb_channels, audio_codec=ctx.name)
            if ctx.name.startswith("pcm_"):
                props["bit_depth"] = ctx.format.bits if ctx.format else None
    return props


def probe_pdf(fileobj) -> dict:
    from pypdf import PdfReader

    reader = PdfReader(fileobj)
    if reader.is_encrypted:
        return {"readable": False, "error": "encrypted PDF"}
    return {"readable": True, "page_count": len(reader.pages)}


def probe_office(fileobj) -> dict:
    with zipfile.ZipFile(fileobj) as archive:
        names = set(archive.namelist())
    fileobj.seek(0)
    props: dict = {"readable": True, "encoding": "utf-8"}  # OOXML parts are Unicode XML
    if "ppt/presentation.xml" in names:
        from pptx import Presentation

        props["page_count"] = len(Presentation(fileobj).slides)
    elif "word/document.xml" in names:
        from docx import Document

        doc = Document(fileobj)
        has_text = any(p.text.strip() for p in doc.paragraphs) or bool(doc.tables)
        props["page_count"] = 1 if has_text else 0
    elif "xl/workbook.xml" in names:
        props["page_count"] = sum(1 for n in names if n.startswith("xl/worksheets/sheet"))
    return props


def probe_legacy_office(fileobj) -> dict:
    head = fileobj.read(8)
    return {"readable": head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"}


def detect_encoding(data: bytes) -> str | None:
    """ascii / utf-8 / gb18030 (GB2312 and GBK are subsets), or None."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("ascii")
        return "ascii"
    except UnicodeDecodeError:
        pass
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 4:  # a character cut at the end of the sample
                return encoding
    return None


def probe_text(fileobj) -> dict:
    sample = fileobj.read(TEXT_SAMPLE)
    encoding = detect_encoding(sample)
    return {"readable": encoding is not None, "encoding": encoding if encoding else "unknown",
            "page_count": 1 if sample.strip() else 0}


def probe_archive(fileobj) -> dict:
    with zipfile.ZipFile(fileobj) as archive:
        names = archive.namelist()
    entries = {n.rsplit("/", 1)[-1].lower() for n in names if n.count("/") <= 1}
    return {"readable": True, "has_entry": bool(entries & {"index.html", "index.htm", "imsmanifest.xml"}),
            "page_count": len(names)}
