"""IMS Common Cartridge 1.1–1.3 (import): the question banks and quizzes of a cartridge.

Resources of type ``imsqti_xmlv1p2/imscc_xmlv1pN/question-bank`` and ``…/assessment`` in
``imsmanifest.xml`` are QTI 1.2 files read by :mod:`qti12`; pictures they reference through
``$IMS-CC-FILEBASE$`` (or a relative path) are taken from the cartridge. Everything else in the
cartridge (pages, links, discussions) is not a question and is left alone.
"""

from __future__ import annotations

import posixpath
import re

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.text.xml import local, parse_xml
from eduplatform.questions.formats.base import Format, ParseResult, register_format
from eduplatform.questions.formats.qti import open_package, package_image
from eduplatform.questions.formats.qti12 import FILEBASE, read_items

QTI_RESOURCE = re.compile(r"^imsqti_xmlv1p2/imscc_xmlv1p\d/(assessment|question-bank)$")


def parse(raw: bytes) -> ParseResult:
    result = ParseResult()
    archive = open_package(raw, "课程包（Common Cartridge）")
    names = set(archive.namelist())
    if "imsmanifest.xml" not in names:
        raise ValidationFailed("课程包缺少 imsmanifest.xml", code="bad_file")
    manifest = parse_xml(archive.read("imsmanifest.xml"), "imsmanifest.xml")
    number = 0
    for resource in (el for el in manifest.iter() if isinstance(el.tag, str) and local(el.tag) == "resource"):
        if not QTI_RESOURCE.match(resource.get("type") or ""):
            continue
        files = [f.get("href") for f in resource if isinstance(f.tag, str) and local(f.tag) == "file"]
        href = resource.get("href") or next((f for f in files if f and f.endswith(".xml")), None)
        href = posixpath.normpath(href or "")
        if href not in names:
            result.problem(f"清单引用的文件不存在：{href}")
            continue
        try:
            root = parse_xml(archive.read(href), href)
        except ValidationFailed as exc:
            result.problem(exc.message)
            continue

        def images(src: str, base: str = href) -> str:
            if src.startswith(FILEBASE):
                src = src[len(FILEBASE):].lstrip("/")
                for candidate in (posixpath.join(posixpath.dirname(base), src), src, f"web_resources/{src}"):
                    if posixpath.normpath(candidate) in names:
                        return package_image(archive, None, posixpath.normpath(candidate))
            return package_image(archive, base, src)

        holder = next((el for el in root.iter() if isinstance(el.tag, str)
                       and local(el.tag) in ("assessment", "objectbank")), root)
        category = (holder.get("title") or "").strip()
        try:
            number = read_items(root, images, result, category=category, start=number)
        except ValueError as exc:  # a picture that is not in the cartridge
            result.problem(f"{href}：{exc}")
    if not result.items and not result.problems:
        result.problem("课程包中没有题库或测验（imsqti_xmlv1p2 … question-bank / assessment）")
    return result


register_format(Format("cc", "IMS Common Cartridge 1.1–1.3", (".imscc", ".zip"), parse, None,
                       content_type="application/zip"))
