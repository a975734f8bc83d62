"""Fixtures for the resource library: sample files made on the fly, uploads, review shortcuts.

``backend`` runs a test on both storage backends: the file system and MinIO (moto's S3 server
through the real ``minio`` SDK, from ``tests/fixtures/storage.py``).
"""

from __future__ import annotations

import functools
import io
import math
import struct
import wave
import zipfile

import pytest

from eduplatform.core.extensions import db
from eduplatform.resources import review
from eduplatform.resources.models import Resource

# -- sample files --------------------------------------------------------------------------------

def make_pptx(*slides: str) -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for text in slides or ("二次函数的图像与性质",):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        title, _, body = text.partition("|")
        slide.shapes.title.text = title
        slide.placeholders[1].text = body or title
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def make_docx(*paragraphs: str) -> bytes:
    from docx import Document

    doc = Document()
    for text in paragraphs or ("教学设计",):
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def make_image(mode: str = "RGB", size=(400, 300), fmt: str = "PNG", colors: int | None = None) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size)
    for x in range(size[0]):
        for y in range(0, size[1], 7):
            image.putpixel((x, y), (x % 256, y % 256, (x * y) % 256))
    if colors:
        image = image.quantize(colors=colors)
    elif mode != "RGB":
        image = image.convert(mode)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def make_pdf(text: str = "Photosynthesis lesson") -> bytes:
    """A one-page PDF with real text (Helvetica), written by hand."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_wav(rate: int = 44100, channels: int = 2, width: int = 2, seconds: float = 0.2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(int(rate * seconds)):
            sample = int(math.sin(i / 10) * (100 if width == 1 else 8000))
            packed = bytes([sample + 128]) if width == 1 else struct.pack("<h", sample)
            frames += packed * channels
        w.writeframes(bytes(frames))
    return out.getvalue()


@functools.lru_cache(maxsize=8)  # the same bytes for the same arguments; encoding is the slow part
def make_mp4(size=(160, 120), fps: int = 10, frames: int = 10) -> bytes:
    """A tiny MPEG-4 video made with PyAV (its wheels ship the encoder)."""
    import av
    from PIL import Image

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_image(Image.new("RGB", size, (i * 20 % 256, 100, 150)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def make_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


COURSEWARE = {"type": "courseware", "title": "二次函数的图像与性质", "description": "九年级数学课件，含例题与练习",
              "stage": "初中", "subject": "数学", "grade": "九年级", "keywords": "二次函数，抛物线"}


# -- fixtures ------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _fresh_org_name_cache():
    """Each test's rolled-back tree reuses org ids under other names."""
    from eduplatform.resources.search import _ORG_NAMES

    _ORG_NAMES.clear()



@pytest.fixture(params=["file", "minio"])
def backend(request, app):
    """Run the test on both storage backends (the default per-test storage is the file system)."""
    if request.param == "minio":
        app.extensions["edu_storage"] = request.getfixturevalue("make_minio_storage")()
    return app.extensions["edu_storage"]


@pytest.fixture
def upload(client, api):
    """``upload(user, data=None, file=(bytes, name), **fields)`` → the API response."""
    tokens = {}

    def do(user, file=None, data=None, **fields):
        if user.id not in tokens:
            tokens[user.id] = api(user)
        body = dict(COURSEWARE if data is None else data)
        body.update(fields)
        # Werkzeug's test encoder writes an empty part without its closing CRLF (browsers do not):
        # leave empty values out, which the form treats the same way.
        body = {k: v for k, v in body.items() if v != ""}
        content, name = file or (make_pptx(), "课件.pptx")
        body["file"] = (io.BytesIO(content), name)
        return client.post("/api/v1/resources", headers=tokens[user.id], data=body,
                           content_type="multipart/form-data")

    do.headers = lambda user: tokens.setdefault(user.id, api(user))
    return do


@pytest.fixture
def publish(people):
    """Take a resource through submit → school approve → district approve."""

    def do(resource_id: int) -> Resource:
        resource = db.session.get(Resource, resource_id)
        review.submit(resource, resource.owner)
        if resource.state.value == "submitted":
            school_admin = {people.teacher_a1.org_id: people.school_a1_admin,
                            people.teacher_b1.org_id: people.school_b1_admin}[resource.org_id]
            review.approve(resource, school_admin)
        district_staff = people.district_a_staff if resource.district_id == people.district_a_staff.org.parent_id \
            else people.district_b_staff
        review.approve(resource, district_staff)
        db.session.commit()
        return resource

    return do


def storage_keys(storage) -> list[str]:
    return list(storage.iter_keys())


def make_paged_pdf(pages: int = 3) -> bytes:
    """A PDF of ``pages`` A4 pages written by reportlab: page 1 mostly a black block (so its thumbnail
    is dark), each page with its number in Chinese (the CID font STSong-Light, no font file needed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    for number in range(1, pages + 1):
        if number == 1:
            sheet.rect(40, 40, width - 80, height - 200, fill=1)
        sheet.setFont("STSong-Light", 28)
        sheet.drawString(72, height - 100, f"第 {number} 页：勾股定理")
        sheet.showPage()
    sheet.save()
    return out.getvalue()
