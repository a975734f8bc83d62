"""What a file really is: read from its bytes, never from its name.

``sniff_head`` looks at the first bytes (``filetype`` for media signatures, plus executables, OLE2,
text and HTML); a ZIP is refined by its entries (OOXML documents are ZIPs) once it is stored.
``match_format`` then picks the format of ``resource_specs/vocabularies/format.yaml`` whose
extension *and* sniffed kind agree, or refuses.
"""

from __future__ import annotations

import re
import zipfile

import filetype

from eduplatform.core.errors import ValidationFailed

HEAD_BYTES = 8192

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts with an interpreter line
)
#: Extensions refused whatever the content (things a click could run).
EXECUTABLE_EXTENSIONS = {"exe", "com", "bat", "cmd", "msi", "scr", "pif", "dll", "sh", "ps1", "vbs", "js",
                         "jar", "apk", "app", "elf", "bin", "run", "lnk", "hta", "wsf", "cpl"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<!--|<meta|<title|<div|<p[\s>])", re.IGNORECASE)

#: filetype's extension → our sniff kind.
_FILETYPE_KINDS = {
    "jpg": "jpg", "png": "png", "gif": "gif", "bmp": "bmp", "pdf": "pdf", "mp3": "mp3", "wav": "wav",
    "ogg": "ogg", "mp4": "mp4", "m4v": "mp4", "webm": "webm", "zip": "zip", "docx": "zip",
    "pptx": "zip", "xlsx": "zip", "exe": "executable", "elf": "executable", "dcm": "other",
}

KIND_LABELS = {
    "executable": "可执行程序", "pdf": "PDF 文档", "png": "PNG 图像", "jpg": "JPEG 图像", "gif": "GIF 图像",
    "bmp": "BMP 图像", "mp3": "MP3 音频", "wav": "WAV 音频", "ogg": "Ogg 音频", "mp4": "MP4 视频",
    "webm": "WebM 视频", "zip": "ZIP 压缩包", "docx": "Word 文档", "pptx": "PowerPoint 演示文稿",
    "xlsx": "Excel 工作簿", "ole2": "Office 97-2003 文档", "text": "纯文本", "html": "网页",
    "unknown": "无法识别的格式", "other": "其他格式",
}


def sniff_head(head: bytes) -> str:
    """The kind of content that starts with ``head``."""
    if not head:
        return "unknown"
    if head.startswith(_EXECUTABLE_MAGIC):
        return "executable"
    if head.startswith(_OLE2):
        return "ole2"
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


def looks_like_text(data: bytes) -> bool:
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            # A multibyte character may be cut at the end of the sample.
            data[: len(data) - 4 if len(data) > 4 else len(data)].decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def refine_zip(fileobj) -> str:
    """A stored ZIP's real kind: ``docx``/``pptx``/``xlsx`` by their main part, else ``zip``."""
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


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[1].lower() if "." in filename else ""


def match_format(specs, rtype, filename: str, kind: str) -> str:
    """The format code for a file named ``filename`` whose content is ``kind``; refuse otherwise."""
    ext = extension_of(filename)
    if kind == "executable" or ext in EXECUTABLE_EXTENSIONS:
        raise ValidationFailed("不允许上传可执行程序或脚本文件", code="executable_refused",
                               fields={"file": ["不允许上传可执行程序或脚本文件"]})
    by_ext = [t for t in specs.formats.terms if ext in t.attrs.get("extensions", [])]
    if not by_ext:
        raise ValidationFailed(f"不支持的文件类型 .{ext or '（无扩展名）'}", code="unsupported_format",
                               fields={"file": [f"不支持的文件类型 .{ext}"]})
    term = next((t for t in by_ext if t.attrs.get("sniff") == kind), None)
    if term is None and kind in ("text", "html"):
        term = next((t for t in by_ext if t.attrs.get("sniff") in ("text", "html")), None)
    if term is None:
        claimed = by_ext[0].label
        actual = KIND_LABELS.get(kind, kind)
        raise ValidationFailed(f"文件扩展名 .{ext}（{claimed}）与实际内容（{actual}）不符，已拒绝",
                               code="type_mismatch", fields={"file": [f"扩展名与实际内容（{actual}）不符"]})
    if term.code not in rtype.formats:
        accepted = "、".join(rtype.formats)
        raise ValidationFailed(f"{rtype.label}不接受 {term.label}（.{ext}）；可接受的格式：{accepted}",
                               code="format_not_accepted", fields={"file": [f"{rtype.label}不接受该格式"]})
    return term.code
