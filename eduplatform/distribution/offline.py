"""A push's revision for one school as an offline package (USB, disc): the signed package format of
``core.packages`` — ``manifest.json`` listing the school's deliveries with their resource entries (as in
a resource offline package) and ``files/<sha256>``, signed with the school's node-token digest, which
both the city and the node hold. Importing it on the node gives the state a network sync gives; the
receipts go to the city with the next online sync."""

from __future__ import annotations

import os
import tempfile

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core import packages
from eduplatform.core.db import utcnow
from eduplatform.core.errors import NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.registry import get_storage
from eduplatform.distribution import permissions
from eduplatform.distribution.models import Delivery, NodeItem, NodeToken, Push

FORMAT = "eduplatform.distribution-package"
VERSION = 1


def _key(token_hash: str) -> bytes:
    return bytes.fromhex(token_hash)


def export_for_school(actor, push: Push, school) -> str:
    """Write the package of ``push`` for ``school`` to a temp file; returns its path."""
    from eduplatform.distribution.feed import delivery_entry, delivery_file

    if not permissions.can_view_push(actor, push) or not permissions.can_issue_token(actor, school):
        raise PermissionDenied("无权导出该学校的离线包")
    token = db.session.scalar(sa.select(NodeToken).where(NodeToken.school_id == school.id,
                                                         NodeToken.revoked_at.is_(None)))
    if token is None:
        raise ValidationFailed("该学校还没有校园节点令牌：请先签发令牌，离线包用它签名")
    deliveries = list(db.session.scalars(sa.select(Delivery).where(
        Delivery.push_id == push.id, Delivery.school_id == school.id, Delivery.seq.is_not(None)).order_by(Delivery.seq)))
    if not deliveries:
        raise NotFound("该学校没有这次推送的内容（或推送尚未开始）")
    fd, path = tempfile.mkstemp(prefix="distribution-package-", suffix=".zip")
    os.close(fd)
    writer = packages.PackageWriter(path, key=_key(token.token_hash))
    entries = []
    try:
        for delivery in deliveries:
            change = {"delivery_id": delivery.id, "seq": delivery.seq, "action": delivery.action,
                      "uid": delivery.resource.uid, "title": delivery.resource.title, "sha256": delivery.sha256,
                      "size": delivery.size, "channel": push.channel.name, "revision": push.revision}
            if delivery.action != "retired":
                entry = delivery_entry(token, delivery.id)
                file = delivery_file(token, delivery.id)
                member = f"files/{file.sha256}"
                writer.add_file(member, get_storage().open(file.key), compress=False)
                entry["file"]["path"] = member
                change["entry"] = entry
            entries.append(change)
        writer.close({"format": FORMAT, "version": VERSION, "created_at": utcnow().isoformat() + "Z",
                      "school": {"code": school.code, "name": school.name}, "push": push.id,
                      "channel": push.channel.name, "revision": push.revision, "deliveries": entries})
    except BaseException:
        writer.abort()
        os.unlink(path)
        raise
    record("distribution", "push.package_exported",
           f"导出“{school.name}”的离线包：{push.channel.name} 第 {push.revision} 版（{len(entries)} 项）",
           actor=actor, obj=push, data={"school": school.id, "deliveries": len(entries)})
    return path


def import_on_node(fileobj, token_plain: str) -> dict:
    """Verify the package whole (signature, every checksum), then bring the node to its state."""
    from eduplatform.distribution.feed import _hash
    from eduplatform.resources.packages import PackageRefused

    try:
        opened = packages.open_package(fileobj, fmt=FORMAT, version=VERSION, what="校校通离线包",
                                       key=_key(_hash(token_plain)))
        deliveries = opened.manifest.get("deliveries") or []
        files = {d["entry"]["file"]["path"]: (d["entry"]["file"]["sha256"], d["entry"]["file"]["size"])
                 for d in deliveries if d.get("entry")}
        packages.verify_files(opened, files)
    except (packages.PackageError, KeyError, TypeError) as exc:
        raise PackageRefused(getattr(exc, "reason", "清单不完整")) from None
    with opened.archive:
        return _apply(opened, deliveries)


def _apply(opened, deliveries: list) -> dict:
    from eduplatform.distribution import node
    from eduplatform.resources.models import Visibility
    from eduplatform.resources.packages import create_from_entry, validate_entry
    from eduplatform.resources.processing import process_after_commit

    actor = node.ensure_school_from(opened.manifest["school"])
    result = {"installed": 0, "retired": 0, "skipped": 0}
    for change in deliveries:
        item = db.session.scalar(sa.select(NodeItem).where(NodeItem.delivery_id == change["delivery_id"]))
        if item is None:
            item = NodeItem(delivery_id=change["delivery_id"], resource_uid=change["uid"])
            db.session.add(item)
        item.sha256, item.size, item.entry = change["sha256"], change["size"], {
            k: v for k, v in change.items() if k != "entry"}
        if change["action"] == "retired":
            item.state = "retire" if item.state != "retired" else "retired"
            continue
        if item.state == "done" and node._local_resource(item.resource_uid) is not None:
            result["skipped"] += 1
            continue
        entry = change["entry"]
        validate_entry(entry, "离线包中的资源")
        old = node._local_resource(item.resource_uid)
        if old is not None:
            from eduplatform.resources.removal import purge_resource

            purge_resource(actor, old)
        with opened.archive.open(entry["file"]["path"]) as member:
            resource = create_from_entry(actor, entry, member, visibility=Visibility.PLATFORM, note="校校通离线包")
        item.state, item.resource_id, item.reason, item.reported = "done", resource.id, None, False
        result["installed"] += 1
        record("distribution", "node.item_received", f"校校通离线包收到“{change.get('title', '')}”（校验通过）",
               actor=actor, obj=resource, data={"delivery": item.delivery_id, "sha256": item.sha256})
        db.session.commit()
        process_after_commit(resource)
    db.session.commit()
    sync_result = node.SyncResult()
    node.apply_retirements(actor, sync_result)
    result["retired"] = sync_result.retired
    record("distribution", "node.package_imported",
           f"导入校校通离线包：{opened.manifest.get('channel')} 第 {opened.manifest.get('revision')} 版，"
           f"新增 {result['installed']} 个，撤下 {result['retired']} 个", actor=actor, data=result)
    db.session.commit()
    return result
