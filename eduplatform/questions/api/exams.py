"""/api/v1/exams: publish papers as exams; students' attempts, autosave, submission; grading, release,
statistics. A student only ever reaches their own attempt, and sees answers only after release."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user, login_required

from eduplatform.accounts.models import User
from eduplatform.core.api import load_json, paginated
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require, visible_to
from eduplatform.core.text.richtext import plain_text
from eduplatform.orgs.services import find_org
from eduplatform.questions import exams, papers, permissions
from eduplatform.questions.api import bp
from eduplatform.questions.models import AudienceKind, Exam, ExamAnswer
from eduplatform.questions.presenters import attempt_payload
from eduplatform.questions.schemas import AnswersInSchema, ExamInSchema, ExamSchema, GradeInSchema
from eduplatform.questions.statistics import exam_statistics
from eduplatform.questions.types import get_type


def load_exam(exam_id: int, *, manage: bool = True) -> Exam:
    exam = exams.get_exam(exam_id)
    if manage:
        require(permissions.can_manage_exam(current_user, exam), action="exam.manage", obj=exam)
    return exam


def managed_exams(user):
    query = sa.select(Exam).order_by(Exam.id.desc())
    if user.has_role(*permissions.MANAGER_ROLES):
        return visible_to(user, query, org_column=Exam.org_id)
    return query.where(Exam.created_by_id == user.id)


def audience_from(data) -> list[tuple[str, int]]:
    audience = [(a["kind"], a["target_id"]) for a in data["audience"]]
    for username in data["students"]:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise ValidationFailed(f"学生 {username} 不存在", fields={"students": [f"{username} 不存在"]})
        audience.append((AudienceKind.USER, user.id))
    for code in data["orgs"]:
        org = find_org(code)
        if org is None:
            raise ValidationFailed(f"单位 {code} 不存在", fields={"orgs": [f"{code} 不存在"]})
        audience.append((AudienceKind.ORG, org.id))
    return audience


@bp.get("/exams")
@login_required
def list_exams():
    """Teachers: the exams they manage. Students: the exams given to them.
    ---
    get:
      responses:
        200:
          description: "{items, page, per_page, total, pages}"
    """
    if permissions.is_student(current_user):
        return paginated(exams.exams_for_student(current_user), ExamSchema())
    require(permissions.is_author(current_user), action="exam.list")
    return paginated(managed_exams(current_user), ExamSchema())


@bp.post("/exams")
@login_required
def create_exam():
    """Make an exam of a paper for students (by id or username) or all students of org units, with a
    time window (times without an offset are Beijing time) and a time limit; `publish` opens it.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ExamInSchema
      responses:
        201:
          content:
            application/json:
              schema: ExamSchema
    """
    data = load_json(ExamInSchema())
    paper = papers.get_paper(data["paper_id"])
    require(permissions.can_create_exam(current_user, paper), action="exam.create", obj=paper)
    exam = exams.create_exam(current_user, paper, title=data["title"], opens_at=data["opens_at"],
                             closes_at=data["closes_at"], time_limit_minutes=data["time_limit_minutes"],
                             audience=audience_from(data), publish=data["publish"])
    db.session.commit()
    return ExamSchema().dump(exam), 201


@bp.get("/exams/<int:exam_id>")
@login_required
def get_exam(exam_id: int):
    """An exam (its managers, or a student it is given to).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ExamSchema
    """
    exam = exams.get_exam(exam_id)
    require(permissions.can_manage_exam(current_user, exam) or permissions.can_take_exam(current_user, exam),
            action="exam.view", obj=exam)
    return ExamSchema().dump(exam)


@bp.post("/exams/<int:exam_id>/publish")
@login_required
def publish(exam_id: int):
    """Publish a draft exam (locks its paper).
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: ExamSchema
    """
    exam = load_exam(exam_id)
    exams.publish_exam(current_user, exam)
    db.session.commit()
    return ExamSchema().dump(exam)


@bp.post("/exams/<int:exam_id>/release")
@login_required
def release(exam_id: int):
    """Release results to students (every subjective answer must be graded first).
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: ExamSchema
        409:
          description: 还有未评分的主观题
    """
    exam = load_exam(exam_id)
    exams.release_results(current_user, exam)
    db.session.commit()
    return ExamSchema().dump(exam)


# --- the student's attempt ------------------------------------------------------------------------

def my_attempt(exam: Exam, *, attempt_no: int | None = None, attempt_id: int | None = None):
    """The caller's latest attempt, or one of the caller's own earlier ones (never another student's)."""
    if attempt_no is None and attempt_id is None:
        attempt = exams.find_attempt(exam, current_user)
    else:
        attempt = next((a for a in exams.attempts_for(exam, current_user)
                        if a.attempt_no == attempt_no or a.id == attempt_id), None)
    if attempt is None:
        raise NotFound("您还没有开始这场考试" if attempt_no is None and attempt_id is None else "没有这次作答")
    return attempt


@bp.post("/exams/<int:exam_id>/attempt")
@login_required
def start_attempt(exam_id: int):
    """Start (or resume) the caller's attempt; the deadline is start + limit or the window's end.
    ---
    post:
      responses:
        200:
          description: 作答中的答卷（题目不含答案）
    """
    exam = exams.get_exam(exam_id)
    attempt = exams.start_attempt(current_user, exam)
    db.session.commit()
    return attempt_payload(attempt)


@bp.get("/exams/<int:exam_id>/attempt")
@login_required
def get_attempt(exam_id: int):
    """The caller's own latest attempt (or `attempt_no`, one of the caller's earlier ones of a quiz);
    scores, key and analysis only after release.
    ---
    get:
      parameters:
        - {name: attempt_no, in: query, schema: {type: integer}}
      responses:
        200:
          description: 答卷
    """
    exam = exams.get_exam(exam_id)
    require(permissions.can_take_exam(current_user, exam), action="exam.attempt", obj=exam)
    attempt = my_attempt(exam, attempt_no=request.args.get("attempt_no", type=int))
    if exams.expire_if_due(attempt):
        db.session.commit()
    return attempt_payload(attempt)


@bp.put("/exams/<int:exam_id>/attempt/answers")
@login_required
def save_answers(exam_id: int):
    """Autosave answers `{item_id: response}` to the latest attempt (or `attempt_id`, which must be the
    latest: answers to an older attempt of a retaken quiz get 409 `superseded`); after the deadline:
    409 and the attempt is submitted.
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: AnswersInSchema
      responses:
        200:
          description: "{saved, remaining_seconds}"
        409:
          description: 已过截止时间或已交卷
    """
    exam = exams.get_exam(exam_id)
    require(permissions.can_take_exam(current_user, exam), action="exam.attempt", obj=exam)
    data = load_json(AnswersInSchema())
    attempt = my_attempt(exam, attempt_id=data.get("attempt_id"))
    try:
        saved = exams.save_answers(current_user, attempt, data["answers"])
    except Conflict as exc:
        if exc.code == "deadline_passed":
            db.session.commit()  # the passed deadline submitted the attempt: keep that
        raise
    db.session.commit()
    payload = attempt_payload(attempt)
    return {"saved": saved, "remaining_seconds": payload["remaining_seconds"]}


@bp.post("/exams/<int:exam_id>/attempt/submit")
@login_required
def submit(exam_id: int):
    """Hand in (a second submission changes nothing).
    ---
    post:
      responses:
        200:
          description: "{status, score (after release), pending_items …}"
    """
    exam = exams.get_exam(exam_id)
    require(permissions.can_take_exam(current_user, exam), action="exam.attempt", obj=exam)
    attempt = exams.submit_attempt(current_user, my_attempt(exam))
    db.session.commit()
    return exams.attempt_score(attempt)


# --- teachers ---------------------------------------------------------------------------------

@bp.get("/exams/<int:exam_id>/attempts")
@login_required
def attempts(exam_id: int):
    """Every attempt with its status and score.
    ---
    get:
      responses:
        200:
          description: "{items: [{id, student, attempt_no, status, score, submitted_at, auto_submitted}]}"
    """
    exam = load_exam(exam_id)
    exams.submit_expired_for_exam(exam)
    db.session.commit()
    return {"items": [{"id": a.id, "student": a.student.display_name, "username": a.student.username,
                       "attempt_no": a.attempt_no, "status": a.status.value, "score": a.score, "submitted_at": a.submitted_at,
                       "auto_submitted": a.auto_submitted} for a in exams.attempts_of(exam)]}


@bp.get("/exams/<int:exam_id>/grading")
@login_required
def grading(exam_id: int):
    """The grading queue: subjective answers still without a score.
    ---
    get:
      responses:
        200:
          description: "{items: [{answer_id, item_id, student, stem, response, full_score, reference}]}"
    """
    exam = load_exam(exam_id)
    queue = exams.grading_queue(exam)
    db.session.commit()
    return {"items": [grading_row(a) for a in queue]}


def grading_row(answer: ExamAnswer) -> dict:
    version = answer.item.version
    return {"answer_id": answer.id, "item_id": answer.item_id, "student": answer.attempt.student.display_name,
            "attempt_no": answer.attempt.attempt_no, "stem": version.stem, "response": answer.response, "full_score": answer.item.score,
            "reference": get_type(version.type).answer_text(version.data),
            "response_text": plain_text(str(answer.response or ""))}


@bp.post("/exams/<int:exam_id>/answers/<int:answer_id>/grade")
@login_required
def grade(exam_id: int, answer_id: int):
    """Score one answer (0 … the item's score) with optional feedback; a regrade is audited.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: GradeInSchema
      responses:
        200:
          description: "{answer_id, score, attempt_status, attempt_score}"
    """
    exam = load_exam(exam_id)
    answer = db.session.get(ExamAnswer, answer_id)
    if answer is None or answer.attempt.exam_id != exam.id:
        raise NotFound("答案不存在")
    data = load_json(GradeInSchema())
    exams.grade_answer(current_user, answer, data["score"], data["feedback"])
    db.session.commit()
    return {"answer_id": answer.id, "score": answer.score, "attempt_status": answer.attempt.status.value,
            "attempt_score": answer.attempt.score}


@bp.get("/exams/<int:exam_id>/statistics")
@login_required
def statistics(exam_id: int):
    """Score distribution, mean, and per item the difficulty P and discrimination D (27 % groups).
    ---
    get:
      responses:
        200:
          description: 统计
    """
    exam = load_exam(exam_id)
    stats = exam_statistics(exam)
    db.session.commit()
    return stats
