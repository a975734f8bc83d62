"""学情 (learning analytics): mastery by knowledge point, homework completion and lateness, course progress.

The model (``model.py``): a recency-weighted Rasch (1PL IRT) ability per student and knowledge point,
fitted by Newton's method with a N(0, 1) prior, over every graded answer (``learning.graded``: homework,
exams, course quizzes). Class views read a per-class cache (``store.py``) rebuilt when new grades
arrive. Public faces for other domains (the parents' domain):

- ``student_summary(student)``: a child's mastery bands and weakest points, homework this term, courses;
- ``term_report_pdf(student, term)``: the 学期学情报告 PDF (``term`` ``'2026-1'`` / ``'2026-2'`` or None);
- ``register_student_viewer(predicate)``: grant e.g. a parent the student's page and report.
"""

from __future__ import annotations


def student_summary(student) -> dict:
    from eduplatform.learning.mastery.services import student_summary as summary

    return summary(student)


def term_report_pdf(student, term=None) -> bytes:
    from eduplatform.learning.mastery.report import term_report_pdf as build

    return build(student, term)


def student_report_url(student, term: str | None = None) -> str:
    """Where a signed-in user with access downloads the report (for links from other domains' pages)."""
    from flask import url_for

    return url_for("learning.student_term_report", student_id=student.id, term=term)


def register_student_viewer(predicate) -> None:
    from eduplatform.learning.mastery.permissions import register_student_viewer as register

    register(predicate)
