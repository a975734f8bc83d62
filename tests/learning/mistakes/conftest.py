"""错题本 fixtures: a 七年级 class (tests/learning/conftest.py), knowledge points, bank questions with them,
and homework of bank questions the students answer."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.learning import services as homework
from eduplatform.learning.models import ItemKind
from eduplatform.questions import knowledge
from eduplatform.questions import services as question_services
from tests.courses.conftest import make_course  # noqa: F401  (fixture: course quizzes)
from tests.courses.test_quiz_retakes import quiz  # noqa: F401  (fixture)
from tests.questions.conftest import exam_setup, make_question, sample  # noqa: F401  (fixtures: exams)


@pytest.fixture
def points(app):
    algebra = knowledge.create_knowledge_point(None, subject="math", name="代数")
    linear = knowledge.create_knowledge_point(None, subject="math", name="一元一次方程", parent=algebra)
    triangle = knowledge.create_knowledge_point(None, subject="math", name="三角形")
    db.session.commit()
    return SimpleNamespace(algebra=algebra, linear=linear, triangle=triangle)


@pytest.fixture
def bank(junior, points):
    """The 数学 teacher's questions: a single (难度 1) and a true/false (难度 1) on 一元一次方程, a fill-in (难度 3)
    on 三角形, and an essay."""
    t = junior.teachers["数学"]

    def q(qtype, kp, **extra):
        return question_services.create_question(t, sample(qtype, **extra), knowledge_points=[kp])

    made = SimpleNamespace(single=q("single", points.linear), tf=q("true_false", points.linear),
                           blank=q("fill_blank", points.triangle), essay=q("essay", points.linear))
    db.session.commit()
    return made


@pytest.fixture
def question_homework(junior):
    """Publish homework of the given bank questions for the class (items in that order)."""
    def make(*questions, title="方程练习"):
        t = junior.teachers["数学"]
        h = homework.create_homework(t, junior.school_class, {
            "subject": "数学", "title": title, "level": None, "load_date": homework.local_today(),
            "due_at": utcnow() + timedelta(days=1)})
        for question in questions:
            homework.add_item(t, h, {"kind": ItemKind.QUESTION, "minutes": 5, "question_id": question.id})
        homework.publish(t, h)
        db.session.commit()
        return h

    return make
