"""Resource operations: upload, replace, edit, download bookkeeping, favourites, ratings, comments.

Services take an explicit ``actor``, check business rules, write through storage, audit and flush;
the view commits. Review runs on the process engine through ``review.py``; text extraction and thumbnails in
``processing.py``; offline packages in ``packages.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from marshmallow import ValidationError

from eduplatform.audit.services import diff, record
from eduplatform.core.api import refusal
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.inspect import EXECUTABLE_EXTENSIONS, extension_of, inspect_upload, refine_zip
from eduplatform.core.storage.models import StoredFile
from eduplatform.core.storage.probe import probe
from eduplatform.core.storage.registry import get_storage
from eduplatform.core.storage.services import safe_filename, store_file
from eduplatform.core.storage.streams import RangeReader
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.resources import permissions, review
from eduplatform.resources.conformance import check_rules
from eduplatform.resources.formats import format_of, match_format
from eduplatform.resources.models import (
    COLUMN_ELEMENTS,
    Comment,
    DownloadTally,
    Favourite,
    ProcessingState,
    Rating,
    Resource,
    ResourceVersion,
    ReviewState,
    Visibility,
)
from eduplatform.resources.specs import ResourceType, get_specs, plain

MAX_COMMENT = 2000
VISIBILITY_INPUT = {**{v.value: v for v in Visibility}, **{v.label: v for v in Visibility},
                    "本校": Visibility.SCHOOL, "本单位": Visibility.SCHOOL}


# -- input ---------------------------------------------------------------------------------------

def resolve_type(value) -> ResourceType:
    rtype = get_specs().resolve_type(value)
    if rtype is None:
        labels = "、".join(f"{t.label}（{t.code}）" for t in get_specs().types.values())
        raise ValidationFailed(f"请选择资源类型；可选：{labels}", code="unknown_type",
                               fields={"type": ["未知的资源类型"]})
    return rtype


def parse_visibility(value, default: Visibility = Visibility.PLATFORM, *, allow_public: bool = True) -> Visibility:
    """The chosen visibility; 向社会公开 (``public``) is a request the review decides (``allow_public``
    False where no review follows, e.g. an offline package whose resources are published at once)."""
    if value in (None, ""):
        return default
    found = VISIBILITY_INPUT.get(str(value).strip())
    if found is None or (found == Visibility.PUBLIC and not allow_public):
        choices = "向社会公开（public）、" if allow_public else ""
        raise ValidationFailed(f"可见范围应为 {choices}全平台（platform）、本区县（district）或 本校（school）",
                               fields={"visibility": ["可见范围无效"]})
    return found


def visibility_fields(wanted: Visibility) -> dict:
    """The columns a draft's chosen visibility sets: 向社会公开 is only requested (the review's
    publishing step decides it); until then the resource counts as 全平台."""
    if wanted == Visibility.PUBLIC:
        return {"visibility": Visibility.PLATFORM, "requested_visibility": Visibility.PUBLIC}
    return {"visibility": wanted, "requested_visibility": None}


def validate_metadata(rtype: ResourceType, form) -> dict:
    """The type's elements from a form/dict, validated by the generated schema (422 on errors)."""
    specs = get_specs()
    try:
        return specs.load_metadata(rtype, specs.form_data(rtype, form))
    except ValidationError as exc:
        raise refusal(exc, message="资源信息填写有误") from exc


def _split_metadata(metadata: dict) -> tuple[dict, dict]:
    columns = {name: metadata.get(name) for name in COLUMN_ELEMENTS}
    columns["description"] = columns["description"] or ""
    columns["knowledge_points"] = columns["knowledge_points"] or []
    columns["keywords"] = columns["keywords"] or []
    extra = {k: plain(v) for k, v in metadata.items() if k not in COLUMN_ELEMENTS and v is not None}
    return columns, extra


# -- storing a file ------------------------------------------------------------------------------

@dataclass
class StoredUpload:
    stored: object  # StoredFile
    format: str
    media_info: dict
    conformance: list
    status: str


def upload_limit() -> int:
    return int(current_app.config.get("RESOURCES_MAX_UPLOAD_BYTES") or current_app.config["MAX_UPLOAD_BYTES"])


def store_upload(actor, rtype: ResourceType, file) -> StoredUpload:
    """Sniff, stream to storage, refine, probe and check the quality rules of ``rtype``."""
    stored, fmt, props = store_measured(actor, file, rtype)
    report, status = check_rules(rtype.rules, props)
    return StoredUpload(stored, fmt, props, report, status)


def store_measured(actor, file, rtype: ResourceType | None = None):
    """Sniff, stream to storage, refine and probe a file: (stored file, format, measured properties).

    With ``rtype``, a format the type does not take is refused before a byte is stored; without it
    (the upload's file-first step) any format of the library is taken."""
    specs = get_specs()
    # The format vocabulary decides the format, in the library's words (format_of); store_file checks
    # the platform's extension/content rule again as it stores.
    inspected = inspect_upload(file, allow_empty=False, check_type=False)
    name = safe_filename(inspected.filename)
    kind = inspected.kind
    fmt = None
    if kind == "zip":
        if extension_of(name) in EXECUTABLE_EXTENSIONS:
            format_of(specs, name, "executable")  # raises
    else:
        fmt = _format_for(specs, rtype, name, kind)  # refuses before a byte is stored
    term = specs.format_term(fmt)
    content_type = term.attrs.get("mime") if term else "application/octet-stream"
    stored = store_file(inspected.stream, prefix="resources", filename=name, content_type=content_type,
                        actor=actor, max_size=upload_limit())
    reader = RangeReader(get_storage(), stored.key, stored.size)
    if fmt is None:
        fmt = _format_for(specs, rtype, name, refine_zip(reader))
        term = specs.format_term(fmt)
        stored.content_type = term.attrs.get("mime") or "application/zip"
    props = probe(term.attrs.get("media", ""), reader)
    return stored, fmt, props


def _format_for(specs, rtype: ResourceType | None, name: str, kind: str) -> str:
    return match_format(specs, rtype, name, kind) if rtype is not None else format_of(specs, name, kind)


def find_duplicate(actor, sha256: str, exclude: Resource | None = None) -> Resource | None:
    """A resource the actor can see whose current or earlier file has the same content."""
    query = (sa.select(Resource).join(ResourceVersion, ResourceVersion.resource_id == Resource.id)
             .where(ResourceVersion.sha256 == sha256))
    if exclude is not None:
        query = query.where(Resource.id != exclude.id)
    return db.session.scalars(permissions.visible_resources(actor, query).limit(1)).first()


def refuse_duplicate(actor, sha256: str, exclude: Resource | None = None) -> None:
    existing = find_duplicate(actor, sha256, exclude)
    if existing is not None:
        raise Conflict(f"相同内容的资源已存在：《{existing.title}》，请直接使用该资源",
                       code="duplicate", fields={"existing_id": existing.id,
                                                 "existing_url": f"/resources/{existing.id}"})


# -- create / replace / edit ---------------------------------------------------------------------

def create_resource(actor, *, rtype: ResourceType, metadata: dict, visibility: Visibility, file=None,
                    prepared: StoredUpload | None = None) -> Resource:
    """A new draft resource with its first file version: ``file`` is stored now, ``prepared`` was stored
    by the upload's file-first step (``staging``)."""
    if not permissions.can_upload_resource(actor):
        raise PermissionDenied("您没有上传资源的权限")
    upload = prepared if prepared is not None else store_upload(actor, rtype, file)
    refuse_duplicate(actor, upload.stored.sha256)
    org = actor.scope_root
    district = org.reviewing_bureau()
    columns, extra = _split_metadata(metadata)
    resource = Resource(type=rtype.code, format=upload.format, owner_id=actor.id, org_id=org.id,
                        district_id=district.id if district else None, **visibility_fields(visibility),
                        state=ReviewState.DRAFT, current_version=1, extra=extra, **columns)
    db.session.add(resource)
    db.session.flush()
    _add_version(actor, resource, upload, number=1)
    record("resources", "resource.created", f"上传资源《{resource.title}》（{rtype.label}，{upload.format}）",
           actor=actor, obj=resource, data={"type": rtype.code, "file_id": upload.stored.id,
                                            "conformance": upload.status, "visibility": visibility.value})
    db.session.flush()
    return resource


def _add_version(actor, resource: Resource, upload: StoredUpload, number: int, note: str | None = None):
    version = ResourceVersion(resource=resource, number=number, file_id=upload.stored.id,
                              format=upload.format, sha256=upload.stored.sha256, size=upload.stored.size,
                              media_info=jsonable(upload.media_info), conformance=upload.conformance,
                              conformance_status=upload.status, processing_state=ProcessingState.PENDING,
                              created_by_id=getattr(actor, "id", None), note=note)
    db.session.add(version)
    db.session.flush()
    return version


def jsonable(props: dict) -> dict:
    return {k: v for k, v in props.items() if isinstance(v, (str, int, float, bool)) or v is None}


def replace_file(actor, resource: Resource, file, note: str | None = None) -> ResourceVersion:
    """Upload a new file: a new version becomes current; the old ones stay for owner and reviewers."""
    if not permissions.can_edit_resource(actor, resource):
        raise PermissionDenied("只有上传者可以在资源未处于审核中时更换文件")
    rtype = get_specs().get(resource.type)
    if rtype is None:
        raise ValidationFailed(f"资源类型 {resource.type} 已不在规范中，不能更换文件")
    upload = store_upload(actor, rtype, file)
    if any(v.sha256 == upload.stored.sha256 for v in resource.versions if v.number == resource.current_version):
        raise Conflict("新文件与当前版本内容相同", code="same_content")
    refuse_duplicate(actor, upload.stored.sha256, exclude=resource)
    number = max(v.number for v in resource.versions) + 1
    version = _add_version(actor, resource, upload, number=number, note=(note or "").strip()[:500] or None)
    previous = resource.current_version
    resource.current_version = number
    resource.format = upload.format
    review.withdraw_for_change(resource, actor)
    record("resources", "resource.file_replaced",
           f"《{resource.title}》更换文件：版本 {previous} → {number}", actor=actor, obj=resource,
           data={"from_version": previous, "to_version": number, "file_id": upload.stored.id})
    db.session.flush()
    return version


def update_metadata(actor, resource: Resource, metadata: dict, visibility: Visibility | None = None) -> dict:
    if not permissions.can_edit_resource(actor, resource) or resource.state == ReviewState.PUBLISHED:
        raise PermissionDenied("只有上传者可以修改草稿或被退回资源的信息")
    columns, extra = _split_metadata(metadata)
    changes = diff(resource, {**columns, "extra": extra,
                              **(visibility_fields(visibility) if visibility is not None else {})})
    if changes:
        record("resources", "resource.updated", f"修改资源《{resource.title}》的信息", actor=actor, obj=resource,
               data={"changes": changes})
    db.session.flush()
    return changes


def get_resource(resource_id: int) -> Resource:
    resource = db.session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("资源不存在")
    return resource


def get_version(resource: Resource, number: int) -> ResourceVersion:
    version = next((v for v in resource.versions if v.number == number), None)
    if version is None:
        raise NotFound("该版本不存在")
    return version


def record_download(resource: Resource, actor=None) -> None:
    """Count a download without reindexing now (a SQL increment; the worker refreshes the index),
    and tally it for the downloader's org unit (the schools' platform-use indicators)."""
    db.session.execute(sa.update(Resource).where(Resource.id == resource.id)
                       .values(download_count=Resource.download_count + 1, index_stale=True)
                       .execution_options(synchronize_session=False))
    org_id = getattr(actor, "org_id", None)
    if org_id:
        _tally_download(org_id)


def _tally_download(org_id: int) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    today = datetime.now(LOCAL_TZ).date()
    statement = insert(DownloadTally).values(org_id=org_id, day=today, count=1)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[DownloadTally.org_id, DownloadTally.day], set_={"count": DownloadTally.count + 1}))


# -- favourites, ratings, comments ---------------------------------------------------------------

def _require_use(actor, resource: Resource) -> None:
    if not permissions.can_use_resource(actor, resource):
        raise PermissionDenied("只能收藏、评价已发布且您可以查看的资源")


def set_favourite(actor, resource: Resource, on: bool) -> bool:
    _require_use(actor, resource)
    existing = db.session.get(Favourite, (actor.id, resource.id))
    if on and existing is None:
        db.session.add(Favourite(user_id=actor.id, resource_id=resource.id))
        resource.favourite_count += 1
    elif not on and existing is not None:
        db.session.delete(existing)
        resource.favourite_count = max(0, resource.favourite_count - 1)
    db.session.flush()
    return on


def is_favourite(user, resource: Resource) -> bool:
    return db.session.get(Favourite, (user.id, resource.id)) is not None


def rate(actor, resource: Resource, stars) -> Rating:
    _require_use(actor, resource)
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationFailed("评分应为 1–5 星", fields={"stars": ["评分应为 1–5 星"]})
    if resource.owner_id == actor.id:
        raise ValidationFailed("不能给自己上传的资源评分", code="own_resource")
    rating = db.session.get(Rating, (actor.id, resource.id))
    if rating is None:
        rating = Rating(user_id=actor.id, resource_id=resource.id, stars=stars)
        db.session.add(rating)
        resource.rating_count += 1
        resource.rating_sum += stars
    else:
        resource.rating_sum += stars - rating.stars
        rating.stars = stars
    db.session.flush()
    return rating


def my_rating(user, resource: Resource) -> int | None:
    rating = db.session.get(Rating, (user.id, resource.id))
    return rating.stars if rating else None


def add_comment(actor, resource: Resource, body: str) -> Comment:
    _require_use(actor, resource)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("评论内容不能为空", fields={"body": ["请填写评论内容"]})
    if len(body) > MAX_COMMENT:
        raise ValidationFailed(f"评论不能超过 {MAX_COMMENT} 字", fields={"body": ["评论过长"]})
    comment = Comment(resource_id=resource.id, user_id=actor.id, body=body)
    db.session.add(comment)
    resource.comment_count += 1
    db.session.flush()
    record("resources", "comment.created", f"评论资源《{resource.title}》", actor=actor, obj=comment)
    return comment


def delete_comment(actor, comment: Comment) -> None:
    resource = get_resource(comment.resource_id)
    if not permissions.can_delete_comment(actor, comment, resource):
        raise PermissionDenied("只能删除自己的评论")
    if comment.deleted_at is None:
        comment.deleted_at = utcnow()
        comment.deleted_by_id = actor.id
        resource.comment_count = max(0, resource.comment_count - 1)
        record("resources", "comment.deleted", f"删除对《{resource.title}》的评论", actor=actor, obj=comment)
    db.session.flush()


def comments_of(resource: Resource) -> list[Comment]:
    return list(db.session.scalars(sa.select(Comment).where(Comment.resource_id == resource.id,
                                                            Comment.deleted_at.is_(None))
                                   .order_by(Comment.id.desc())))


# -- lists ---------------------------------------------------------------------------------------

def published_visible(user):
    return permissions.visible_resources(user, sa.select(Resource)).where(Resource.state == ReviewState.PUBLISHED)


def latest(user, limit: int = 10) -> list[Resource]:
    return list(db.session.scalars(published_visible(user).order_by(Resource.published_at.desc(),
                                                                    Resource.id.desc()).limit(limit)))


def most_used(user, limit: int = 10) -> list[Resource]:
    return list(db.session.scalars(published_visible(user).order_by(Resource.download_count.desc(),
                                                                    Resource.id.desc()).limit(limit)))


def my_uploads(user):
    return sa.select(Resource).where(Resource.owner_id == user.id).order_by(Resource.updated_at.desc(),
                                                                            Resource.id.desc())


def my_favourites(user):
    return (permissions.visible_resources(user, sa.select(Resource))
            .join(Favourite, sa.and_(Favourite.resource_id == Resource.id, Favourite.user_id == user.id))
            .order_by(Favourite.created_at.desc()))


def create_from_upload(actor, upload) -> Resource:
    """A resource from a parsed upload (``upload.StreamingUpload`` or ``ParsedUpload``).

    Metadata comes from the fields sent before the file, and is validated before the file is read.
    """
    if not permissions.can_upload_resource(actor):
        raise PermissionDenied("您没有上传资源的权限")
    fields = upload.fields
    rtype = resolve_type(fields.get("type"))
    metadata = validate_metadata(rtype, fields)
    visibility = parse_visibility(fields.get("visibility"))
    resource = create_resource(actor, rtype=rtype, metadata=metadata, visibility=visibility, file=upload.file)
    upload.finish()
    if upload.fields_after_file:
        raise ValidationFailed("元数据字段须放在文件之前提交（" + "、".join(upload.fields_after_file) + "）",
                               code="fields_after_file")
    return resource


def preview_page_file(version: ResourceVersion | None, number: int) -> StoredFile | None:
    """The stored image of page ``number`` (1-based) of the version's preview (made by ``processing``);
    other domains showing a resource (courses' lessons) serve its pages through this."""
    from eduplatform.core.storage.page_images import page_file

    return page_file(version.preview_pages if version is not None else None, number)
