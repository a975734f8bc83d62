"""试卷: sections of items; each item holds the question version it was given with and its score."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import SoftDeleteMixin, TimestampMixin, enum_column
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.questions.models.question import Question, QuestionVersion
from eduplatform.questions.vocab import Sharing


class Paper(TimestampMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(32))
    stage: Mapped[str | None] = mapped_column(sa.String(32))
    grade: Mapped[str | None] = mapped_column(sa.String(16))
    #: 考试说明 printed under the title.
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    #: Suggested time for the paper, in minutes (printed; exams set their own limit).
    duration_minutes: Mapped[int | None] = mapped_column()
    #: "manual" or "rules".
    mode: Mapped[str] = mapped_column(sa.String(16), default="manual")
    #: The rules and seed a rule-based paper was assembled with (kept to explain and repeat it).
    rules: Mapped[dict | None] = mapped_column(default=None)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    sharing: Mapped[Sharing] = mapped_column(enum_column(Sharing), default=Sharing.ORG)

    org: Mapped[OrgUnit] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id])
    sections: Mapped[list[PaperSection]] = relationship(
        back_populates="paper", order_by="PaperSection.position", cascade="all, delete-orphan")

    @property
    def items(self) -> list[PaperItem]:
        return [item for section in self.sections for item in section.items]

    @property
    def total_score(self) -> float:
        return round(sum(item.score for item in self.items), 2)


class PaperSection(db.Model):
    __tablename__ = "paper_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(sa.ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    instructions: Mapped[str] = mapped_column(sa.String(500), default="")

    paper: Mapped[Paper] = relationship(back_populates="sections")
    items: Mapped[list[PaperItem]] = relationship(
        back_populates="section", order_by="PaperItem.position", cascade="all, delete-orphan")


class PaperItem(db.Model):
    __tablename__ = "paper_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("paper_sections.id", ondelete="CASCADE"), index=True)
    #: Denormalised for "questions used in the last N papers" and per-paper queries.
    paper_id: Mapped[int] = mapped_column(sa.ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("question_versions.id"))
    score: Mapped[float] = mapped_column(sa.Float)

    section: Mapped[PaperSection] = relationship(back_populates="items")
    paper: Mapped[Paper] = relationship()
    question: Mapped[Question] = relationship()
    version: Mapped[QuestionVersion] = relationship(lazy="joined")
