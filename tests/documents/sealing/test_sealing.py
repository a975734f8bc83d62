"""用印 and its verification: a sealed PDF verifies; any change after sealing is named."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from pyhanko.pdf_utils.generic import TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from eduplatform.core.errors import ValidationFailed
from eduplatform.documents.sealing import SealBox, certificates, seal_pdf, verify_pdf
from eduplatform.documents.sealing.sign import MM

BOX = SealBox(page_index=0, left_mm=120, bottom_mm=60, width_mm=42, height_mm=42)


@pytest.fixture(scope="module")
def sealed(plain_pdf, credentials, seal_png) -> bytes:
    return seal_pdf(plain_pdf, credentials=credentials, seal_png=seal_png, box=BOX)


def test_a_sealed_pdf_is_valid_intact_and_trusted(sealed, roots):
    report = verify_pdf(sealed, roots)
    assert report.verdict == "valid" and report.is_valid
    (check,) = report.signatures
    assert check.signer == "示范市教育局"
    assert check.intact and check.valid and check.trusted and check.entire_file
    assert check.signed_at is not None and check.signed_at.utcoffset().total_seconds() == 8 * 3600
    # the two ranges cover everything but the signature's own /Contents hole
    (a0, a1), (b0, b1) = check.covered
    assert a0 == 0 and b1 == len(sealed) and a1 < b0


def test_one_flipped_byte_inside_the_signed_range_is_modified(sealed, roots):
    report = verify_pdf(sealed, roots)
    inside = report.signatures[0].covered[0][1] // 2
    tampered = bytearray(sealed)
    tampered[inside] ^= 0x01
    report = verify_pdf(bytes(tampered), roots)
    assert report.verdict == "modified"
    assert not report.signatures[0].intact
    assert "签名后被改动" in report.signatures[0].explanation
    assert report.label == "签名后被修改"


def test_an_update_appended_after_sealing_is_modified(sealed, roots):
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed), strict=False)
    writer.root["/Lang"] = TextStringObject("zh-CN")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    changed = out.getvalue()
    report = verify_pdf(changed, roots)
    assert report.verdict == "modified"
    check = report.signatures[0]
    assert check.intact and not check.entire_file  # the sealed revision itself is untouched
    assert f"追加了 {len(changed) - len(sealed)} 字节" in check.later_changes


def test_a_root_we_do_not_trust_is_named(sealed, pki):
    report = verify_pdf(sealed, certificates.load_trust_roots(pki / "other"))
    assert report.verdict == "untrusted"
    assert report.signatures[0].intact and not report.signatures[0].trusted


def test_unsigned_and_unreadable(plain_pdf, roots):
    assert verify_pdf(plain_pdf, roots).verdict == "unsigned"
    assert verify_pdf(b"%PDF-1.7 not really", roots).verdict == "unreadable"


def _red_share(pdf: bytes, box: SealBox) -> float:
    document = pdfium.PdfDocument(pdf)
    document.init_forms()  # the seal is the signature field's appearance
    image = document[box.page_index].render(scale=1, may_draw_forms=True).to_pil().convert("RGB")
    left, bottom, right, top = box.points()
    height = image.height
    region = image.crop((left, height - top, right, height - bottom))
    pixels = np.asarray(region, dtype=int)
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)
    return float(red.mean())


def test_the_seal_is_drawn_in_its_box_and_nowhere_else(sealed, plain_pdf):
    assert _red_share(sealed, BOX) > 0.05
    assert _red_share(plain_pdf, BOX) == 0
    elsewhere = SealBox(0, 20, 200, 42, 42)
    assert _red_share(sealed, elsewhere) == 0


def test_the_box_is_in_millimetres_from_the_lower_left():
    assert BOX.points() == (round(120 * MM), round(60 * MM), round(162 * MM), round(102 * MM))


def test_a_seal_without_transparency_is_refused(plain_pdf, credentials):
    opaque = io.BytesIO()
    Image.new("RGB", (100, 100), "red").save(opaque, "PNG")
    with pytest.raises(ValidationFailed, match="透明背景"):
        seal_pdf(plain_pdf, credentials=credentials, seal_png=opaque.getvalue(), box=BOX)


def test_a_page_the_document_does_not_have_is_refused(plain_pdf, credentials, seal_png):
    with pytest.raises(ValidationFailed, match="超出了公文的页数"):
        seal_pdf(plain_pdf, credentials=credentials, seal_png=seal_png, box=SealBox(3, 120, 60))


def test_a_wrong_key_password_is_a_chinese_refusal(pki):
    with pytest.raises(ValidationFailed, match="口令不对"):
        certificates.load_unit(pki / "store", "city", password="错的")
    with pytest.raises(ValidationFailed, match="没有签章证书"):
        certificates.load_unit(pki / "store", "nobody")


def test_sealing_and_verifying_work_inside_a_running_event_loop(plain_pdf, credentials, seal_png, roots):
    """An async server (or a browser test's loop) has a loop running in the thread: pyHanko's own
    asyncio.run would refuse to start there. The loop runs on a thread of the test's own, so the test
    works whether or not this thread already has one (the browser tests leave Playwright's)."""
    import asyncio
    import threading

    async def inside():
        sealed = seal_pdf(plain_pdf, credentials=credentials, seal_png=seal_png, box=BOX)
        return verify_pdf(sealed, roots).verdict

    verdicts = []
    worker = threading.Thread(target=lambda: verdicts.append(asyncio.run(inside())))
    worker.start()
    worker.join()
    assert verdicts == ["valid"]
