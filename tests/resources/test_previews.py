"""Page previews of office documents (LibreOffice → PDF → images), video posters (ffmpeg) and the
thumbnails shown in lists.

The documents are written here with python-docx / python-pptx / openpyxl, the old DOC and PPT made
from them by LibreOffice itself, the video by ffmpeg's test source. Converting is slow (seconds), so
each sample is converted once per session and the tests read the shared results; only a few tests
go through the worker end to end. Tests that need soffice or ffmpeg are marked so (``-m soffice``)
and *fail* when the program is missing: CI installs them (``.ci/system-deps.sh``).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from eduplatform.core.extensions import db
from eduplatform.core.jobs import run_queued
from eduplatform.core.storage import preview
from eduplatform.resources.cli import run_once
from eduplatform.resources.models import ProcessingState, Resource, ResourceVersion
from eduplatform.resources.processing import _pdf_text
from eduplatform.resources.search import search_resources
from tests.resources.conftest import make_docx, make_paged_pdf, make_pptx

SLIDES = ("勾股定理|直角三角形两直角边的平方和等于斜边的平方", "抛物线|二次函数的图像是一条抛物线",
          "光合作用|绿色植物利用光能制造有机物")
DOC_TEXT = ("第一课　春晓", "春眠不觉晓，处处闻啼鸟。")
SHEET_ROWS = (("学校", "班级", "人数"), ("东湖区实验小学", "三年级一班", 42), ("西山区第二中学", "初二（3）班", 45))
LITERATURE = {"type": "literature", "title": "古诗文阅读材料", "description": "小学语文", "stage": "primary",
              "subject": "chinese"}


def require_soffice() -> None:
    if preview.soffice_binary() is None:
        pytest.fail("LibreOffice (soffice) is not installed: run .ci/system-deps.sh")


def require_ffmpeg() -> None:
    if None in preview.ffmpeg_binaries():
        pytest.fail("ffmpeg/ffprobe are not installed: run .ci/system-deps.sh")


@pytest.fixture(autouse=True)
def _binaries(request):
    """A test marked ``soffice`` / ``ffmpeg`` fails at once, with the fix, when the program is missing."""
    if request.node.get_closest_marker("soffice"):
        require_soffice()
    if request.node.get_closest_marker("ffmpeg"):
        require_ffmpeg()


def make_two_page_docx() -> bytes:
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    document.add_heading(DOC_TEXT[0], level=1)
    document.add_paragraph(DOC_TEXT[1]).add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("第二页：夜来风雨声，花落知多少。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "班级人数"
    for row in SHEET_ROWS:
        sheet.append(row)
    for column in "ABC":
        sheet.column_dimensions[column].width = {"A": 20, "B": 16, "C": 8}[column]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def soffice_convert(source: Path, target: str) -> Path:
    """Let LibreOffice itself write the old binary format (``doc`` / ``ppt``) of ``source``."""
    workdir = source.parent / f"to-{target}"
    workdir.mkdir()
    profile = preview._profile(workdir / "profile")
    result = subprocess.run([preview.soffice_binary(), f"-env:UserInstallation={profile}", "--headless",
                             "--norestore", "--convert-to", target, "--outdir", str(workdir), str(source)],
                            check=False, capture_output=True, timeout=120)
    out = workdir / f"{source.stem}.{target}"
    assert result.returncode == 0 and out.exists(), result.stderr
    return out


@pytest.fixture(scope="session")
def office_samples(tmp_path_factory) -> dict[str, Path]:
    """DOCX, PPTX, XLSX written by their libraries; DOC and PPT converted from them by LibreOffice."""
    require_soffice()
    base = tmp_path_factory.mktemp("office")
    samples = {"docx": base / "春晓.docx", "pptx": base / "定理.pptx", "xlsx": base / "人数.xlsx"}
    samples["docx"].write_bytes(make_two_page_docx())
    samples["pptx"].write_bytes(make_pptx(*SLIDES))
    samples["xlsx"].write_bytes(make_xlsx())
    samples["doc"] = soffice_convert(samples["docx"], "doc")
    samples["ppt"] = soffice_convert(samples["pptx"], "ppt")
    assert samples["doc"].read_bytes()[:8] == samples["ppt"].read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    return samples


@pytest.fixture(scope="session")
def converted(office_samples) -> dict[str, tuple[preview.RenderedPages, str, float]]:
    """Each sample through :func:`preview.office_pages` once: (pages, the PDF's text, seconds)."""
    results = {}
    for ext, path in office_samples.items():
        started = time.monotonic()
        rendered, pdf, workdir = preview.office_pages(path, extension=ext)
        try:
            with open(pdf, "rb") as handle:
                text = _pdf_text(handle)
        finally:
            workdir.cleanup()
        results[ext] = (rendered, text, time.monotonic() - started)
    return results


@pytest.fixture(scope="session")
def video_sample(tmp_path_factory) -> bytes:
    """Three seconds of ffmpeg's test pattern (320×240, 10 fps, MPEG-4 in MP4)."""
    require_ffmpeg()
    out = tmp_path_factory.mktemp("video") / "testsrc.mp4"
    ffmpeg, _ = preview.ffmpeg_binaries()
    subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=3:size=320x240:rate=10",
                    "-c:v", "mpeg4", "-pix_fmt", "yuv420p", "-y", str(out)], check=True, timeout=60)
    return out.read_bytes()


def ink(data: bytes) -> tuple[int, int, tuple[int, int]]:
    """(dark pixels, light pixels, size) of an image: a blank page has no dark ones."""
    with Image.open(io.BytesIO(data)) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
        return sum(histogram[:100]), sum(histogram[200:]), grey.size


# -- the conversion itself (shared results) -----------------------------------------------------

@pytest.mark.soffice
@pytest.mark.nodb
@pytest.mark.parametrize("ext,pages,ratio", [("pptx", 3, 0.75), ("ppt", 3, 0.75), ("docx", 2, None),
                                             ("doc", 2, None), ("xlsx", 1, None)])
def test_office_pages_are_images_of_each_page(converted, ext, pages, ratio):
    rendered, _, _ = converted[ext]
    assert rendered.page_count == pages and len(rendered.pages) == pages
    for page in rendered.pages:
        dark, light, size = ink(page.data)
        assert size == (page.width, page.height) and page.width == preview.VIEW_WIDTH
        assert dark > 200 and light > dark, f"page {page.number} of the {ext} looks blank"
        if ratio:  # python-pptx's default deck is 4:3
            assert abs(page.height / page.width - ratio) < 0.01
        else:  # a portrait page (Letter or A4)
            assert 1.25 < page.height / page.width < 1.45
    with Image.open(io.BytesIO(rendered.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and thumb.width == preview.THUMB_WIDTH


@pytest.mark.soffice
@pytest.mark.nodb
def test_doc_and_ppt_text_comes_through_the_conversion(converted):
    _, ppt_text, _ = converted["ppt"]
    _, doc_text, _ = converted["doc"]
    for slide in SLIDES:
        title, _, body = slide.partition("|")
        assert title in ppt_text and body in ppt_text.replace("\n", "")  # a long line wraps on the slide
    assert "春眠不觉晓" in doc_text and "花落知多少" in doc_text
    assert ppt_text.count("\f") == 2  # one text per slide, as the preview pages are
    assert "东湖区实验小学" in converted["xlsx"][1]


@pytest.mark.nodb
def test_a_conversion_stops_at_its_timeout_and_leaves_no_process(tmp_path):
    pidfile = tmp_path / "child.pid"
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        preview.run_fenced(["sh", "-c", f"sleep 30 & echo $! > {pidfile}; wait"], timeout=0.5)
    assert time.monotonic() - started < 10
    child = int(pidfile.read_text())
    time.sleep(0.2)
    status = Path(f"/proc/{child}/status")  # the whole group was killed, the grandchild too
    assert not status.exists() or "State:\tZ" in status.read_text()  # gone, or dead and not yet reaped


@pytest.mark.nodb
def test_a_conversion_has_no_network():
    if not preview._network_fence():
        pytest.skip("this kernel allows no unprivileged network namespace")
    ip = shutil.which("ip")
    if ip is None:
        pytest.skip("no ip command to list the interfaces")
    out = preview.run_fenced([ip, "-o", "link"], timeout=10).stdout.decode()
    assert [line.split(":")[1].strip() for line in out.splitlines()] == ["lo"]


# -- through the worker ------------------------------------------------------------------------

@pytest.fixture
def worker(app, monkeypatch):
    monkeypatch.setitem(app.config, "RESOURCES_PROCESSING", "worker")
    monkeypatch.setitem(app.config, "RESOURCES_PREVIEWS", True)
    return app


def _version(resource_id: int) -> ResourceVersion:
    return db.session.get(Resource, resource_id).version


@pytest.mark.soffice
def test_a_deck_gets_page_images_a_thumbnail_and_shows_them(worker, upload, people, client, auth, office_samples):
    body = upload(people.teacher_a1, file=(office_samples["pptx"].read_bytes(), "定理.pptx")).get_json()
    assert body["processing_state"] == "pending"
    assert run_queued() == {"done": 1}  # the upload's job, as the workers run it
    assert run_once() == (0, 0)  # the sweep finds nothing left
    version = _version(body["id"])
    assert version.processing_state == ProcessingState.DONE and version.page_count == 3
    assert [(p["width"], p["height"]) for p in version.preview_pages] == [(1280, 960)] * 3

    auth.login(people.teacher_a1)
    page = client.get(f"/resources/{body['id']}").get_data(as_text=True)
    assert 'id="page-viewer"' in page and page.count('class="img-fluid page-image') == 3
    assert f'src="/resources/{body["id"]}/pages/1"' in page and f'data-src="/resources/{body["id"]}/pages/3"' in page
    assert "js/page-viewer.js" in page
    image = client.get(f"/resources/{body['id']}/pages/2")
    assert image.status_code == 200 and image.mimetype == "image/webp"
    assert ink(image.data)[2] == (1280, 960) and ink(image.data)[0] > 200
    assert client.get(f"/resources/{body['id']}/pages/4").status_code == 404
    thumb = client.get(f"/resources/{body['id']}/thumbnail")
    assert thumb.mimetype == "image/jpeg" and ink(thumb.data)[2][0] == 320

    # The search results show it; a resource without a thumbnail shows its type's icon.
    upload(people.teacher_a1, data=LITERATURE, file=(make_docx("没有预览的文献"), "文献.docx"), title="二次函数文献")
    results = client.get("/resources/search?q=二次函数").get_data(as_text=True)
    assert f'src="/resources/{body["id"]}/thumbnail"' in results
    assert "/static/img/types/document.svg" in results
    # Someone who may not see the draft sees none of its pages.
    auth.logout()
    auth.login(people.teacher_b1)
    assert client.get(f"/resources/{body['id']}").status_code == 403
    assert client.get(f"/resources/{body['id']}/pages/1").status_code == 403


@pytest.mark.soffice
def test_a_ppt_becomes_searchable_by_its_slides(worker, upload, people, client, office_samples):
    body = upload(people.teacher_a1, file=(office_samples["ppt"].read_bytes(), "定理.ppt")).get_json()
    assert body["format"] == "ppt"
    assert search_resources(people.teacher_a1, q="斜边的平方").results.total == 0
    run_once()
    version = _version(body["id"])
    assert version.processing_state == ProcessingState.DONE and len(version.preview_pages) == 3
    assert "绿色植物利用光能制造有机物" in version.extracted_text
    detail = client.get(f"/api/v1/resources/{body['id']}", headers=upload.headers(people.teacher_a1)).get_json()
    assert (detail["processing_state"], detail["page_count"], detail["preview_pages"]) == ("done", 3, 3)
    assert search_resources(people.teacher_a1, q="斜边的平方").results.total == 1


def test_the_request_never_converts(app, upload, people, monkeypatch):
    """Inline processing does the quick part in the request and leaves the conversion to the worker."""
    monkeypatch.setitem(app.config, "RESOURCES_PREVIEWS", True)

    def refuse(*args, **kwargs):
        raise AssertionError("LibreOffice ran in the request")

    monkeypatch.setattr(preview, "office_to_pdf", refuse)
    body = upload(people.teacher_a1, file=(make_pptx("封面|请求中不转换"), "课件.pptx")).get_json()
    version = _version(body["id"])
    assert version.processing_state == ProcessingState.PENDING and "请求中不转换" in version.extracted_text
    assert version.preview_pages == []
    monkeypatch.setattr(preview, "render_pdf", refuse)  # nor pdfium on an uploaded PDF (its thumbnail too)
    body = upload(people.teacher_a1, data=LITERATURE, file=(make_paged_pdf(1), "文献.pdf")).get_json()
    version = _version(body["id"])
    assert version.processing_state == ProcessingState.PENDING and "勾股定理" in version.extracted_text
    assert version.preview_pages == [] and version.thumbnail is None


@pytest.mark.soffice
def test_a_corrupt_file_fails_with_a_reason_its_owner_sees(worker, upload, people, client, auth):
    broken = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40
    body = upload(people.teacher_a1, file=(broken, "坏课件.ppt")).get_json()
    run_once()
    version = _version(body["id"])
    assert version.processing_state == ProcessingState.FAILED
    assert version.processing_error == "文档无法转换为预览（文件已损坏，或不是有效的 Office 文档）"
    assert version.preview_pages == []
    auth.login(people.teacher_a1)
    page = client.get(f"/resources/{body['id']}")
    assert page.status_code == 200 and "文件处理失败：文档无法转换为预览" in page.get_data(as_text=True)


@pytest.mark.soffice
def test_a_conversion_past_its_timeout_fails(worker, upload, people, monkeypatch):
    monkeypatch.setitem(worker.config, "RESOURCES_CONVERT_TIMEOUT", 0.2)
    body = upload(people.teacher_a1, file=(make_pptx("封面|超时"), "超时.pptx")).get_json()
    run_once()
    version = _version(body["id"])
    assert version.processing_state == ProcessingState.FAILED
    assert version.processing_error == "文档转换超时（超过 0.2 秒），文件可能过大或已损坏"
    assert "超时" in version.extracted_text  # the text the quick part extracted stays


def test_a_pdf_gets_page_images_and_page_one_as_its_thumbnail(worker, upload, people, client, auth):
    """A PDF is shown like an office file — page images in the page viewer, not the browser's viewer —
    and stays downloadable; its thumbnail is page 1 (the dark one)."""
    pdf = make_paged_pdf(3)
    body = upload(people.teacher_a1, data=LITERATURE, file=(pdf, "勾股定理.pdf")).get_json()
    version = _version(body["id"])
    assert version.processing_state == ProcessingState.PENDING and version.thumbnail is None  # not in the request
    assert run_once() == (1, 0)
    version = _version(body["id"])
    assert version.processing_state == ProcessingState.DONE, version.processing_error
    assert "勾股定理" in version.extracted_text
    assert version.page_count == 3 and [p["width"] for p in version.preview_pages] == [1280] * 3
    assert abs(version.preview_pages[0]["height"] - 1280 * 841.89 / 595.28) < 2  # A4 kept in proportion

    auth.login(people.teacher_a1)
    page = client.get(f"/resources/{body['id']}").get_data(as_text=True)
    assert 'id="page-viewer"' in page and page.count('class="img-fluid page-image') == 3
    assert 'title="PDF 预览"' not in page  # no iframe: the page images replace the browser's viewer
    assert 'id="download"' in page
    assert client.get(f"/resources/{body['id']}/file").data == pdf  # the original, unchanged
    first, second = (client.get(f"/resources/{body['id']}/pages/{n}") for n in (1, 2))
    assert first.mimetype == second.mimetype == "image/webp"
    dark_first, light_first, _ = ink(first.data)
    dark_second, light_second, _ = ink(second.data)
    assert dark_first > light_first and dark_second < light_second  # page 1 is the black block
    thumb = client.get(f"/resources/{body['id']}/thumbnail")
    dark, light, size = ink(thumb.data)
    assert thumb.mimetype == "image/jpeg" and size[0] == 320 and dark > light  # page 1, not page 2


def test_a_pdf_that_renders_too_long_fails_and_the_worker_goes_on(worker, upload, people, monkeypatch):
    """pdfium runs in a process of its own, killed at the timeout: the version fails with a reason,
    its text stays, and the next file is processed."""
    monkeypatch.setitem(worker.config, "RESOURCES_CONVERT_TIMEOUT", 0.05)
    slow = upload(people.teacher_a1, data=LITERATURE, file=(make_paged_pdf(2), "很慢.pdf")).get_json()
    assert run_once() == (1, 0)
    version = _version(slow["id"])
    assert version.processing_state == ProcessingState.FAILED
    assert version.processing_error == "文档页面生成超时（超过 0.05 秒），文件可能过大或已损坏"
    assert version.preview_pages == [] and "勾股定理" in version.extracted_text
    monkeypatch.setitem(worker.config, "RESOURCES_CONVERT_TIMEOUT", 60)
    fine = upload(people.teacher_a1, data=LITERATURE, file=(make_paged_pdf(1), "正常.pdf")).get_json()
    assert run_once() == (1, 0)
    assert _version(fine["id"]).processing_state == ProcessingState.DONE


@pytest.mark.nodb
def test_a_pdf_pdfium_cannot_read_is_a_preview_error(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF")
    with pytest.raises(preview.PreviewError, match="PDF 文件无法读取"):
        preview.pdf_pages(broken, timeout=30)


@pytest.mark.ffmpeg
def test_a_video_gets_a_poster_frame(worker, upload, people, client, auth, video_sample):
    data = {"type": "media_video", "title": "实验视频", "description": "d", "stage": "primary", "subject": "science"}
    body = upload(people.teacher_a1, data=data, file=(video_sample, "实验.mp4")).get_json()
    run_once()
    version = _version(body["id"])
    assert version.processing_state == ProcessingState.DONE, version.processing_error
    [poster] = version.preview_pages
    assert (poster["width"], poster["height"]) == (320, 240) and poster["second"] == pytest.approx(0.3, abs=0.05)
    auth.login(people.teacher_a1)
    page = client.get(f"/resources/{body['id']}").get_data(as_text=True)
    assert f'poster="/resources/{body["id"]}/pages/1"' in page
    frame = client.get(f"/resources/{body['id']}/pages/1")
    assert frame.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(frame.data)) as image:  # the test pattern: colour bars, not black
        assert len(set(image.convert("RGB").resize((32, 24)).get_flattened_data())) > 8
    with Image.open(io.BytesIO(client.get(f"/resources/{body['id']}/thumbnail").data)) as thumb:
        assert thumb.size == (320, 240)


@pytest.mark.soffice
def test_deleting_a_resource_removes_its_page_images(worker, upload, people, client, auth, storage, office_samples):
    body = upload(people.teacher_a1, data=LITERATURE, file=(office_samples["docx"].read_bytes(), "春晓.docx")).get_json()
    run_once()
    version = _version(body["id"])
    keys = [db.session.get(preview_file_model(), i).key for i in version.preview_files]
    assert len(keys) == 2 and all(storage.exists(k) for k in keys)
    auth.login(people.teacher_a1)
    assert client.post(f"/resources/{body['id']}/delete").status_code == 302
    assert not any(storage.exists(k) for k in keys)


def preview_file_model():
    from eduplatform.core.storage.models import StoredFile

    return StoredFile


def test_uploads_keep_their_limits(app, upload, people, monkeypatch):
    """The preview adds nothing to what an upload may be: the inspector's limits still refuse it."""
    monkeypatch.setitem(app.config, "RESOURCES_MAX_UPLOAD_BYTES", 10_000)
    response = upload(people.teacher_a1, file=(make_pptx(*SLIDES) + b"\0" * 20_000, "大.pptx"))
    assert response.status_code in (413, 422) and db.session.scalar(db.select(db.func.count(Resource.id))) == 0

