"""Retention: old audit entries leave the database only into a signed, verified archive.

An archive is a JSON Lines file (one line per chain link: the entry's columns, its hash and the
link) and a manifest (``…manifest.json``) with the file's SHA-256, the link range, the hash the
range starts from and its head hash, signed with HMAC-SHA256 under the audit key (``AUDIT_KEY``,
else derived from ``SECRET_KEY``). Only a prefix of the chain is archived, so the rest continues
from the archive's head; the archive record in the database keeps that head and its own signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from eduplatform.audit import chain
from eduplatform.audit.chain import ENTRY_COLUMNS, archives_t, chain_t, entries_t
from eduplatform.core.db import utcnow
from eduplatform.core.errors import ValidationFailed

MIN_RETENTION_DAYS = 180
FORMAT = "eduplatform-audit-archive/1"


def retention_days() -> int:
    """Configured retention, never below the legal minimum of 180 days."""
    return max(MIN_RETENTION_DAYS, int(current_app.config.get("AUDIT_RETENTION_DAYS") or MIN_RETENTION_DAYS))


@dataclass
class ArchiveResult:
    count: int
    first_seq: int
    last_seq: int
    head_hash: str
    jsonl: Path
    manifest: Path


def archive_before(conn, before: datetime, out_dir: Path, *, actor_name: str | None = None) -> ArchiveResult:
    """Write, verify, record and remove the sealed entries older than ``before`` (naive UTC).

    Runs in the caller's transaction (commit after); refuses entries younger than the retention.
    """
    limit = utcnow() - timedelta(days=retention_days())
    if before > limit:
        raise ValidationFailed(f"审计记录须至少保存 {retention_days()} 天：只能归档 "
                               f"{limit:%Y-%m-%d} 之前的记录")
    chain.lock(conn, wait=True)
    chain.seal(conn)
    check = chain.verify(conn)
    if not check.ok:
        raise ValidationFailed(f"审计链已被破坏，不能归档：{check.problems[0]}")
    seq, prev = _archived_head(conn)
    start_prev = prev
    first_seq = seq + 1
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"audit-archive-{utcnow():%Y%m%d%H%M%S}"
    jsonl, manifest_path = out_dir / f"{stem}.jsonl", out_dir / f"{stem}.manifest.json"
    digest = hashlib.sha256()
    count = 0
    query = (sa.select(chain_t, *[entries_t.c[c].label(f"e_{c}") for c in ENTRY_COLUMNS])
             .join(entries_t, entries_t.c.id == chain_t.c.entry_id).order_by(chain_t.c.seq))
    with open(jsonl, "wb") as out:
        done = False
        while not done:
            rows = conn.execute(query.where(chain_t.c.seq > seq).limit(chain.BATCH)).mappings().all()
            if not rows:
                break
            for row in rows:
                # Only a prefix of the chain leaves: stop at the first entry still kept.
                if row["e_created_at"] >= before:
                    done = True
                    break
                entry = chain.entry_document({c: row[f"e_{c}"] for c in ENTRY_COLUMNS})
                line = json.dumps({"seq": row["seq"], "entry": entry, "entry_hash": row["entry_hash"],
                                   "prev_hash": row["prev_hash"], "hash": row["hash"]},
                                  ensure_ascii=False, sort_keys=True).encode() + b"\n"
                out.write(line)
                digest.update(line)
                seq, prev = row["seq"], row["hash"]
                count += 1
        out.flush()
        os.fsync(out.fileno())
    if count == 0:
        jsonl.unlink()
        raise ValidationFailed(f"{before:%Y-%m-%d} 之前没有可归档的审计记录")
    key = chain.audit_key()
    manifest = {"format": FORMAT, "created_at": utcnow().isoformat(timespec="seconds"),
                "before": before.isoformat(sep=" ", timespec="microseconds"), "first_seq": first_seq,
                "last_seq": seq, "count": count, "start_prev_hash": start_prev, "head_hash": prev,
                "file": jsonl.name, "sha256": digest.hexdigest(), "signature_alg": "HMAC-SHA256"}
    manifest["signature"] = chain.sign(key, manifest)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    report = verify_archive(manifest_path)
    if not report.ok:
        raise ValidationFailed(f"归档文件核验失败，未删除任何记录：{report.problems[0]}")
    record = {"before": before, "first_seq": first_seq, "last_seq": seq, "entry_count": count,
              "head_hash": prev, "file_name": jsonl.name, "file_sha256": manifest["sha256"]}
    conn.execute(sa.insert(archives_t).values(created_at=utcnow(), actor_name=actor_name,
                                              signature=chain.sign(key, chain.archive_fields(record)), **record))
    # The triggers let these rows go because the archive record just written covers their links.
    covered = sa.select(chain_t.c.entry_id).where(chain_t.c.seq.between(first_seq, seq))
    conn.execute(sa.delete(entries_t).where(entries_t.c.id.in_(covered)))
    conn.execute(sa.delete(chain_t).where(chain_t.c.seq.between(first_seq, seq)))
    return ArchiveResult(count, first_seq, seq, prev, jsonl, manifest_path)


def _archived_head(conn) -> tuple[int, str]:
    last = conn.execute(sa.select(archives_t.c.last_seq, archives_t.c.head_hash)
                        .order_by(archives_t.c.last_seq.desc()).limit(1)).first()
    return (last.last_seq, last.head_hash) if last is not None else (0, chain.GENESIS)


@dataclass
class ArchiveCheck:
    count: int = 0
    head_hash: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(path: Path) -> ArchiveCheck:
    """Check an archive's manifest signature, file hash, every entry hash and every link."""
    path = Path(path)
    manifest_path = path if path.name.endswith(".manifest.json") else path.with_name(
        path.name.removesuffix(".jsonl") + ".manifest.json")
    check = ArchiveCheck()
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        check.problems.append(f"读不到归档清单 {manifest_path.name}：{exc}")
        return check
    key = chain.audit_key()
    signature = manifest.pop("signature", "")
    if not hmac.compare_digest(signature, chain.sign(key, manifest)):
        check.problems.append("归档清单的签名不符（清单被修改，或密钥不同）")
        return check
    digest = hashlib.sha256()
    seq, prev = manifest["first_seq"] - 1, manifest["start_prev_hash"]
    with open(manifest_path.with_name(manifest["file"]), "rb") as lines:
        for number, line in enumerate(lines, 1):
            digest.update(line)
            item = json.loads(line)
            problem = None
            if item["seq"] != seq + 1:
                problem = f"第 {number} 行：应为第 {seq + 1} 条链接，实为第 {item['seq']} 条"
            elif chain.entry_hash(item["entry"]) != item["entry_hash"]:
                problem = f"第 {number} 行：审计记录 #{item['entry']['id']} 的内容被修改"
            elif item["prev_hash"] != prev or not hmac.compare_digest(item["hash"], chain.link_hash(
                    key, item["seq"], item["entry"]["id"], item["entry_hash"], item["prev_hash"])):
                problem = f"第 {number} 行：第 {item['seq']} 条链接被修改"
            if problem:
                check.problems.append(problem)
                return check
            seq, prev = item["seq"], item["hash"]
            check.count += 1
    if digest.hexdigest() != manifest["sha256"]:
        check.problems.append("归档文件的 SHA-256 与清单不符")
    elif check.count != manifest["count"] or seq != manifest["last_seq"] or prev != manifest["head_hash"]:
        check.problems.append("归档文件的条数或链头与清单不符（文件被截断）")
    check.head_hash = prev
    return check
