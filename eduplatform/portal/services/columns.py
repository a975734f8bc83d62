"""The column tree: declared in ``columns.yaml``, synced into ``portal_columns``; staff add sub-columns."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm.attributes import set_committed_value

from eduplatform.audit.services import record
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.portal.models import PortalColumn

COLUMNS_FILE = Path(__file__).resolve().parent.parent / "columns.yaml"
KINDS = {"list": "普通列表", "policy": "政策文件（效力状态）", "procurement": "采购招标（截止时间）"}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def declared_columns(path: Path = COLUMNS_FILE) -> list[dict]:
    """The tree in the file, as nested dicts (key, name, kind, home, description, children)."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or []
    seen: set[str] = set()

    def check(items, where):
        for item in items:
            key = item.get("key", "")
            if not KEY_RE.match(key) or key in seen:
                raise ValueError(f"{where}：栏目标识 {key!r} 无效或重复")
            if item.get("kind", "list") not in KINDS:
                raise ValueError(f"{where}：栏目 {key} 的类型 {item.get('kind')!r} 未知")
            seen.add(key)
            check(item.get("children") or [], where)

    check(data, str(path))
    return data


def sync_columns(path: Path = COLUMNS_FILE) -> int:
    """Create or update the file's columns (name, kind, place); keep staff-added ones. Flushes."""
    existing = {c.key: c for c in db.session.scalars(sa.select(PortalColumn))}
    changed = 0

    def walk(items, parent):
        nonlocal changed
        for position, item in enumerate(items):
            column = existing.get(item["key"])
            values = {"name": item["name"], "kind": item.get("kind", "list"), "position": position,
                      "description": item.get("description"), "on_home": bool(item.get("home")),
                      "parent_id": parent.id if parent else None, "from_file": True}
            if column is None:
                column = PortalColumn(key=item["key"], **values)
                db.session.add(column)
                existing[column.key] = column
                changed += 1
            elif any(getattr(column, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(column, k, v)
                changed += 1
            db.session.flush()
            walk(item.get("children") or [], column)

    walk(declared_columns(path), None)
    if changed:
        record("portal", "column.synced", f"按栏目配置同步门户栏目 {changed} 个", data={"changed": changed})
    return changed


@lru_cache(maxsize=1)
def _declared_keys() -> frozenset[str]:
    keys: set[str] = set()

    def walk(items):
        for item in items:
            keys.add(item["key"])
            walk(item.get("children") or [])

    walk(declared_columns())
    return frozenset(keys)


def ensure_synced() -> bool:
    """Sync the file's columns when one is missing from the table (a new install, a new column in
    the file); True when something was written (the caller commits). Renames are applied by
    ``flask portal-sync-columns`` or the next demo seed."""
    present = set(db.session.scalars(sa.select(PortalColumn.key).where(PortalColumn.from_file.is_(True))))
    if _declared_keys() <= present:
        return False
    sync_columns()
    return True


def top_columns() -> list[PortalColumn]:
    """The top columns with the whole tree below them loaded in one query: ``children``, ``parent``
    and ``subtree_ids()`` then cost nothing (the home page walks every block's subtree)."""
    rows = list(db.session.scalars(sa.select(PortalColumn).order_by(PortalColumn.position, PortalColumn.id)))
    children: dict[int, list[PortalColumn]] = {row.id: [] for row in rows}
    by_id = {row.id: row for row in rows}
    tops = []
    for row in rows:
        if row.parent_id is None:
            tops.append(row)
        elif row.parent_id in children:
            children[row.parent_id].append(row)
    for row in rows:
        set_committed_value(row, "children", children[row.id])
        set_committed_value(row, "parent", by_id.get(row.parent_id))
    return tops


def all_columns() -> list[tuple[int, PortalColumn]]:
    """(depth, column) in tree order."""
    out: list[tuple[int, PortalColumn]] = []

    def walk(nodes, depth):
        for node in nodes:
            out.append((depth, node))
            walk(node.children, depth + 1)

    walk(top_columns(), 0)
    return out


def column_by_key(key: str) -> PortalColumn:
    column = db.session.scalar(sa.select(PortalColumn).where(PortalColumn.key == key))
    if column is None:
        raise NotFound("栏目不存在")
    return column


def add_sub_column(parent: PortalColumn, *, actor, key: str, name: str, kind: str | None = None) -> PortalColumn:
    """A sub-column added by staff (kept when the file is synced again). Flushes."""
    key, name = (key or "").strip().lower(), (name or "").strip()
    problems = {}
    if not KEY_RE.match(key):
        problems["key"] = ["栏目标识须为小写字母开头的字母、数字或下划线（2–64 位）"]
    elif db.session.scalar(sa.select(PortalColumn.id).where(PortalColumn.key == key)):
        problems["key"] = ["栏目标识已被使用"]
    if not name or len(name) > 64:
        problems["name"] = ["请填写栏目名称（不超过 64 字）"]
    kind = kind or parent.kind
    if kind not in KINDS:
        problems["kind"] = ["栏目类型未知"]
    if problems:
        raise ValidationFailed("新增栏目填写有误：" + "；".join(m for ms in problems.values() for m in ms),
                               fields=problems)
    column = PortalColumn(key=key, name=name, kind=kind, parent_id=parent.id, from_file=False,
                          position=len(parent.children))
    db.session.add(column)
    db.session.flush()
    record("portal", "column.created", f"新增栏目「{parent.name} / {name}」", actor=actor, obj=column,
           data={"key": key, "parent": parent.key, "kind": kind})
    return column
