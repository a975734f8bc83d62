"""/api/v1/lessons/<id>/quiz: a quiz lesson's attempts (used, allowed, best score), starting a first
attempt or a retake, and the teacher granting a learner one more attempt. Answers and submission go
through the question bank's `/api/v1/exams/<exam_id>/attempt…` endpoints (always the latest attempt)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user, login_required
from marshmallow import Schema

from eduplatform.accounts.models import User
from eduplatform.core.api import Id, load_args, load_body
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import access, permissions, quizzes
from eduplatform.courses.api import bp
from eduplatform.courses.enrolment import find_enrolment
from eduplatform.courses.models import Enrolment, Lesson
from eduplatform.courses.retry import begin_write, retry_on_lock
from eduplatform.courses.schemas import UserArgsSchema


class GrantInSchema(Schema):
    user_id = Id(required=True, error_messages={"required": "请指定学员（user_id）", "invalid": "user_id 须为正整数"})


def _state(lesson: Lesson, user) -> dict:
    quizzes._require_quiz(lesson)
    state = quizzes.quiz_state(lesson, user)
    return state.as_dict(released=lesson.exam.results_released)


@bp.get("/lessons/<int:lesson_id>/quiz")
@login_required
def quiz_state(lesson_id: int):
    """The caller's attempts at a quiz lesson: used / allowed / remaining, best score, status
    (none|in_progress|grading_pending|passed|retake|exhausted), `can_start`. The course's teachers and
    overseers may ask for `user_id`'s.
    ---
    get:
      parameters:
        - {in: query, schema: UserArgsSchema}
      responses:
        200:
          description: "{status, attempts_used, attempts_allowed, attempts_remaining, best_score, attempts: [...]}"
    """
    lesson = access.lesson_for(lesson_id)
    user_id = load_args(UserArgsSchema())["user_id"]
    if user_id is not None and user_id != current_user.id:
        require(permissions.can_oversee_course(current_user, lesson.course), action="quiz.state_of_other",
                obj=lesson)
        user = db.session.get(User, user_id)
        if user is None or find_enrolment(lesson.course, user) is None:
            raise NotFound("学员不存在")
        return _state(lesson, user)
    return _state(lesson, current_user)


@bp.post("/lessons/<int:lesson_id>/quiz/attempts")
@login_required
def start_quiz_attempt(lesson_id: int):
    """Start the quiz: the first attempt, the one in progress, or a retake when the latest attempt is graded,
    below the pass mark and attempts remain (409 `already_passed`, `grading_pending`, `no_attempts_left`).
    Two requests at once give one new attempt. Then answer through `/api/v1/exams/<exam_id>/attempt/answers`.
    ---
    post:
      responses:
        201:
          description: "{attempt_id, attempt_no, exam_id, status, deadline_at, quiz: {...}} (a new attempt)"
        200:
          description: the attempt already in progress
        409:
          description: 已通过 / 待评分 / 次数已用完
    """
    def work():
        begin_write()
        lesson, row = access.learning(lesson_id)
        before = quizzes.attempt_for(lesson, current_user)
        attempt = quizzes.start_attempt(current_user, lesson, row)
        db.session.commit()
        created = before is None or before.id != attempt.id
        return {"attempt_id": attempt.id, "attempt_no": attempt.attempt_no, "exam_id": attempt.exam_id,
                "status": attempt.status.value, "deadline_at": attempt.deadline_at.isoformat(),
                "quiz": _state(lesson, current_user)}, 201 if created else 200

    return retry_on_lock(work)


@bp.post("/lessons/<int:lesson_id>/quiz/extra-attempts")
@login_required
def grant_quiz_attempt(lesson_id: int):
    """The course's teachers give a learner (`user_id`) one more attempt (audited); 409 when the quiz is
    unlimited or the learner passed.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: GrantInSchema
      responses:
        200:
          description: "the learner's quiz state"
    """
    lesson = access.lesson_for(lesson_id, "manage")
    data = load_body(GrantInSchema())
    row = db.session.scalar(sa.select(Enrolment).where(Enrolment.course_id == lesson.course_id,
                                                       Enrolment.user_id == data["user_id"]))
    if row is None:
        raise NotFound("学员不存在或未选这门课")
    quizzes.grant_attempt(current_user, lesson, row)
    db.session.commit()
    return _state(lesson, row.user)
