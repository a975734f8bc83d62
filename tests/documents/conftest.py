"""Shared by the documents tests: a self-made root, a unit certificate issued by it, and a PDF made by
another program (Pillow)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from eduplatform.documents.sealing import certificates, demo_seal, issue_unit_certificate, make_ca, store_unit

UNIT = "示范市教育局"


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """(trust-roots dir, store dir, other root) — the other root signs nothing of ours."""
    base = tmp_path_factory.mktemp("pki")
    ca_key, ca = make_ca("示范市教育局电子公文根证书（测试）")
    key, cert = issue_unit_certificate(ca_key, ca, UNIT, bureau=UNIT)
    store_unit(base / "store", "city", key, cert, [ca], password="测试口令")
    (base / "roots").mkdir()
    certificates.write_pem_certificates(base / "roots" / "ca.pem", ca)
    _, other = make_ca("别处的根证书")
    (base / "other").mkdir()
    certificates.write_pem_certificates(base / "other" / "ca.pem", other)
    return base


@pytest.fixture(scope="session")
def credentials(pki):
    return certificates.load_unit(pki / "store", "city", password="测试口令")


@pytest.fixture(scope="session")
def roots(pki):
    return certificates.load_trust_roots(pki / "roots")


@pytest.fixture(scope="session")
def plain_pdf() -> bytes:
    """An A4 page (595 × 842 pt) with black strokes, written by Pillow's PDF writer."""
    page = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(page)
    for y in range(120, 700, 30):
        draw.line((80, y, 515, y), fill="black", width=2)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=72)
    return out.getvalue()


@pytest.fixture(scope="session")
def seal_png() -> bytes:
    return demo_seal(UNIT)
