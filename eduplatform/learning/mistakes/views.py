"""错题本 pages (phone-first): 我的错题本 with filters, 重做, 生成练习 and taking it, 班级错题 for teachers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.paging import page_number
from eduplatform.core.permissions import require
from eduplatform.learning.mistakes import bp, permissions, services
from eduplatform.learning.mistakes.access import class_for, entry_for, form_response, practice_for
from eduplatform.learning.mistakes.models import MistakeStatus, PracticeStatus
from eduplatform.questions.types import QUESTION_TYPES
from eduplatform.questions.vocab import DIFFICULTY_LABELS, subject_label


def _require_student():
    require(permissions.has_book(current_user), action="mistakes.book", message="只有学生有错题本")


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _status_arg() -> MistakeStatus | None:
    try:
        return MistakeStatus(request.args.get("status") or "")
    except ValueError:
        return None


def _context():
    return {"QTYPES": QUESTION_TYPES, "subject_label": subject_label, "DIFFICULTY_LABELS": DIFFICULTY_LABELS}


@bp.get("/")
@login_required
def book():
    _require_student()
    subject = request.args.get("subject") or None
    kp_id, status = _int_arg("knowledge_point_id"), _status_arg()
    query = services.book_query(current_user, subject=subject, knowledge_point_id=kp_id, status=status)
    page = db.paginate(query, page=page_number(), per_page=20, error_out=False)
    return render_template("learning/mistakes/book.html", page=page, counts=services.counts(current_user.id),
                           options=services.filter_options(current_user), subject=subject, kp_id=kp_id,
                           status=status, sizes=services.PRACTICE_SIZES,
                           practice_sets=services.my_practice_sets(current_user, limit=5), **_context())


@bp.route("/<int:entry_id>/redo", methods=["GET", "POST"])
@login_required
def redo(entry_id: int):
    _require_student()
    entry = entry_for(entry_id)
    result = None
    if request.method == "POST":
        version = entry.question_version
        check = request.form.get("self_check")
        try:
            result = services.redo(current_user, entry, response=form_response(version, request.form, "answer"),
                                   self_check=None if check is None else check == "right")
        except ValidationFailed as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("mistakes.redo", entry_id=entry_id))
        db.session.commit()
    return render_template("learning/mistakes/redo.html", entry=entry, result=result, **_context())


@bp.post("/practice")
@login_required
def build_practice():
    _require_student()
    size = request.form.get("size", "10")
    try:
        practice = services.build_practice(
            current_user, size=int(size) if size.isdigit() else 10, subject=request.form.get("subject") or None,
            knowledge_point_id=int(request.form["knowledge_point_id"])
            if request.form.get("knowledge_point_id", "").isdigit() else None)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("mistakes.book"))
    db.session.commit()
    return redirect(url_for("mistakes.practice", set_id=practice.id))


@bp.route("/practice/<int:set_id>", methods=["GET", "POST"])
@login_required
def practice(set_id: int):
    _require_student()
    practice_set = practice_for(set_id)
    items = services.practice_items(practice_set)
    if request.method == "POST":
        answers = {i.id: form_response(i.question_version, request.form, f"q{i.id}") for i in items}
        try:
            services.submit_practice(current_user, practice_set, {k: v for k, v in answers.items() if v is not None})
        except (ValidationFailed, Conflict) as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("mistakes.practice", set_id=set_id))
        db.session.commit()
        flash(f"已交卷：得 {practice_set.score:g}/{practice_set.max_score:g} 分，做错的题已收入错题本", "success")
        return redirect(url_for("mistakes.practice", set_id=set_id))
    return render_template("learning/mistakes/practice.html", practice=practice_set, items=items,
                           done=practice_set.status == PracticeStatus.SUBMITTED, **_context())


@bp.get("/classes")
@login_required
def class_page():
    classes = [c for c in services.teacher_classes(current_user)
               if permissions.can_view_class_mistakes(current_user, c)]
    require(bool(classes) or _int_arg("class_id") is not None, action="mistakes.class_view",
            message="只有任课教师和班主任可以查看班级错题")
    class_id = _int_arg("class_id") or (classes[0].id if classes else None)
    school_class = class_for(class_id)
    subjects = permissions.class_subjects(current_user, school_class)
    view = services.class_mistakes(school_class, subjects=subjects)
    return render_template("learning/mistakes/class.html", classes=classes, school_class=school_class,
                           subjects=subjects, view=view, **_context())
