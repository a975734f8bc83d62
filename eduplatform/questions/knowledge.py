"""Knowledge-point trees (one per subject): create, find by path, list as a tree."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.questions.models import KnowledgePoint
from eduplatform.questions.vocab import SUBJECTS

#: Category paths in files separate levels with "/" (Moodle's own separator).
PATH_SEPARATOR = "/"


def check_subject(subject: str | None) -> str:
    if subject not in SUBJECTS:
        raise ValidationFailed(f"未知学科：{subject}", fields={"subject": ["请选择学科"]})
    return subject


def create_knowledge_point(actor, *, subject: str, name: str, parent: KnowledgePoint | None = None,
                           code: str | None = None, audit: bool = True) -> KnowledgePoint:
    check_subject(subject)
    name = (name or "").strip()
    if not name or len(name) > 100 or PATH_SEPARATOR in name:
        raise ValidationFailed("知识点名称须为 1–100 个字符，且不能含“/”", fields={"name": ["名称不正确"]})
    if parent is not None and parent.subject != subject:
        raise ValidationFailed("上级知识点属于另一个学科", fields={"parent": ["学科不一致"]})
    if find_child(subject, parent, name) is not None:
        raise ValidationFailed(f"知识点“{name}”已存在", code="duplicate", fields={"name": ["已存在"]})
    kp = KnowledgePoint(subject=subject, name=name, parent=parent, code=code or None)
    db.session.add(kp)
    db.session.flush()
    kp.path = f"{parent.path if parent else '/'}{kp.id}/"
    if audit:
        record("questions", "knowledge_point.created", f"新建知识点：{SUBJECTS[subject]} {full_name(kp)}",
               actor=actor, obj=kp)
    return kp


def find_child(subject: str, parent: KnowledgePoint | None, name: str) -> KnowledgePoint | None:
    query = sa.select(KnowledgePoint).where(KnowledgePoint.subject == subject, KnowledgePoint.name == name)
    query = query.where(KnowledgePoint.parent_id == parent.id if parent else KnowledgePoint.parent_id.is_(None))
    return db.session.scalar(query)


def split_path(path: str) -> list[str]:
    return [part.strip() for part in (path or "").replace("／", "/").split(PATH_SEPARATOR) if part.strip()]


def find_by_path(subject: str, path: str) -> KnowledgePoint | None:
    node = None
    for name in split_path(path):
        node = find_child(subject, node, name)
        if node is None:
            return None
    return node


def ensure_path(actor, subject: str, path: str) -> KnowledgePoint | None:
    """The node at ``path`` ("代数/方程/一元一次方程"), creating the missing levels."""
    node = None
    for name in split_path(path):
        child = find_child(subject, node, name)
        node = child or create_knowledge_point(actor, subject=subject, name=name, parent=node)
    return node


def full_name(kp: KnowledgePoint) -> str:
    """"代数/方程/一元一次方程": the names from the root down."""
    ids = kp.ancestor_ids
    if len(ids) <= 1:
        return kp.name
    names = dict(db.session.execute(sa.select(KnowledgePoint.id, KnowledgePoint.name)
                                    .where(KnowledgePoint.id.in_(ids))).all())
    return PATH_SEPARATOR.join(names.get(i, "?") for i in ids)


def get_knowledge_point(kp_id: int) -> KnowledgePoint:
    kp = db.session.get(KnowledgePoint, kp_id)
    if kp is None:
        raise NotFound("知识点不存在")
    return kp


def load_knowledge_points(ids, subject: str | None = None) -> list[KnowledgePoint]:
    ids = list(dict.fromkeys(int(i) for i in ids or []))
    if not ids:
        return []
    found = {kp.id: kp for kp in db.session.scalars(sa.select(KnowledgePoint).where(KnowledgePoint.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(f"知识点不存在：{missing}", fields={"knowledge_point_ids": ["知识点不存在"]})
    if subject and any(kp.subject != subject for kp in found.values()):
        raise ValidationFailed("知识点与题目学科不一致", fields={"knowledge_point_ids": ["学科不一致"]})
    return [found[i] for i in ids]


def subtree_ids(kp: KnowledgePoint):
    return sa.select(KnowledgePoint.id).where(KnowledgePoint.path.startswith(kp.path))


@dataclass
class KpNode:
    kp: KnowledgePoint
    children: list[KpNode] = field(default_factory=list)


def tree(subject: str) -> list[KpNode]:
    nodes = list(db.session.scalars(sa.select(KnowledgePoint).where(KnowledgePoint.subject == subject)
                                    .order_by(KnowledgePoint.position, KnowledgePoint.name)))
    by_id = {kp.id: KpNode(kp) for kp in nodes}
    roots = []
    for kp in nodes:
        parent = by_id.get(kp.parent_id)
        (parent.children if parent else roots).append(by_id[kp.id])
    return roots


def flat_tree(subject: str) -> list[tuple[int, KnowledgePoint]]:
    """(depth, node) in tree order, for select boxes."""
    out: list[tuple[int, KnowledgePoint]] = []

    def walk(nodes, depth):
        for node in nodes:
            out.append((depth, node.kp))
            walk(node.children, depth + 1)

    walk(tree(subject), 0)
    return out
