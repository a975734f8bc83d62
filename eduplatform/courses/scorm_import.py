"""Importing SCORM 1.2 and 2004 zip packages: checked whole before anything is stored.

Refused with a clear reason, nothing written: not a zip, encrypted members, links, absolute paths or
``..`` (path traversal), too many files, too much unpacked data or a suspicious compression ratio (zip
bombs), no ``imsmanifest.xml`` at the root, XML that does not parse (DTDs and entities are never
loaded), no organisation or launchable item, a launch file missing from the package.

The zip itself and every file of it go to object storage (``store_file``), with a ``ScormFile`` row per
path so the package can be served under the course's URL and its relative links keep working.
"""

from __future__ import annotations

import mimetypes
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flask import current_app

from eduplatform.audit.services import record
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage import inspect
from eduplatform.core.text.xml import local, parse_xml
from eduplatform.courses.models import Course, ScormFile, ScormPackage

REALM = "courses"
DEFAULTS = {"SCORM_MAX_ARCHIVE_BYTES": 512 * 1024 * 1024, "SCORM_MAX_FILES": 5000,
            "SCORM_MAX_UNPACKED_BYTES": 1024 * 1024 * 1024, "SCORM_MAX_RATIO": 200}
MANIFEST = "imsmanifest.xml"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

EXTRA_TYPES = {".js": "application/javascript", ".mjs": "application/javascript", ".json": "application/json",
               ".css": "text/css", ".htm": "text/html", ".html": "text/html", ".xml": "application/xml",
               ".xsd": "application/xml", ".svg": "image/svg+xml", ".woff": "font/woff", ".woff2": "font/woff2",
               ".ttf": "font/ttf", ".otf": "font/otf", ".webm": "video/webm", ".mp4": "video/mp4",
               ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav", ".swf": "application/x-shockwave-flash",
               ".txt": "text/plain", ".vtt": "text/vtt", ".ico": "image/x-icon", ".webp": "image/webp"}


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


class PackageRefused(ValidationFailed):
    code = "bad_package"

    def __init__(self, message: str):
        super().__init__(f"SCORM 课件包无效：{message}", fields={"file": [message]})


def content_type_for(path: str) -> str:
    ext = posixpath.splitext(path)[1].lower()
    return EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def clean_member_name(name: str) -> str:
    """The member's path inside the package; refuses absolute paths, drive letters and '..'."""
    try:
        return inspect.clean_member_name(name, what="SCORM 课件包")
    except inspect.ArchiveRefused as exc:
        raise PackageRefused(exc.reason) from None


@dataclass
class CheckedArchive:
    members: dict[str, zipfile.ZipInfo]  # clean path → member (files only)
    total: int


def archive_limits() -> inspect.ArchiveLimits:
    return inspect.ArchiveLimits.from_config(max_entries=setting("SCORM_MAX_FILES"),
                                             max_expanded_bytes=setting("SCORM_MAX_UNPACKED_BYTES"),
                                             max_ratio=setting("SCORM_MAX_RATIO"))


def check_archive(fileobj) -> CheckedArchive:
    """The platform's archive inspector with the SCORM limits; a refusal says why."""
    try:
        checked = inspect.inspect_zip(fileobj, limits=archive_limits(), what="SCORM 课件包")
    except inspect.ArchiveRefused as exc:
        raise PackageRefused(exc.reason) from None
    return CheckedArchive(checked.members, checked.total)


# --- the manifest -----------------------------------------------------------------------------

def _child(node, name):
    return next((c for c in node if local(c.tag) == name), None)


def _children(node, name):
    return [c for c in node if local(c.tag) == name]


def _text(node, name, default: str = "") -> str:
    found = _child(node, name) if node is not None else None
    return (found.text or "").strip() if found is not None and found.text else default


def _attr(node, name: str, default: str = "") -> str:
    """An attribute by local name, whatever its namespace prefix (adlcp:scormtype, adlcp:scormType…)."""
    for key, value in node.attrib.items():
        if local(key).lower() == name.lower():
            return value
    return default


def detect_version(root) -> tuple[str, str]:
    schema_version = _text(_child(root, "metadata"), "schemaversion")
    namespaces = " ".join(str(v) for v in root.nsmap.values() if v) if hasattr(root, "nsmap") else ""
    if schema_version == "1.2" or "adlcp_rootv1p2" in namespaces:
        return "1.2", ""
    if "2004" in schema_version or "CAM 1.3" in schema_version or "adlcp_v1p3" in namespaces:
        edition = "4th" if "4th" in schema_version else "3rd" if "3rd" in schema_version else ""
        return "2004", edition
    raise PackageRefused("无法识别 SCORM 版本（仅支持 SCORM 1.2 与 SCORM 2004）")


def _join(*parts: str) -> str:
    path = ""
    for part in parts:
        if not part:
            continue
        path = part if part.startswith("/") or "://" in part else posixpath.join(path, part) if path else part
    return path


def parse_manifest(raw: bytes) -> dict:
    """{"version", "edition", "identifier", "title", "items": [...]} from imsmanifest.xml."""
    try:
        root = parse_xml(raw, "imsmanifest.xml")
    except ValidationFailed as exc:
        raise PackageRefused(exc.message) from None
    if local(root.tag) != "manifest":
        raise PackageRefused("imsmanifest.xml 的根元素不是 <manifest>")
    version, edition = detect_version(root)
    resources_node = _child(root, "resources")
    resources = {}
    base_all = resources_node.get(XML_BASE, "") if resources_node is not None else ""
    for res in _children(resources_node, "resource") if resources_node is not None else []:
        resources[res.get("identifier")] = {
            "href": res.get("href", ""), "base": _join(root.get(XML_BASE, ""), base_all, res.get(XML_BASE, "")),
            "scorm_type": _attr(res, "scormtype", "sco").lower()}
    organizations = _child(root, "organizations")
    orgs = _children(organizations, "organization") if organizations is not None else []
    if not orgs:
        raise PackageRefused("清单中没有课程组织（<organization>）")
    default = organizations.get("default")
    org = next((o for o in orgs if o.get("identifier") == default), orgs[0])
    items: list[dict] = []

    def walk(node, depth):
        for item in _children(node, "item"):
            ref = item.get("identifierref")
            entry = {"identifier": item.get("identifier") or f"ITEM-{len(items) + 1}",
                     "title": _text(item, "title") or item.get("identifier") or "未命名", "depth": depth,
                     "href": "", "scorm_type": "", "parameters": item.get("parameters", "")}
            if ref:
                res = resources.get(ref)
                if res is None:
                    raise PackageRefused(f"条目“{entry['title']}”引用的资源 {ref} 在清单中不存在")
                if res["href"]:
                    entry["href"] = _join(res["base"], res["href"])
                    entry["scorm_type"] = res["scorm_type"]
            if version == "1.2":
                entry["mastery_score"] = _text(item, "masteryscore") or None
                entry["launch_data"] = _text(item, "datafromlms")
                entry["max_time_allowed"] = _text(item, "maxtimeallowed")
                entry["time_limit_action"] = _text(item, "timelimitaction")
            else:
                entry["launch_data"] = _text(item, "dataFromLMS")
                threshold = _child(item, "completionThreshold")
                value = None
                if threshold is not None:
                    value = (threshold.text or "").strip() or threshold.get("minProgressMeasure")
                    if value is None and threshold.get("completedByMeasure", "false") == "true":
                        value = "1.0"
                entry["completion_threshold"] = value
                entry["scaled_passing_score"] = _passing_score(item)
            items.append(entry)
            walk(item, depth + 1)

    walk(org, 0)
    if not any(i["href"] for i in items):
        raise PackageRefused("课程组织中没有可启动的学习单元（SCO 或资源）")
    return {"version": version, "edition": edition, "identifier": root.get("identifier", ""),
            "title": _text(org, "title") or root.get("identifier", "") or "SCORM 课件", "items": items}


def _passing_score(item) -> str | None:
    sequencing = _child(item, "sequencing")
    objectives = _child(sequencing, "objectives") if sequencing is not None else None
    primary = _child(objectives, "primaryObjective") if objectives is not None else None
    if primary is None or primary.get("satisfiedByMeasure", "false") != "true":
        return None
    measure = _text(primary, "minNormalizedMeasure")
    return measure or "1.0"


def launch_path(href: str) -> str:
    """The package path a launch href points at (query and fragment dropped, %-escapes decoded)."""
    return clean_member_name(unquote(urlsplit(href).path))


# --- import ---------------------------------------------------------------------------------------

def import_package(actor, course: Course, upload) -> ScormPackage:
    from eduplatform.core.storage.services import safe_filename, store_file

    stream = upload.stream
    stream.seek(0)
    if stream.read(4) != b"PK\x03\x04":
        raise PackageRefused("不是 zip 压缩包")
    stream.seek(0, 2)
    if stream.tell() > setting("SCORM_MAX_ARCHIVE_BYTES"):
        raise PackageRefused(f"压缩包超过 {setting('SCORM_MAX_ARCHIVE_BYTES') // (1024 * 1024)} MB 上限")
    stream.seek(0)
    checked = check_archive(stream)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise PackageRefused(f"压缩包已损坏（{exc}）") from None
    with archive:
        if MANIFEST not in checked.members:
            raise PackageRefused("压缩包根目录缺少 imsmanifest.xml")
        manifest = parse_manifest(_read(archive, checked.members[MANIFEST]))
        for item in manifest["items"]:
            if item["href"] and "://" not in item["href"]:
                path = launch_path(item["href"])
                if path not in checked.members:
                    raise PackageRefused(f"启动文件 {path} 不在压缩包中（条目“{item['title']}”）")
        stream.seek(0)
        zip_row = store_file(stream, prefix="courses/scorm", filename=safe_filename(upload.filename, "package.zip"),
                             content_type="application/zip", actor=actor, archive_limits=False)
        package = ScormPackage(course_id=course.id, version=manifest["version"], edition=manifest["edition"],
                               title=manifest["title"][:200], identifier=manifest["identifier"][:200],
                               items=manifest["items"], file_count=len(checked.members), total_size=checked.total,
                               archive_id=zip_row.id, created_by_id=actor.id)
        db.session.add(package)
        db.session.flush()
        for path, info in checked.members.items():
            try:
                with archive.open(info) as member:
                    stored = store_file(member, prefix=f"courses/scorm/{package.id}",
                                        filename=posixpath.basename(path), content_type=content_type_for(path),
                                        actor=actor, max_size=max(info.file_size, 1))
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
                raise PackageRefused(f"文件 {path} 已损坏（{exc}）") from None
            db.session.add(ScormFile(package_id=package.id, path=path, file_id=stored.id))
        db.session.flush()
    record(REALM, "scorm.imported", f"导入 SCORM {package.version} 课件：{package.title}（{package.file_count} 个文件）",
           actor=actor, obj=package, data={"course": course.id, "items": len(package.items)})
    return package


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as member:
            return member.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise PackageRefused(f"无法读取 {info.filename}（{exc}）") from None
