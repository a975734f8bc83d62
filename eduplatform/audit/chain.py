"""The tamper-evident audit chain: sealing entries into it and verifying it.

Writing an entry stays one cheap INSERT in the request's transaction; nothing is chained there
(chaining at insert time would make every writing transaction wait on one global lock). A sealer
appends links to ``audit_chain`` afterwards: it takes a lock (``pg_try_advisory_xact_lock`` on
PostgreSQL; SQLite has one writer anyway and the primary key on ``seq`` refuses a second sealer),
and seals every committed entry that has no link yet, in id order. It runs after each commit
that wrote audit entries (best effort: skipped when another sealer is busy) and from
``flask audit-seal`` / ``flask audit-verify``.

A link is ``HMAC-SHA256(key, seq | entry id | entry hash | previous link's hash)``, the entry hash
a SHA-256 of the entry's columns. The key (``AUDIT_KEY``, else derived from ``SECRET_KEY``) is not
in the database, so whoever can only write the database cannot rebuild the chain after editing a
row. Verification recomputes every link and reports the first broken one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from eduplatform.audit.models import AuditArchive, AuditChainLink, AuditEntry
from eduplatform.core.db import utcnow

log = logging.getLogger(__name__)

GENESIS = "0" * 64
#: pg_advisory_xact_lock key of the sealer ("audit" in ASCII).
LOCK_KEY = 0x6175646974
#: After a commit, only entries near the chain's end are looked for (a cheap anti-join); the
#: periodic sealer looks at all.
RECENT_WINDOW = 2000
BATCH = 2000
#: Links one after-commit sealing appends at most.
AFTER_COMMIT_MAX = 500

ENTRY_COLUMNS = ("id", "created_at", "realm", "kind", "summary", "data", "actor_id", "actor_name",
                 "object_type", "object_id", "ip")


def audit_key() -> bytes:
    configured = current_app.config.get("AUDIT_KEY")
    if configured:
        return configured.encode()
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(secret, b"eduplatform audit chain", hashlib.sha256).digest()


def entry_document(row) -> dict:
    """The entry's columns as plain JSON values (also the line format of an archive)."""
    doc = {}
    for name in ENTRY_COLUMNS:
        value = row[name] if isinstance(row, dict) else getattr(row, name)
        if isinstance(value, datetime):
            value = value.isoformat(sep=" ", timespec="microseconds")
        doc[name] = value
    return doc


def entry_hash(row) -> str:
    canonical = json.dumps(entry_document(row), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def link_hash(key: bytes, seq: int, entry_id: int, entry_digest: str, prev_hash: str) -> str:
    return hmac.new(key, f"{seq}|{entry_id}|{entry_digest}|{prev_hash}".encode(), hashlib.sha256).hexdigest()


def sign(key: bytes, document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def archive_fields(archive) -> dict:
    """What an archive record's signature covers."""
    get = archive.get if isinstance(archive, dict) else lambda k: getattr(archive, k)
    return {k: (get(k).isoformat(sep=" ", timespec="microseconds") if isinstance(get(k), datetime) else get(k))
            for k in ("before", "first_seq", "last_seq", "entry_count", "head_hash", "file_name", "file_sha256")}


# --- sealing ------------------------------------------------------------------------------------

entries_t = AuditEntry.__table__
chain_t = AuditChainLink.__table__
archives_t = AuditArchive.__table__


def lock(conn, *, wait: bool) -> bool:
    """Take the sealer's lock for the current transaction; False when another sealer holds it."""
    if conn.dialect.name == "postgresql":
        if wait:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
            return True
        return bool(conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}).scalar())
    return True  # SQLite: one writer at a time; a racing sealer fails on the seq primary key


def chain_head(conn) -> tuple[int, str]:
    """(seq, hash) of the last link, or of the last archive's head when every link was archived."""
    last = conn.execute(sa.select(chain_t.c.seq, chain_t.c.hash).order_by(chain_t.c.seq.desc()).limit(1)).first()
    if last is not None:
        return last.seq, last.hash
    archived = conn.execute(sa.select(archives_t.c.last_seq, archives_t.c.head_hash)
                            .order_by(archives_t.c.last_seq.desc()).limit(1)).first()
    return (archived.last_seq, archived.head_hash) if archived is not None else (0, GENESIS)


def unsealed_query(floor: int = 0):
    return (sa.select(*entries_t.columns)
            .outerjoin(chain_t, chain_t.c.entry_id == entries_t.c.id)
            .where(chain_t.c.entry_id.is_(None), entries_t.c.id > floor)
            .order_by(entries_t.c.id))


def seal(conn, *, wait: bool = True, recent_only: bool = False, at_most: int | None = None) -> int:
    """Append links for the committed entries without one; → how many were sealed (0 if busy).

    ``recent_only`` and ``at_most`` keep the after-commit sealing cheap: a backlog (bulk writes,
    stragglers from long transactions) is left to the next commits and to ``flask audit-seal``."""
    if not lock(conn, wait=wait):
        return 0
    key = audit_key()
    seq, prev = chain_head(conn)
    floor = 0
    if recent_only:
        newest = conn.execute(sa.select(sa.func.max(chain_t.c.entry_id))).scalar()
        floor = max(0, (newest or 0) - RECENT_WINDOW)
    sealed = 0
    while True:
        size = BATCH if at_most is None else min(BATCH, at_most - sealed)
        # Ids after the floor, then which of them hold a link, then the rows still to seal: index
        # range scans whose cost does not hang on the planner's statistics (an anti-join planned on
        # missing statistics — a fresh table, a long transaction — scanned the chain per entry).
        ids = list(conn.execute(sa.select(entries_t.c.id).where(entries_t.c.id > floor)
                                .order_by(entries_t.c.id).limit(size)).scalars())
        if not ids:
            return sealed
        floor = ids[-1]
        linked = set(conn.execute(sa.select(chain_t.c.entry_id).where(
            chain_t.c.entry_id.between(ids[0], floor))).scalars())
        todo = [i for i in ids if i not in linked]
        if not todo:
            continue
        rows = conn.execute(sa.select(*entries_t.columns).where(entries_t.c.id.in_(todo))
                            .order_by(entries_t.c.id)).mappings().all()
        links = []
        for row in rows:
            seq += 1
            digest = entry_hash(row)
            current = link_hash(key, seq, row["id"], digest, prev)
            links.append({"seq": seq, "entry_id": row["id"], "entry_hash": digest, "prev_hash": prev,
                          "hash": current, "sealed_at": utcnow()})
            prev = current
        conn.execute(sa.insert(chain_t), links)
        sealed += len(links)
        if at_most is not None and sealed >= at_most:
            return sealed


WROTE = "audit_entries_written"
_last_seal = 0.0


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(WROTE, None)


@event.listens_for(Session, "after_commit")
def seal_after_commit(session) -> None:
    """Best effort, after a commit that wrote audit entries: seal them in a transaction of its own."""
    if not session.info.pop(WROTE, False) or not has_app_context():
        return
    if not current_app.config.get("AUDIT_SEAL_AFTER_COMMIT", True):
        return
    global _last_seal
    # A seal is a second transaction (on SQLite a second fsync): once a second per process, not
    # once a request, keeps its cost per request small; the entries between ride with the next.
    now = time.monotonic()
    if now - _last_seal < float(current_app.config.get("AUDIT_SEAL_INTERVAL_SECONDS", 1.0)):
        session.info[WROTE] = True  # still owed: the next commit of this session seals them
        return
    _last_seal = now
    try:
        bind = session.get_bind()
        if isinstance(bind, sa.engine.Connection):  # a session joined to an outer transaction (tests)
            with bind.begin_nested():
                seal(bind, wait=False, recent_only=True, at_most=AFTER_COMMIT_MAX)
            return
        with bind.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # Never make the request wait on another writer: skip, the next seal catches up.
                # (On the driver's connection: through SQLAlchemy it would begin a transaction.)
                conn.connection.driver_connection.execute("PRAGMA busy_timeout=200")
            try:
                with conn.begin():
                    seal(conn, wait=False, recent_only=True, at_most=AFTER_COMMIT_MAX)
            finally:
                if sqlite:
                    conn.connection.driver_connection.execute("PRAGMA busy_timeout=5000")
    except sa.exc.DBAPIError as exc:  # busy, or a racing sealer took the same seq
        log.info("audit sealing skipped: %s", exc.__class__.__name__)


# --- verification -------------------------------------------------------------------------------

@dataclass
class Verification:
    links: int = 0
    unsealed: int = 0
    archives: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [f"已核验链接 {self.links} 条（归档 {self.archives} 份），未封存记录 {self.unsealed} 条",
               f"链头：第 {self.head_seq} 条 {self.head_hash}"]
        if self.ok:
            out.append("审计链完整")
        else:
            out.append(f"审计链被破坏：{self.problems[0]}")
            out.extend(f"  另：{p}" for p in self.problems[1:])
        return out


def verify(conn) -> Verification:
    """Recompute every archive record's signature and every link; report the first broken link."""
    key = audit_key()
    report = Verification()
    seq, prev = 0, GENESIS
    for archive in conn.execute(sa.select(archives_t).order_by(archives_t.c.first_seq)).mappings():
        report.archives += 1
        if not hmac.compare_digest(archive["signature"], sign(key, archive_fields(archive))):
            report.problems.append(f"归档记录 #{archive['id']} 的签名不符（被伪造或修改）")
            return report
        if archive["first_seq"] != seq + 1:
            report.problems.append(f"归档记录 #{archive['id']} 与前一份不衔接（第 {seq + 1} 条起缺失）")
            return report
        seq, prev = archive["last_seq"], archive["head_hash"]
    query = (sa.select(chain_t, *[entries_t.c[c].label(f"e_{c}") for c in ENTRY_COLUMNS])
             .outerjoin(entries_t, entries_t.c.id == chain_t.c.entry_id).order_by(chain_t.c.seq))
    after = seq
    while True:
        rows = conn.execute(query.where(chain_t.c.seq > after).limit(BATCH)).mappings().all()
        if not rows:
            break
        for row in rows:
            problem = _check_link(key, row, seq + 1, prev)
            if problem:
                report.problems.append(problem)
                report.head_seq, report.head_hash = row["seq"], row["hash"]
                report.unsealed = count_unsealed(conn)
                return report
            seq, prev = row["seq"], row["hash"]
            report.links += 1
        after = rows[-1]["seq"]
    report.head_seq, report.head_hash = seq, prev
    report.unsealed = count_unsealed(conn)
    return report


def _check_link(key: bytes, row, expected_seq: int, prev: str) -> str | None:
    if row["seq"] != expected_seq:
        return f"第 {expected_seq} 条链接缺失（链接被删除），下一条是第 {row['seq']} 条"
    if row["prev_hash"] != prev or not hmac.compare_digest(
            row["hash"], link_hash(key, row["seq"], row["entry_id"], row["entry_hash"], row["prev_hash"])):
        return f"第 {row['seq']} 条链接被修改（审计记录 #{row['entry_id']}）"
    if row["e_id"] is None:
        return f"第 {row['seq']} 条链接的审计记录 #{row['entry_id']} 已被删除"
    entry = {c: row[f"e_{c}"] for c in ENTRY_COLUMNS}
    if entry_hash(entry) != row["entry_hash"]:
        return f"审计记录 #{row['entry_id']}（第 {row['seq']} 条链接）的内容被修改"
    return None


def count_unsealed(conn) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(unsealed_query().order_by(None).subquery())).scalar()
