"""What a file really is: read from its bytes, never from its name.

``sniff_head`` (the platform's, in :mod:`eduplatform.core.storage.inspect`) looks at the first bytes
(``filetype`` for media signatures, plus executables, OLE2, text and HTML); a ZIP is refined by its entries (OOXML documents are ZIPs) once it is stored.
``match_format`` then picks the format of ``resource_specs/vocabularies/format.yaml`` whose
extension *and* sniffed kind agree, or refuses.
"""

from __future__ import annotations

import zipfile

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import HEAD_BYTES, KIND_LABELS, looks_like_text, sniff_head  # noqa: F401

#: Extensions refused whatever the content (things a click could run).
EXECUTABLE_EXTENSIONS = {"exe", "com", "bat", "cmd", "msi", "scr", "pif", "dll", "sh", "ps1", "vbs", "js",
                         "jar", "apk", "app", "elf", "bin", "run", "lnk", "hta", "wsf", "cpl"}


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
