"""公文 PDF layout time: a 10-page GB/T 9704 document against reportlab drawing the same text.

    python bench/bench_documents_layout.py [--pages 10] [--runs 7]

* platform: ``documents.layout.render_pdf`` — 版头, title, grid measuring, line breaking with
  避头尾, justification, signature and seal box, 版记, page numbers, TrueType subsetting.
* reference, in the same run: reportlab's canvas drawing the same characters with the same fonts
  in fixed 28-character slices, 22 a page — no layout logic at all (no measuring, no breaking, no
  版头 or 版记). The ratio is the cost of the layout on top of reportlab's own drawing.

Both warm up once (the font files are parsed then) and report the median of ``--runs``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pypdf import PdfReader
from reportlab.pdfgen import canvas

from eduplatform.documents.layout import DocumentElements, FontSet, render_pdf

MM = 72 / 25.4
PARAGRAPH = ("为深入贯彻落实全市教育工作会议精神，进一步加强县区中小学校教育装备管理，"
             "提高装备使用效益，经研究，决定在全市范围内开展教育装备检查工作。现将有关事项通知如下：")


def elements(paragraphs: int) -> DocumentElements:
    return DocumentElements(
        份号="1", 密级和保密期限="秘密★1年", 紧急程度="特急", 发文机关标志="示范市教育局文件",
        发文字号="示教发〔2026〕12号", 标题="关于开展2026年全市中小学教育装备检查工作的通知",
        主送机关="各区县教育局，市直属各学校", 正文=[PARAGRAPH] * paragraphs, 附件说明=["检查内容", "日程安排"],
        发文机关署名="示范市教育局", 成文日期=date(2026, 12, 2), 附注="此件公开发布",
        抄送机关=["市政府办公室", "省教育厅"], 印发机关="示范市教育局办公室", 印发日期=date(2026, 12, 3),
    )


def reference(el: DocumentElements, fonts: FontSet) -> bytes:
    """The same text drawn by reportlab in fixed slices: 28 characters a line, 22 lines a page."""
    text = "".join(el.正文)
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(210 * MM, 297 * MM), pageCompression=1)
    name = fonts.name("fangsong")
    lines = [text[i:i + 28] for i in range(0, len(text), 28)]
    for start in range(0, len(lines), 22):
        for n, line in enumerate(lines[start:start + 22]):
            c.setFont(name, 16)
            c.drawString(28 * MM, (297 - 37 - 5 - n * 225 / 22) * MM, line)
        c.showPage()
    c.save()
    return out.getvalue()


def median_seconds(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    fonts = FontSet.from_config()
    paragraphs = 1
    while len(PdfReader(io.BytesIO(render_pdf(elements(paragraphs), fonts))).pages) < args.pages:
        paragraphs += 1
    el = elements(paragraphs)
    pdf = render_pdf(el, fonts)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    ref_pdf = reference(el, fonts)
    ref_pages = len(PdfReader(io.BytesIO(ref_pdf)).pages)
    platform = median_seconds(lambda: render_pdf(el, fonts), args.runs)
    plain = median_seconds(lambda: reference(el, fonts), args.runs)
    chars = sum(len(p) for p in el.正文)
    print(f"document: {pages} pages, {paragraphs} paragraphs, {chars} body characters, {len(pdf) // 1024} KiB")
    print(f"render_pdf (GB/T 9704 layout)           {platform * 1000:8.1f} ms  (median of {args.runs})")
    print(f"reference: reportlab, same text, no layout {plain * 1000:8.1f} ms  ({ref_pages} pages, "
          f"{len(ref_pdf) // 1024} KiB)")
    print(f"ratio layout / reference                  {platform / plain:8.2f} ×")


if __name__ == "__main__":
    main()
