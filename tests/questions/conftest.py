"""Question-bank fixtures: one sample question of every type, and a helper to fill a bank."""

from __future__ import annotations

import pytest

from eduplatform.core.extensions import db
from eduplatform.questions import knowledge, services

#: One question of each type, as the service takes them.
SAMPLES = {
    "single": {"type": "single", "stem": "方程 $2x+3=7$ 的解是", "data": {"options": ["1", "2", "3", "4"], "answer": 1},
               "analysis": "移项得 $2x=4$，所以 $x=2$。", "score": 3, "difficulty": 1},
    "multiple": {"type": "multiple", "stem": "下列各数中，是无理数的有",
                 "data": {"options": ["$\\sqrt{2}$", "$\\pi$", "0.5", "$\\frac{1}{3}$"], "answer": [0, 1]},
                 "analysis": "无限不循环小数是无理数。", "score": 4, "difficulty": 2},
    "true_false": {"type": "true_false", "stem": "两个负数的和一定是负数。", "data": {"answer": True},
                   "analysis": "同号相加取相同的符号。", "score": 2, "difficulty": 1},
    "fill_blank": {"type": "fill_blank", "stem": "$x^2=9$ 的解是 $x_1=$[[1]]，$x_2=$[[2]]。",
                   "data": {"blanks": [["3", "+3"], ["-3"]]}, "analysis": "开平方。", "score": 4, "difficulty": 3},
    "numerical": {"type": "numerical", "stem": "圆周率 π 保留两位小数约为多少？",
                  "data": {"answer": 3.14, "tolerance": 0.005}, "analysis": "π≈3.14159。", "score": 3, "difficulty": 2},
    "matching": {"type": "matching", "stem": "把函数与其图像的形状连起来。",
                 "data": {"pairs": [["一次函数", "直线"], ["二次函数", "抛物线"], ["反比例函数", "双曲线"]]},
                 "analysis": "", "score": 3, "difficulty": 3},
    "essay": {"type": "essay", "stem": "请说明解一元一次方程的一般步骤。",
              "data": {"reference": "去分母、去括号、移项、合并同类项、系数化为 1。"},
              "analysis": "按步骤作答即可。", "score": 10, "difficulty": 4},
}


def sample(qtype: str, **overrides) -> dict:
    values = {**SAMPLES[qtype], "subject": "math", "stage": "junior", "grade": "g7", "tags": ["期中"],
              "source": "示范题", "sharing": "org"}
    values.update(overrides)
    return values



@pytest.fixture
def make_question(app):
    def make(actor, qtype: str = "single", kps=(), commit: bool = True, **overrides):
        question = services.create_question(actor, sample(qtype, **overrides), knowledge_points=list(kps))
        if commit:
            db.session.commit()
        return question

    return make


@pytest.fixture
def kp_tree(app):
    """数学: 代数 → 方程 → 一元一次方程 / 二元一次方程; 几何 → 三角形."""
    algebra = knowledge.create_knowledge_point(None, subject="math", name="代数")
    equations = knowledge.create_knowledge_point(None, subject="math", name="方程", parent=algebra)
    linear = knowledge.create_knowledge_point(None, subject="math", name="一元一次方程", parent=equations)
    system = knowledge.create_knowledge_point(None, subject="math", name="二元一次方程", parent=equations)
    geometry = knowledge.create_knowledge_point(None, subject="math", name="几何")
    triangle = knowledge.create_knowledge_point(None, subject="math", name="三角形", parent=geometry)
    db.session.commit()
    return {"algebra": algebra, "equations": equations, "linear": linear, "system": system,
            "geometry": geometry, "triangle": triangle}


@pytest.fixture
def exam_setup(people, make_question, tree, create_user):
    """A published exam for school A1 with a single-choice (2), a true/false (2) and an essay (6)."""
    from datetime import timedelta

    from eduplatform.core.db import utcnow
    from eduplatform.questions import exams, papers
    from eduplatform.questions.models import AudienceKind

    t = people.teacher_a1
    single = make_question(t, "single", commit=False)
    tf = make_question(t, "true_false", commit=False)
    essay = make_question(t, "essay", commit=False)
    paper = papers.create_paper(t, {"title": "七年级数学单元测验", "subject": "math"}, [
        {"title": "一、选择与判断", "items": [{"question_id": single.id, "score": 2}, {"question_id": tf.id, "score": 2}]},
        {"title": "二、简答题", "items": [{"question_id": essay.id, "score": 6}]}])
    now = utcnow()
    exam = exams.create_exam(t, paper, title="单元测验", opens_at=now - timedelta(minutes=5),
                             closes_at=now + timedelta(hours=2), time_limit_minutes=45,
                             audience=[(AudienceKind.ORG, tree.school_a1.id)], publish=True)
    db.session.commit()
    items = {item.version.type: item for item in paper.items}
    return {"exam": exam, "paper": paper, "items": items, "teacher": t, "now": now}
