"""Quiz and exam lessons through the question bank's service API (``eduplatform.questions.exams``).

The quiz is an exam of purpose "quiz" given to the course's audience (``AudienceKind.COURSE``, resolved by
``audiences.py`` to the active enrolments). Its results are released at once, so a learner sees the
score after handing in. The lesson is completed when the attempt is fully graded and scores at least
``pass_percent`` of the paper's full score; essays graded later are picked up when progress is read.
"""

from __future__ import annotations

from eduplatform.core.errors import PermissionDenied, ValidationFailed
from eduplatform.courses.completion import find_progress, get_or_create_progress, pass_percent, set_progress
from eduplatform.courses.models import Course, Enrolment, Lesson
from eduplatform.extensions import db


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
    from eduplatform.questions import exams

    if lesson.exam_id is None:
        return None
    return exams.find_attempt(lesson.exam, user)


def sync_progress(lesson: Lesson, enrolment: Enrolment) -> None:
    """Bring the lesson's progress in line with the learner's attempt (graded, score, pass mark)."""
    from eduplatform.questions import exams
    from eduplatform.questions.models import AttemptStatus

    attempt = attempt_for(lesson, enrolment.user)
    if attempt is None:
        return
    if exams.expire_if_due(attempt):
        db.session.flush()
    progress = find_progress(lesson, enrolment.user) or get_or_create_progress(lesson, enrolment.user)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        if progress.status.value == "not_started":
            set_progress(progress, lesson, enrolment, percent=0, done=False, actor=enrolment.user)
        return
    full = lesson.exam.paper.total_score or 0
    score = round(100 * (attempt.score or 0) / full, 1) if full else 0.0
    graded = attempt.status == AttemptStatus.GRADED
    if progress.score == score and (progress.status.value == "completed" or not graded):
        return
    set_progress(progress, lesson, enrolment, percent=int(score), score=score,
                 done=graded and score >= pass_percent(lesson), actor=enrolment.user)
