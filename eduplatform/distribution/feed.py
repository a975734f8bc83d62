"""What the city answers its school nodes: node tokens, the revision feed (changes since a cursor),
the files (Range through ``StoredFile.send``), and the nodes' receipts and use."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

import sqlalchemy as sa
from flask import request

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.distribution import permissions
from eduplatform.distribution.models import (
    ChannelItem,
    Delivery,
    DeliveryState,
    NodeToken,
    Push,
    UsageReport,
)
from eduplatform.distribution.services import activate_due_pushes
from eduplatform.resources.models import Resource, ResourceVersion

HEADER = "X-Node-Token"
MAX_PAGE = 1000


class NodeUnauthorized(AppError):
    def __init__(self):
        super().__init__("校园节点令牌无效或已吊销", code="node_unauthorized", status=401)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(actor, school) -> tuple[NodeToken, str]:
    """A new node token for ``school`` (the earlier ones are revoked); the plain token is shown once."""
    if not permissions.can_issue_token(actor, school) or school.is_bureau:
        raise PermissionDenied("无权为该单位签发校园节点令牌")
    now = utcnow()
    db.session.execute(sa.update(NodeToken).where(NodeToken.school_id == school.id, NodeToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    plain = "node_" + secrets.token_urlsafe(32)
    token = NodeToken(school_id=school.id, token_hash=_hash(plain), issued_by_id=actor.id)
    db.session.add(token)
    db.session.flush()
    record("distribution", "node.token_issued", f"为“{school.name}”签发校园节点令牌", actor=actor, obj=token,
           data={"school": school.id})
    return token, plain


def node_from_request() -> NodeToken:
    """The calling node (401 without a valid token); its last contact is now."""
    plain = request.headers.get(HEADER, "")
    token = db.session.scalar(sa.select(NodeToken).where(NodeToken.token_hash == _hash(plain),
                                                         NodeToken.revoked_at.is_(None))) if plain else None
    if token is None:
        raise NodeUnauthorized()
    token.last_contact = utcnow()
    return token


def hello(token: NodeToken) -> dict:
    school = token.school
    return {"school": {"code": school.code, "name": school.name, "stages": school.stages or []}}


def feed(token: NodeToken, cursor: int, limit: int = 500) -> dict:
    """The school's changes after ``cursor`` in feed order: added / updated / retired, each with its
    file's size and SHA-256 (the metadata of a resource is asked for once, when its file is installed:
    ``delivery_entry``); ``cursor`` of the answer is the next one."""
    activate_due_pushes()
    limit = max(1, min(int(limit), MAX_PAGE))
    query = (sa.select(Delivery.id, Delivery.seq, Delivery.action, Delivery.sha256, Delivery.size, Resource.uid,
                       Resource.title, Delivery.push_id)
             .join(Resource, Resource.id == Delivery.resource_id)
             .where(Delivery.school_id == token.school_id, Delivery.seq > cursor)
             .order_by(Delivery.seq).limit(limit + 1))
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    pushes = {p.id: p for p in db.session.scalars(sa.select(Push).where(Push.id.in_({r[-1] for r in rows})))}
    changes = []
    for delivery_id, seq, action, sha256, size, uid, title, push_id in rows:
        push = pushes[push_id]
        changes.append({"delivery_id": delivery_id, "seq": seq, "action": action, "uid": uid, "title": title,
                        "sha256": sha256, "size": size, "channel": push.channel.name, "revision": push.revision,
                        "window": [push.window_start, push.window_end] if push.window_start else None,
                        "cap_kbps": push.cap_kbps})
    next_cursor = changes[-1]["seq"] if changes else cursor
    return {"changes": changes, "cursor": next_cursor, "more": more}


def _own_delivery(token: NodeToken, delivery_id: int) -> Delivery:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.school_id != token.school_id or delivery.action == "retired" \
            or delivery.seq is None:
        raise NotFound("该推送项不存在")
    return delivery


def _version(delivery: Delivery) -> ResourceVersion | None:
    item = db.session.get(ChannelItem, delivery.item_id)
    return db.session.scalar(sa.select(ResourceVersion).where(ResourceVersion.resource_id == delivery.resource_id,
                                                              ResourceVersion.number == item.version_number))


def delivery_entry(token: NodeToken, delivery_id: int) -> dict:
    """A delivery's resource as an offline package entry: uid, type, metadata, file."""
    delivery = _own_delivery(token, delivery_id)
    resource, version = delivery.resource, _version(delivery)
    if version is None:
        raise NotFound("该推送项的文件不存在")
    metadata = {k: v for k, v in resource.metadata_values().items() if v not in (None, "", [])}
    return {"uid": resource.uid, "type": resource.type, "metadata": metadata,
            "file": {"sha256": delivery.sha256, "size": delivery.size, "format": version.format,
                     "filename": version.file.filename, "content_type": version.file.content_type}}


def delivery_file(token: NodeToken, delivery_id: int) -> StoredFile:
    version = _version(_own_delivery(token, delivery_id))
    if version is None:
        raise NotFound("该推送项的文件不存在")
    return db.session.get(StoredFile, version.file_id)


_REPORTABLE = {"transferring": DeliveryState.TRANSFERRING, "received": DeliveryState.RECEIVED,
               "failed": DeliveryState.FAILED}


def receive_report(token: NodeToken, data: dict) -> dict:
    """Apply a node's receipts ({delivery_id, state, bytes, sha256, reason}) and use ({uid, day, views,
    downloads}: the day's totals at the node, so sending twice changes nothing)."""
    if not isinstance(data, dict):
        raise ValidationFailed("回执格式有误")
    receipts = data.get("receipts") or []
    usage = data.get("usage") or []
    if not isinstance(receipts, list) or not isinstance(usage, list):
        raise ValidationFailed("回执格式有误")
    now = utcnow()
    ids = [_int(r.get("delivery_id")) for r in receipts if isinstance(r, dict)]
    deliveries = {d.id: d for d in db.session.scalars(sa.select(Delivery).where(
        Delivery.id.in_(ids), Delivery.school_id == token.school_id))}
    applied = 0
    for receipt in receipts:
        if not isinstance(receipt, dict):
            continue
        delivery = deliveries.get(_int(receipt.get("delivery_id")))
        state = _REPORTABLE.get(receipt.get("state")) if isinstance(receipt.get("state"), str) else None
        if delivery is None or state is None or delivery.state == DeliveryState.RETIRED:
            continue
        if state == DeliveryState.RECEIVED and receipt.get("sha256") != delivery.sha256:
            continue  # a receipt counts only for the file the city sends now, its checksum verified
        delivery.state = state
        delivery.bytes_done = max(0, min(_int(receipt.get("bytes")), delivery.size))
        delivery.reason = str(receipt.get("reason"))[:300] if state == DeliveryState.FAILED else None
        delivery.last_contact = now
        if state == DeliveryState.RECEIVED:
            delivery.received_at, delivery.bytes_done = now, delivery.size
        applied += 1
    uids = {u.get("uid") for u in usage if isinstance(u, dict) and isinstance(u.get("uid"), str)}
    by_uid = dict(db.session.execute(sa.select(Resource.uid, Resource.id).where(Resource.uid.in_(uids))).all())
    counted = 0
    for entry in usage:
        if not isinstance(entry, dict) or not isinstance(entry.get("uid"), str) or entry["uid"] not in by_uid:
            continue
        try:
            day = date.fromisoformat(str(entry.get("day")))
        except ValueError:
            continue
        row = db.session.scalar(sa.select(UsageReport).where(UsageReport.school_id == token.school_id,
                                                             UsageReport.resource_id == by_uid[entry["uid"]],
                                                             UsageReport.day == day))
        if row is None:
            row = UsageReport(school_id=token.school_id, resource_id=by_uid[entry["uid"]], day=day)
            db.session.add(row)
        row.views = max(0, _int(entry.get("views")))
        row.downloads = max(0, _int(entry.get("downloads")))
        counted += 1
    db.session.flush()
    if applied or counted:
        record("distribution", "node.reported", f"“{token.school.name}”回报：{applied} 条接收状态，{counted} 条使用记录",
               obj=token, data={"receipts": applied, "usage": counted})
    return {"receipts": applied, "usage": counted}


def _int(value) -> int:
    """A count from a node's report; anything that is not a bounded whole number counts as 0."""
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        return 0
    return number if 0 <= number < 2**62 else 0


def usage_totals(resource_ids: list[int] | None = None, school_ids=None) -> list[dict]:
    query = sa.select(UsageReport.resource_id, sa.func.sum(UsageReport.views), sa.func.sum(UsageReport.downloads)) \
        .group_by(UsageReport.resource_id)
    if school_ids is not None:
        query = query.where(UsageReport.school_id.in_(school_ids))
    return [{"resource_id": r, "views": int(v or 0), "downloads": int(d or 0)} for r, v, d in db.session.execute(query)]
