"""The teacher's dashboard: every learner × every lesson (status, %, grade), course progress, export."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.courses import quizzes
from eduplatform.courses.enrolment import learners_query
from eduplatform.courses.models import (
    AssignmentSubmission,
    Course,
    Enrolment,
    LessonKind,
    LessonProgress,
    LessonQuestion,
    ProgressStatus,
    SubmissionStatus,
)


@dataclass
class LearnerRow:
    enrolment: Enrolment
    cells: dict[int, LessonProgress | None] = field(default_factory=dict)

    @property
    def user(self):
        return self.enrolment.user

    def average_score(self) -> float | None:
        scores = [c.score for c in self.cells.values() if c is not None and c.score is not None]
        return round(sum(scores) / len(scores), 1) if scores else None


@dataclass(frozen=True)
class QuizCell:
    """A learner on a quiz lesson: attempts used of those allowed (None = unlimited)."""

    used: int
    allowed: int | None
    completed: bool

    @property
    def text(self) -> str:
        return f"作答 {self.used}/{self.allowed} 次" if self.allowed is not None else f"作答 {self.used} 次（不限）"

    @property
    def can_grant(self) -> bool:
        """Out of attempts without passing: the teacher may give one more."""
        return self.allowed is not None and not self.completed and self.used >= self.allowed


@dataclass
class Dashboard:
    course: Course
    lessons: list
    rows: list[LearnerRow]
    completed: int
    pending_grading: int
    unanswered: int
    #: (lesson id, user id) → attempts on quiz lessons
    quiz: dict[tuple[int, int], QuizCell] = field(default_factory=dict)

    @property
    def average_progress(self) -> float:
        return round(sum(r.enrolment.progress_percent for r in self.rows) / len(self.rows), 1) if self.rows else 0.0

    def lesson_completion(self, lesson) -> int:
        return sum(1 for r in self.rows if r.cells.get(lesson.id) is not None
                   and r.cells[lesson.id].status == ProgressStatus.COMPLETED)


def build(course: Course, *, refresh: bool = True) -> Dashboard:
    enrolments = list(db.session.scalars(learners_query(course)))
    if refresh and any(lesson.kind == LessonKind.QUIZ for lesson in course.lessons):
        for enrolment in enrolments:  # essays graded in the question bank since
            quizzes.refresh_pulled(course, enrolment)
    lessons = course.lessons
    progress = {}
    for row in db.session.scalars(sa.select(LessonProgress).where(LessonProgress.course_id == course.id)):
        progress[(row.user_id, row.lesson_id)] = row
    rows = [LearnerRow(e, {lesson.id: progress.get((e.user_id, lesson.id)) for lesson in lessons})
            for e in enrolments]
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(AssignmentSubmission).where(
        AssignmentSubmission.lesson_id.in_([lesson.id for lesson in lessons] or [0]),
        AssignmentSubmission.status == SubmissionStatus.SUBMITTED)) or 0
    unanswered = db.session.scalar(sa.select(sa.func.count()).select_from(LessonQuestion).where(
        LessonQuestion.course_id == course.id, LessonQuestion.answered_at.is_(None))) or 0
    return Dashboard(course, lessons, rows, sum(1 for e in enrolments if e.completed_at), pending, unanswered,
                     quiz_cells(lessons, rows))


def quiz_cells(lessons, rows: list[LearnerRow]) -> dict[tuple[int, int], QuizCell]:
    cells = {}
    for lesson in lessons:
        if lesson.kind != LessonKind.QUIZ or lesson.exam_id is None:
            continue
        counts, limit = quizzes.attempt_counts(lesson), quizzes.max_attempts(lesson)
        for row in rows:
            progress = row.cells.get(lesson.id)
            extra = progress.extra_attempts if progress is not None else 0
            cells[(lesson.id, row.user.id)] = QuizCell(
                counts.get(row.user.id, 0), None if limit == 0 else limit + extra,
                progress is not None and progress.status == ProgressStatus.COMPLETED)
    return cells


def cell_text(cell: LessonProgress | None) -> str:
    if cell is None:
        return "未开始"
    text = cell.status.label if cell.status != ProgressStatus.IN_PROGRESS else f"{cell.percent}%"
    if cell.score is not None:
        text += f"（{cell.score:g}分）"
    return text


def export_sheets(board: Dashboard):
    from eduplatform.core.templating import localtime

    head = ["姓名", "用户名", "单位", "选课方式", "课程进度 %", "完成时间", "平均成绩"] + \
           [f"{n}. {lesson.title}（{lesson.kind.label}）" for n, lesson in enumerate(board.lessons, start=1)]
    rows = []
    for row in board.rows:
        e = row.enrolment
        rows.append([row.user.display_name, row.user.username, row.user.org.name if row.user.org else "",
                     e.source.label, e.progress_percent, localtime(e.completed_at), row.average_score()]
                    + [cell_text(row.cells.get(lesson.id)) for lesson in board.lessons])
    scores_head = ["姓名", "用户名"] + [lesson.title for lesson in board.lessons]
    scores = [[row.user.display_name, row.user.username]
              + [(row.cells[lesson.id].score if row.cells.get(lesson.id) is not None else None)
                 for lesson in board.lessons] for row in board.rows]
    return [("学习进度", head, rows), ("成绩", scores_head, scores)]
