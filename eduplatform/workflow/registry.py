"""The definitions the platform knows: loaded from YAML files (the engine's own and each domain's),
and the stored copy of every version an instance was started with."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import IntegrityError

from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db
from eduplatform.workflow.definitions import DefinitionError, ProcessDef, load_definition
from eduplatform.workflow.models import ProcessDefinition

PACKAGE_PROCESSES = Path(__file__).with_name("processes")

_definitions: dict[tuple[str, int], ProcessDef] = {}
#: Parsed stored sources, by checksum (a stored version never changes).
_stored: dict[str, ProcessDef] = {}


def register_text(source: str, origin: str = "") -> ProcessDef:
    """Load and register one definition; the same (key, version) with other content is refused."""
    process = load_definition(source, origin)
    known = _definitions.get((process.key, process.version))
    if known is not None and known.checksum != process.checksum:
        raise DefinitionError(process.label, [
            f"版本 {process.version} 已由 {known.origin or '其他来源'} 注册且内容不同：修改流程请提升 version"])
    _definitions[(process.key, process.version)] = process
    return process


def register_file(path: Path | str) -> ProcessDef:
    path = Path(path)
    return register_text(path.read_text(encoding="utf-8"), origin=str(path))


def register_processes(path: Path | str) -> list[ProcessDef]:
    """Register a YAML file, or every ``*.yaml`` in a directory (a domain's ``processes/``)."""
    path = Path(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return [register_file(f) for f in files]


def unregister(key: str, version: int | None = None) -> None:
    """Forget a key (or one version of it): for tests that register throw-away definitions."""
    for k in [k for k in _definitions if k[0] == key and (version is None or k[1] == version)]:
        del _definitions[k]


def get_process(key: str, version: int | None = None) -> ProcessDef:
    """The newest registered version of ``key``, or the given one; 404 when unknown."""
    if version is not None:
        process = _definitions.get((key, version))
    else:
        versions = [v for (k, v) in _definitions if k == key]
        process = _definitions[(key, max(versions))] if versions else None
    if process is None:
        from eduplatform.core.errors import NotFound

        raise NotFound(f"流程 {key}{f' 版本 {version}' if version else ''} 不存在")
    return process


def latest_processes() -> list[ProcessDef]:
    keys = sorted({k for k, _ in _definitions})
    return [get_process(k) for k in keys]


def versions_of(key: str) -> list[int]:
    return sorted(v for (k, v) in _definitions if k == key)


def all_processes() -> list[ProcessDef]:
    return [_definitions[k] for k in sorted(_definitions)]


def stored_row(process: ProcessDef) -> ProcessDefinition:
    """The row of this version, created on first use; a changed text under a used version is refused."""
    query = db.select(ProcessDefinition).filter_by(key=process.key, version=process.version)
    row = db.session.scalar(query)
    if row is None:
        row = ProcessDefinition(key=process.key, version=process.version, name=process.name,
                                checksum=process.checksum, source=process.source)
        try:
            with db.session.begin_nested():  # the first uses of a new version may race to create it
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalar(query)  # another request stored it first
    if row.checksum != process.checksum:
        raise AppError(f"流程「{process.name}」版本 {process.version} 的定义文件已被修改，但已有实例按原版本运行；"
                       f"请提升 version 后再发布新版本", code="definition_changed", status=409)
    _stored.setdefault(row.checksum, process)
    return row


def process_of(row: ProcessDefinition) -> ProcessDef:
    """The definition an instance runs on: its stored text, whatever the files say today."""
    process = _stored.get(row.checksum)
    if process is None:
        process = load_definition(row.source, origin=f"process_definitions#{row.id}")
        _stored[row.checksum] = process
    return process
