"""The one inspector for uploaded files and archives: every upload and import goes through it.

Domain-free on purpose (it imports only core errors, XML and stream helpers), so any domain — and
a later foundation package — can call it.

* :func:`inspect_upload` — the one entry for an uploaded file (a Werkzeug ``FileStorage`` or a
  stream and its name): name, allowed extensions, emptiness, executables, extension against content,
  size; returns what it found (:class:`InspectedUpload`) without consuming the file.
* :func:`check_upload_head` — the file name (NUL / control characters, length) and the first bytes
  (executables; an extension whose format has a signature must carry that signature: an ``.exe``
  renamed ``.pdf`` or HTML renamed ``.png`` is refused).
* :func:`inspect_zip` — a ZIP (and therefore DOCX / PPTX / XLSX, SCORM, QTI, Common Cartridge,
  offline packages): entry count, total expanded size, compression ratio, overlapping entries
  (zip-bomb tricks), ``..`` / absolute / drive-letter names, control characters, symbolic links,
  duplicate names, encrypted entries, XML entity declarations (billion laughs, external entities)
  and nested archives, depth-limited.  Declared sizes are what :mod:`zipfile` will ever yield
  (it stops at the central directory's size and checks the CRC), so checking them bounds the work
  of every later reader.
* :func:`eduplatform.core.text.xml.parse_xml` — XML without DTDs, entity expansion or network access; a document that
  declares entities is refused.

Every refusal is an :class:`ArchiveRefused` / :class:`UploadRefused` (HTTP 422) whose message says
why in Chinese.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field, replace

import filetype

from eduplatform.core.errors import AppError, ValidationFailed
from eduplatform.core.storage.streams import PrefixedStream, read_head
from eduplatform.core.text.xml import _ENTITY_DECL, XML_PROLOG_BYTES

MiB = 1024 * 1024
HEAD_BYTES = 8192
MAX_FILENAME_BYTES = 255
#: How much of an XML member's start is searched for entity declarations (they sit in the prolog).
#: A nested archive up to this size is inspected in memory, larger ones through a temp file.
NESTED_IN_MEMORY = 8 * MiB
XML_SUFFIXES = (".xml", ".rels", ".xsd", ".opf", ".ncx", ".xhtml", ".svg", ".imscc")
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


class UploadRefused(ValidationFailed):
    code = "upload_refused"

    def __init__(self, reason: str, *, code: str | None = None):
        super().__init__(reason, code=code, fields={"file": [reason]})
        self.reason = reason


class ArchiveRefused(UploadRefused):
    code = "archive_refused"

    def __init__(self, reason: str, *, what: str = "压缩包"):
        super().__init__(f"{what}未通过安全检查：{reason}")
        self.reason = reason


# -- limits ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may hold; defaults come from config.py (``EDU_ARCHIVE_*``)."""

    max_entries: int = 20_000
    max_expanded_bytes: int = 1024 * MiB
    #: Uncompressed / compressed, for each entry above 1 MiB and for the whole archive.
    max_ratio: int = 200
    #: Archives inside archives: the upload is depth 0; a DOCX embedding an XLSX is depth 1.
    max_depth: int = 2

    @classmethod
    def from_config(cls, config=None, **overrides) -> ArchiveLimits:
        if config is None:
            from flask import current_app, has_app_context

            config = current_app.config if has_app_context() else {}
        limits = cls(
            max_entries=int(config.get("ARCHIVE_MAX_ENTRIES", cls.max_entries)),
            max_expanded_bytes=int(config.get("ARCHIVE_MAX_EXPANDED_BYTES", cls.max_expanded_bytes)),
            max_ratio=int(config.get("ARCHIVE_MAX_RATIO", cls.max_ratio)),
            max_depth=int(config.get("ARCHIVE_MAX_DEPTH", cls.max_depth)),
        )
        return replace(limits, **{k: v for k, v in overrides.items() if v is not None})


@dataclass
class InspectedArchive:
    #: clean member path → its ZipInfo (files only, directories left out)
    members: dict[str, zipfile.ZipInfo]
    total: int
    entries: int
    nested: list[str] = field(default_factory=list)


@dataclass
class _Budget:
    entries: int = 0
    expanded: int = 0


def _mb(n: int) -> str:
    return f"{n / MiB:.0f} MB" if n >= MiB else f"{n} 字节"


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


# -- names -------------------------------------------------------------------------------------

def clean_member_name(name: str, *, what: str = "压缩包") -> str:
    """The member's path with '/' separators; refuses absolute paths, drive letters, '..' and controls."""
    shown = name[:80]
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ArchiveRefused(f"条目名“{shown!r}”含控制字符", what=what)
    raw = name.replace("\\", "/")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise ArchiveRefused(f"条目“{shown}”使用了绝对路径", what=what)
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveRefused(f"条目“{shown}”的路径试图跳出解压目录（..）", what=what)
    if len(raw.encode("utf-8", "surrogatepass")) > 1024:
        raise ArchiveRefused(f"条目名“{shown}…”过长", what=what)
    return "/".join(parts)


def check_filename(filename: str | None) -> None:
    """Refuse an uploaded file name with NUL / control characters or longer than 255 bytes."""
    name = filename or ""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise UploadRefused("文件名含有控制字符（如 NUL），已拒绝", code="bad_filename")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_FILENAME_BYTES:
        raise UploadRefused(f"文件名过长（超过 {MAX_FILENAME_BYTES} 字节），请改短后再上传", code="bad_filename")


# -- what a file really is -----------------------------------------------------------------------

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts with an interpreter line
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<script|<!--|<meta|<title|<div|<p[\s>])",
                   re.IGNORECASE)

#: filetype's extension → our sniff kind.
_FILETYPE_KINDS = {
    "jpg": "jpg", "png": "png", "gif": "gif", "bmp": "bmp", "pdf": "pdf", "mp3": "mp3", "wav": "wav",
    "ogg": "ogg", "mp4": "mp4", "m4v": "mp4", "webm": "webm", "zip": "zip", "docx": "zip",
    "pptx": "zip", "xlsx": "zip", "epub": "zip", "odt": "zip", "ods": "zip", "odp": "zip",
    "exe": "executable", "elf": "executable", "dcm": "other",
}

KIND_LABELS = {
    "executable": "可执行程序", "pdf": "PDF 文档", "png": "PNG 图像", "jpg": "JPEG 图像", "gif": "GIF 图像",
    "bmp": "BMP 图像", "mp3": "MP3 音频", "wav": "WAV 音频", "ogg": "Ogg 音频", "mp4": "MP4 视频",
    "webm": "WebM 视频", "zip": "ZIP 压缩包", "docx": "Word 文档", "pptx": "PowerPoint 演示文稿",
    "xlsx": "Excel 工作簿", "ole2": "Office 97-2003 文档", "text": "纯文本", "html": "网页",
    "unknown": "无法识别的格式", "other": "其他格式",
}

#: Extensions whose format has a signature, and the sniffed kinds that may carry them.
EXPECTED_KINDS = {
    "pdf": {"pdf"}, "png": {"png"}, "jpg": {"jpg"}, "jpeg": {"jpg"}, "gif": {"gif"}, "bmp": {"bmp"},
    "mp3": {"mp3"}, "wav": {"wav"}, "ogg": {"ogg"}, "oga": {"ogg"}, "mp4": {"mp4"}, "m4v": {"mp4"},
    "m4a": {"mp4", "other"}, "webm": {"webm"}, "zip": {"zip"}, "docx": {"zip"}, "pptx": {"zip"},
    "xlsx": {"zip"}, "epub": {"zip"}, "imscc": {"zip"}, "odt": {"zip"}, "ods": {"zip"}, "odp": {"zip"},
    "doc": {"ole2"}, "ppt": {"ole2"}, "xls": {"ole2"}, "wps": {"ole2"}, "et": {"ole2"}, "dps": {"ole2"},
}
ZIP_BASED_EXTENSIONS = {"zip", "docx", "pptx", "xlsx", "epub", "imscc", "odt", "ods", "odp", "jar", "apk"}
#: Extensions refused whatever the content (things a click could run).
EXECUTABLE_EXTENSIONS = {"exe", "com", "bat", "cmd", "msi", "scr", "pif", "dll", "sh", "ps1", "vbs", "js",
                         "jar", "apk", "app", "elf", "bin", "run", "lnk", "hta", "wsf", "cpl"}


def looks_like_text(data: bytes) -> bool:
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            # A multibyte character may be cut at the end of the sample.
            data[: len(data) - 4 if len(data) > 4 else len(data)].decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def sniff_head(head: bytes) -> str:
    """The kind of content that starts with ``head`` (never from the name)."""
    if not head:
        return "unknown"
    if head.startswith(_EXECUTABLE_MAGIC):
        return "executable"
    if head.startswith(_OLE2):
        return "ole2"
    if head.startswith(EMPTY_ZIP_MAGIC):
        return "zip"
    guess = filetype.guess(head)
    if guess is not None:
        return _FILETYPE_KINDS.get(guess.extension, "other")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    body = head.lstrip(b"\xef\xbb\xbf")
    if b"\x00" in body and not (body.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return "unknown"
    if _HTML.match(body):
        return "html"
    return "text" if looks_like_text(body) else "unknown"


def extension_of(filename: str | None) -> str:
    name = (filename or "").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def check_upload_head(filename: str | None, head: bytes) -> str:
    """Refuse a bad name, an executable, or content that contradicts the extension; return the kind."""
    check_filename(filename)
    kind = sniff_head(head)
    if kind == "executable":
        raise UploadRefused("不允许上传可执行程序或脚本文件", code="executable_refused")
    ext = extension_of(filename)
    expected = EXPECTED_KINDS.get(ext)
    if head and expected is not None and kind not in expected:
        raise UploadRefused(f"文件扩展名 .{ext} 与实际内容（{KIND_LABELS.get(kind, kind)}）不符，已拒绝",
                            code="type_mismatch")
    return kind


def is_zip(head: bytes) -> bool:
    return head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC))


def refine_zip(fileobj) -> str:
    """A ZIP's real kind: ``docx``/``pptx``/``xlsx`` by their main part, else ``zip`` (``unknown``: not a ZIP)."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "unknown"
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "ppt/presentation.xml" in names:
            return "pptx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return "zip"


# -- archives ----------------------------------------------------------------------------------

def _archive_size(fileobj) -> int:
    pos = fileobj.tell()
    size = fileobj.seek(0, io.SEEK_END)
    fileobj.seek(pos)
    return size


def inspect_zip(fileobj, *, limits: ArchiveLimits | None = None, what: str = "压缩包",
                _depth: int = 0, _budget: _Budget | None = None) -> InspectedArchive:
    """Check a seekable ZIP whole, reading its central directory and a few bytes of some members."""
    limits = limits or ArchiveLimits.from_config()
    budget = _budget or _Budget()
    try:
        archive_size = _archive_size(fileobj)
        fileobj.seek(0)
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(f"不是有效的 ZIP 文件或已损坏（{exc}）", what=what) from None
    with archive:
        infos = archive.infolist()
        budget.entries += len(infos)
        if budget.entries > limits.max_entries:
            raise ArchiveRefused(f"条目数 {budget.entries} 超过上限 {limits.max_entries}", what=what)
        members: dict[str, zipfile.ZipInfo] = {}
        seen: set[str] = set()
        total = 0
        for info in infos:
            path = clean_member_name(info.filename, what=what)
            shown = info.filename[:80]
            if info.flag_bits & 0x1:
                raise ArchiveRefused(f"条目“{shown}”已加密，无法检查", what=what)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ArchiveRefused(f"条目“{shown}”是符号链接", what=what)
            if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) and stat.S_IFMT(mode):
                raise ArchiveRefused(f"条目“{shown}”不是普通文件（设备、管道或链接）", what=what)
            key = path.rstrip("/")
            if key and key in seen:
                raise ArchiveRefused(f"条目“{shown}”重复出现", what=what)
            seen.add(key)
            if info.is_dir() or not path:
                continue
            total += info.file_size
            budget.expanded += info.file_size
            if budget.expanded > limits.max_expanded_bytes:
                raise ArchiveRefused(f"解压后超过 {_mb(limits.max_expanded_bytes)} 上限（疑似压缩炸弹）", what=what)
            if info.file_size > MiB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise ArchiveRefused(f"条目“{shown}”压缩比异常（超过 {limits.max_ratio} 倍，疑似压缩炸弹）", what=what)
            members[path] = info
        if total > MiB and total > limits.max_ratio * max(archive_size, 1):
            raise ArchiveRefused(f"整体压缩比异常（超过 {limits.max_ratio} 倍，疑似压缩炸弹）", what=what)
        _check_overlap(infos, what)
        result = InspectedArchive(members, total, len(infos))
        for path, info in members.items():
            _check_member(archive, path, info, limits, what, _depth, budget, result)
    fileobj.seek(0)
    return result


def _check_overlap(infos: list[zipfile.ZipInfo], what: str) -> None:
    """Entries whose data overlap (one deflate stream referenced many times) are a zip-bomb trick."""
    previous_end = -1
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < previous_end:
            raise ArchiveRefused(f"条目“{info.filename[:80]}”与其他条目的数据重叠（疑似压缩炸弹）", what=what)
        previous_end = info.header_offset + 30 + len(info.orig_filename.encode("utf-8", "replace")) \
            + info.compress_size


def _check_member(archive, path, info, limits, what, depth, budget, result) -> None:
    lower = path.lower()
    is_xml = lower.endswith(XML_SUFFIXES) or lower == "[content_types].xml"
    nested_by_name = extension_of(lower) in ZIP_BASED_EXTENSIONS
    if not (is_xml or nested_by_name or info.file_size >= 22):
        return
    try:
        with archive.open(info) as member:
            head = member.read(XML_PROLOG_BYTES if is_xml else 4)
            if is_xml:
                check_xml_prolog(head, path, what=what)
                return
            if not is_zip(head):
                return
            if depth + 1 > limits.max_depth:
                raise ArchiveRefused(f"嵌套压缩包层数超过 {limits.max_depth} 层（“{path[:80]}”）", what=what)
            with tempfile.SpooledTemporaryFile(max_size=NESTED_IN_MEMORY) as copy:
                copy.write(head)
                shutil.copyfileobj(member, copy, MiB)
                copy.seek(0)
                inspect_zip(copy, limits=limits, what=f"{what}中的“{path[:80]}”", _depth=depth + 1,
                            _budget=budget)
            result.nested.append(path)
    except ArchiveRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise ArchiveRefused(f"条目“{path[:80]}”已损坏（{exc}）", what=what) from None


# -- XML ---------------------------------------------------------------------------------------

_UTF16_ENTITY = "<!ENTITY".encode("utf-16-le")


def check_xml_prolog(head: bytes, where: str = "XML", *, what: str = "压缩包") -> None:
    """Refuse XML that declares entities (billion laughs, external entities / XXE)."""
    if _ENTITY_DECL.search(head) or _UTF16_ENTITY in head or _UTF16_ENTITY.upper() in head:
        raise ArchiveRefused(f"“{where[:80]}”声明了 XML 实体（可能是 XML 炸弹或外部实体攻击）", what=what)


def inspect_bytes(data: bytes, *, limits: ArchiveLimits | None = None, what: str = "压缩包") -> InspectedArchive:
    return inspect_zip(io.BytesIO(data), limits=limits, what=what)


__all__ = ["ArchiveLimits", "ArchiveRefused", "InspectedArchive", "InspectedUpload", "UploadRefusals", "UploadRefused",
           "check_filename", "check_upload_head", "check_xml_prolog", "clean_member_name", "extension_of",
           "inspect_bytes", "inspect_upload", "inspect_zip", "is_zip", "refine_zip", "sniff_head"]


# -- one uploaded file -------------------------------------------------------------------------

@dataclass(frozen=True)
class InspectedUpload:
    filename: str  #: as the user named it ("" when the caller stores a nameless stream)
    extension: str  #: lower case, without the dot; "" when there is none
    kind: str  #: what the first bytes are (:func:`sniff_head`), never from the name
    head: bytes  #: the first :data:`HEAD_BYTES` bytes (fewer for a smaller file)
    size: int | None  #: bytes; None for a stream still arriving (storage enforces the limit then)
    stream: object  #: reads the whole file from its first byte


class UploadRefusals:
    """The words of each refusal :func:`inspect_upload` makes; a domain that words one its own way
    (its users have seen it for years) overrides that method."""

    def missing(self) -> Exception:
        return ValidationFailed("请选择要上传的文件", code="file_missing", fields={"file": ["请选择要上传的文件"]})

    def not_allowed(self, extension: str, allowed: Collection[str]) -> Exception:
        return ValidationFailed(f"不支持的文件类型 .{extension or '（无扩展名）'}（可上传：{'、'.join(sorted(allowed))}）",
                                code="unsupported_format", fields={"file": [f"不支持的文件类型 .{extension}"]})

    def empty(self) -> Exception:
        return ValidationFailed("上传的文件是空的", code="empty_file", fields={"file": ["文件为空"]})

    def too_large(self, limit: int) -> Exception:
        return AppError(f"文件超过大小上限（{human_size(limit)}）", code="too_large", status=413)


REFUSALS = UploadRefusals()

#: Streams that seek without cost: Werkzeug's spooled uploads, files, bytes. Anything else (a request
#: body being parsed, a ZIP member, which would decompress to seek) is read once, its head replayed.
_CHEAP_SEEK = (io.BytesIO, io.BufferedReader, io.BufferedRandom, io.FileIO, tempfile.SpooledTemporaryFile)


def inspect_upload(upload, *, filename: str | None = None, allowed: Collection[str] | None = None,
                   max_bytes: int | None = None, allow_empty: bool = True, check_type: bool = True,
                   require_name: bool = True, refusals: UploadRefusals = REFUSALS) -> InspectedUpload:
    """Inspect one uploaded file before anything reads it for real; refuse it or say what it is.

    ``upload`` is a Werkzeug ``FileStorage`` or a binary stream (then ``filename`` names it). In
    order: a name (``require_name``), a clean name, an extension in ``allowed`` (None: any), not
    empty (``allow_empty``), no executable and content that agrees with the extension
    (``check_type``; a domain whose own format list decides the type turns it off and is checked
    again when stored), at most ``max_bytes`` where the size is known. The file is not consumed:
    ``InspectedUpload.stream`` reads it from its first byte.
    """
    stream = getattr(upload, "stream", upload)
    name = filename if filename is not None else getattr(upload, "filename", None)
    if upload is None or (require_name and not name):
        raise refusals.missing()
    check_filename(name)
    extension = extension_of(name)
    if allowed is not None and extension not in allowed:
        raise refusals.not_allowed(extension, allowed)
    size = None
    if isinstance(stream, _CHEAP_SEEK):
        start = stream.tell()
        head = read_head(stream, HEAD_BYTES)
        size = stream.seek(0, io.SEEK_END) - start
        stream.seek(start)
        whole = stream
    else:
        head = read_head(stream, HEAD_BYTES)
        whole = PrefixedStream(head, stream)
    if not head and not allow_empty:
        raise refusals.empty()
    kind = check_upload_head(name, head) if check_type else sniff_head(head)
    if max_bytes is not None and size is not None and size > max_bytes:
        raise refusals.too_large(max_bytes)
    return InspectedUpload(filename=name or "", extension=extension, kind=kind, head=head, size=size, stream=whole)


# -- every parsed multipart upload -------------------------------------------------------------

def inspect_file_storage(upload) -> None:
    """Inspect one Werkzeug ``FileStorage`` (spooled, seekable) the way :func:`store_file` would."""
    if upload is None or not upload.filename:
        return
    inspected = inspect_upload(upload)
    if is_zip(inspected.head):
        inspect_zip(upload.stream)
        upload.stream.seek(0)


def install_request_inspection(app) -> None:
    """Make every request's parsed files go through the inspector as soon as a view reads them.

    Uploads streamed without parsing (the resource library's) meet it in ``store_file``; the
    imports that only parse (questions, rosters, Excel forms) meet it here, before they read a byte.
    """
    base = app.request_class

    class InspectingRequest(base):  # type: ignore[misc, valid-type]
        def _load_form_data(self) -> None:
            already = "files" in self.__dict__
            super()._load_form_data()
            if not already:
                for name in self.files:
                    for upload in self.files.getlist(name):
                        inspect_file_storage(upload)

    app.request_class = InspectingRequest
