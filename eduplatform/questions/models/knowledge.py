"""知识点: a tree per subject, stored with a materialised path like the org tree."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin
from eduplatform.core.extensions import db


class KnowledgePoint(TimestampMixin, db.Model):
    __tablename__ = "knowledge_points"
    __table_args__ = (sa.UniqueConstraint("subject", "parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(32), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("knowledge_points.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: Optional external code (e.g. a curriculum-standard or shared-vocabulary code).
    code: Mapped[str | None] = mapped_column(sa.String(64))
    #: "/3/17/": ids from the subject's root down to this node; a subtree is one LIKE.
    path: Mapped[str] = mapped_column(sa.String(255), index=True, default="")
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[KnowledgePoint | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<KnowledgePoint {self.subject} {self.name}>"

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this node, this node included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def depth(self) -> int:
        return len(self.ancestor_ids) - 1
