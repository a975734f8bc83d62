"""Demo 错题本: 张老师 adds four 一元一次方程 questions to the bank and sets a short homework with two of
them; the demo student answers both wrong (auto-marked: they land in the 错题本 through the homework
listener) and a practice set is built from them (not yet taken), so 我的错题本, 生成练习 and 班级错题
show data.
Idempotent (keyed on the homework's title)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from eduplatform.accounts.services import find_user
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.learning import services as homework_services
from eduplatform.learning.models import Homework, ItemKind
from eduplatform.schools.models import StudentProfile, TeacherProfile

HOMEWORK = "错题本演示：一元一次方程小练"
PRACTICE = "错题本演示练习"
KP_PATH = "代数/方程/一元一次方程"

#: (type, stem, data, analysis, the demo student's wrong answer — None: not set as homework)
QUESTIONS = [
    ("single", "方程 $4x-8=0$ 的解是", {"options": ["$x=-2$", "$x=2$", "$x=4$", "$x=8$"], "answer": 1},
     "移项得 $4x=8$，$x=2$。", 0),
    ("true_false", "方程两边同时乘以同一个不为 0 的数，方程的解不变。", {"answer": True},
     "等式的基本性质 2。", False),
    ("single", "方程 $5x+2=12$ 的解是", {"options": ["$x=1$", "$x=2$", "$x=3$", "$x=10$"], "answer": 1},
     "移项得 $5x=10$，$x=2$。", None),
    ("true_false", "$x=3$ 是方程 $2x-1=5$ 的解。", {"answer": True}, "代入检验：$2\\times3-1=5$。", None),
]


def seed_demo(log):
    from eduplatform.questions import knowledge
    from eduplatform.questions import services as question_services

    teacher, student = find_user("teacher"), find_user("student")
    profile = StudentProfile.for_user(student) if student is not None else None
    if teacher is None or profile is None or profile.school_class is None or TeacherProfile.for_user(teacher) is None:
        return []
    if db.session.scalar(sa.select(Homework.id).where(Homework.title == HOMEWORK)):
        return []
    school_class = profile.school_class
    if "数学" not in {a.subject for a in school_class.assignments if a.teacher.user_id == teacher.id}:
        return []
    kp = knowledge.ensure_path(teacher, "math", KP_PATH)
    homework = homework_services.create_homework(teacher, school_class, {
        "subject": "数学", "title": HOMEWORK, "note": "做错的题会自动收进错题本。", "level": None,
        # tomorrow's: today's demo load (the 双减 figures other demos show) stays as it was
        "load_date": homework_services.local_today() + timedelta(days=1), "due_at": utcnow() + timedelta(days=2)})
    wrong = []
    for qtype, stem, data, analysis, answer in QUESTIONS:
        question = question_services.create_question(teacher, {
            "type": qtype, "stem": stem, "data": data, "analysis": analysis, "difficulty": 2, "subject": "math",
            "stage": "junior", "grade": "g7", "tags": ["错题本演示"], "source": "演示题库", "sharing": "org"},
            knowledge_points=[kp])
        if answer is not None:
            item = homework_services.add_item(teacher, homework, {"kind": ItemKind.QUESTION, "minutes": 5,
                                                                  "question_id": question.id})
            wrong.append((item, answer))
    homework_services.publish(teacher, homework)
    for item, answer in wrong:
        homework_services.submit_answer(student, item, response=answer)  # auto-marked wrong → 错题本
    db.session.flush()
    from eduplatform.learning.mistakes.services import build_practice

    practice = build_practice(student, size=5)
    practice.title = PRACTICE
    db.session.flush()
    log(f"错题本：{profile.name} 的 {len(wrong)} 道作业错题已收入错题本，并生成了一份错题练习（{len(practice.items)} 题）")
    return []
