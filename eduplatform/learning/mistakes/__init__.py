"""错题本 (the wrong-question book) of the learning domain.

Every wrongly answered bank question — class homework (auto-marked or marked by the teacher), exams
and course quizzes (graded in the question bank), the book's own practice sets — lands in the
student's book at the moment it is graded, through listeners registered in ``init_app`` (see
``capture.py``). The student re-does entries (a right re-do a day or more after the last wrong answer
→ 已掌握), builds practice sets from them and similar bank questions, and the class's teachers see
the most-missed questions and knowledge points. ``summary_for(student)`` is the public face for
other domains (parents). Pages under ``/learning/mistakes``, API ``/api/v1/my/mistakes`` ….
"""

from __future__ import annotations

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import WorkbenchPanel

bp = Blueprint("mistakes", __name__, url_prefix="/learning/mistakes")


def summary_for(student) -> dict:
    """{pending (待巩固), mastered (已掌握), total, top_knowledge_points: [{id, name, subject, students,
    entries, wrong}]} of a student's book (a ``StudentProfile`` or the student's ``User``)."""
    from eduplatform.learning.mistakes.services import summary_for as summary

    return summary(student)


def _student(user):
    from eduplatform.learning.mistakes.permissions import has_book

    return has_book(user)


def _teacher(user):
    from eduplatform.learning.permissions import has_classes

    return has_classes(user)


NAV = [
    NavItem("远程教育资源", "我的错题本", "mistakes.book", _student),
    NavItem("远程教育资源", "班级错题", "mistakes.class_page", _teacher),
]


WORKBENCH_PANELS = [WorkbenchPanel("mine", "learning/mistakes/_workbench.html", summary_for, when=_student,
                                   order=26)]


def init_app(app) -> None:
    from eduplatform.learning import services as homework
    from eduplatform.learning.mistakes import api, capture, models, views  # noqa: F401  (routes, tables)
    from eduplatform.questions import exams

    homework.on_answer_marked(capture.from_homework)
    exams.on_answer_graded(capture.from_exam)
    exams.on_results_released(capture.on_released)
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
        app.register_blueprint(api.bp)
