"""在线考试 on a student's workbench: the exams open now and not yet handed in (to-dos that close at
the exam's end) and the card of the exams open or coming."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.workbench import TodoItem
from eduplatform.questions import exams
from eduplatform.questions.models import AttemptStatus, Exam, ExamAttempt

LIMIT = 5


def _handed_in(user):
    return sa.select(ExamAttempt.exam_id).where(ExamAttempt.student_id == user.id,
                                                ExamAttempt.status != AttemptStatus.IN_PROGRESS)


def _open_to_do(user, now):
    return (exams.exams_for_student(user).where(Exam.opens_at <= now, Exam.closes_at > now,
                                               Exam.id.not_in(_handed_in(user)))
            .order_by(None).order_by(Exam.closes_at))


def exam_todos(user, limit: int) -> list[TodoItem]:
    rows = db.session.scalars(_open_to_do(user, utcnow()).limit(limit)).all()
    return [TodoItem(title=e.title, kind="在线考试", due_at=e.closes_at, step="待作答",
                     url=url_for("questions.exam_take", exam_id=e.id)) for e in rows]


def exam_todo_count(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_open_to_do(user, utcnow()).subquery())) or 0


def my_exams(user) -> dict:
    now = utcnow()
    rows = db.session.scalars(exams.exams_for_student(user).where(Exam.closes_at > now)
                              .order_by(None).order_by(Exam.opens_at).limit(LIMIT)).all()
    done = set(db.session.scalars(_handed_in(user).where(ExamAttempt.exam_id.in_([e.id for e in rows]))))
    return {"rows": [(e, e.id in done, e.is_open(now)) for e in rows]}
