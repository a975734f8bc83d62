"""Render a PDF's pages to images — run as a separate, fenced process (``preview.render_pdf_fenced``).

Usage: ``python -I pdf_render.py PDF OUTDIR MAX_PAGES WIDTH MAX_HEIGHT THUMB_WIDTH``. Writes
``page-<n>.webp`` per page, ``thumb.jpg`` (page 1) and ``pages.json`` (``{"count", "pages": [[w, h] …]}``)
into OUTDIR. It imports nothing of the platform: it is started by path, in isolated mode, with a memory
limit of its own, so a hostile PDF that loops or explodes in pdfium takes down only this process (the
caller's timeout kills it), never the worker.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

#: Address space for pdfium and the bitmaps (a 1280 × 5120 RGBA page is 26 MB).
MEMORY_LIMIT = 1536 * 1024 * 1024


def main(argv: list[str]) -> int:
    source, outdir, max_pages, width, max_height, thumb_width = argv
    max_pages, width, max_height, thumb_width = int(max_pages), int(width), int(max_height), int(thumb_width)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ValueError, OSError):  # pragma: no cover - a lower hard limit is already in place
        pass
    import pypdfium2 as pdfium

    out = Path(outdir)
    try:
        pdf = pdfium.PdfDocument(source)
    except Exception as exc:  # noqa: BLE001 - reported to the caller on stderr
        print(f"unreadable: {exc}"[:300], file=sys.stderr)
        return 3
    sizes = []
    try:
        count = len(pdf)
        for index in range(min(count, max_pages)):
            page = pdf[index]
            try:
                # A very tall page (a long sheet printed on one page) is scaled to fit, never a huge bitmap.
                scale = min(width / (page.get_width() or 1), max_height / (page.get_height() or 1))
                image = page.render(scale=scale).to_pil().convert("RGB")
            finally:
                page.close()
            image.save(out / f"page-{index + 1}.webp", "WEBP", quality=80, method=4)
            sizes.append([image.width, image.height])
            if index == 0:
                thumb = image.copy()
                thumb.thumbnail((thumb_width, int(thumb_width * 1.5)))
                thumb.save(out / "thumb.jpg", "JPEG", quality=82)
    finally:
        pdf.close()
    (out / "pages.json").write_text(json.dumps({"count": count, "pages": sizes}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
