"""Back up and restore the whole platform: the database, every stored object, then the search index.

A backup is one package (``core.packages``): ``database.sqlite`` (SQLite's online backup API) or
``database.dump`` (``pg_dump`` custom format of the current schema), and ``objects/<key>`` for each
object in the store, each with its SHA-256 in the manifest. The index is not saved: it is rebuilt
from the database (``reindex``), the same as after any loss of the index directory.

Restoring checks the whole package first (paths, checksums, the schema revision it was taken at),
then replaces the database, writes the objects and rebuilds the index; ``flask check`` should then
report 一致. The store is not emptied first: objects that are not in the backup stay and
``check`` lists them as orphans (``check --repair`` removes them) — a restore never deletes files
it did not bring back.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from eduplatform.core import packages
from eduplatform.core.extensions import db
from eduplatform.core.storage.inspect import ArchiveLimits

FORMAT = "eduplatform-backup"
VERSION = 1
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.dump"}


class BackupError(Exception):
    """A backup or restore refused or failed; ``reason`` is Chinese."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class BackupSummary:
    path: Path
    dialect: str
    revision: str | None
    objects: int = 0
    object_bytes: int = 0
    indexed: int | None = None
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"数据库：{self.dialect}（结构版本 {self.revision or '未知'}）",
               f"存储对象：{self.objects} 个，共 {self.object_bytes} 字节"]
        if self.indexed is not None:
            out.append(f"已重建索引：{self.indexed} 条文档")
        return out + self.notes


def _dialect() -> str:
    name = db.engine.dialect.name
    if name not in DATABASE_MEMBERS:
        raise BackupError(f"不支持备份 {name} 数据库（只支持 SQLite 与 PostgreSQL）")
    return name


def _revision() -> str | None:
    try:
        return db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        db.session.rollback()
        return None


def pg_program(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: ``EDU_PG_BIN`` if set, else the newest Debian install, else PATH."""
    configured = current_app.config.get("PG_BIN") or os.environ.get("EDU_PG_BIN")
    candidates = [Path(configured) / name] if configured else []
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                         key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
                         reverse=True)
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}（请安装 postgresql-client，或设置 EDU_PG_BIN）")
    return found


def _libpq_url() -> str:
    """The engine's URL as libpq reads it (no SQLAlchemy driver suffix), password included."""
    url = db.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _current_schema() -> str:
    return db.session.execute(sa.text("SELECT current_schema()")).scalar()


def _run(args: list[str], what: str) -> None:
    result = subprocess.run(args, check=False, capture_output=True, timeout=6 * 3600)
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace")[-500:]
        raise BackupError(f"{what}失败：{detail}")


# --- backup ------------------------------------------------------------------------------------------

def _dump_database(dialect: str, workdir: Path) -> Path:
    target = workdir / DATABASE_MEMBERS[dialect]
    if dialect == "sqlite":
        raw = db.engine.raw_connection()
        try:
            with sqlite3.connect(target) as copy:
                raw.driver_connection.backup(copy)  # a consistent snapshot of a live database
        finally:
            raw.close()
    else:
        _run([pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
              f"--schema={_current_schema()}", f"--file={target}", f"--dbname={_libpq_url()}"], "导出数据库")
    return target


def write_backup(path: str | Path) -> BackupSummary:
    """Write a backup package to ``path`` (created; an existing file is refused)."""
    from eduplatform.core.storage.registry import get_storage

    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} 已存在，不会覆盖")
    dialect, revision = _dialect(), _revision()
    db.session.commit()  # nothing of this session's own is left out of the snapshot
    storage = get_storage()
    summary = BackupSummary(path, dialect, revision)
    partial = path.with_name(path.name + ".part")
    writer = packages.PackageWriter(partial)
    try:
        with tempfile.TemporaryDirectory(prefix="backup-") as workdir:
            dump = _dump_database(dialect, Path(workdir))
            with open(dump, "rb") as source:
                database = writer.add_file(dump.name, iter(lambda: source.read(1024 * 1024), b""))
        objects = []
        for key in sorted(storage.iter_keys()):
            entry = writer.add_file(f"objects/{key}", storage.open(key), compress=False)
            objects.append({"key": key, "sha256": entry["sha256"], "size": entry["size"]})
            summary.objects += 1
            summary.object_bytes += entry["size"]
        writer.close({"format": FORMAT, "version": VERSION, "created_at": datetime.now(UTC).isoformat(),
                      "dialect": dialect, "revision": revision, "database": database, "objects": objects})
    except BaseException:
        writer.abort()
        partial.unlink(missing_ok=True)
        raise
    partial.rename(path)  # a backup exists only once it is whole
    return summary


# --- restore -----------------------------------------------------------------------------------------

def _restore_limits() -> ArchiveLimits:
    """A backup holds every object the platform stored, each already inspected when it came in: the
    inspector's structural checks stay (links, paths, overlapping entries), its size limits do not."""
    base = ArchiveLimits.from_config()
    return ArchiveLimits(max_entries=10**9, max_expanded_bytes=2**62, max_ratio=10**9,
                         max_depth=base.max_depth + 1)


def open_backup(path: str | Path) -> packages.OpenedPackage:
    """Open and verify a backup package whole (every checksum) before anything is changed."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 — the opened package keeps reading it; closed by the caller
    except OSError as exc:
        raise BackupError(f"无法打开备份文件：{exc.strerror}") from None
    try:
        package = packages.open_package(handle, fmt=FORMAT, version=VERSION, what="备份",
                                        limits=_restore_limits())
        manifest = package.manifest
        database = manifest.get("database") or {}
        files = {database.get("path"): (database.get("sha256"), database.get("size"))}
        for item in manifest.get("objects") or []:
            files[f"objects/{item.get('key')}"] = (item.get("sha256"), item.get("size"))
        packages.verify_files(package, files)
    except packages.PackageError as exc:
        handle.close()
        raise BackupError(f"备份文件无效：{exc.reason}") from None
    except BaseException:
        handle.close()
        raise
    return package


def _restore_sqlite(package: packages.OpenedPackage, member: str) -> None:
    with tempfile.TemporaryDirectory(prefix="restore-") as workdir:
        copy = Path(workdir) / "database.sqlite"
        with package.archive.open(member) as source, open(copy, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        db.session.remove()
        db.engine.dispose()
        raw = db.engine.raw_connection()
        try:
            with sqlite3.connect(copy) as backup:
                backup.backup(raw.driver_connection)  # page by page into the live file, in one step
        finally:
            raw.close()
        db.engine.dispose()


def _restore_postgresql(package: packages.OpenedPackage, member: str) -> None:
    schema = _current_schema()
    with tempfile.TemporaryDirectory(prefix="restore-") as workdir:
        dump = Path(workdir) / "database.dump"
        with package.archive.open(member) as source, open(dump, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        listing = subprocess.run([pg_program("pg_restore"), "--list", str(dump)], check=True,
                                 capture_output=True, timeout=600).stdout.decode("utf-8", "replace")
        # "2; 2615 16386 SCHEMA - <name> <owner>": pg_dump writes CREATE SCHEMA for all but public
        creates_schema = any(f" SCHEMA - {schema} " in f"{line} " for line in listing.splitlines())
        db.session.remove()
        db.engine.dispose()
        with db.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            if not creates_schema:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        db.engine.dispose()
        _run([pg_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
              f"--dbname={_libpq_url()}", str(dump)], "恢复数据库")


def restore_backup(path: str | Path, *, reindex: bool = True) -> BackupSummary:
    """Replace the database with the backup's, write its objects into the store, rebuild the index."""
    from eduplatform.core.search import registry
    from eduplatform.core.storage.registry import get_storage

    dialect = _dialect()
    package = open_backup(path)
    try:
        manifest = package.manifest
        if manifest.get("dialect") != dialect:
            raise BackupError(f"备份来自 {manifest.get('dialect')} 数据库，不能恢复到 {dialect}")
        summary = BackupSummary(Path(path), dialect, manifest.get("revision"))
        member = manifest["database"]["path"]
        if dialect == "sqlite":
            _restore_sqlite(package, member)
        else:
            _restore_postgresql(package, member)
        storage = get_storage()
        for item in manifest.get("objects") or []:
            with package.archive.open(f"objects/{item['key']}") as source:
                storage.put(item["key"], source)
            summary.objects += 1
            summary.object_bytes += item["size"]
        if reindex:
            summary.indexed = registry.reindex()
        db.session.commit()
        current = _revision()
        if current != summary.revision:
            summary.notes.append(f"注意：恢复后的结构版本 {current} 与备份时 {summary.revision} 不同，请运行 flask db upgrade")
        return summary
    finally:
        package.archive.close()
