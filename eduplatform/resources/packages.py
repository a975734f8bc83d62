"""Offline packages (校校通 distribution by CD, USB or satellite): export and verified import.

A package is a ZIP with ``manifest.json`` and the files under ``files/``. The manifest lists each
resource's uid, type, metadata and its file's path, size and sha256. Import checks the whole
package before writing anything — a bad checksum, a path leaving the package, a link, a zip bomb,
an unknown resource type or invalid metadata refuses the package whole, with the reason — and is
idempotent: a resource whose uid is already here is skipped.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Response, current_app
from marshmallow import ValidationError

from eduplatform.audit.services import record
from eduplatform.core import packages
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.messages import translate
from eduplatform.core.permissions import visible_to
from eduplatform.core.storage import inspect
from eduplatform.core.storage.base import content_disposition
from eduplatform.core.storage.registry import get_storage
from eduplatform.resources import permissions
from eduplatform.resources.models import COLUMN_ELEMENTS, Resource, ReviewState, Visibility
from eduplatform.resources.specs import get_specs

FORMAT = "eduplatform.resource-package"
VERSION = 1
MANIFEST = packages.MANIFEST
MAX_ENTRIES = 20_000
MAX_RATIO = 200  # uncompressed / compressed, for entries above 1 MiB
MAX_EXPORT = 2000


class PackageRefused(ValidationFailed):
    code = "package_refused"

    def __init__(self, reason: str):
        super().__init__(f"离线包被拒绝：{reason}（未导入任何内容）")


# -- export --------------------------------------------------------------------------------------

def export_package(actor, ids: list[int]) -> tuple[str, int]:
    """Write a package of the given published resources to a temp file; returns (path, count)."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise ValidationFailed("请选择要导出的资源", fields={"ids": ["请选择要导出的资源"]})
    if len(ids) > MAX_EXPORT:
        raise ValidationFailed(f"一次最多导出 {MAX_EXPORT} 个资源")
    resources = list(db.session.scalars(sa.select(Resource).where(Resource.id.in_(ids)).order_by(Resource.id)))
    found = {r.id for r in resources}
    for resource in resources:
        if not permissions.can_export_resource(actor, resource):
            raise PermissionDenied(f"资源 {resource.id} 未发布或无权导出")
    if found != set(ids):
        raise ValidationFailed(f"资源不存在：{sorted(set(ids) - found)}")
    storage = get_storage()
    fd, path = tempfile.mkstemp(prefix="resource-package-", suffix=".zip")
    os.close(fd)
    entries = []
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            written: set[str] = set()
            for resource in resources:
                version = resource.version
                stored = version.file
                ext = stored.key.rsplit(".", 1)[1] if "." in stored.key.rsplit("/", 1)[-1] else "bin"
                member = f"files/{stored.sha256}.{ext}"
                if member not in written:
                    # Media are already compressed; deflating them only costs time.
                    kind = zipfile.ZIP_STORED if stored.content_type.startswith(("video/", "audio/", "image/")) \
                        else zipfile.ZIP_DEFLATED
                    info = zipfile.ZipInfo(member, date_time=packages.zip_time())
                    info.compress_type = kind
                    with archive.open(info, "w", force_zip64=True) as out:
                        for chunk in storage.open(stored.key):
                            out.write(chunk)
                    written.add(member)
                entries.append({
                    "uid": resource.uid,
                    "type": resource.type,
                    "metadata": _metadata(resource),
                    "file": {"path": member, "sha256": stored.sha256, "size": stored.size,
                             "filename": stored.filename, "content_type": stored.content_type,
                             "format": version.format},
                })
            manifest = {"format": FORMAT, "version": VERSION, "created_at": utcnow().isoformat() + "Z",
                        "source": actor.scope_root.name if actor.scope_root else "", "resources": entries}
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    except BaseException:
        os.unlink(path)
        raise
    record("resources", "package.exported", f"导出资源离线包（{len(entries)} 个资源）", actor=actor,
           data={"ids": ids})
    return path, len(entries)


COLLECTION_FIELDS = ("type", "stage", "subject", "grade", "org_id")


def collection_ids(actor, criteria: dict) -> list[int]:
    """Ids of the published resources in the actor's scope matching ``criteria`` (a collection)."""
    from eduplatform.resources.services import published_visible

    unknown = set(criteria) - set(COLLECTION_FIELDS)
    if unknown or not criteria:
        raise ValidationFailed("请选择资源，或按 type、stage、subject、grade、org_id 指定一组资源",
                               fields={"collection": [f"不支持的条件：{sorted(unknown)}" if unknown else "条件为空"]})
    query = visible_to(actor, published_visible(actor), org_column=Resource.org_id).with_only_columns(Resource.id)
    for name, value in criteria.items():
        query = query.where(getattr(Resource, name) == (int(value) if name == "org_id" else value))
    return list(db.session.scalars(query.order_by(Resource.id).limit(MAX_EXPORT + 1)))


def _metadata(resource: Resource) -> dict:
    values = resource.metadata_values()
    return {k: v for k, v in values.items() if v not in (None, "", [])}


def send_package(path: str, count: int) -> Response:
    size = os.path.getsize(path)
    handle = open(path, "rb")  # noqa: SIM115 - closed by the response
    os.unlink(path)  # the open handle keeps the data until the download ends

    def chunks():
        try:
            while block := handle.read(1024 * 1024):
                yield block
        finally:
            handle.close()

    name = f"资源离线包-{count}个资源-{datetime.now(UTC):%Y%m%d}.zip"
    return Response(chunks(), mimetype="application/zip", headers={
        "Content-Disposition": content_disposition(name), "Content-Length": str(size)})


# -- import --------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    skipped: int = 0


def import_from_request(actor, request) -> ImportResult:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择离线包文件", fields={"file": ["请选择离线包文件"]})
    from eduplatform.resources.services import parse_visibility

    visibility = parse_visibility(request.form.get("visibility"), default=_default_visibility(actor),
                                  allow_public=False)
    limit = current_app.config.get("RESOURCES_MAX_PACKAGE_BYTES") or current_app.config["MAX_UPLOAD_BYTES"]
    with tempfile.TemporaryFile() as tmp:
        size = 0
        while block := upload.stream.read(1024 * 1024):
            size += len(block)
            if size > limit:
                raise AppError("离线包超过大小上限", code="too_large", status=413)
            tmp.write(block)
        tmp.seek(0)
        return import_package(actor, tmp, visibility=visibility)


def _default_visibility(actor) -> Visibility:
    return Visibility.SCHOOL if actor.scope_root and not actor.scope_root.is_bureau else Visibility.DISTRICT


def check_package(fileobj, limit_expanded: int):
    """Open and verify a package; returns (archive, manifest, entries) or raises PackageRefused."""
    try:
        opened = packages.open_package(fileobj, fmt=FORMAT, version=VERSION, what="资源离线包",
                                       limits=inspect.ArchiveLimits.from_config(
                                           max_expanded_bytes=limit_expanded, max_entries=MAX_ENTRIES,
                                           max_ratio=MAX_RATIO))
    except packages.PackageError as exc:
        raise PackageRefused(exc.reason) from None
    archive, manifest = opened.archive, opened.manifest
    entries = manifest.get("resources")
    if not isinstance(entries, list) or not entries:
        raise PackageRefused("manifest.json 中没有资源")
    specs = get_specs()
    files: dict[str, tuple[str, int | None]] = {}
    for index, entry in enumerate(entries, 1):
        where = f"第 {index} 个资源"
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), dict):
            raise PackageRefused(f"{where}的描述不完整")
        uid = entry.get("uid")
        if not isinstance(uid, str) or not 8 <= len(uid) <= 64 or not uid.replace("-", "").isalnum():
            raise PackageRefused(f"{where}的 uid 无效")
        file = entry["file"]
        path, digest = file.get("path"), file.get("sha256")
        if not isinstance(path, str) or not packages.safe_member(path) or path not in opened.names \
                or path == packages.MANIFEST:
            raise PackageRefused(f"{where}引用的文件“{str(path)[:80]}”不存在或路径不安全")
        validate_entry(entry, where, specs)
        if path in files and files[path][0] != digest:
            raise PackageRefused(f"文件“{path[:80]}”校验和不符")
        size = file.get("size")
        if path in files and files[path][1] not in (None, size):
            raise PackageRefused(f"文件“{path[:80]}”大小与清单不符")
        files[path] = (digest, size if files.get(path, (None, None))[1] is None else files[path][1])
    try:
        packages.verify_files(opened, files)
    except packages.PackageError as exc:
        raise PackageRefused(exc.reason) from None
    return archive, manifest, entries


def validate_entry(entry: dict, where: str, specs=None) -> None:
    """Check one resource entry of a manifest (or of the distribution feed): its type, file checksum,
    format and metadata; sets ``_type`` and ``_metadata`` on it, or raises PackageRefused."""
    specs = specs or get_specs()
    rtype = specs.get(entry.get("type"))
    if rtype is None:
        raise PackageRefused(f"{where}的资源类型“{entry.get('type')}”不在本平台的规范中")
    file = entry.get("file") or {}
    digest = file.get("sha256")
    if not isinstance(digest, str) or len(digest) != 64:
        raise PackageRefused(f"{where}缺少 sha256 校验值")
    if file.get("format") not in rtype.formats:
        raise PackageRefused(f"{where}的格式“{file.get('format')}”不被{rtype.label}接受")
    try:
        entry["_metadata"] = specs.load_metadata(rtype, entry.get("metadata") or {})
    except ValidationError as exc:
        raise PackageRefused(f"{where}的元数据不符合规范：{_first_error(translate(exc.messages))}") from exc
    entry["_type"] = rtype


def _first_error(messages) -> str:
    if isinstance(messages, dict):
        for key, value in messages.items():
            return f"{key}：{_first_error(value)}"
    if isinstance(messages, list) and messages:
        return _first_error(messages[0])
    return str(messages)


def import_package(actor, fileobj, *, visibility: Visibility) -> ImportResult:
    """Verify a package whole, then add the resources not yet here (published, by ``actor``'s org)."""
    if not permissions.can_manage_packages(actor):
        raise PermissionDenied("只有教育局或学校管理员可以导入离线包")
    limit = current_app.config.get("RESOURCES_MAX_PACKAGE_BYTES") or current_app.config["MAX_UPLOAD_BYTES"]
    archive, manifest, entries = check_package(fileobj, limit_expanded=limit * 4)
    result = ImportResult()
    uids = [e["uid"] for e in entries]
    existing = set(db.session.scalars(sa.select(Resource.uid).where(Resource.uid.in_(uids))))
    with archive:
        for entry in entries:
            if entry["uid"] in existing:
                result.skipped += 1
                continue
            existing.add(entry["uid"])
            with archive.open(entry["file"]["path"]) as member:
                resource = create_from_entry(actor, entry, member, visibility=visibility, note="离线包导入")
            result.created.append(resource)
    record("resources", "package.imported",
           f"导入资源离线包：新增 {len(result.created)} 个，已存在跳过 {result.skipped} 个",
           actor=actor, data={"source": manifest.get("source"), "created": [r.id for r in result.created],
                              "skipped": result.skipped})
    db.session.flush()
    return result


def create_from_entry(actor, entry: dict, fileobj, *, visibility: Visibility, note: str,
                      uid: str | None = None) -> Resource:
    """Add one published resource (owned by ``actor``'s org) from a checked entry (``validate_entry``)
    and its file; the stored file's checksum must be the entry's."""
    from eduplatform.core.storage.probe import probe
    from eduplatform.core.storage.services import store_file
    from eduplatform.core.storage.streams import RangeReader
    from eduplatform.resources.conformance import check_rules
    from eduplatform.resources.services import ProcessingState, ResourceVersion, _split_metadata, jsonable

    file = entry["file"]
    stored = store_file(fileobj, prefix="resources", filename=file.get("filename") or file.get("path") or "file",
                        content_type=file.get("content_type"), actor=actor)
    if stored.sha256 != file["sha256"]:
        raise PackageRefused(f"文件“{(file.get('filename') or file.get('path') or '')[:80]}”写入后校验和不符")
    org = actor.scope_root
    district = org.reviewing_bureau()
    rtype = entry["_type"]
    columns, extra = _split_metadata(entry["_metadata"])
    resource = Resource(uid=uid or entry["uid"], type=rtype.code, format=file["format"], owner_id=actor.id,
                        org_id=org.id, district_id=district.id if district else None,
                        visibility=visibility, state=ReviewState.PUBLISHED, published_at=utcnow(),
                        current_version=1, extra=extra, **columns)
    db.session.add(resource)
    db.session.flush()
    term = get_specs().format_term(file["format"])
    props = probe(term.attrs.get("media", ""), RangeReader(get_storage(), stored.key, stored.size))
    report, status = check_rules(rtype.rules, props)
    db.session.add(ResourceVersion(resource=resource, number=1, file_id=stored.id, format=file["format"],
                                   sha256=stored.sha256, size=stored.size, media_info=jsonable(props),
                                   conformance=report, conformance_status=status,
                                   processing_state=ProcessingState.PENDING,
                                   created_by_id=actor.id, note=note))
    db.session.flush()
    return resource


__all__ = ["COLUMN_ELEMENTS", "PackageRefused", "check_package", "create_from_entry", "export_package", "import_package",
           "validate_entry"]
