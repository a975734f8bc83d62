"""Channels, their revisions and pushes (the city / district side of 校校通 distribution).

Every change to a channel makes a new revision. A push resolves its target to schools when it is
planned and writes one ``Delivery`` per school and item in bulk; the deliveries are the schools'
revision feed (``feed.py``). Services flush; the view commits.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import sqlalchemy as sa

from eduplatform.accounts.models import Role, User
from eduplatform.audit.services import record
from eduplatform.core.errors import NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.notices import notify
from eduplatform.core.permissions import in_scope, visible_to
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.distribution import permissions
from eduplatform.distribution.models import (
    CONNECTIVITY_LABELS,
    Channel,
    ChannelItem,
    ChannelRevision,
    Delivery,
    DeliveryState,
    FeedSequence,
    Push,
    TargetKind,
)
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.resources.models import Resource, ReviewState
from eduplatform.schools.models import NetworkAccess, SchoolProfile, SchoolType

#: A school's link is "good" from this many Mbps (below: "poor"; none or 0: "none").
GOOD_LINK_MBPS = 20
BATCH = 5000
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


# -- the feed's sequence -------------------------------------------------------------------------

def reserve_seq(count: int) -> int:
    """Reserve ``count`` feed positions; returns the first. The row lock orders concurrent writers."""
    if count <= 0:
        return 0
    new = db.session.execute(sa.update(FeedSequence).where(FeedSequence.id == 1)
                             .values(value=FeedSequence.value + count).returning(FeedSequence.value)).scalar()
    if new is None:
        db.session.add(FeedSequence(id=1, value=count))
        db.session.flush()
        new = count
    return new - count + 1


def _sequence(where) -> int:
    """Give the deliveries matching ``where`` new, increasing feed positions (one UPDATE)."""
    low, high = db.session.execute(sa.select(sa.func.min(Delivery.id), sa.func.max(Delivery.id)).where(where)).one()
    if low is None:
        return 0
    first = reserve_seq(high - low + 1)
    result = db.session.execute(sa.update(Delivery).where(where).values(seq=Delivery.id - low + first)
                                .execution_options(synchronize_session=False))
    return result.rowcount


# -- channels ------------------------------------------------------------------------------------

def channels_query(user):
    return visible_to(user, sa.select(Channel), org_column=Channel.org_id).order_by(Channel.id.desc())


def get_channel(user, channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None or not permissions.can_view_channel(user, channel):
        raise NotFound("频道不存在或无权查看")
    return channel


def create_channel(actor, data: dict) -> Channel:
    if not permissions.can_manage_distribution(actor):
        raise PermissionDenied("只有教育局工作人员可以建立频道")
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationFailed("请填写频道名称", fields={"name": ["请填写频道名称"]})
    channel = Channel(org_id=actor.scope_root.id, name=name[:100], description=(data.get("description") or "")[:2000],
                      created_by_id=actor.id)
    db.session.add(channel)
    db.session.flush()
    record("distribution", "channel.created", f"建立频道“{channel.name}”", actor=actor, obj=channel)
    return channel


def _new_revision(actor, channel: Channel, changes: dict) -> ChannelRevision:
    channel.revision += 1
    revision = ChannelRevision(channel_id=channel.id, number=channel.revision, changes=changes, actor_id=actor.id)
    db.session.add(revision)
    return revision


def _publishable(actor, ids: list[int]) -> list[Resource]:
    from eduplatform.resources.services import published_visible

    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise ValidationFailed("请选择资源", fields={"resource_ids": ["请选择资源"]})
    found = list(db.session.scalars(published_visible(actor).where(Resource.id.in_(ids)).order_by(Resource.id)))
    missing = sorted(set(ids) - {r.id for r in found})
    if missing:
        raise ValidationFailed(f"资源不存在、未发布或无权查看：{missing[:10]}",
                               fields={"resource_ids": ["只能加入已发布且可见的资源"]})
    return found


def add_items(actor, channel: Channel, resource_ids: list[int]) -> ChannelRevision | None:
    """Add published resources (a retired one comes back); a new revision; following pushes get them."""
    if not permissions.can_edit_channel(actor, channel):
        raise PermissionDenied("无权编辑该频道")
    resources = _publishable(actor, resource_ids)
    by_resource = {i.resource_id: i for i in channel.items}
    fresh = [r for r in resources if r.id not in by_resource or by_resource[r.id].retired_revision is not None]
    if not fresh:
        raise ValidationFailed("所选资源已在频道中")
    revision = _new_revision(actor, channel, {"added": [r.id for r in fresh]})
    items = []
    for resource in fresh:
        version = resource.version
        item = by_resource.get(resource.id)
        if item is None:
            item = ChannelItem(channel=channel, resource_id=resource.id, added_revision=revision.number,
                               version_number=resource.current_version, sha256=version.sha256, size=version.size)
            db.session.add(item)
        else:
            item.added_revision, item.retired_revision = revision.number, None
            item.version_number, item.sha256, item.size = resource.current_version, version.sha256, version.size
        items.append(item)
    db.session.flush()
    _follow(channel, revision.number, added=items)
    record("distribution", "channel.items_added", f"频道“{channel.name}”加入 {len(items)} 个资源（第 {revision.number} 版）",
           actor=actor, obj=channel, data={"revision": revision.number, "resources": [r.id for r in fresh]})
    return revision


def retire_items(actor, channel: Channel, resource_ids: list[int]) -> ChannelRevision:
    """Take resources out of the channel; a new revision; following pushes retire them at the schools."""
    if not permissions.can_edit_channel(actor, channel):
        raise PermissionDenied("无权编辑该频道")
    wanted = {int(i) for i in resource_ids}
    items = [i for i in channel.active_items if i.resource_id in wanted]
    if not items:
        raise ValidationFailed("所选资源不在频道中", fields={"resource_ids": ["所选资源不在频道中"]})
    revision = _new_revision(actor, channel, {"retired": [i.resource_id for i in items]})
    for item in items:
        item.retired_revision = revision.number
    db.session.flush()
    _follow(channel, revision.number, retired=items)
    record("distribution", "channel.items_retired", f"频道“{channel.name}”撤下 {len(items)} 个资源（第 {revision.number} 版）",
           actor=actor, obj=channel, data={"revision": revision.number, "resources": [i.resource_id for i in items]})
    return revision


def refresh_items(actor, channel: Channel) -> ChannelRevision | None:
    """Carry the new file versions of the channel's resources (a new revision), or None when none changed."""
    if not permissions.can_edit_channel(actor, channel):
        raise PermissionDenied("无权编辑该频道")
    changed = [i for i in channel.active_items if i.resource.current_version != i.version_number
               and i.resource.state == ReviewState.PUBLISHED]
    if not changed:
        return None
    revision = _new_revision(actor, channel, {"updated": [i.resource_id for i in changed]})
    for item in changed:
        version = item.resource.version
        item.version_number, item.sha256, item.size = item.resource.current_version, version.sha256, version.size
    db.session.flush()
    _follow(channel, revision.number, updated=changed)
    record("distribution", "channel.items_updated", f"频道“{channel.name}”更新 {len(changed)} 个资源的文件（第 {revision.number} 版）",
           actor=actor, obj=channel, data={"revision": revision.number, "resources": [i.resource_id for i in changed]})
    return revision


def items_at(channel: Channel, revision: int) -> list[ChannelItem]:
    """The items in the channel at ``revision`` (as far as the current rows tell)."""
    return [i for i in channel.items if i.added_revision <= revision
            and (i.retired_revision is None or i.retired_revision > revision)]


def revisions(channel: Channel) -> list[ChannelRevision]:
    return list(db.session.scalars(sa.select(ChannelRevision).where(ChannelRevision.channel_id == channel.id)
                                   .order_by(ChannelRevision.number.desc())))


def _follow(channel: Channel, number: int, *, added=(), retired=(), updated=()) -> None:
    """Apply a new revision to the pushes that follow the channel."""
    pushes = list(db.session.scalars(sa.select(Push).where(Push.channel_id == channel.id, Push.follows.is_(True))))
    for push in pushes:
        push.revision = number
        if added:
            schools = list(db.session.scalars(sa.select(Delivery.school_id).where(Delivery.push_id == push.id)
                                              .distinct()))
            schools = schools or _push_schools(push)
            known = set(db.session.execute(sa.select(Delivery.school_id, Delivery.item_id).where(
                Delivery.push_id == push.id, Delivery.item_id.in_([i.id for i in added]))).all())
            rows = [_row(push, s, i) for s in schools for i in added if (s, i.id) not in known]
            _insert(rows)
            again = [i.id for i in added]
            db.session.execute(sa.update(Delivery).where(Delivery.push_id == push.id, Delivery.item_id.in_(again))
                               .values(action="added", state=DeliveryState.PENDING, reason=None, bytes_done=0)
                               .execution_options(synchronize_session=False))
            if push.activated:
                _sequence(sa.and_(Delivery.push_id == push.id, Delivery.item_id.in_(again)))
        for item in updated:
            db.session.execute(sa.update(Delivery).where(Delivery.push_id == push.id, Delivery.item_id == item.id)
                               .values(action="updated", sha256=item.sha256, size=item.size, bytes_done=0,
                                       state=DeliveryState.PENDING, reason=None)
                               .execution_options(synchronize_session=False))
            if push.activated:
                _sequence(sa.and_(Delivery.push_id == push.id, Delivery.item_id == item.id))
        for item in retired:
            db.session.execute(sa.update(Delivery).where(Delivery.push_id == push.id, Delivery.item_id == item.id)
                               .values(action="retired", state=DeliveryState.RETIRED)
                               .execution_options(synchronize_session=False))
            if push.activated:
                _sequence(sa.and_(Delivery.push_id == push.id, Delivery.item_id == item.id))
    db.session.flush()


# -- targets -------------------------------------------------------------------------------------

def connectivity_class(access: NetworkAccess | None) -> str:
    if access is None or not access.is_online:
        return "none"
    return "good" if access.bandwidth_mbps >= GOOD_LINK_MBPS else "poor"


def resolve_schools(root: OrgUnit, kind: TargetKind, target: dict) -> list[int]:
    """The active schools of ``root``'s subtree the target names (ids, sorted)."""
    query = sa.select(OrgUnit.id).where(OrgUnit.type == OrgType.SCHOOL, OrgUnit.is_active.is_(True),
                                        OrgUnit.path.startswith(root.path))
    if kind == TargetKind.SCHOOLS:
        ids = [int(i) for i in target.get("school_ids") or []]
        if not ids:
            raise ValidationFailed("请选择学校", fields={"school_ids": ["请选择学校"]})
        found = list(db.session.scalars(query.where(OrgUnit.id.in_(ids))))
        missing = sorted(set(ids) - set(found))
        if missing:
            raise ValidationFailed(f"所选学校不在辖区内：{missing[:10]}", fields={"school_ids": ["所选学校不在辖区内"]})
        return sorted(found)
    if kind == TargetKind.STAGE:
        stage = target.get("stage")
        rows = db.session.execute(query.add_columns(OrgUnit.stages)).all()
        return sorted(i for i, stages in rows if stage in (stages or []))
    if kind == TargetKind.SCHOOL_TYPE:
        query = query.join(SchoolProfile, SchoolProfile.org_id == OrgUnit.id).where(
            SchoolProfile.school_type == SchoolType(target.get("school_type")))
    elif kind == TargetKind.CONNECTIVITY:
        wanted = target.get("connectivity")
        rows = db.session.execute(query.add_columns(NetworkAccess.access_type, NetworkAccess.bandwidth_mbps)
                                  .outerjoin(NetworkAccess, NetworkAccess.school_id == OrgUnit.id)).all()
        return sorted(i for i, access, mbps in rows
                      if connectivity_class(NetworkAccess(access_type=access, bandwidth_mbps=mbps or 0)
                                            if access else None) == wanted)
    return sorted(db.session.scalars(query))


def _push_schools(push: Push) -> list[int]:
    return resolve_schools(push.target_org, push.target_kind, push.target)


def _row(push: Push, school_id: int, item: ChannelItem) -> dict:
    return {"push_id": push.id, "school_id": school_id, "item_id": item.id, "resource_id": item.resource_id,
            "action": "added", "sha256": item.sha256, "size": item.size, "state": DeliveryState.PENDING,
            "bytes_done": 0, "seq": None}


def _insert(rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(Delivery.__table__.insert(), rows[start:start + BATCH])


def _check_target(data: dict) -> tuple[TargetKind, dict]:
    try:
        kind = TargetKind(data.get("target_kind") or "subtree")
    except ValueError:
        raise ValidationFailed("推送对象类型无效", fields={"target_kind": ["推送对象类型无效"]}) from None
    if kind == TargetKind.STAGE:
        from eduplatform.orgs.models import Stage

        if data.get("stage") not in {s.value for s in Stage}:
            raise ValidationFailed("请选择学段", fields={"stage": ["请选择学段"]})
        return kind, {"stage": data["stage"]}
    if kind == TargetKind.SCHOOL_TYPE:
        if data.get("school_type") not in {t.value for t in SchoolType}:
            raise ValidationFailed("请选择办学类型", fields={"school_type": ["请选择办学类型"]})
        return kind, {"school_type": data["school_type"]}
    if kind == TargetKind.CONNECTIVITY:
        if data.get("connectivity") not in CONNECTIVITY_LABELS:
            raise ValidationFailed("请选择网络条件", fields={"connectivity": ["请选择网络条件"]})
        return kind, {"connectivity": data["connectivity"]}
    if kind == TargetKind.SCHOOLS:
        return kind, {"school_ids": [int(i) for i in data.get("school_ids") or []]}
    return kind, {}


def _window(data: dict) -> tuple[str | None, str | None]:
    start, end = (data.get("window_start") or "").strip(), (data.get("window_end") or "").strip()
    if not start and not end:
        return None, None
    if not (_TIME.match(start) and _TIME.match(end)) or start == end:
        raise ValidationFailed("传输时段须为两个不同的时间，如 22:00 至 06:00",
                               fields={"window_start": ["格式为 HH:MM"]})
    return start, end


def plan_push(actor, channel: Channel, data: dict) -> Push:
    """Resolve the target and write a delivery per school and item (bulk); in the feed from its start date."""
    if not permissions.can_edit_channel(actor, channel):
        raise PermissionDenied("无权推送该频道")
    if channel.revision == 0 or not channel.active_items:
        raise ValidationFailed("频道中还没有资源，不能推送")
    root = db.session.get(OrgUnit, int(data.get("target_org_id") or actor.scope_root.id))
    if root is None or not in_scope(actor, root):
        raise ValidationFailed("推送范围不在本单位辖区内", fields={"target_org_id": ["推送范围不在本单位辖区内"]})
    revision = int(data.get("revision") or channel.revision)
    if not 1 <= revision <= channel.revision:
        raise ValidationFailed(f"频道没有第 {revision} 版", fields={"revision": ["版本不存在"]})
    kind, target = _check_target(data)
    window_start, window_end = _window(data)
    cap = data.get("cap_kbps")
    cap = int(cap) if cap not in (None, "") else None
    if cap is not None and cap <= 0:
        raise ValidationFailed("带宽上限须为正数（KB/s）", fields={"cap_kbps": ["须为正数"]})
    starts_on = data.get("starts_on") or today()
    if isinstance(starts_on, str):
        try:
            starts_on = date.fromisoformat(starts_on)
        except ValueError:
            raise ValidationFailed("开始日期无效", fields={"starts_on": ["格式为 YYYY-MM-DD"]}) from None
    schools = resolve_schools(root, kind, target)
    if not schools:
        raise ValidationFailed("没有符合条件的学校", fields={"target_kind": ["没有符合条件的学校"]})
    follows = bool(data.get("follows")) and revision == channel.revision
    push = Push(channel_id=channel.id, org_id=actor.scope_root.id, target_org_id=root.id, revision=revision,
                follows=follows, target_kind=kind, target=target, starts_on=starts_on, window_start=window_start,
                window_end=window_end, cap_kbps=cap, school_count=len(schools), created_by_id=actor.id)
    db.session.add(push)
    db.session.flush()
    items = items_at(channel, revision)
    rows = [_row(push, s, i) for s in schools for i in items]
    if starts_on <= today():  # in the feeds at once: the positions go with the rows (no second pass)
        push.activated = True
        first = reserve_seq(len(rows))
        for offset, row in enumerate(rows):
            row["seq"] = first + offset
    _insert(rows)
    record("distribution", "push.planned",
           f"推送频道“{channel.name}”第 {revision} 版到 {len(schools)} 所学校（{kind.label}，{len(items)} 个资源）",
           actor=actor, obj=push, data={"channel": channel.id, "revision": revision, "schools": len(schools),
                                        "target": target, "starts_on": starts_on.isoformat(), "cap_kbps": cap,
                                        "window": [window_start, window_end]})
    return push


def activate(push: Push) -> None:
    push.activated = True
    _sequence(Delivery.push_id == push.id)
    db.session.flush()


def activate_due_pushes() -> int:
    """Put the pushes whose start date has come into the feeds (the feed calls it)."""
    due = list(db.session.scalars(sa.select(Push).where(Push.activated.is_(False), Push.starts_on <= today())))
    for push in due:
        activate(push)
        record("distribution", "push.started", f"推送开始：频道“{push.channel.name}”第 {push.revision} 版",
               obj=push)
    return len(due)


# -- tracking ------------------------------------------------------------------------------------

def pushes_query(user):
    from eduplatform.core.permissions import scope_condition

    return visible_to(user, sa.select(Push), org_column=Push.org_id,
                      also=[scope_condition(user, Push.target_org_id)]).order_by(Push.id.desc())


def get_push(user, push_id: int) -> Push:
    push = db.session.get(Push, push_id)
    if push is None or not permissions.can_view_push(user, push):
        raise NotFound("推送不存在或无权查看")
    return push


def state_counts(push: Push) -> dict[str, int]:
    rows = db.session.execute(sa.select(Delivery.state, sa.func.count()).where(Delivery.push_id == push.id)
                              .group_by(Delivery.state)).all()
    counts = {s.value: 0 for s in DeliveryState}
    counts.update({DeliveryState(s).value: n for s, n in rows})
    return counts


def school_rows(user, push: Push) -> list[dict]:
    """Per school in the user's scope: items by state, bytes, last contact, whether all is received."""
    query = sa.select(Delivery.school_id, Delivery.state, sa.func.count(), sa.func.sum(Delivery.bytes_done),
                      sa.func.sum(Delivery.size), sa.func.max(Delivery.last_contact)) \
        .where(Delivery.push_id == push.id).group_by(Delivery.school_id, Delivery.state)
    query = visible_to(user, query, org_column=Delivery.school_id)
    schools: dict[int, dict] = {}
    for school_id, state, count, done, size, contact in db.session.execute(query):
        row = schools.setdefault(school_id, {"school_id": school_id, "counts": {s.value: 0 for s in DeliveryState},
                                             "bytes": 0, "size": 0, "last_contact": None})
        row["counts"][DeliveryState(state).value] = count
        row["bytes"] += int(done or 0)
        row["size"] += int(size or 0) if state != DeliveryState.RETIRED else 0
        if contact and (row["last_contact"] is None or contact > row["last_contact"]):
            row["last_contact"] = contact
    orgs = {o.id: o for o in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(list(schools))))}
    for row in schools.values():
        counts = row["counts"]
        row["school"] = orgs[row["school_id"]]
        row["complete"] = counts["pending"] + counts["transferring"] + counts["failed"] == 0
    return sorted(schools.values(), key=lambda r: r["school"].code)


def coverage(user, push: Push) -> list[dict]:
    """Per district (市直属 for the city's own schools): schools targeted, schools that received all."""
    by_district: dict[str, dict] = {}
    for row in school_rows(user, push):
        district = row["school"].district
        name = district.name if district else "市直属"
        entry = by_district.setdefault(name, {"district": name, "schools": 0, "received": 0})
        entry["schools"] += 1
        entry["received"] += 1 if row["complete"] else 0
    for entry in by_district.values():
        entry["rate"] = round(100 * entry["received"] / entry["schools"], 1) if entry["schools"] else 0.0
    return sorted(by_district.values(), key=lambda e: e["district"])


def not_received(user, push: Push) -> list[dict]:
    return [r for r in school_rows(user, push) if not r["complete"]]


def chase(actor, push: Push, school_ids: list[int] | None = None) -> int:
    """催收: tell the administrators of the schools that have not received everything; returns schools told."""
    if not permissions.can_edit_channel(actor, push.channel) and not permissions.can_view_push(actor, push):
        raise PermissionDenied("无权催收")
    pending = [r for r in not_received(actor, push)]
    if school_ids:
        wanted = {int(i) for i in school_ids}
        pending = [r for r in pending if r["school_id"] in wanted]
    if not pending:
        raise ValidationFailed("所有学校均已接收，无需催收")
    admins = db.session.scalars(sa.select(User).where(User.org_id.in_([r["school_id"] for r in pending]),
                                                      User.is_active_account.is_(True)))
    admins = [u for u in admins if u.has_role(Role.SCHOOL_ADMIN)]
    title = f"请尽快接收校校通推送：{push.channel.name}（第 {push.revision} 版）"
    body = "贵校尚未接收完上述推送的全部资源。请检查校园节点的同步（flask distribution sync）或导入离线包。"
    notify("distribution", "push.chase", title, users=admins, body=body, obj=push)
    record("distribution", "push.chased", f"催收：{len(pending)} 所学校未接收完“{push.channel.name}”",
           actor=actor, obj=push, data={"schools": [r["school_id"] for r in pending], "admins": len(admins)})
    return len(pending)
