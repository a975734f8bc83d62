"""Page images of office documents and poster frames of videos, made from untrusted files.

Office files (DOCX, PPTX, XLSX and the old DOC/PPT) are converted to PDF by LibreOffice headless
(Debian's ``libreoffice-writer/impress/calc``); that PDF's pages, and an uploaded PDF's, are rendered by
pdfium (``pypdfium2``) in a process of its own (``pdf_render.py``);
a video's poster is the frame ffmpeg reads at about a tenth of its duration (``ffprobe`` measures it).

These are slow (seconds) and run external programs on what users uploaded, so they belong in a
background worker, never in a request. Each run is fenced in:

* a temporary directory of its own, removed afterwards (the file, the PDF, LibreOffice's profile);
* its own LibreOffice profile (``-env:UserInstallation``): two conversions never wait on one
  profile's lock, and the profile is written with macros disabled and links not updated;
* a timeout, after which the whole process group is killed (LibreOffice forks ``soffice.bin``);
* LibreOffice's import filter chosen by the (checked) extension, never guessed from the content;
* no network where the kernel allows it (``unshare -rn``: a new, empty network namespace), so a
  document's remote links and images are never fetched.

Failures raise :class:`PreviewError` with a Chinese reason a user can read.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

#: Width of a page image for viewing, and of a thumbnail (the first page or the poster).
VIEW_WIDTH = 1280
THUMB_WIDTH = 320
DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_PAGES = 60
#: Pages taller than this (a long spreadsheet printed on one page …) are scaled down to it.
MAX_VIEW_HEIGHT = 4 * VIEW_WIDTH

#: LibreOffice's import filter per extension. It is named, not detected: a file that is not what its
#: (already checked) extension says fails to load instead of falling through to another importer
#: (plain text, HTML …) — fewer importers see hostile input, and a corrupt file is reported as such.
IMPORT_FILTERS = {"docx": "MS Word 2007 XML", "pptx": "Impress MS PowerPoint 2007 XML",
                  "xlsx": "Calc MS Excel 2007 XML", "doc": "MS Word 97", "ppt": "MS PowerPoint 97",
                  "xls": "MS Excel 97"}
OFFICE_EXTENSIONS = tuple(IMPORT_FILTERS)

# Macros never run (level 3 = "very high": only signed macros from trusted places, and none are
# trusted) and are disabled outright; links in documents are never updated.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
</oor:items>
"""


class PreviewError(Exception):
    """A preview could not be made; ``reason`` is shown to the file's owner."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class PageImage:
    """One rendered page: a WebP for viewing and its size."""

    number: int
    data: bytes
    width: int
    height: int


@dataclass
class RenderedPages:
    page_count: int  #: pages of the document (more than ``pages`` when it was cut at max_pages)
    pages: list[PageImage]
    thumbnail: bytes | None  #: JPEG of the first page, THUMB_WIDTH wide


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def ffmpeg_binaries() -> tuple[str | None, str | None]:
    return shutil.which("ffmpeg"), shutil.which("ffprobe")


@cache
def _network_fence() -> list[str]:
    """``unshare -rn`` when this kernel lets an unprivileged process have its own empty network."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    try:
        subprocess.run([unshare, "-rn", "true"], check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        log.warning("no network namespace available: conversions run without the network fence")
        return []
    return [unshare, "-rn"]


def run_fenced(args: list[str], *, timeout: float, cwd: str | None = None, env: dict | None = None,
               network: bool = False) -> subprocess.CompletedProcess:
    """Run ``args`` in a process group of its own; on timeout kill the whole group and raise."""
    command = list(args) if network else _network_fence() + list(args)
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignored
        log.error("process group %s did not end after SIGKILL", process.pid)


def _profile(directory: Path) -> str:
    user = directory / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
    return directory.resolve().as_uri()


def office_to_pdf(source: Path, outdir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert one office file to PDF in ``outdir`` (LibreOffice headless, fenced as described above)."""
    binary = soffice_binary()
    if binary is None:
        raise PreviewError("服务器未安装文档转换组件（LibreOffice），暂时无法生成预览", "soffice missing")
    profile = _profile(outdir / "profile")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(outdir), "LANG": "zh_CN.UTF-8",
           "TMPDIR": str(outdir), "SAL_USE_VCLPLUGIN": "svp"}
    args = [binary, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo", "--nodefault",
            "--nolockcheck"]
    infilter = IMPORT_FILTERS.get(source.suffix.lstrip(".").lower())
    if infilter:
        args.append(f"--infilter={infilter}")
    args += ["--convert-to", "pdf", "--outdir", str(outdir), str(source)]
    try:
        result = run_fenced(args, timeout=timeout, cwd=str(outdir), env=env)
    except subprocess.TimeoutExpired as exc:
        raise PreviewError(f"文档转换超时（超过 {timeout:g} 秒），文件可能过大或已损坏", "timeout") from exc
    pdf = outdir / (source.stem + ".pdf")
    if result.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        detail = (result.stderr or result.stdout or b"").decode("utf-8", "replace")[-300:]
        raise PreviewError("文档无法转换为预览（文件已损坏，或不是有效的 Office 文档）", detail)
    return pdf


def render_pdf(pdf_path: Path, *, max_pages: int = DEFAULT_MAX_PAGES, width: int = VIEW_WIDTH,
               thumb_width: int = THUMB_WIDTH, timeout: float = DEFAULT_TIMEOUT) -> RenderedPages:
    """The first ``max_pages`` pages as WebP images ``width`` wide, and a JPEG thumbnail of page 1.

    pdfium runs in a process of its own (``pdf_render.py``, fenced like LibreOffice: own directory, no
    network, a memory limit, the process group killed at ``timeout``): a hostile PDF that loops or eats
    memory fails this preview, never the worker."""
    with tempfile.TemporaryDirectory(prefix="pdfpages-") as workdir:
        out = Path(workdir)
        args = [sys.executable, "-I", str(Path(__file__).with_name("pdf_render.py")), str(Path(pdf_path).resolve()),
                str(out), str(max_pages), str(width), str(MAX_VIEW_HEIGHT), str(thumb_width)]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": workdir, "TMPDIR": workdir}
        try:
            result = run_fenced(args, timeout=timeout, cwd=workdir, env=env)
        except subprocess.TimeoutExpired as exc:
            raise PreviewError(f"文档页面生成超时（超过 {timeout:g} 秒），文件可能过大或已损坏", "pdf timeout") from exc
        manifest = out / "pages.json"
        if result.returncode != 0 or not manifest.exists():
            detail = (result.stderr or b"").decode("utf-8", "replace")[-300:]
            raise PreviewError("PDF 文件无法读取，未能生成页面预览（文件可能已损坏）", detail)
        info = json.loads(manifest.read_text(encoding="utf-8"))
        if not info["count"]:
            raise PreviewError("文档没有可显示的页面", "no pages")
        pages = [PageImage(number, (out / f"page-{number}.webp").read_bytes(), w, h)
                 for number, (w, h) in enumerate(info["pages"], start=1)]
        thumb = out / "thumb.jpg"
        return RenderedPages(info["count"], pages, thumb.read_bytes() if thumb.exists() else None)


def pdf_pages(source: Path, *, timeout: float = DEFAULT_TIMEOUT, max_pages: int = DEFAULT_MAX_PAGES) -> RenderedPages:
    """Page images of an uploaded PDF (a copy in a directory of its own, rendered fenced)."""
    with tempfile.TemporaryDirectory(prefix="preview-") as workdir:
        copy = Path(workdir) / "source.pdf"
        shutil.copyfile(source, copy)
        return render_pdf(copy, max_pages=max_pages, timeout=timeout)


def jpeg_thumbnail(image, width: int = THUMB_WIDTH) -> bytes:
    """A JPEG ``width`` wide (height in proportion, at most one and a half times the width)."""
    image = image.convert("RGB")
    image.thumbnail((width, int(width * 1.5)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def office_pages(source: Path, *, extension: str, timeout: float = DEFAULT_TIMEOUT,
                 max_pages: int = DEFAULT_MAX_PAGES) -> tuple[RenderedPages, Path, tempfile.TemporaryDirectory]:
    """Convert and render; returns the pages, the PDF and the directory holding it (the caller cleans it
    up, after reading the PDF's text if it wants it)."""
    if extension not in OFFICE_EXTENSIONS:
        raise PreviewError(f"不支持为 .{extension} 文件生成页面预览", "extension")
    workdir = tempfile.TemporaryDirectory(prefix="preview-")
    try:
        base = Path(workdir.name)
        copy = base / f"source.{extension}"
        shutil.copyfile(source, copy)
        pdf = office_to_pdf(copy, base, timeout=timeout)
        return render_pdf(pdf, max_pages=max_pages, timeout=timeout), pdf, workdir
    except BaseException:
        workdir.cleanup()
        raise


def video_duration(path: Path, *, timeout: float = 30.0) -> float | None:
    _, ffprobe = ffmpeg_binaries()
    if ffprobe is None:
        raise PreviewError("服务器未安装视频处理组件（ffmpeg），暂时无法生成封面", "ffprobe missing")
    try:
        result = run_fenced([ffprobe, "-v", "error", "-show_entries", "format=duration", "-of",
                             "default=noprint_wrappers=1:nokey=1", str(path)], timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise PreviewError("读取视频时长超时，文件可能已损坏", "ffprobe timeout") from exc
    try:
        value = float(result.stdout.decode().strip().splitlines()[0])
    except (ValueError, IndexError):
        return None
    return value if value > 0 else None


def video_poster(path: Path, *, timeout: float = 60.0, width: int = VIEW_WIDTH) -> tuple[bytes, int, int, float]:
    """(JPEG, width, height, second) of the frame at about 10 % of the video (at most ``width`` wide)."""
    from PIL import Image

    ffmpeg, _ = ffmpeg_binaries()
    if ffmpeg is None:
        raise PreviewError("服务器未安装视频处理组件（ffmpeg），暂时无法生成封面", "ffmpeg missing")
    duration = video_duration(path, timeout=timeout)
    at = round(duration * 0.1, 3) if duration else 0.0
    with tempfile.TemporaryDirectory(prefix="poster-") as workdir:
        out = Path(workdir) / "poster.jpg"
        args = [ffmpeg, "-nostdin", "-v", "error", "-ss", f"{at}", "-i", str(path), "-frames:v", "1",
                "-vf", f"scale='min({width},iw)':-2", "-q:v", "3", "-y", str(out)]
        try:
            result = run_fenced(args, timeout=timeout, cwd=workdir)
        except subprocess.TimeoutExpired as exc:
            raise PreviewError(f"生成视频封面超时（超过 {timeout:g} 秒）", "ffmpeg timeout") from exc
        if result.returncode != 0 or not out.exists() or out.stat().st_size == 0:
            detail = (result.stderr or b"").decode("utf-8", "replace")[-300:]
            raise PreviewError("视频无法读取，未能生成封面（文件可能已损坏）", detail)
        data = out.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        size = image.size
    return data, size[0], size[1], at
