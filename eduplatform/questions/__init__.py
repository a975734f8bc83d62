"""题库, 组卷 and online exams: question types, import/export formats, papers, exams, statistics."""

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import TodoSource, WorkbenchPanel

bp = Blueprint("questions", __name__, url_prefix="/questions")


def _author(user):
    from eduplatform.questions.permissions import is_author

    return is_author(user)


def _student(user):
    from eduplatform.questions.permissions import is_student

    return is_student(user)


NAV = [
    NavItem("远程教育资源", "题库", "questions.question_list", _author),
    NavItem("远程教育资源", "试卷", "questions.paper_list", _author),
    NavItem("远程教育资源", "考试", "questions.exam_list", _author),
    NavItem("远程教育资源", "我的考试", "questions.my_exams", _student),
]


def init_app(app):
    from sqlalchemy.orm import selectinload

    from eduplatform.core.search.registry import register_searchable
    from eduplatform.questions import cli
    from eduplatform.questions.models import Question
    from eduplatform.questions.services import question_document, register_unified

    register_searchable("question", Question, question_document,
                        load_options=lambda: (selectinload(Question.knowledge_points), selectinload(Question.org)))
    register_unified()  # the one search box's 试题 group
    cli.init_app(app)


def _wb(name):
    def call(user, *args):
        from eduplatform.questions import workbench

        return getattr(workbench, name)(user, *args)
    return call


TODO_SOURCES = [TodoSource(_wb("exam_todos"), _wb("exam_todo_count"), when=_student)]
WORKBENCH_PANELS = [WorkbenchPanel("mine", "questions/_workbench_exams.html", _wb("my_exams"), when=_student,
                                   order=25)]
