"""Quiz and exam lessons through the question bank's service API (``eduplatform.questions.exams``).

The quiz is an exam of purpose "quiz" given to the course's audience (``AudienceKind.COURSE``, resolved by
``audiences.py`` to the active enrolments). Its results are released at once, so a learner sees the
score after handing in. The lesson is completed when an attempt is fully graded and scores at least
``pass_percent`` of the paper's full score; essays graded later are picked up when progress is read.

Retakes (重新作答): a learner whose latest attempt is graded and below the pass mark may start another
while attempts remain — ``max_attempts`` (允许作答次数, default 3, 0 = unlimited) plus the attempts the
teacher granted this learner (``LessonProgress.extra_attempts``). An attempt with essays awaiting grading
blocks a new one until graded. A learner who passed takes no more attempts (no "improvement" retakes:
the lesson is completed, and the question bank's statistics should not fill with practice runs).
Completion and the lesson score follow the BEST graded attempt; completed stays completed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses.completion import (
    DEFAULT_MAX_ATTEMPTS,  # noqa: F401  (re-exported: tests and callers name it here)
    find_progress,
    get_or_create_progress,
    max_attempts,
    pass_percent,
    set_progress,
)
from eduplatform.courses.models import Course, Enrolment, Lesson, LessonKind, LessonProgress, ProgressStatus


def create_quiz(actor, course: Course, *, title: str, paper_id: int | None, time_limit_minutes: int | None):
    from eduplatform.questions import exams, papers
    from eduplatform.questions import permissions as qperm
    from eduplatform.questions.models import AudienceKind

    if paper_id is None:
        raise ValidationFailed("请选择测验使用的试卷", fields={"paper_id": ["请选择试卷"]})
    paper = papers.get_paper(paper_id)
    if not qperm.can_create_exam(actor, paper):
        raise PermissionDenied("不能使用这份试卷（没有权限）")
    exam = exams.create_quiz(actor, paper, title=title, audience=[(AudienceKind.COURSE, course.id)],
                             time_limit_minutes=time_limit_minutes or 30)
    # Course quizzes show the score right after handing in (nothing to grade yet, so this cannot fail).
    exams.release_results(actor, exam)
    return exam


def attempt_for(lesson: Lesson, user):
    """The learner's latest attempt."""
    from eduplatform.questions import exams

    if lesson.exam_id is None:
        return None
    return exams.find_attempt(lesson.exam, user)


@dataclass
class QuizState:
    """Where a learner stands on a quiz lesson: attempts used and allowed, best score, what comes next."""

    lesson: Lesson
    attempts: list = field(default_factory=list)
    extra: int = 0
    completed: bool = False

    @property
    def latest(self):
        return self.attempts[-1] if self.attempts else None

    @property
    def used(self) -> int:
        return len(self.attempts)

    @property
    def allowed(self) -> int | None:
        """Attempts allowed in all (the setting plus the teacher's grants); None = unlimited."""
        limit = max_attempts(self.lesson)
        return None if limit == 0 else limit + self.extra

    @property
    def remaining(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)

    @property
    def best(self):
        from eduplatform.questions.models import AttemptStatus

        graded = [a for a in self.attempts if a.status == AttemptStatus.GRADED]
        return max(graded, key=lambda a: (a.score or 0, -a.attempt_no)) if graded else None

    @property
    def best_percent(self) -> float | None:
        best = self.best
        return None if best is None else percent_of(self.lesson, best.score)

    @property
    def passed(self) -> bool:
        best = self.best_percent
        return self.completed or (best is not None and best >= pass_percent(self.lesson))

    @property
    def status(self) -> str:
        """none | in_progress | grading_pending | passed | retake | exhausted."""
        latest = self.latest
        if latest is None:
            return "none"
        if latest.status.value == "in_progress":
            return "in_progress"
        if self.passed:
            return "passed"
        if latest.status.value == "submitted":
            return "grading_pending"
        return "retake" if self.remaining is None or self.remaining > 0 else "exhausted"

    @property
    def can_start(self) -> bool:
        """A first attempt or a retake may be started now."""
        return self.status in ("none", "retake")

    def refusal(self) -> Conflict | None:
        """Why no new attempt may start now (None when one may)."""
        status = self.status
        if status == "passed":
            return Conflict("您已通过本测验，无需重新作答", code="already_passed")
        if status == "grading_pending":
            return Conflict("上一次作答还有主观题等待老师评分，评分后才能重新作答", code="grading_pending")
        if status == "exhausted":
            return Conflict(f"本测验的 {self.allowed} 次作答机会已全部用完，未达到及格线。如需再次作答，请联系任课老师",
                            code="no_attempts_left")
        return None

    def as_dict(self, *, released: bool = True) -> dict:
        best = self.best
        return {
            "lesson_id": self.lesson.id, "exam_id": self.lesson.exam_id, "status": self.status,
            "attempts_used": self.used, "attempts_allowed": self.allowed, "attempts_remaining": self.remaining,
            "max_attempts": max_attempts(self.lesson), "extra_attempts": self.extra,
            "pass_percent": pass_percent(self.lesson), "passed": self.passed, "can_start": self.can_start,
            "best_score": best.score if best is not None and released else None,
            "best_percent": self.best_percent if released else None,
            "max_score": self.lesson.exam.paper.total_score if self.lesson.exam else None,
            "attempts": [{"attempt_no": a.attempt_no, "status": a.status.value, "started_at": a.started_at,
                          "submitted_at": a.submitted_at, "score": a.score if released else None}
                         for a in self.attempts],
        }


def withhold_key_while_retakes_remain(attempt) -> str | None:
    """A course quiz keeps its key and analysis from a learner who has not passed and may try again;
    they appear once the learner passes or has no attempts left (per-item scores show throughout)."""
    if attempt.exam.purpose != "quiz":
        return None
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.exam_id == attempt.exam_id))
    if lesson is None:
        return None
    state = quiz_state(lesson, attempt.student)
    if state.status in ("retake", "grading_pending", "in_progress"):
        return "还可以重新作答，正确答案和解析将在通过测验或用完作答次数后显示。"
    return None


def quiz_state(lesson: Lesson, user) -> QuizState:
    from eduplatform.questions import exams

    attempts = exams.attempts_for(lesson.exam, user) if lesson.exam_id is not None else []
    progress = find_progress(lesson, user)
    return QuizState(lesson, attempts, extra=progress.extra_attempts if progress is not None else 0,
                     completed=progress is not None and progress.status == ProgressStatus.COMPLETED)


def percent_of(lesson: Lesson, score: float | None) -> float:
    full = lesson.exam.paper.total_score or 0
    return round(100 * (score or 0) / full, 1) if full else 0.0


def start_attempt(student, lesson: Lesson, enrolment: Enrolment):
    """The learner's first attempt, the one in progress, or a retake if the lesson allows one.

    Two requests at once give one new attempt: the question bank numbers attempts under a unique
    constraint and hands the loser the attempt the winner created.
    """
    from eduplatform.questions import exams

    _require_quiz(lesson)
    state = quiz_state(lesson, student)
    latest = state.latest
    if latest is not None and exams.expire_if_due(latest):
        db.session.flush()
        state = quiz_state(lesson, student)
    if state.status == "in_progress":
        return state.latest
    refusal = state.refusal()
    if refusal is not None:
        raise refusal
    attempt = exams.start_new_attempt(student, lesson.exam) if state.used else exams.start_attempt(student, lesson.exam)
    sync_progress(lesson, enrolment)
    return attempt


def grant_attempt(actor, lesson: Lesson, enrolment: Enrolment) -> LessonProgress:
    """The teacher lets a learner take the quiz once more (audited)."""
    _require_quiz(lesson)
    if enrolment.course_id != lesson.course_id:
        raise ValidationFailed("学员不在这门课程中")
    user = enrolment.user
    state = quiz_state(lesson, user)
    if state.allowed is None:
        raise Conflict("本测验不限作答次数，无需增加", code="unlimited")
    if state.passed:
        raise Conflict(f"{user.display_name} 已通过本测验，无需增加作答次数", code="already_passed")
    progress = get_or_create_progress(lesson, user)
    db.session.execute(sa.update(LessonProgress).where(LessonProgress.id == progress.id)
                       .values(extra_attempts=LessonProgress.extra_attempts + 1))  # atomic: two grants give two
    db.session.refresh(progress, ["extra_attempts"])
    allowed = max_attempts(lesson) + progress.extra_attempts
    record("courses", "quiz.attempt_granted",
           f"增加作答次数：{user.display_name} · {lesson.title}（共 {allowed} 次，已用 {state.used} 次）",
           actor=actor, obj=progress, data={"lesson": lesson.id, "user": user.id,
                                            "extra_attempts": progress.extra_attempts, "allowed": allowed})
    db.session.flush()
    return progress


def _require_quiz(lesson: Lesson) -> None:
    if lesson.kind != LessonKind.QUIZ or lesson.exam_id is None:
        raise Conflict("这一课时不是测验", code="not_a_quiz")


def attempt_counts(lesson: Lesson) -> dict[int, int]:
    """Attempts per learner (user id → count), for the teacher's dashboard."""
    from eduplatform.questions.models import ExamAttempt

    if lesson.exam_id is None:
        return {}
    return dict(db.session.execute(sa.select(ExamAttempt.student_id, sa.func.count())
                                   .where(ExamAttempt.exam_id == lesson.exam_id)
                                   .group_by(ExamAttempt.student_id)).all())


def sync_progress(lesson: Lesson, enrolment: Enrolment) -> None:
    """Bring the lesson's progress in line with the learner's attempts: the best graded one counts."""
    from eduplatform.questions import exams
    from eduplatform.questions.models import AttemptStatus

    if lesson.exam_id is None:
        return
    attempts = exams.attempts_for(lesson.exam, enrolment.user)
    if not attempts:
        return
    latest = attempts[-1]
    if exams.expire_if_due(latest):
        db.session.flush()
    progress = find_progress(lesson, enrolment.user) or get_or_create_progress(lesson, enrolment.user)
    graded = [a for a in attempts if a.status == AttemptStatus.GRADED]
    if not graded:
        if latest.status == AttemptStatus.IN_PROGRESS:
            if progress.status == ProgressStatus.NOT_STARTED:
                set_progress(progress, lesson, enrolment, percent=0, done=False, actor=enrolment.user)
            return
        score, done = percent_of(lesson, latest.score), False  # essays still to grade: a partial score
    else:
        score = max(percent_of(lesson, a.score) for a in graded)
        done = score >= pass_percent(lesson)
    if progress.score == score and (progress.status == ProgressStatus.COMPLETED or not done) \
            and progress.status != ProgressStatus.NOT_STARTED:
        return
    set_progress(progress, lesson, enrolment, percent=int(score), score=score, done=done, actor=enrolment.user)


def refresh_pulled(course: Course, enrolment: Enrolment) -> None:
    """Re-read what other domains decide (quiz attempts graded in the question bank)."""
    for lesson in course.lessons:
        if lesson.kind == LessonKind.QUIZ and lesson.exam_id is not None:
            sync_progress(lesson, enrolment)
