"""The student's pages: today's homework across subjects, one homework's items, handing in (phone-first)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_form
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.learning import bp, permissions, services
from eduplatform.learning.access import form_response, homework_for, item_for
from eduplatform.learning.schemas import AnswerInSchema
from eduplatform.schools.models import StudentProfile


def _rows(student):
    homeworks = services.student_homework(student)
    answers = services.answers_of(student, homeworks)
    rows = []
    for h in homeworks:
        done = sum(1 for i in h.items if i.id in answers and answers[i.id].status.value != "returned")
        returned = sum(1 for i in h.items if i.id in answers and answers[i.id].status.value == "returned")
        rows.append({"homework": h, "done": done, "returned": returned, "count": len(h.items)})
    return rows


def workbench_card(user) -> dict:
    rows = _rows(StudentProfile.for_user(user))
    return {"rows": rows[:8], "minutes": sum(r["homework"].total_minutes for r in rows
                                             if r["done"] < r["count"] or r["returned"])}


@bp.get("/today")
@login_required
def my_homework():
    require(permissions.is_student(current_user), action="learning.my_homework", message="只有学生有今日作业")
    rows = _rows(StudentProfile.for_user(current_user))
    open_rows = [r for r in rows if r["done"] < r["count"] or r["returned"]]
    return render_template("learning/my_homework.html", rows=rows, today=services.local_today(),
                           minutes=sum(r["homework"].total_minutes for r in open_rows))


@bp.get("/homework/<int:homework_id>/do")
@login_required
def student_homework(homework_id: int):
    homework = homework_for(homework_id)
    require(permissions.is_student_of(current_user, homework), action="learning.student_homework",
            message="这不是您的作业")
    student = StudentProfile.for_user(current_user)
    return render_template("learning/student_homework.html", homework=homework,
                           answers=services.answers_of(student, [homework]))


@bp.post("/items/<int:item_id>/answer")
@login_required
def submit_answer(item_id: int):
    item = item_for(item_id)
    homework_id = item.homework_id
    try:
        data = load_form(AnswerInSchema())
        answer = services.submit_answer(current_user, item, response=form_response(item, request.form),
                                        text=data["text"], upload=request.files.get("file"))
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("learning.student_homework", homework_id=homework_id) + f"#item-{item_id}")
    db.session.commit()
    note = "（迟交）" if answer.late else ""
    if answer.auto_marked and answer.score is not None:
        flash(f"已提交{note}，自动批改得 {answer.score:g}/{item.max_score:g} 分", "success")
    else:
        flash(f"已提交{note}", "success")
    return redirect(url_for("learning.student_homework", homework_id=homework_id) + f"#item-{item_id}")
