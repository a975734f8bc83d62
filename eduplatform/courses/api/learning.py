"""/api/v1: enrolments, lesson progress (incl. the player's beats), Q&A and assignments."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from eduplatform.core.api import load_args, load_body, paginated, sent_fields
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import (
    access,
    assignments,
    beats,
    completion,
    dashboard,
    enrolment,
    permissions,
    qa,
    quizzes,
)
from eduplatform.courses.api import bp
from eduplatform.courses.models import (
    Enrolment,
    EnrolmentStatus,
    LessonProgress,
)
from eduplatform.courses.retry import begin_write, retry_on_lock
from eduplatform.courses.schemas import (
    AnswerInSchema,
    BeatSchema,
    DecisionSchema,
    EnrolClassSchema,
    EnrolmentOutSchema,
    GradeInSchema,
    LearnersArgsSchema,
    ProgressOutSchema,
    QuestionInSchema,
    SubmissionInSchema,
    UserArgsSchema,
)

# --- enrolments -----------------------------------------------------------------------------

@bp.get("/courses/<int:course_id>/enrolments")
@login_required
def list_enrolments(course_id: int):
    """The course's teachers: every enrolment (`status` = active|pending|rejected|withdrawn|all);
    a learner: only their own.
    ---
    get:
      parameters:
        - {in: query, schema: LearnersArgsSchema}
      responses:
        200:
          description: "{items, page, per_page, total, pages}"
    """
    course = access.course_for(course_id)
    if not permissions.can_oversee_course(current_user, course):
        query = sa.select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id == current_user.id)
        return paginated(query, EnrolmentOutSchema())
    status = load_args(LearnersArgsSchema())["status"]
    wanted = None if status == "all" else EnrolmentStatus(status)
    return paginated(enrolment.learners_query(course, status=wanted), EnrolmentOutSchema())


@bp.post("/courses/<int:course_id>/enrolments")
@login_required
def create_enrolment(course_id: int):
    """Enrol. A learner enrols themselves (no body): active at once, or pending when the course needs
    approval. A teacher sends `{"class_id": n}` to enrol every 在读 student of a class.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: EnrolClassSchema
      responses:
        201:
          content:
            application/json:
              schema: EnrolmentOutSchema
        200:
          description: "class enrolment: {added, already, no_account}"
    """
    course = access.course_for(course_id)
    if "class_id" in sent_fields():
        data = load_body(EnrolClassSchema())
        school_class = enrolment.require_class(data["class_id"])
        require(permissions.can_enrol_class(current_user, course, school_class), action="course.enrol_class",
                obj=course)
        result = enrolment.enrol_class(current_user, course, school_class)
        db.session.commit()
        return result, 200
    row = enrolment.enrol(current_user, course)
    db.session.commit()
    return EnrolmentOutSchema().dump(row), 201


@bp.post("/enrolments/<int:enrolment_id>/decision")
@login_required
def decide_enrolment(enrolment_id: int):
    """Approve or reject (with a reason) a pending enrolment request — the course's teachers.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: DecisionSchema
      responses:
        200:
          content:
            application/json:
              schema: EnrolmentOutSchema
    """
    row = access.enrolment_for(enrolment_id, "manage")
    data = load_body(DecisionSchema())
    enrolment.decide(current_user, row, approve=data["approve"], reason=data["reason"])
    db.session.commit()
    return EnrolmentOutSchema().dump(row)


@bp.post("/enrolments/<int:enrolment_id>/withdraw")
@login_required
def withdraw_enrolment(enrolment_id: int):
    """The learner leaves a course (or withdraws a pending request).
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: EnrolmentOutSchema
    """
    row = access.enrolment_for(enrolment_id)
    enrolment.withdraw(current_user, row)
    db.session.commit()
    return EnrolmentOutSchema().dump(row)


# --- progress -------------------------------------------------------------------------------

@bp.get("/courses/<int:course_id>/progress")
@login_required
def course_progress(course_id: int):
    """A learner: their own progress per lesson. The course's teachers/overseers: every learner's.
    ---
    get:
      responses:
        200:
          description: "{course_id, learners: [{user, progress_percent, completed_at, lessons: [...]}]}"
    """
    course = access.course_for(course_id)
    if permissions.can_oversee_course(current_user, course):
        board = dashboard.build(course)
        db.session.commit()
        rows = board.rows
        return {"course_id": course.id, "lessons": [{"id": lesson.id, "title": lesson.title} for lesson in board.lessons],
                "learners": [_learner_dump(r.enrolment, r.cells) for r in rows]}
    row = enrolment.find_enrolment(course, current_user)
    require(row is not None and permissions.can_view_progress(current_user, row), action="course.progress",
            obj=course)
    quizzes.refresh_pulled(course, row)
    db.session.commit()
    cells = completion.progress_map(course, current_user)
    return {"course_id": course.id, "lessons": [{"id": lesson.id, "title": lesson.title} for lesson in course.lessons],
            "learners": [_learner_dump(row, {lesson.id: cells.get(lesson.id) for lesson in course.lessons})]}


def _learner_dump(row: Enrolment, cells: dict) -> dict:
    schema = ProgressOutSchema()
    return {"user": {"id": row.user.id, "username": row.user.username, "name": row.user.display_name},
            "status": row.status.value, "progress_percent": row.progress_percent,
            "completed_at": row.completed_at.isoformat() if row.completed_at else None,
            "lessons": [{"lesson_id": lid, **(schema.dump(p) if p is not None else {"status": "not_started",
                                                                                     "percent": 0})}
                        for lid, p in cells.items()]}


@bp.post("/lessons/<int:lesson_id>/open")
@login_required
def open_lesson(lesson_id: int):
    """The learner opened the lesson (documents and text complete on opening; media start their clock).
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: ProgressOutSchema
    """
    def work():
        begin_write()
        lesson, row = access.learning(lesson_id)
        progress = completion.mark_opened(lesson, row, current_user)
        db.session.commit()
        return ProgressOutSchema().dump(progress) | _course_part(row)

    return retry_on_lock(work)


def _course_part(row: Enrolment) -> dict:
    return {"course_percent": row.progress_percent, "course_completed": row.completed_at is not None}


@bp.get("/lessons/<int:lesson_id>/progress")
@login_required
def lesson_progress(lesson_id: int):
    """The caller's progress on a lesson; the course's teachers may ask for `user_id`'s.
    ---
    get:
      parameters:
        - {in: query, schema: UserArgsSchema}
      responses:
        200:
          content:
            application/json:
              schema: ProgressOutSchema
    """
    lesson = access.lesson_for(lesson_id)
    user_id = load_args(UserArgsSchema())["user_id"]
    if user_id is not None and user_id != current_user.id:
        require(permissions.can_oversee_course(current_user, lesson.course), action="lesson.progress_of_other",
                obj=lesson)
        progress = db.session.scalar(sa.select(LessonProgress).where(LessonProgress.lesson_id == lesson.id,
                                                                    LessonProgress.user_id == user_id))
    else:
        progress = completion.find_progress(lesson, current_user)
    if progress is None:
        return {"lesson_id": lesson.id, "user_id": user_id or current_user.id, "status": "not_started",
                "percent": 0, "watched": [], "watched_seconds": 0, "position": 0, "beat_count": 0}
    return ProgressOutSchema().dump(progress)


@bp.post("/lessons/<int:lesson_id>/progress")
@login_required
def post_beat(lesson_id: int):
    """A progress beat from the audio/video player: `position` (s), `ranges` played since the last beat
    ([[start, end], …] in s), `seq` (a counter), `event` (beat|pause|seek|ended). The server keeps the
    union of watched ranges and completes the lesson at the required share of the probed duration.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: BeatSchema
      responses:
        200:
          content:
            application/json:
              schema: ProgressOutSchema
    """
    data = load_body(BeatSchema())

    def work():
        begin_write()
        lesson, row = access.learning(lesson_id)
        progress = beats.record_beat(current_user, lesson, row, position=data["position"], ranges=data["ranges"],
                                     seq=data["seq"], event=data["event"])
        db.session.commit()
        return {"lesson_id": lesson.id, "status": progress.status.value, "percent": progress.percent,
                "watched_seconds": progress.watched_seconds, "beat_count": progress.beat_count,
                "last_seq": progress.last_seq, **_course_part(row)}

    return retry_on_lock(work)


# --- Q&A ----------------------------------------------------------------------------------------

class QuestionOutSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    course_id = fields.Integer()
    asker = fields.Function(lambda q: {"id": q.asker.id, "name": q.asker.display_name})
    body = fields.String()
    created_at = fields.DateTime()
    answered_at = fields.DateTime()
    answers = fields.Function(lambda q: [{"id": a.id, "author": a.author.display_name, "body": a.body,
                                          "by_teacher": a.by_teacher, "created_at": a.created_at.isoformat()}
                                         for a in q.answers])


@bp.get("/lessons/<int:lesson_id>/questions")
@login_required
def lesson_questions(lesson_id: int):
    """答疑 of a lesson (its learners and teachers).
    ---
    get:
      responses:
        200:
          description: "[question]"
    """
    lesson = access.lesson_for(lesson_id)
    return {"items": QuestionOutSchema().dump(qa.questions_of_lesson(lesson), many=True)}


@bp.post("/lessons/<int:lesson_id>/questions")
@login_required
def ask_question(lesson_id: int):
    """Ask a question on a lesson (enrolled learners).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: QuestionInSchema
      responses:
        201:
          description: the question
    """
    lesson, _ = access.learning(lesson_id)
    question = qa.ask(current_user, lesson, load_body(QuestionInSchema())["body"])
    db.session.commit()
    return QuestionOutSchema().dump(question), 201


@bp.post("/course-questions/<int:question_id>/answers")
@login_required
def answer_question(question_id: int):
    """Answer (the course's teachers) or follow up (the asker).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: AnswerInSchema
      responses:
        201:
          description: the question with its answers
    """
    question = qa.get_question(question_id)
    access.course_for(question.course_id)
    qa.answer(current_user, question, load_body(AnswerInSchema())["body"])
    db.session.commit()
    return QuestionOutSchema().dump(question), 201


@bp.get("/courses/<int:course_id>/questions")
@login_required
def course_questions(course_id: int):
    """The course's questions still waiting for an answer (its teachers).
    ---
    get:
      responses:
        200:
          description: "{items, page, per_page, total, pages}"
    """
    course = access.course_for(course_id, "manage")
    return paginated(qa.unanswered_query(course), QuestionOutSchema())


# --- assignments ----------------------------------------------------------------------------

class SubmissionOutSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    user = fields.Function(lambda s: {"id": s.user.id, "name": s.user.display_name})
    text = fields.String()
    file = fields.Function(lambda s: {"id": s.file.id, "filename": s.file.filename, "size": s.file.size}
                           if s.file else None)
    status = fields.Function(lambda s: s.status.value)
    submitted_at = fields.DateTime()
    score = fields.Float()
    feedback = fields.String()
    graded_at = fields.DateTime()


@bp.get("/lessons/<int:lesson_id>/submission")
@login_required
def my_submission(lesson_id: int):
    """The caller's submission for an assignment lesson (null when none).
    ---
    get:
      responses:
        200:
          description: the submission or null
    """
    lesson = access.lesson_for(lesson_id)
    submission = assignments.find_submission(lesson, current_user)
    return {"submission": SubmissionOutSchema().dump(submission) if submission else None}


@bp.post("/lessons/<int:lesson_id>/submission")
@login_required
def submit_assignment(lesson_id: int):
    """Hand in (or hand in again before grading): `text` and/or a `file` (multipart).
    ---
    post:
      requestBody:
        content:
          multipart/form-data:
            schema: SubmissionInSchema
      responses:
        201:
          description: the submission
    """
    lesson, row = access.learning(lesson_id)
    data = load_body(SubmissionInSchema())
    submission = assignments.submit(current_user, lesson, row, text=data["text"], upload=request.files.get("file"))
    db.session.commit()
    return SubmissionOutSchema().dump(submission), 201


@bp.get("/lessons/<int:lesson_id>/submissions")
@login_required
def lesson_submissions(lesson_id: int):
    """Every submission of an assignment (the course's teachers).
    ---
    get:
      responses:
        200:
          description: "{items}"
    """
    lesson = access.lesson_for(lesson_id, "manage")
    return {"items": SubmissionOutSchema().dump(assignments.submissions_of(lesson), many=True)}


@bp.post("/submissions/<int:submission_id>/grade")
@login_required
def grade_submission(submission_id: int):
    """Grade a submission with feedback (completes the lesson), or return it for another try.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: GradeInSchema
      responses:
        200:
          description: the submission
    """
    submission = assignments.get_submission(submission_id)
    access.lesson_for(submission.lesson_id, "manage")
    data = load_body(GradeInSchema())
    assignments.grade(current_user, submission, score=data["score"], feedback=data["feedback"],
                      return_for_redo=data["return_for_redo"])
    db.session.commit()
    return SubmissionOutSchema().dump(submission)
