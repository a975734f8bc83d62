"""The ferry (网闸 / 光闸) between the bureau's node in the 政务内网 and the public site in the 政务外网.

The two nodes share nothing but two directories the ferry carries one way each: a node writes its
packages into ``PORTAL_FERRY_OUTBOX`` and reads the other side's from ``PORTAL_FERRY_INBOX``. A package
(``portal-<direction>-<seq>.zip``) is a ``core.packages`` package: ``manifest.json`` with the records
and each file's SHA-256 and size, signed with HMAC-SHA256 under the direction's key
(``PORTAL_FERRY_KEY_OUT`` for 内网→外网, ``PORTAL_FERRY_KEY_IN`` for 外网→内网).

- Sending: every record is read, its SHA-256 compared with the one it had when last carried
  (``FerryDigest``); only the changed ones go, under the direction's next sequence number. Nothing
  changed: no package. The file appears under its final name only once the transaction commits.
- Receiving: packages are applied in sequence order, each in its own savepoint: a bad signature, a
  checksum, a sequence already applied (a replay), a record that cannot be applied — the package is
  refused whole, moved to ``refused/`` beside a ``.reason.txt``, logged and audited. A gap (a package
  missing) stops the queue until it arrives or staff skip it (``--skip-missing``, audited). An
  applied package moves to ``applied/`` once its transaction commits.

Either side keeps working while the other is unreachable: packages wait in the outbox, and applying
is idempotent. Services flush; the caller commits once per package.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from eduplatform.audit.services import record
from eduplatform.core import packages
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError, Conflict
from eduplatform.core.extensions import db
from eduplatform.core.storage import inspect
from eduplatform.core.storage.registry import get_storage
from eduplatform.portal import node
from eduplatform.portal.models.ferry import DIRECTIONS, FerryCursor, FerryDigest, FerryPackage
from eduplatform.portal.services import ferry_records

FORMAT = "eduplatform.portal-ferry"
VERSION = 1
REALM = "portal"
NAME = re.compile(r"^portal-(out|in)-(\d{8})\.zip$")
MAX_BYTES = 2 * 1024**3


class FerryError(Conflict):
    code = "ferry"


def _require_ferry() -> None:
    if node.role() == "single":
        raise FerryError("本平台是单节点部署（PORTAL_NODE = single），门户直接对外服务，不需要摆渡")


def _directory(name: str) -> Path:
    value = current_app.config.get(name)
    if not value:
        raise FerryError(f"未配置摆渡目录 {name}")
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key(direction: str) -> str:
    name = f"PORTAL_FERRY_KEY_{direction.upper()}"
    key = current_app.config.get(name)
    if not key or len(key) < 16:
        raise FerryError(f"未配置摆渡签名密钥 {name}（至少 16 个字符）")
    return key


def _cursor(direction: str) -> FerryCursor:
    cursor = db.session.get(FerryCursor, direction, with_for_update=True)
    if cursor is None:
        cursor = FerryCursor(direction=direction, sent_seq=0, applied_seq=0)
        db.session.add(cursor)
        db.session.flush()
    return cursor


def _after_commit(action, on_rollback=None) -> None:
    """Run ``action`` once the transaction commits (``on_rollback`` if it rolls back instead)."""
    session = db.session()
    done: list = []

    def committed(_session):
        if not done:
            done.append(True)
            action()

    def rolled(_session):
        if not done:
            done.append(True)
            if on_rollback is not None:
                on_rollback()

    sa.event.listen(session, "after_commit", committed, once=True)
    sa.event.listen(session, "after_rollback", rolled, once=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


# --- sending -----------------------------------------------------------------------------------

def ferry_out(*, actor=None, full: bool = False) -> FerryPackage | None:
    """Write the next package of what changed since the last one (``full``: everything again, e.g.
    after a package was lost on the way); None when nothing changed."""
    _require_ferry()
    direction = node.sending_direction()
    key, outbox = _key(direction), _directory("PORTAL_FERRY_OUTBOX")
    known = {(d.kind, d.key): d for d in db.session.scalars(sa.select(FerryDigest))}
    changed = []
    for rec in ferry_records.collect(direction):
        digest = rec.digest()
        old = known.get((rec.kind, rec.key))
        if full or old is None or old.digest != digest:
            changed.append((rec, digest))
    if not changed:
        return None
    cursor = _cursor(direction)
    seq = cursor.sent_seq = cursor.sent_seq + 1
    name = f"portal-{direction}-{seq:08d}.zip"
    part = outbox / f".{name}.part"
    writer = packages.PackageWriter(part, key=key)
    storage = get_storage()
    summary: dict[str, int] = {}
    try:
        listed = []
        for rec, _digest in changed:
            for member, stored in rec.files:
                writer.add_file(member, storage.open(stored.key),
                                compress=not (stored.content_type or "").startswith(("image/", "video/", "audio/")))
            listed.append({"kind": rec.kind, "key": rec.key, "data": rec.data})
            summary[rec.kind] = summary.get(rec.kind, 0) + 1
        writer.close({"format": FORMAT, "version": VERSION, "direction": direction, "seq": seq,
                      "created_at": utcnow().isoformat() + "Z", "node": node.role(), "records": listed,
                      "files": sorted(writer.files.values(), key=lambda f: f["path"])})
    except BaseException:
        writer.abort()
        part.unlink(missing_ok=True)
        raise
    for rec, digest in changed:
        row = known.get((rec.kind, rec.key))
        if row is None:
            db.session.add(FerryDigest(kind=rec.kind, key=rec.key, digest=digest, seq=seq))
        else:
            row.digest, row.seq = digest, seq
    package = FerryPackage(direction=direction, action="sent", seq=seq, filename=name, sha256=_sha256(part),
                           records=len(changed), files=len(writer.files), reason="", summary=summary)
    db.session.add(package)
    db.session.flush()
    record(REALM, "ferry.sent", f"生成摆渡包 {name}（{DIRECTIONS[direction]}，{len(changed)} 条记录）",
           actor=actor, obj=package, data={"seq": seq, "records": summary, "full": full})
    _after_commit(lambda: os.replace(part, outbox / name), lambda: part.unlink(missing_ok=True))
    db.session.flush()
    return package


# --- receiving ---------------------------------------------------------------------------------

@dataclass
class Inbox:
    #: packages in the inbox waiting, by sequence number in their name
    waiting: list[tuple[int, Path]]
    applied_seq: int

    @property
    def missing(self) -> int | None:
        """The sequence number the queue waits for, when a later one is already here."""
        if self.waiting and self.waiting[0][0] > self.applied_seq + 1:
            return self.applied_seq + 1
        return None


def inbox_state() -> Inbox:
    direction = node.receiving_direction()
    inbox = _directory("PORTAL_FERRY_INBOX")
    found = []
    for path in inbox.iterdir():
        match = NAME.match(path.name)
        if match and match.group(1) == direction and path.is_file():
            found.append((int(match.group(2)), path))
    cursor = db.session.get(FerryCursor, direction)
    return Inbox(sorted(found), cursor.applied_seq if cursor else 0)


def _aside(path: Path, folder: str, reason: str | None = None) -> None:
    target_dir = path.parent / folder
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{path.stem}-{utcnow():%Y%m%d%H%M%S%f}{path.suffix}"
    shutil.move(str(path), target)
    if reason is not None:
        target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")


def _refuse(direction: str, path: Path, sha: str, reason: str, seq: int | None, actor) -> FerryPackage:
    package = FerryPackage(direction=direction, action="refused", seq=seq, filename=path.name, sha256=sha,
                           records=0, files=0, reason=reason[:500], summary={})
    db.session.add(package)
    db.session.flush()
    record(REALM, "ferry.refused", f"拒收摆渡包 {path.name}：{reason}"[:250], actor=actor, obj=package,
           data={"reason": reason, "seq": seq, "sha256": sha})
    _aside(path, "refused", reason)
    return package


def apply_next(*, actor=None, skip_missing: bool = False) -> FerryPackage | None:
    """Apply (or refuse) the next package of the inbox; None when none is ready (empty, or waiting
    for a missing one)."""
    _require_ferry()
    direction = node.receiving_direction()
    key = _key(direction)
    state = inbox_state()
    if not state.waiting:
        return None
    seq_named, path = state.waiting[0]
    sha = _sha256(path)
    cursor = _cursor(direction)
    if seq_named > cursor.applied_seq + 1 and not skip_missing:
        return None
    seq = None
    try:
        limit = int(current_app.config.get("PORTAL_FERRY_MAX_BYTES") or MAX_BYTES)
        if path.stat().st_size > limit:
            raise packages.PackageError("包超过大小上限")
        with open(path, "rb") as fh:
            opened = packages.open_package(fh, fmt=FORMAT, version=VERSION, what="摆渡包", key=key,
                                           limits=inspect.ArchiveLimits.from_config(max_expanded_bytes=limit * 4))
            manifest = opened.manifest
            if manifest.get("direction") != direction:
                raise packages.PackageError(f"方向不符：本端只接收{DIRECTIONS[direction]}的包")
            seq = manifest.get("seq")
            if not isinstance(seq, int) or seq < 1:
                raise packages.PackageError("清单中没有有效的序号")
            if seq <= cursor.applied_seq:
                raise packages.PackageError(f"重放或重复的包：第 {seq} 号，本端已导入到第 {cursor.applied_seq} 号")
            if seq != seq_named:
                raise packages.PackageError(f"文件名的序号（{seq_named}）与清单（{seq}）不符")
            files = manifest.get("files")
            if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
                raise packages.PackageError("清单中没有文件列表")
            listed = {f.get("path"): (f.get("sha256"), f.get("size")) for f in files}
            packages.verify_files(opened, listed)
            ferry_records.check(direction, manifest.get("records"), listed)
            try:
                with db.session.begin_nested():
                    summary = ferry_records.apply(direction, manifest["records"], opened.archive)
            except sa.exc.SQLAlchemyError as exc:
                detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
                raise packages.PackageError(f"写入失败：{type(exc).__name__}：{detail}") from exc
    except packages.PackageError as exc:
        return _refuse(direction, path, sha, exc.reason, seq, actor)
    except AppError as exc:
        return _refuse(direction, path, sha, exc.message, seq, actor)
    skipped = list(range(cursor.applied_seq + 1, seq))
    if skipped:
        record(REALM, "ferry.gap_skipped", f"跳过缺失的摆渡包第 {skipped[0]}–{skipped[-1]} 号（{DIRECTIONS[direction]}）",
               actor=actor, data={"skipped": skipped})
    cursor.applied_seq = seq
    package = FerryPackage(direction=direction, action="applied", seq=seq, filename=path.name, sha256=sha,
                           records=len(manifest["records"]), files=len(listed), reason="", summary=summary)
    db.session.add(package)
    db.session.flush()
    record(REALM, "ferry.applied", f"导入摆渡包 {path.name}（{DIRECTIONS[direction]}，{package.records} 条记录）",
           actor=actor, obj=package, data={"seq": seq, "records": summary})
    _after_commit(lambda: _aside(path, "applied"))
    db.session.flush()
    return package


# --- the staff page ----------------------------------------------------------------------------

def overview() -> dict:
    """What the ferry page shows: this node's role, the last package each way, the refused ones."""
    role = node.role()
    result = {"role": role, "role_label": node.ROLES[role], "directions": [], "refused": [], "missing": None,
              "waiting": 0, "queued": 0}
    if role == "single":
        return result
    for direction in ("out", "in"):
        cursor = db.session.get(FerryCursor, direction)
        sending = direction == node.sending_direction()
        last = db.session.scalar(sa.select(FerryPackage).where(
            FerryPackage.direction == direction, FerryPackage.action == ("sent" if sending else "applied"))
            .order_by(FerryPackage.id.desc()).limit(1))
        result["directions"].append({
            "direction": direction, "label": DIRECTIONS[direction], "sending": sending,
            "seq": (cursor.sent_seq if sending else cursor.applied_seq) if cursor else 0, "last": last})
    result["refused"] = list(db.session.scalars(sa.select(FerryPackage).where(FerryPackage.action == "refused")
                                                .order_by(FerryPackage.id.desc()).limit(50)))
    try:
        state = inbox_state()
        result["waiting"], result["missing"] = len(state.waiting), state.missing
        outbox = _directory("PORTAL_FERRY_OUTBOX")
        result["queued"] = sum(1 for p in outbox.iterdir() if NAME.match(p.name))
    except (FerryError, OSError) as exc:
        result["problem"] = getattr(exc, "message", str(exc))
    return result
