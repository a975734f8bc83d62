"""Database ↔ object storage ↔ search index: what `flask check` compares, and `--repair` mends.

Besides orphans, ``check`` lists what an unfinished write left in the storage backend: temp files
under ``objects/.tmp`` (file backend) and open multipart uploads (MinIO / S3). A worker killed in
the middle of an upload (``kill -9``, the OOM killer, a power cut) runs no cleanup, so these stay
until removed. ``--repair`` removes the leftovers and the orphan objects older than
``STORAGE_STALE_TEMP_HOURS`` (younger ones may belong to an upload still under way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app

from eduplatform.core.extensions import db


@dataclass
class ConsistencyReport:
    objects_without_row: list[str] = field(default_factory=list)
    rows_without_object: list[str] = field(default_factory=list)
    size_mismatches: list[str] = field(default_factory=list)
    index_without_row: list[str] = field(default_factory=list)
    rows_not_indexed: list[str] = field(default_factory=list)
    #: leftovers of unfinished writes older than the configured age
    stale_temporaries: list[str] = field(default_factory=list)
    #: younger leftovers: reported, not counted as inconsistent (an upload may be under way)
    recent_temporaries: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    stale_hours: float = 24
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.objects_without_row or self.rows_without_object or self.size_mismatches
                    or self.index_without_row or self.rows_not_indexed or self.stale_temporaries)

    def lines(self) -> list[str]:
        out = [(f"文件记录 {self.counts.get('rows', 0)} 条，存储对象 {self.counts.get('objects', 0)} 个，"
                f"索引文档 {self.counts.get('indexed', 0)} 条，未完成的临时写入 {self.counts.get('temporaries', 0)} 个")]
        hours = f"{self.stale_hours:g}"
        sections = [
            ("存储中有对象但数据库无记录（孤立对象）", self.objects_without_row),
            ("数据库有记录但存储中无对象（文件丢失）", self.rows_without_object),
            ("对象大小与记录不符", self.size_mismatches),
            ("索引中有文档但数据库无对应记录（运行 flask reindex 修复）", self.index_without_row),
            ("数据库记录未进入索引（运行 flask reindex 修复）", self.rows_not_indexed),
            (f"过期的临时文件或未完成的分片上传（超过 {hours} 小时，运行 flask check --repair 清理）",
             self.stale_temporaries),
            (f"进行中的上传（不足 {hours} 小时，暂不清理）", self.recent_temporaries),
            ("已清理", self.removed),
        ]
        for title, items in sections:
            if items:
                out.append(f"{title}：{len(items)}")
                out.extend(f"  - {item}" for item in sorted(items)[:100])
        out.append("一致" if self.ok else "发现不一致")
        return out


def stale_age(hours: float | None = None) -> timedelta:
    if hours is None:
        hours = float(current_app.config.get("STORAGE_STALE_TEMP_HOURS", 24))
    return timedelta(hours=hours)


def check_consistency(deep: bool = False, *, repair: bool = False,
                      stale_hours: float | None = None) -> ConsistencyReport:
    """Compare; with ``repair``, first remove stale leftovers and old orphan objects."""
    from eduplatform.core.search.registry import expected_uids, get_search
    from eduplatform.core.storage.base import ObjectNotFound
    from eduplatform.core.storage.models import StoredFile
    from eduplatform.core.storage.registry import get_storage

    age = stale_age(stale_hours)
    report = ConsistencyReport(stale_hours=age.total_seconds() / 3600)
    storage = get_storage()
    if repair:
        repair_storage(storage, age, report)

    temporaries = storage.temporaries()
    stale = {t.name for t in storage.stale_temporaries(age)}
    report.counts["temporaries"] = len(temporaries)
    for temp in temporaries:
        size = f"，{temp.size} 字节" if temp.size is not None else ""
        started = f"开始于 {temp.started:%Y-%m-%d %H:%M} UTC" if temp.started else "开始时间未知"
        (report.stale_temporaries if temp.name in stale else report.recent_temporaries).append(
            f"{temp.name}（{started}{size}）")

    rows = {key: size for key, size in db.session.execute(db.select(StoredFile.key, StoredFile.size))}
    objects = set(storage.iter_keys())
    report.counts.update(rows=len(rows), objects=len(objects))
    report.objects_without_row = sorted(objects - rows.keys())
    report.rows_without_object = sorted(rows.keys() - objects)
    if deep:
        for key in rows.keys() & objects:
            try:
                size = storage.stat(key).size
            except ObjectNotFound:
                report.rows_without_object.append(key)
                continue
            if size != rows[key]:
                report.size_mismatches.append(f"{key}: 记录 {rows[key]} 字节，实际 {size} 字节")

    search = get_search()
    indexed = search.uids()
    report.counts["indexed"] = len(indexed)
    expected = set().union(*expected_uids().values())
    report.index_without_row = sorted(indexed - expected)
    report.rows_not_indexed = sorted(expected - indexed)
    return report


def repair_storage(storage, age: timedelta, report: ConsistencyReport) -> None:
    """Remove leftovers of unfinished writes and orphan objects, both older than ``age``; audited."""
    from eduplatform.core.signals import audit
    from eduplatform.core.storage.base import ObjectNotFound
    from eduplatform.core.storage.models import StoredFile

    for temp in storage.stale_temporaries(age):
        storage.remove_temporary(temp)
        report.removed.append(f"临时写入 {temp.name}")
    cutoff = datetime.now(UTC) - age
    keys = set(db.session.scalars(db.select(StoredFile.key)))
    for key in storage.iter_keys():
        if key in keys:
            continue
        try:
            modified = storage.stat(key).modified
        except ObjectNotFound:
            continue
        # Re-check the row: an upload may have committed since the list was read.
        if (modified is None or modified <= cutoff) and db.session.scalar(
                db.select(StoredFile.id).where(StoredFile.key == key)) is None:
            storage.delete(key)
            report.removed.append(f"孤立对象 {key}")
    if report.removed:
        audit("storage", "storage.repaired", f"存储一致性修复：清理 {len(report.removed)} 项",
              data={"removed": report.removed[:1000], "older_than_hours": age.total_seconds() / 3600})
        db.session.flush()
