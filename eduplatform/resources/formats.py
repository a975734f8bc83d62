"""Which format of the library a file is: its extension *and* its content, never the name alone.

What the content is comes from the platform's inspector (:mod:`eduplatform.core.storage.inspect`:
``inspect_upload`` sniffs the first bytes, ``refine_zip`` tells OOXML documents from other ZIPs once
stored); ``match_format`` picks the format of ``resource_specs/vocabularies/format.yaml`` whose
extension and sniffed kind agree, or refuses with the library's wording.
"""

from __future__ import annotations

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import EXECUTABLE_EXTENSIONS, KIND_LABELS, extension_of


def match_format(specs, rtype, filename: str, kind: str) -> str:
    """The format code for a file named ``filename`` whose content is ``kind``; refuse otherwise."""
    code = format_of(specs, filename, kind)
    require_accepted(specs, rtype, code, extension_of(filename))
    return code


def format_of(specs, filename: str, kind: str) -> str:
    """The library's format for a file, whatever type it will be: extension and content must agree."""
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
    return term.code


def require_accepted(specs, rtype, code: str, ext: str = "") -> None:
    """Refuse a format the type does not take, naming what it does take."""
    if code in rtype.formats:
        return
    term = specs.format_term(code)
    label = term.label if term else code
    accepted = "、".join(rtype.formats)
    raise ValidationFailed(f"{rtype.label}不接受 {label}（.{ext or code}）；可接受的格式：{accepted}",
                           code="format_not_accepted", fields={"file": [f"{rtype.label}不接受该格式"]})
