"""学情 pages: the teacher's class × knowledge-point heat map, a class's students, a student's own page,
the term report PDF."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, redirect, render_template, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_args
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.learning import bp
from eduplatform.learning.mastery import report, services
from eduplatform.learning.mastery.access import (
    HeatmapArgsSchema,
    SubjectArgsSchema,
    TermArgsSchema,
    class_for,
    heatmap_context,
    student_for,
)
from eduplatform.learning.mastery.model import BANDS
from eduplatform.questions.vocab import subject_label
from eduplatform.schools.models import StudentProfile


@bp.get("/mastery")
@login_required
def mastery_heatmap():
    args = load_args(HeatmapArgsSchema())
    context = heatmap_context(current_user, args["grade"], args["subject"])
    page = render_template("learning/mastery/heatmap.html", bands=BANDS, **context)
    db.session.commit()  # the cache rows stale classes were rebuilt with (after rendering: nothing expires)
    return page


@bp.get("/mastery/classes/<int:class_id>")
@login_required
def class_mastery(class_id: int):
    school_class = class_for(class_id)
    subject = load_args(SubjectArgsSchema())["subject"]
    matrix = services.class_matrix(school_class, subject)
    page = render_template("learning/mastery/class.html", school_class=school_class, subject=subject,
                           subject_label=subject_label(subject) if subject else None, **matrix)
    db.session.commit()  # the cache rows a stale class was rebuilt with (after rendering: nothing expires)
    return page


@bp.get("/mastery/me")
@login_required
def my_mastery():
    student = StudentProfile.for_user(current_user)
    require(student is not None, action="learning.my_mastery", message="只有学生有自己的学情页")
    return redirect(url_for("learning.student_mastery", student_id=student.id))


@bp.get("/mastery/students/<int:student_id>")
@login_required
def student_mastery(student_id: int):
    student = student_for(student_id)
    term = services.current_term()
    since, _ = term.bounds
    rows = services.student_mastery(student)
    return render_template("learning/mastery/student.html", student=student, rows=rows, term=term,
                           bands=services.band_counts(rows), homework=services.homework_record(student, since=since),
                           courses=services.course_progress(student),
                           own=student.user_id == current_user.id)


@bp.get("/mastery/students/<int:student_id>/report.pdf")
@login_required
def student_term_report(student_id: int):
    student = student_for(student_id)
    term = services.parse_term(load_args(TermArgsSchema())["term"])
    pdf = report.term_report_pdf(student, term)
    name = f"{student.name}-{term.key}-学情报告.pdf"
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return response
