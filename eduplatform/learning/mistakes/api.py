"""/api/v1: the 错题本 — the student's book, 重做, practice sets; the teacher's class view."""

from __future__ import annotations

from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_body, make_api_blueprint, paginated
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.learning.mistakes import permissions, services
from eduplatform.learning.mistakes.access import class_for, entry_for, practice_for
from eduplatform.learning.mistakes.models import MistakeStatus
from eduplatform.learning.mistakes.schemas import (
    BookArgsSchema,
    PracticeAnswersInSchema,
    PracticeInSchema,
    RedoInSchema,
    entry_out,
    practice_out,
)

bp = make_api_blueprint("mistakes_api", __name__)


def _require_student():
    require(permissions.has_book(current_user), action="mistakes.book", message="只有学生有错题本")


@bp.get("/my/mistakes")
@login_required
def my_mistakes():
    """The caller's 错题本 (a student's own only), 待巩固 first; filter by 学科, 知识点 (with its subtree), 状态.
    ---
    get:
      parameters:
        - {in: query, schema: BookArgsSchema}
      responses:
        200:
          description: "a page of entries {id, status, subject, knowledge_points, wrong_count, response_text, question{stem, answer_text, analysis}}"
    """
    _require_student()
    args = load_args(BookArgsSchema())
    query = services.book_query(current_user, subject=args["subject"], knowledge_point_id=args["knowledge_point_id"],
                                status=MistakeStatus(args["status"]) if args["status"] else None)
    return paginated(query, entry_out, counts=services.counts(current_user.id))


@bp.get("/my/mistakes/summary")
@login_required
def my_summary():
    """The caller's 错题本 in numbers: 待巩固, 已掌握 and the top knowledge points.
    ---
    get:
      responses:
        200:
          description: "{pending, mastered, total, top_knowledge_points}"
    """
    _require_student()
    return services.summary_for(current_user)


@bp.get("/mistakes/<int:entry_id>")
@login_required
def get_entry(entry_id: int):
    """One entry of the caller's own book (another student's answers 404).
    ---
    get:
      responses:
        200:
          description: the entry
    """
    return entry_out(entry_for(entry_id))


@bp.post("/mistakes/<int:entry_id>/redo")
@login_required
def redo(entry_id: int):
    """重做: auto-marked types are checked at once (`response` in the type's shape); an essay takes
    `self_check`. Right at least a day after the last wrong answer → `mastered`.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: RedoInSchema
      responses:
        200:
          description: "{correct, mastered, newly_mastered, wait_until, answer_text, analysis, entry}"
    """
    entry = entry_for(entry_id)
    data = load_body(RedoInSchema())
    result = services.redo(current_user, entry, response=data["response"], self_check=data["self_check"])
    db.session.commit()
    return {"correct": result["correct"], "mastered": result["mastered"], "newly_mastered": result["newly_mastered"],
            "wait_until": result["wait_until"].isoformat() if result["wait_until"] else None,
            "answer_text": result["answer_text"], "analysis": result["analysis"], "entry": entry_out(entry)}


@bp.post("/my/practice-sets")
@login_required
def build_practice():
    """生成练习: `size` questions — 待巩固 entries and similar bank questions (same knowledge point and
    difficulty, ones the student may see), no repeats; filtered by `subject` / `knowledge_point_id`.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: PracticeInSchema
      responses:
        201:
          description: the practice set (questions without keys)
    """
    _require_student()
    data = load_body(PracticeInSchema())
    practice = services.build_practice(current_user, size=data["size"], subject=data["subject"],
                                       knowledge_point_id=data["knowledge_point_id"])
    db.session.commit()
    return practice_out(practice, services.practice_items(practice)), 201


@bp.get("/practice-sets/<int:set_id>")
@login_required
def get_practice(set_id: int):
    """One of the caller's practice sets (keys and analyses once handed in).
    ---
    get:
      responses:
        200:
          description: the practice set
    """
    practice = practice_for(set_id)
    return practice_out(practice, services.practice_items(practice))


@bp.post("/practice-sets/<int:set_id>/submit")
@login_required
def submit_practice(set_id: int):
    """Hand in a practice set (`answers`: item id → response); marked at once, wrong ones into the book.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: PracticeAnswersInSchema
      responses:
        200:
          description: the marked practice set
    """
    practice = practice_for(set_id)
    services.submit_practice(current_user, practice, load_body(PracticeAnswersInSchema())["answers"])
    db.session.commit()
    return practice_out(practice, services.practice_items(practice))


@bp.get("/classes/<int:class_id>/mistakes")
@login_required
def class_mistakes(class_id: int):
    """班级错题: a class's most-missed questions and knowledge points (its teachers: their subjects; the
    班主任: all).
    ---
    get:
      responses:
        200:
          description: "{size, subjects, questions: [{question_id, stem, students, rate, wrong, pending}], knowledge_points}"
    """
    school_class = class_for(class_id)
    subjects = permissions.class_subjects(current_user, school_class)
    view = services.class_mistakes(school_class, subjects=subjects)
    return {"class_id": school_class.id, "name": school_class.name, "size": view["size"], "subjects": subjects,
            "questions": [{"question_id": r["question"].id, "stem": r["question"].stem, "type": r["question"].type,
                           "subject": r["question"].subject,
                           "knowledge_points": [kp.name for kp in r["question"].knowledge_points],
                           "students": r["students"], "rate": r["rate"], "wrong": r["wrong"], "pending": r["pending"]}
                          for r in view["questions"]],
            "knowledge_points": view["knowledge_points"]}
