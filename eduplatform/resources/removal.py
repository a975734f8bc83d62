"""Deleting a resource that was never published (草稿 / 已退回) — by its owner, for good.

Everything goes in one transaction: the resource row, its versions, favourites, ratings and
comments, and the stored-file rows of every version's file, thumbnail and preview pages; the search entry is
removed by the index's commit hook (``search/registry.py``), the objects by storage's
(``storage.services.delete_file``: deleted only after the commit succeeds, kept when it rolls back).
A running review (a returned resource's) is cancelled through the engine, so its event flow stays.

Refused with 409 once the resource is under review or published (or was ever published: others may
have downloaded, favourited or packaged it — take it down instead), and while another domain uses
it: the domains that link resources register a usage finder (``resources.register_usage_finder``;
courses: the lessons that play it), so resources names none of them. Offline packages keep no rows
pointing at resources (an import creates resources, matched by ``uid``), so nothing there refers to it.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict, PermissionDenied
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.core.storage.services import delete_file
from eduplatform.resources import USAGE_FINDERS, permissions, review
from eduplatform.resources.models import Comment, Favourite, Rating, Resource, ReviewState

CANCEL_REASON = "上传者删除了该资源"


def was_ever_published(resource: Resource) -> bool:
    """A review of the resource reached 已发布 at some point (the engine's event flow says so)."""
    return workflow.ever_reached(review.PROCESS, review.SUBJECT, resource.id, ReviewState.PUBLISHED.value) \
        or resource.published_at is not None


def check_unused(resource: Resource) -> None:
    """Raise 409 resource_in_use while a registered finder (a course lesson …) still uses ``resource``."""
    for finder in USAGE_FINDERS.values():
        used = finder.find(resource)
        if used:
            raise Conflict(f"该资源正被{finder.label}使用（{'、'.join(used[:5])}{' 等' if len(used) > 5 else ''}），"
                           f"{finder.hint}", code="resource_in_use")


def check_deletable(actor, resource: Resource) -> None:
    """Raise unless ``actor`` may delete ``resource`` now (403 not the owner, 409 a state rule)."""
    if resource.owner_id != getattr(actor, "id", None):
        raise PermissionDenied("只有上传者本人可以删除资源")
    if resource.state not in permissions.DELETABLE_STATES:
        raise Conflict(f"资源当前状态为“{resource.state.label}”，已提交审核或已发布的资源不能删除"
                       + ("；如不再共享，请使用“下架”" if resource.state == ReviewState.PUBLISHED else ""),
                       code="not_deletable")
    if was_ever_published(resource):
        raise Conflict("该资源曾经发布过，可能已被他人下载或收藏，不能删除", code="not_deletable")
    check_unused(resource)


def delete_resource(actor, resource: Resource) -> dict:
    """Delete ``resource`` and everything of it; the caller commits (objects go after the commit)."""
    check_deletable(actor, resource)
    return purge_resource(actor, resource)


def purge_resource(actor, resource: Resource) -> dict:
    """Delete ``resource`` and everything of it without the owner's rules: for a copy this platform
    holds on another's behalf (a school node's synced copy, retired by the city)."""
    instance = review.current_instance(resource)
    if instance is not None:
        workflow.cancel(instance, actor, CANCEL_REASON)
    files = []
    for version in resource.versions:
        files += [f for f in (version.file, version.thumbnail) if f is not None]
        files += [f for f in (db.session.get(StoredFile, i) for i in version.preview_files) if f is not None]
    summary = {"title": resource.title, "uid": resource.uid, "state": resource.state.value,
               "versions": len(resource.versions), "files": [f.key for f in files],
               "instances": list(db.session.scalars(review.instances_of(resource)))}
    record("resources", "resource.deleted",
           f"删除资源《{resource.title}》（{resource.state.label}，{len(resource.versions)} 个版本）",
           actor=actor, obj=resource, data=summary)
    for model in (Favourite, Rating, Comment):
        db.session.execute(sa.delete(model).where(model.resource_id == resource.id)
                           .execution_options(synchronize_session=False))
    db.session.delete(resource)  # its versions go with it (cascade); the search hook sees the delete
    db.session.flush()
    for stored in files:
        delete_file(stored, actor=actor)
    db.session.flush()
    return summary


__all__ = ["check_deletable", "check_unused", "delete_resource", "purge_resource", "was_ever_published"]
