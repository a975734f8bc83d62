"""The file first: an upload's first step stores and measures the file before the form is filled.

What the file is tells the form most of what it needs: its format decides which resource types can
take it, its name often says which one (「期末试卷.docx」 is a 试卷, 「微课：光合作用.mp4」 a 视频素材),
and the technical check can be read before a word is typed. The second step shows the form for the
guessed type, prefilled from the file and the teacher's profile; the resource is made from the staged
file when it is submitted. A staged file not used within a day is removed (``remove_stale``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePath

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.services import delete_file
from eduplatform.resources import permissions
from eduplatform.resources.conformance import check_rules
from eduplatform.resources.formats import require_accepted
from eduplatform.resources.models import Resource, StagedUpload
from eduplatform.resources.specs import ResourceType, get_specs

#: a staged file nobody turned into a resource within this time is removed
STALE_AFTER = timedelta(hours=24)


def stage_file(actor, file) -> StagedUpload:
    """Store and measure a file for ``actor``'s next resource; refuse what no type takes, or a duplicate."""
    from eduplatform.resources import services

    if not permissions.can_upload_resource(actor):
        raise PermissionDenied("您没有上传资源的权限")
    stored, fmt, props = services.store_measured(actor, file)
    if not candidate_types(fmt):
        raise ValidationFailed("该格式不属于任何资源类型可接受的格式", code="unsupported_format",
                               fields={"file": ["该格式不属于任何资源类型可接受的格式"]})
    services.refuse_duplicate(actor, stored.sha256)
    staged = StagedUpload(owner_id=actor.id, file_id=stored.id, format=fmt,
                          media_info=services.jsonable(props))
    db.session.add(staged)
    db.session.flush()
    record("resources", "resource.file_staged", f"选择文件 {stored.filename}，待填写资源信息",
           actor=actor, obj=stored, data={"format": fmt, "size": stored.size, "staged": staged.token})
    return staged


def get_staged(actor, token: str | None) -> StagedUpload:
    """The actor's own staged file; another person's token is as unknown as a made-up one."""
    staged = db.session.scalar(sa.select(StagedUpload).where(StagedUpload.token == (token or ""),
                                                             StagedUpload.owner_id == actor.id))
    if staged is None:
        raise ValidationFailed("所选文件已失效，请重新选择文件", code="staged_missing",
                               fields={"file": ["所选文件已失效，请重新选择文件"]})
    return staged


def candidate_types(fmt: str) -> list[ResourceType]:
    """The types whose formats include ``fmt``, in the specification's order."""
    return [t for t in get_specs().types.values() if fmt in t.formats]


def guess_type(fmt: str, filename: str, preferred: str | None = None) -> ResourceType:
    """The first guess among the candidates: the type asked for (from a link), a word in the file's
    name, the format's usual type, else the first that takes it."""
    specs = get_specs()
    candidates = candidate_types(fmt)
    asked = specs.resolve_type(preferred)
    if asked is not None and asked in candidates:
        return asked
    stem = PurePath(filename or "").stem.lower()
    hinted = [t for t in candidates if any(h.lower() in stem for h in t.name_hints)]
    if hinted:
        return hinted[0]
    term = specs.format_term(fmt)
    usual = specs.resolve_type(term.attrs.get("usual_type") if term else None)
    return usual if usual in candidates else candidates[0]


def check(rtype: ResourceType, staged: StagedUpload) -> tuple[list[dict], str]:
    return check_rules(rtype.rules, staged.media_info or {})


def prefill(actor, staged: StagedUpload, rtype: ResourceType) -> dict:
    """Form values from the file (its name as the title) and the person (学段 and 学科 when there is
    one of each, the author's name, Chinese)."""
    from eduplatform.resources.workbench import interests

    values: dict = {"title": title_from_filename(staged.file.filename)}
    stages, subjects = interests(actor)
    if len(stages) == 1:
        values["stage"] = stages[0]
    if len(subjects) == 1:
        values["subject"] = subjects[0]
    if rtype.element("author") is not None:
        values["author"] = actor.display_name
    language = get_specs().vocabularies.get("language")
    if rtype.element("language") is not None and language is not None and "zh" in language.by_code:
        values["language"] = "zh"
    return values


def title_from_filename(filename: str | None) -> str:
    """「第三单元_测试卷（A卷）.docx」 → 「第三单元 测试卷（A卷）」."""
    stem = PurePath(filename or "").stem
    return " ".join(stem.replace("_", " ").split())[:200]


def create_from_staged(actor, staged: StagedUpload, fields) -> Resource:
    """The resource the form describes, with the staged file as its first version."""
    from eduplatform.resources import services

    rtype = services.resolve_type(fields.get("type"))
    require_accepted(get_specs(), rtype, staged.format, PurePath(staged.file.filename).suffix.lstrip("."))
    metadata = services.validate_metadata(rtype, fields)
    visibility = services.parse_visibility(fields.get("visibility"))
    report, status = check(rtype, staged)
    prepared = services.StoredUpload(staged.file, staged.format, dict(staged.media_info or {}), report, status)
    resource = services.create_resource(actor, rtype=rtype, metadata=metadata, visibility=visibility,
                                        prepared=prepared)
    db.session.delete(staged)
    db.session.flush()
    return resource


def discard(actor, staged: StagedUpload) -> None:
    """The person chose another file: the staged one goes."""
    record("resources", "resource.file_unstaged", f"放弃所选文件 {staged.file.filename}",
           actor=actor, obj=staged.file, data={"staged": staged.token})
    stored = staged.file
    db.session.delete(staged)
    db.session.flush()
    delete_file(stored, actor=actor)


def remove_stale(now=None) -> int:
    """Remove staged files older than ``STALE_AFTER`` (the worker's round calls it); returns how many."""
    cutoff = (now or utcnow()) - STALE_AFTER
    rows = db.session.scalars(sa.select(StagedUpload).where(StagedUpload.created_at < cutoff)).all()
    for staged in rows:
        stored = staged.file
        db.session.delete(staged)
        db.session.flush()
        delete_file(stored)
    if rows:
        record("resources", "resource.staged_expired", f"清理 {len(rows)} 个超过一天未填写信息的已选文件",
               data={"count": len(rows)})
    return len(rows)
