"""正文 versions: every save kept with who and when; a side-by-side difference; 清稿 freezes the text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.documents.models import BodyVersion, Document


def save_body(document: Document, text: str, *, author, note: str | None = None) -> BodyVersion:
    """Keep ``text`` as the next version (an unchanged text adds none). Refused after 清稿."""
    if document.finalized_at is not None:
        raise Conflict("正文已清稿，不能再修改")
    current = document.current_version
    if current is not None and current.text == text:
        return current
    version = BodyVersion(document=document, number=(current.number + 1) if current else 1, text=text,
                          author_id=getattr(author, "id", None), note=note)
    db.session.add(version)
    db.session.flush()
    audit("documents", "document.body_saved", f"保存正文第 {version.number} 稿：{document.title}",
          actor=author, obj=document, data={"version": version.number})
    return version


def finalize_body(document: Document, *, actor) -> BodyVersion:
    """清稿: the current version becomes the final text; later saves are refused."""
    current = document.current_version
    if current is None:
        raise Conflict("没有正文，不能清稿")
    if document.finalized_at is not None:
        return current
    current.is_final = True
    document.finalized_at = utcnow()
    db.session.flush()
    audit("documents", "document.finalized", f"正文清稿（第 {current.number} 稿）：{document.title}",
          actor=actor, obj=document, data={"version": current.number})
    return current


@dataclass(frozen=True)
class DiffRow:
    """One row of the side-by-side view: kind is equal | replace | delete | insert; the texts are
    lists of (changed, fragment) so that the page marks changed characters inside a paragraph."""

    kind: str
    left: list[tuple[bool, str]]
    right: list[tuple[bool, str]]


def _paragraphs(text: str) -> list[str]:
    return [p for p in (line.strip() for line in text.splitlines()) if p]


def _char_diff(old: str, new: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    left, right = [], []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            left.append((False, old[a1:a2]))
            right.append((False, new[b1:b2]))
        else:
            if a2 > a1:
                left.append((True, old[a1:a2]))
            if b2 > b1:
                right.append((True, new[b1:b2]))
    return left, right


def diff_versions(old: str, new: str) -> list[DiffRow]:
    """Paragraphs matched first, then characters inside replaced paragraphs (痕迹 / 花脸稿)."""
    a, b = _paragraphs(old), _paragraphs(new)
    rows: list[DiffRow] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [DiffRow("equal", [(False, p)], [(False, p)]) for p in a[a1:a2]]
        elif op == "delete":
            rows += [DiffRow("delete", [(True, p)], []) for p in a[a1:a2]]
        elif op == "insert":
            rows += [DiffRow("insert", [], [(True, p)]) for p in b[b1:b2]]
        else:
            olds, news = a[a1:a2], b[b1:b2]
            for i in range(max(len(olds), len(news))):
                o = olds[i] if i < len(olds) else ""
                n = news[i] if i < len(news) else ""
                left, right = _char_diff(o, n)
                rows.append(DiffRow("replace", left, right))
    return rows
