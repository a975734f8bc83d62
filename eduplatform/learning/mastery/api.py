"""/api/v1/mastery: the class × knowledge-point heat map, a class's students, a student's 学情, the term report."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, make_api_blueprint
from eduplatform.core.extensions import db
from eduplatform.learning.mastery import report, services
from eduplatform.learning.mastery.access import (
    HeatmapArgsSchema,
    SubjectArgsSchema,
    TermArgsSchema,
    class_for,
    heatmap_context,
    student_for,
)
from eduplatform.learning.mastery.schemas import class_out, student_out

bp = make_api_blueprint("learning_mastery_api", __name__)


@bp.get("/mastery/heatmap")
@login_required
def heatmap():
    """A grade's classes × knowledge points of one subject: mean mastery per cell (the classes the caller may see).
    ---
    get:
      parameters:
        - {in: query, schema: HeatmapArgsSchema}
      responses:
        200:
          description: "{grades, grade, subject, subjects, classes [{id, name}], points [{id, name, subject}],
            cells [[point index, class index, percent, students, students below 60 %]]}"
        403:
          description: not a teacher with classes nor a school admin
    """
    args = load_args(HeatmapArgsSchema())
    context = heatmap_context(current_user, args["grade"], args["subject"])
    body = {"grades": context["grades"], "grade": context["grade"], **context["data"]}
    db.session.commit()  # the rebuilt cache rows
    return body


@bp.get("/mastery/classes/<int:class_id>")
@login_required
def class_mastery(class_id: int):
    """A class's students × knowledge points (mastery percent, band, answers).
    ---
    get:
      parameters:
        - {in: query, schema: SubjectArgsSchema}
      responses:
        200:
          description: "{class, points, students [{id, name, cells {point id: {percent, band, few, answers}}}]}"
        403:
          description: not a class the caller teaches or heads (nor their school's admin)
    """
    school_class = class_for(class_id)
    matrix = services.class_matrix(school_class, load_args(SubjectArgsSchema())["subject"])
    body = class_out(school_class, matrix)
    db.session.commit()  # the rebuilt cache rows
    return body


@bp.get("/mastery/students/<int:student_id>")
@login_required
def student_mastery(student_id: int):
    """One student's 学情: mastery by knowledge point, this term's homework completion and lateness, courses.
    ---
    get:
      responses:
        200:
          description: "{student, term, mastery [{knowledge_point_id, name, subject, percent, band, few, answers}],
            bands, homework {due, handed_in, late, missing, completion, on_time, subjects}, courses}"
        403:
          description: not the student, a teacher of their class or their school's admin
    """
    student = student_for(student_id)
    return student_out(student)


@bp.get("/mastery/students/<int:student_id>/term-report")
@login_required
def term_report(student_id: int):
    """The student's term report (学期学情报告) as a PDF.
    ---
    get:
      parameters:
        - {in: query, schema: TermArgsSchema}
      responses:
        200:
          description: application/pdf
        422:
          description: a term not of the form 2026-1 / 2026-2
    """
    student = student_for(student_id)
    term = services.parse_term(load_args(TermArgsSchema())["term"])
    response = Response(report.term_report_pdf(student, term), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(f'{student.name}-{term.key}-学情报告.pdf')}")
    return response
