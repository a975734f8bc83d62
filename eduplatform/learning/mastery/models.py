"""The mastery cache: one row per student and knowledge point, and each class's refresh mark.

Rows are derived data (``model.estimate`` over ``learning.graded``), rebuilt per class when the class's
graded answers changed since ``MasteryClassState.computed_at`` (``store.ensure_fresh``); never edited.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.learning.models import HomeworkAnswer
from eduplatform.questions.models import ExamAnswer


class MasteryEstimate(db.Model):
    __tablename__ = "learning_mastery"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student_profiles.id", ondelete="CASCADE"))
    #: The student's class when computed (the heat map groups by it without a join).
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_classes.id", ondelete="CASCADE"))
    knowledge_point_id: Mapped[int] = mapped_column(sa.ForeignKey("knowledge_points.id", ondelete="CASCADE"))
    #: Ability on the logit scale, and σ(θ): the chance of full marks on a 中等 question.
    theta: Mapped[float] = mapped_column(sa.Float)
    probability: Mapped[float] = mapped_column(sa.Float)
    #: Recency-weighted number of answers, and the plain number.
    evidence: Mapped[float] = mapped_column(sa.Float)
    answers: Mapped[int] = mapped_column()
    last_answered_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (sa.UniqueConstraint("student_id", "knowledge_point_id"),
                      sa.Index("ix_learning_mastery_class_point", "class_id", "knowledge_point_id"))


class MasteryClassState(db.Model):
    """When a class's rows were last rebuilt, and from how many students."""

    __tablename__ = "learning_mastery_classes"

    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_classes.id", ondelete="CASCADE"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    students: Mapped[int] = mapped_column(default=0)
    #: The sum of the students' ids: a changed roster of the same size shows up too.
    roster_key: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class MasteryCell(db.Model):
    """One heat-map cell, aggregated when the class is rebuilt: a grade's map reads classes × points rows."""

    __tablename__ = "learning_mastery_cells"

    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_classes.id", ondelete="CASCADE"), primary_key=True)
    knowledge_point_id: Mapped[int] = mapped_column(sa.ForeignKey("knowledge_points.id", ondelete="CASCADE"),
                                                    primary_key=True)
    #: Mean probability over the class's students with an estimate, their number, those below 基本掌握.
    mean: Mapped[float] = mapped_column(sa.Float)
    students: Mapped[int] = mapped_column()
    weak: Mapped[int] = mapped_column()


# The freshness check asks for answers graded after a class's last rebuild: these indexes make that
# read only the recent rows (``graded.grade_times(since=…)``), not every answer of the grade.
sa.Index("ix_homework_answers_marked_at", HomeworkAnswer.__table__.c.marked_at)
sa.Index("ix_homework_answers_submitted_at", HomeworkAnswer.__table__.c.submitted_at)
sa.Index("ix_exam_answers_graded_at", ExamAnswer.__table__.c.graded_at)
