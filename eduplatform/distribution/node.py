"""The school node: ``EDU_NODE=school`` pulls its city's revision feed and serves the files on the campus.

``sync`` is a job (the CLI command and the service loop run it): it commits after each page of the
feed and after each file, so an interrupted run loses at most the file in flight — and not even
that: the bytes stay in ``<DATA_DIR>/distribution/parts/<delivery>.part`` and the next run asks for
the rest with an HTTP Range. A file becomes a resource here only once its SHA-256 is the feed's;
until then nothing of it is visible. Transfers keep to the push's window and cap (a token bucket).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests
import sqlalchemy as sa
from flask import current_app

from eduplatform.accounts.models import Role, User, UserRole
from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.distribution.feed import HEADER
from eduplatform.distribution.models import NodeItem, NodeState, NodeUsage
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.resources.models import Resource, Visibility

SYNC_USER = "xxt-sync"
CHUNK = 64 * 1024
MAX_ATTEMPTS = 3


class SyncError(Exception):
    pass


def is_school_node() -> bool:
    return (current_app.config.get("EDU_NODE") or "city").strip().lower() == "school"


def in_window(moment: datetime, window) -> bool:
    """Is local ``moment`` inside [start, end) — a window may wrap midnight (22:00–06:00)."""
    if not window:
        return True
    start, end = window
    now = moment.strftime("%H:%M")
    return start <= now < end if start < end else (now >= start or now < end)


class TokenBucket:
    """At most ``rate`` bytes a second on average, bursts up to ``burst``; clock and sleep injectable."""

    def __init__(self, rate: float, *, burst: float | None = None, clock=time.monotonic, sleep=time.sleep):
        self.rate = float(rate)
        self.capacity = float(burst if burst is not None else max(rate / 4, 1024))
        self.tokens = self.capacity
        self.clock, self.sleep = clock, sleep
        self.stamp = clock()

    def take(self, amount: int) -> None:
        while True:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            need = min(amount, self.capacity)
            if self.tokens >= need - 1e-6:
                self.tokens -= amount
                return
            # at least a millisecond: a clock that advances by less would never refill
            self.sleep(max((need - self.tokens) / self.rate, 0.001))


@dataclass
class SyncResult:
    changes: int = 0
    fetched: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    retired: int = 0
    waiting: int = 0
    downloaded_bytes: int = 0
    reported: dict = field(default_factory=dict)


class CityClient:
    def __init__(self, base: str, token: str, session: requests.Session | None = None, timeout: float = 30):
        self.base = base.rstrip("/") + "/api/v1/distribution/node"
        self.session = session or requests.Session()
        self.session.headers[HEADER] = token
        self.timeout = timeout

    def get(self, path: str, **kw):
        response = self.session.get(self.base + path, timeout=self.timeout, **kw)
        if response.status_code >= 400 and not kw.get("stream"):
            raise SyncError(_error(response))
        return response

    def post(self, path: str, body: dict):
        response = self.session.post(self.base + path, json=body, timeout=self.timeout)
        if response.status_code >= 400:
            raise SyncError(_error(response))
        return response.json()


def _error(response) -> str:
    try:
        return f"{response.status_code} {response.json()['error']['message']}"
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} {response.text[:200]}"


def client_from_config() -> CityClient:
    base, token = current_app.config.get("EDU_NODE_CITY_URL"), current_app.config.get("EDU_NODE_TOKEN")
    if not base or not token:
        raise SyncError("校园节点未配置：需要 EDU_NODE_CITY_URL 和 EDU_NODE_TOKEN")
    return CityClient(base, token)


def parts_dir() -> Path:
    path = Path(current_app.config["DATA_DIR"]) / "distribution" / "parts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _state() -> NodeState:
    state = db.session.get(NodeState, 1)
    if state is None:
        state = NodeState(id=1, cursor=0)
        db.session.add(state)
        db.session.flush()
    return state


def ensure_school(client: CityClient) -> User:
    """The node's school (as the city names it) and the account synced resources belong to."""
    return ensure_school_from(client.get("/hello").json()["school"])


def ensure_school_from(school: dict) -> User:
    """The school's unit here ({code, name, stages} as the city has it) and the sync account."""
    org = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == school["code"]))
    if org is None:
        org = OrgUnit(code=school["code"], name=school["name"], type=OrgType.SCHOOL, stages=school.get("stages") or [])
        db.session.add(org)
        db.session.flush()
        org.path = f"/{org.id}/"
        record("distribution", "node.school_created", f"校园节点建立本校单位“{org.name}”", obj=org)
    user = db.session.scalar(sa.select(User).where(User.username == SYNC_USER))
    if user is None:
        from eduplatform.accounts.services import hash_password

        user = User(username=SYNC_USER, display_name="校校通同步", org=org,
                    password_hash=hash_password(secrets.token_urlsafe(32)),
                    role_rows=[UserRole(role=Role.SCHOOL_ADMIN)])
        db.session.add(user)
        db.session.flush()
    return user


def pull_feed(client: CityClient, result: SyncResult) -> None:
    """Read the feed from the node's cursor to its end, a page per transaction."""
    state = _state()
    while True:
        page = client.get("/feed", params={"cursor": state.cursor, "limit": 500}).json()
        ids = [c["delivery_id"] for c in page["changes"]]
        known = {i.delivery_id: i for i in db.session.scalars(sa.select(NodeItem).where(NodeItem.delivery_id.in_(ids)))}
        for change in page["changes"]:
            item = known.get(change["delivery_id"])
            if item is None:
                item = NodeItem(delivery_id=change["delivery_id"], resource_uid=change["uid"])
                db.session.add(item)
            if change["action"] == "retired":
                if item.state != "retired":
                    item.state = "retire"
            elif item.state != "done" or item.sha256 != change["sha256"]:
                item.state, item.reason = "pending", None
            item.sha256, item.size, item.entry = change["sha256"], change["size"], change
            item.reported = False
            result.changes += 1
        state.cursor = page["cursor"]
        state.last_sync_at = utcnow()
        db.session.commit()
        if not page["more"]:
            return


def _local_resource(uid: str) -> Resource | None:
    return db.session.scalar(sa.select(Resource).where(Resource.uid == uid))


def apply_retirements(actor: User, result: SyncResult) -> None:
    from eduplatform.resources.removal import purge_resource

    for item in list(db.session.scalars(sa.select(NodeItem).where(NodeItem.state == "retire"))):
        still = db.session.scalar(sa.select(sa.func.count()).select_from(NodeItem).where(
            NodeItem.resource_uid == item.resource_uid, NodeItem.id != item.id,
            NodeItem.state.in_(("done", "pending", "failed"))))
        resource = _local_resource(item.resource_uid)
        if resource is not None and not still:
            purge_resource(actor, resource)
        item.state, item.resource_id, item.reported = "retired", None, True
        _remove_part(item)
        result.retired += 1
        record("distribution", "node.item_retired", f"城市撤下资源，本节点移除“{item.entry.get('title', '')}”",
               actor=actor, data={"delivery": item.delivery_id, "uid": item.resource_uid, "removed": not still})
        db.session.commit()


def _part(item: NodeItem) -> Path:
    return parts_dir() / f"{item.delivery_id}.part"


def _remove_part(item: NodeItem) -> None:
    try:
        _part(item).unlink()
    except FileNotFoundError:
        pass


def download(client: CityClient, item: NodeItem, bucket: TokenBucket | None, result: SyncResult) -> bool:
    """Fetch the rest of the item's file into its part file (Range); True when its SHA-256 matches.
    A mismatch drops the part (the next attempt fetches it whole)."""
    path = _part(item)
    have = path.stat().st_size if path.exists() else 0
    if have > item.size:
        path.unlink()
        have = 0
    digest = hashlib.sha256()
    if have:
        with path.open("rb") as existing:
            while block := existing.read(1024 * 1024):
                digest.update(block)
    if have < item.size:
        headers = {"Range": f"bytes={have}-"} if have else {}
        with client.get(f"/files/{item.delivery_id}", headers=headers, stream=True) as response:
            if response.status_code == 200 and have:
                have, digest = 0, hashlib.sha256()  # the server sent it whole
            elif response.status_code not in (200, 206):
                raise SyncError(_error(response))
            with path.open("ab" if have else "wb") as out:
                for block in response.iter_content(CHUNK):
                    if bucket is not None:
                        bucket.take(len(block))
                    out.write(block)
                    digest.update(block)
                    result.downloaded_bytes += len(block)
                out.flush()
                os.fsync(out.fileno())
    if path.stat().st_size == item.size and digest.hexdigest() == item.sha256:
        return True
    path.unlink()
    return False


def install(client: CityClient, actor: User, item: NodeItem) -> Resource:
    """Turn a verified part file into the node's resource (replacing an older file of the same uid),
    with the metadata the city gives for the delivery."""
    from eduplatform.resources.packages import PackageRefused, create_from_entry, validate_entry
    from eduplatform.resources.removal import purge_resource

    entry = client.get(f"/deliveries/{item.delivery_id}").json()
    if entry.get("uid") != item.resource_uid or (entry.get("file") or {}).get("sha256") != item.sha256:
        raise PackageRefused("城市平台的资源说明与推送清单不符")
    validate_entry(entry, "推送的资源")
    old = _local_resource(item.resource_uid)
    if old is not None:
        if old.version is not None and old.version.sha256 == item.sha256:
            _remove_part(item)
            return old
        purge_resource(actor, old)
    path = _part(item)
    with path.open("rb") as handle:
        return create_from_entry(actor, entry, handle, visibility=Visibility.PLATFORM, note="校校通同步")


def fetch_pending(client: CityClient, actor: User, result: SyncResult, *, clock=time.monotonic, sleep=time.sleep,
                  now=None, limit: int | None = None) -> None:
    from eduplatform.resources.packages import PackageRefused
    from eduplatform.resources.processing import process_after_commit

    items = list(db.session.scalars(sa.select(NodeItem).where(NodeItem.state == "pending").order_by(NodeItem.id)))
    for item in items[:limit] if limit else items:
        moment = now() if now else datetime.now(LOCAL_TZ)
        if not in_window(moment, item.entry.get("window")):
            result.waiting += 1
            continue
        cap = item.entry.get("cap_kbps")
        bucket = TokenBucket(cap * 1024, clock=clock, sleep=sleep) if cap else None
        _report(client, [{"delivery_id": item.delivery_id, "state": "transferring",
                          "bytes": _part(item).stat().st_size if _part(item).exists() else 0}], [])
        verified = False
        for _attempt in range(MAX_ATTEMPTS):
            if download(client, item, bucket, result):
                verified = True
                break
        title = item.entry.get("title", "")
        if not verified:
            item.state, item.reason, item.reported = "failed", f"连续 {MAX_ATTEMPTS} 次校验和不符", False
            result.failed.append(item.delivery_id)
            db.session.commit()
            continue
        try:
            resource = install(client, actor, item)
        except PackageRefused as exc:
            db.session.rollback()
            item = db.session.get(NodeItem, item.id)
            item.state, item.reason, item.reported = "failed", exc.message[:300], False
            result.failed.append(item.delivery_id)
            db.session.commit()
            continue
        item.state, item.resource_id, item.reason, item.reported = "done", resource.id, None, False
        record("distribution", "node.item_received", f"校校通同步收到“{title}”（校验通过）", actor=actor,
               obj=resource, data={"delivery": item.delivery_id, "sha256": item.sha256, "size": item.size})
        db.session.commit()
        _remove_part(item)
        process_after_commit(resource)  # text and thumbnail for search and the library pages
        result.fetched.append(item.delivery_id)


def _report(client: CityClient, receipts: list, usage: list) -> dict:
    if not receipts and not usage:
        return {}
    return client.post("/report", {"receipts": receipts, "usage": usage})


def report_back(client: CityClient, result: SyncResult) -> None:
    """Receipts not yet reported, and the days' use totals that changed."""
    items = list(db.session.scalars(sa.select(NodeItem).where(NodeItem.reported.is_(False),
                                                              NodeItem.state.in_(("done", "failed")))))
    receipts = [{"delivery_id": i.delivery_id, "state": "received" if i.state == "done" else "failed",
                 "sha256": i.sha256, "bytes": i.size if i.state == "done" else 0, "reason": i.reason}
                for i in items]
    rows = list(db.session.scalars(sa.select(NodeUsage).where(sa.or_(NodeUsage.views != NodeUsage.reported_views,
                                                                     NodeUsage.downloads != NodeUsage.reported_downloads))))
    usage = [{"uid": r.resource_uid, "day": r.day.isoformat(), "views": r.views, "downloads": r.downloads} for r in rows]
    result.reported = _report(client, receipts, usage)
    for item in items:
        item.reported = True
    for row in rows:
        row.reported_views, row.reported_downloads = row.views, row.downloads
    db.session.commit()


def sync(client: CityClient | None = None, *, clock=time.monotonic, sleep=time.sleep, now=None,
         limit: int | None = None) -> SyncResult:
    """One round: feed → retirements → files → receipts and use."""
    client = client or client_from_config()
    result = SyncResult()
    actor = ensure_school(client)
    db.session.commit()
    pull_feed(client, result)
    apply_retirements(actor, result)
    fetch_pending(client, actor, result, clock=clock, sleep=sleep, now=now, limit=limit)
    report_back(client, result)
    return result


# -- local use -----------------------------------------------------------------------------------

USE_ENDPOINTS = {"resources.detail": "views", "resources.file": "downloads", "resources.version_file": "downloads"}


def tally_use(endpoint: str, resource_id: int) -> None:
    """Count a view or download of a synced resource on this node (today, local time)."""
    column = USE_ENDPOINTS.get(endpoint)
    uid = db.session.scalar(sa.select(Resource.uid).where(Resource.id == resource_id))
    if column is None or uid is None or not db.session.scalar(
            sa.select(sa.func.count()).select_from(NodeItem).where(NodeItem.resource_uid == uid,
                                                                   NodeItem.state == "done")):
        return
    today = datetime.now(LOCAL_TZ).date()
    row = db.session.scalar(sa.select(NodeUsage).where(NodeUsage.resource_uid == uid, NodeUsage.day == today))
    if row is None:
        row = NodeUsage(resource_uid=uid, day=today, views=0, downloads=0)
        db.session.add(row)
    setattr(row, column, getattr(row, column) + 1)
