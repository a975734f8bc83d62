"""One feed of every graded answer a student gave: homework, exams and course quizzes.

A row is ``(student_id, question_id, knowledge_point_ids, difficulty, score, answered_at, source)``:
``student_id`` a ``StudentProfile``; ``difficulty`` 1 (容易) … 5 (困难) of the exact version answered;
``score`` the fraction of the item's full marks (a 等级 as ``GRADE_FRACTIONS``); ``answered_at`` when
the answer was handed in; ``source`` ``homework`` / ``exam`` / ``quiz`` (a course quiz is an exam of
purpose ``quiz``). What counts:

- homework: answers to a bank question that a teacher or the question type marked (returned-for-
  correction answers keep their mark and count too);
- exams and quizzes: graded answers of graded attempts, once the exam's results are released (before
  that the student may not see them, so neither may the analytics built on them).

Three statements whatever the number of rows: homework answers, exam answers, knowledge-point links.
``grade_times`` is the watermark a cache compares against: the latest grading (or release) per class.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.learning.models import AnswerStatus, HomeworkAnswer, HomeworkItem
from eduplatform.questions.models import (
    AttemptStatus,
    Exam,
    ExamAnswer,
    ExamAttempt,
    PaperItem,
    QuestionVersion,
    question_kp_links,
)
from eduplatform.schools.models import StudentProfile

#: A 等级 as a fraction of full marks (优 / 良 / 中 / 待提高).
GRADE_FRACTIONS = {"优": 1.0, "良": 0.8, "中": 0.6, "待提高": 0.3}


@dataclass(frozen=True, slots=True)
class GradedAnswer:
    student_id: int
    question_id: int
    knowledge_point_ids: tuple[int, ...]
    difficulty: int
    score: float
    answered_at: datetime
    source: str


def _students_condition(column, student_ids, class_ids):
    """Restrict ``column`` (a StudentProfile id column) to the students or the classes' students."""
    if student_ids is not None:
        return column.in_(list(student_ids))
    if class_ids is not None:
        return column.in_(sa.select(StudentProfile.id).where(StudentProfile.class_id.in_(list(class_ids))))
    return sa.true()


def _window(column, since, until):
    conditions = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column < until)
    return sa.and_(sa.true(), *conditions)


def graded_answers(*, student_ids: Iterable[int] | None = None, class_ids: Iterable[int] | None = None,
                   since: datetime | None = None, until: datetime | None = None) -> list[GradedAnswer]:
    """Every graded answer of the students (or of the classes' current students), oldest first."""
    homework = db.session.execute(
        sa.select(HomeworkAnswer.student_id, HomeworkItem.question_id, QuestionVersion.difficulty,
                  HomeworkAnswer.score, HomeworkItem.max_score, HomeworkAnswer.grade, HomeworkAnswer.submitted_at)
        .join(HomeworkItem, HomeworkItem.id == HomeworkAnswer.item_id)
        .join(QuestionVersion, QuestionVersion.id == HomeworkItem.question_version_id)
        .where(HomeworkAnswer.status.in_([AnswerStatus.MARKED, AnswerStatus.RETURNED]),
               sa.or_(HomeworkAnswer.score.is_not(None), HomeworkAnswer.grade.is_not(None)),
               _students_condition(HomeworkAnswer.student_id, student_ids, class_ids),
               _window(HomeworkAnswer.submitted_at, since, until))).all()
    exams = db.session.execute(
        sa.select(StudentProfile.id, PaperItem.question_id, QuestionVersion.difficulty, ExamAnswer.score,
                  PaperItem.score, ExamAttempt.submitted_at, Exam.purpose)
        .join(ExamAttempt, ExamAttempt.id == ExamAnswer.attempt_id)
        .join(Exam, Exam.id == ExamAttempt.exam_id)
        .join(StudentProfile, StudentProfile.user_id == ExamAttempt.student_id)
        .join(PaperItem, PaperItem.id == ExamAnswer.item_id)
        .join(QuestionVersion, QuestionVersion.id == PaperItem.version_id)
        .where(ExamAttempt.status == AttemptStatus.GRADED, ExamAnswer.score.is_not(None),
               Exam.results_released_at.is_not(None), ExamAttempt.submitted_at.is_not(None),
               _students_condition(StudentProfile.id, student_ids, class_ids),
               _window(ExamAttempt.submitted_at, since, until))).all()
    question_ids = {row[1] for row in homework} | {row[1] for row in exams}
    points = knowledge_points_of(question_ids)
    rows = []
    for student_id, question_id, difficulty, score, max_score, grade, at in homework:
        fraction = _fraction(score, max_score) if score is not None else GRADE_FRACTIONS.get(grade)
        if fraction is not None:
            rows.append(GradedAnswer(student_id, question_id, points.get(question_id, ()), difficulty or 3,
                                     fraction, at, "homework"))
    for student_id, question_id, difficulty, score, max_score, at, purpose in exams:
        rows.append(GradedAnswer(student_id, question_id, points.get(question_id, ()), difficulty or 3,
                                 _fraction(score, max_score), at, "quiz" if purpose == "quiz" else "exam"))
    rows.sort(key=lambda r: (r.answered_at, r.student_id))
    return rows


def _fraction(score: float, max_score: float | None) -> float:
    if not max_score:
        return 0.0
    return min(1.0, max(0.0, float(score) / float(max_score)))


def knowledge_points_of(question_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """question id → its knowledge point ids (one statement)."""
    ids = sorted(set(question_ids))
    if not ids:
        return {}
    found: dict[int, list[int]] = defaultdict(list)
    for question_id, point_id in db.session.execute(
            sa.select(question_kp_links.c.question_id, question_kp_links.c.knowledge_point_id)
            .where(question_kp_links.c.question_id.in_(ids))):
        found[question_id].append(point_id)
    return {q: tuple(sorted(p)) for q, p in found.items()}


def grade_times(class_ids: Iterable[int], since: datetime | None = None) -> dict[int, datetime]:
    """class id → the latest moment a graded answer of its current students appeared after ``since``
    (two statements; with ``since`` they read only the newer rows, through the time indexes).

    Homework: the latest ``marked_at`` or hand-in (a resubmission takes a mark away); exams: the
    latest grading or results release. A cache computed after this moment is fresh."""
    ids = list(class_ids)
    if not ids:
        return {}
    latest: dict[int, datetime] = {}
    homework = (sa.select(StudentProfile.class_id, sa.func.max(HomeworkAnswer.marked_at),
                          sa.func.max(HomeworkAnswer.submitted_at))
                .join(StudentProfile, StudentProfile.id == HomeworkAnswer.student_id)
                .where(StudentProfile.class_id.in_(ids)).group_by(StudentProfile.class_id))
    exam = (sa.select(StudentProfile.class_id, sa.func.max(ExamAnswer.graded_at), sa.func.max(Exam.results_released_at))
            .join(ExamAttempt, ExamAttempt.id == ExamAnswer.attempt_id)
            .join(Exam, Exam.id == ExamAttempt.exam_id)
            .join(StudentProfile, StudentProfile.user_id == ExamAttempt.student_id)
            .where(StudentProfile.class_id.in_(ids), Exam.results_released_at.is_not(None))
            .group_by(StudentProfile.class_id))
    if since is not None:
        # Only the rows since the last rebuild, each side through its own time index (an OR, or a
        # join driven from the roster, would read every answer of the grade).
        recent = sa.union_all(
            sa.select(HomeworkAnswer.student_id.label("student_id"), HomeworkAnswer.marked_at.label("at"))
            .where(HomeworkAnswer.marked_at >= since),
            sa.select(HomeworkAnswer.student_id, HomeworkAnswer.submitted_at).where(HomeworkAnswer.submitted_at >= since),
        ).subquery()
        homework = (sa.select(StudentProfile.class_id, sa.func.max(recent.c.at))
                    .join(StudentProfile, StudentProfile.id == recent.c.student_id)
                    .where(StudentProfile.class_id.in_(ids)).group_by(StudentProfile.class_id))
        released = sa.union_all(
            sa.select(ExamAttempt.student_id.label("user_id"), ExamAnswer.graded_at.label("at"))
            .join(ExamAttempt, ExamAttempt.id == ExamAnswer.attempt_id).join(Exam, Exam.id == ExamAttempt.exam_id)
            .where(ExamAnswer.graded_at >= since, Exam.results_released_at.is_not(None)),
            sa.select(ExamAttempt.student_id, Exam.results_released_at).join(Exam, Exam.id == ExamAttempt.exam_id)
            .where(Exam.results_released_at >= since),
        ).subquery()
        exam = (sa.select(StudentProfile.class_id, sa.func.max(released.c.at))
                .join(StudentProfile, StudentProfile.user_id == released.c.user_id)
                .where(StudentProfile.class_id.in_(ids)).group_by(StudentProfile.class_id))
    for class_id, *moments in [*db.session.execute(homework), *db.session.execute(exam)]:
        for moment in moments:
            if moment is not None and (class_id not in latest or moment > latest[class_id]):
                latest[class_id] = moment
    return latest
