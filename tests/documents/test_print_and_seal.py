"""印制 then 用印: the GB/T 9704 PDF is sealed where its layout left room, and verifies."""

from __future__ import annotations

from datetime import date

import numpy as np
import pypdfium2 as pdfium
import pytest

from eduplatform.documents.layout import DocumentElements, render_pdf, seal_box
from eduplatform.documents.sealing import SealBox, seal_pdf, verify_pdf


@pytest.fixture(scope="module")
def notice() -> DocumentElements:
    return DocumentElements(
        发文机关标志="示范市教育局文件", 发文字号="示教发〔2026〕12号", 标题="示范市教育局关于开展中小学信息化应用检查的通知",
        主送机关="各区县教育局，市直属各学校", 正文=["为推进教育信息化，市教育局决定开展检查。"] * 6,
        发文机关署名="示范市教育局", 成文日期=date(2026, 12, 2), 抄送机关=["市政府办公室"], 印发机关="示范市教育局办公室",
        印发日期=date(2026, 12, 2))


def _red_share(pdf: bytes, box: SealBox) -> float:
    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    image = document[box.page_index].render(scale=1, may_draw_forms=True).to_pil().convert("RGB")
    left, bottom, right, top = box.points()
    pixels = np.asarray(image.crop((left, image.height - top, right, image.height - bottom)), dtype=int)
    return float(((pixels[..., 0] > 180) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)).mean())


def test_the_printed_notice_is_sealed_on_its_date_and_verifies(notice, credentials, roots, seal_png):
    printed = render_pdf(notice)
    box = SealBox.from_layout(seal_box(notice))
    assert _red_share(printed, box) == 0  # room left for the seal, nothing drawn there yet
    sealed = seal_pdf(printed, credentials=credentials, seal_png=seal_png, box=box)
    assert _red_share(sealed, box) > 0.05
    report = verify_pdf(sealed, roots)
    assert report.verdict == "valid" and report.signatures[0].signer == "示范市教育局"
    # the text layer is still the document's
    text = pdfium.PdfDocument(sealed)[box.page_index].get_textpage().get_text_range()
    assert "2026年12月2日" in text and "示范市教育局" in text
