"""Database ↔ object storage ↔ search index: what `flask check` compares."""

from __future__ import annotations

from dataclasses import dataclass, field

from eduplatform.extensions import db


@dataclass
class ConsistencyReport:
    objects_without_row: list[str] = field(default_factory=list)
    rows_without_object: list[str] = field(default_factory=list)
    size_mismatches: list[str] = field(default_factory=list)
    index_without_row: list[str] = field(default_factory=list)
    rows_not_indexed: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.objects_without_row or self.rows_without_object or self.size_mismatches
                    or self.index_without_row or self.rows_not_indexed)

    def lines(self) -> list[str]:
        out = [(f"文件记录 {self.counts.get('rows', 0)} 条，存储对象 {self.counts.get('objects', 0)} 个，"
                f"索引文档 {self.counts.get('indexed', 0)} 条")]
        sections = [
            ("存储中有对象但数据库无记录（孤立对象）", self.objects_without_row),
            ("数据库有记录但存储中无对象（文件丢失）", self.rows_without_object),
            ("对象大小与记录不符", self.size_mismatches),
            ("索引中有文档但数据库无对应记录（运行 flask reindex 修复）", self.index_without_row),
            ("数据库记录未进入索引（运行 flask reindex 修复）", self.rows_not_indexed),
        ]
        for title, items in sections:
            if items:
                out.append(f"{title}：{len(items)}")
                out.extend(f"  - {item}" for item in sorted(items)[:100])
        out.append("一致" if self.ok else "发现不一致")
        return out


def check_consistency(deep: bool = False) -> ConsistencyReport:
    from eduplatform.search.registry import expected_uids, get_search
    from eduplatform.storage.base import ObjectNotFound
    from eduplatform.storage.models import StoredFile
    from eduplatform.storage.registry import get_storage

    report = ConsistencyReport()
    storage = get_storage()
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
