"""Questions and their versions: an edit writes a new version; papers keep the version they took."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from eduplatform.core.db import SoftDeleteMixin, TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.questions.models.knowledge import KnowledgePoint
from eduplatform.questions.vocab import Sharing

question_kp_links = sa.Table(
    "question_kp_links",
    db.metadata,
    sa.Column("question_id", sa.ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("knowledge_point_id", sa.ForeignKey("knowledge_points.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)


class Question(TimestampMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        # Covers the assembly's candidate query (no table rows read): see assembly.select_questions.
        sa.Index("ix_questions_pool", "subject", "type", "difficulty", "deleted_at", "sharing", "org_id",
                 "created_by_id", "stage", "grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A code of ``questions.types.QUESTION_TYPES``.
    type: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: Sanitised HTML; fill-in blanks are marked [[1]], [[2]] …; formulas are LaTeX in $…$.
    stem: Mapped[str] = mapped_column(sa.Text)
    #: The type's own data: options and answer, blanks, pairs, tolerance, reference answer …
    data: Mapped[dict] = mapped_column(default=dict)
    #: 解析.
    analysis: Mapped[str] = mapped_column(sa.Text, default="")
    score: Mapped[float] = mapped_column(sa.Float, default=2.0)
    #: 1 (容易) … 5 (困难).
    difficulty: Mapped[int] = mapped_column(default=3)
    subject: Mapped[str] = mapped_column(sa.String(32))
    #: 学段 (a ``Stage`` code) and 年级 (a ``vocab.GRADES`` code).
    stage: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    grade: Mapped[str | None] = mapped_column(sa.String(16))
    tags: Mapped[list] = mapped_column(default=list)
    #: "|期中|易错|": the tags again, for an exact LIKE filter that works the same on every database.
    tags_text: Mapped[str] = mapped_column(sa.String(800), default="")
    source: Mapped[str] = mapped_column(sa.String(255), default="")
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    sharing: Mapped[Sharing] = mapped_column(enum_column(Sharing), default=Sharing.ORG)
    #: Number of the current version (1 on creation).
    version: Mapped[int] = mapped_column(default=1)
    #: How many papers use the question.
    usage_count: Mapped[int] = mapped_column(default=0, index=True)

    org: Mapped[OrgUnit] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id])
    knowledge_points: Mapped[list[KnowledgePoint]] = relationship(secondary=question_kp_links,
                                                                   order_by=KnowledgePoint.path)
    versions: Mapped[list[QuestionVersion]] = relationship(back_populates="question",
                                                           order_by="QuestionVersion.number")

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.type}>"

    @validates("tags")
    def _keep_tags_text(self, key, tags):
        self.tags_text = "|" + "|".join(tags or []) + "|" if tags else ""
        return tags

    @property
    def type_label(self) -> str:
        from eduplatform.questions.types import QUESTION_TYPES

        return QUESTION_TYPES[self.type].label


class QuestionVersion(db.Model):
    """A frozen copy of a question's content as it was at one version."""

    __tablename__ = "question_versions"
    __table_args__ = (sa.UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id"), index=True)
    number: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(sa.String(32))
    stem: Mapped[str] = mapped_column(sa.Text)
    data: Mapped[dict] = mapped_column(default=dict)
    analysis: Mapped[str] = mapped_column(sa.Text, default="")
    score: Mapped[float] = mapped_column(sa.Float)
    difficulty: Mapped[int] = mapped_column()
    #: Everything else at that time (subject, grade, knowledge point names, tags …).
    meta: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    question: Mapped[Question] = relationship(back_populates="versions")

    @property
    def type_label(self) -> str:
        from eduplatform.questions.types import QUESTION_TYPES

        return QUESTION_TYPES[self.type].label
