"""Demo 学情: ten weeks of 数学 homework from the bank for the demo teacher's 七年级 classes.

The classes' students get login accounts (the school's own account provisioning; passwords are not
shown), then answer three bank questions (单选 / 判断 with knowledge points) every fortnight, right
with the Rasch probability of a per-student ability — so the heat map, a class's students and each
student's page have something to show. Each homework is set and handed in through the services and
then moved back to its week (the services refuse a 布置日期 in the past). Idempotent (the titles)."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from eduplatform.accounts.services import find_user
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.learning import services
from eduplatform.learning.mastery.model import DIFFICULTY_LOGITS, sigmoid
from eduplatform.learning.models import Homework, HomeworkAnswer, ItemKind
from eduplatform.questions.models import Question
from eduplatform.schools.models import StudentProfile, TeacherProfile

TITLE = "数学周练（学情演示）第 {n} 次"
#: days before today each demo homework was set
ROUNDS = (70, 56, 42, 28, 14, 4)
MAX_CLASSES = 2


def seed_mastery(log) -> None:
    teacher, student = find_user("teacher"), find_user("student")
    profile = StudentProfile.for_user(student) if student is not None else None
    teacher_profile = TeacherProfile.for_user(teacher) if teacher is not None else None
    if profile is None or profile.school_class is None or teacher_profile is None:
        return
    if db.session.scalar(sa.select(Homework.id).where(Homework.title == TITLE.format(n=1))):
        return
    grade = profile.school_class.grade
    classes = sorted({a.school_class for a in teacher_profile.assignments
                      if a.subject == "数学" and a.school_class.grade == grade and not a.school_class.graduated},
                     key=lambda c: (c.id != profile.class_id, c.number))[:MAX_CLASSES]
    questions = list(db.session.scalars(
        sa.select(Question).where(Question.created_by_id == teacher.id, Question.type.in_(["single", "true_false"]),
                                  Question.deleted_at.is_(None), Question.knowledge_points.any())
        .order_by(Question.id)))
    if not classes or len(questions) < 3:
        return
    from eduplatform.schools.provisioning import provision_class_accounts

    rng = random.Random(2026)
    for school_class in classes:
        provision_class_accounts(None, school_class)
        db.session.flush()
        pupils = [s for s in school_class.students if s.user is not None]
        ability = {s.id: rng.gauss(0.3, 1.0) for s in pupils}
        point_ease = {kp.id: rng.uniform(-0.6, 0.6) for q in questions for kp in q.knowledge_points}
        for n, days_ago in enumerate(ROUNDS, start=1):
            chosen = [questions[(n * 3 + k) % len(questions)] for k in range(3)]
            homework = services.create_homework(teacher, school_class, {
                "subject": "数学", "title": TITLE.format(n=n), "note": "", "level": None,
                "load_date": services.local_today(), "due_at": utcnow() + timedelta(hours=12)})
            items = [services.add_item(teacher, homework, {"kind": ItemKind.QUESTION, "minutes": 5,
                                                           "question_id": q.id}) for q in chosen]
            services.publish(teacher, homework)
            for pupil in pupils:
                if rng.random() < 0.08:
                    continue  # 未交
                for item, question in zip(items, chosen, strict=True):
                    ease = sum(point_ease[kp.id] for kp in question.knowledge_points) / len(question.knowledge_points)
                    right = rng.random() < sigmoid(ability[pupil.id] + ease - DIFFICULTY_LOGITS[question.difficulty])
                    services.submit_answer(pupil.user, item, response=_response(question, right))
            _move_back(homework, days_ago, rng)
    db.session.flush()
    log(f"学情：{len(classes)} 个班 {len(ROUNDS)} 次数学周练的作答已生成（班级学情 / 我的学情）")


def _response(question: Question, right: bool):
    answer = question.data.get("answer")
    if question.type == "true_false":
        return bool(answer) if right else not bool(answer)
    options = len(question.data.get("options") or []) or 4
    return answer if right else (int(answer) + 1) % options


def _move_back(homework: Homework, days_ago: int, rng: random.Random) -> None:
    shift = timedelta(days=days_ago)
    homework.load_date -= shift
    homework.due_at -= shift
    homework.published_at = (homework.published_at or utcnow()) - shift
    for answer in db.session.scalars(sa.select(HomeworkAnswer).where(HomeworkAnswer.homework_id == homework.id)):
        answer.submitted_at -= shift - timedelta(hours=rng.choice([1, 3, 6, 14]))
        answer.late = answer.submitted_at > homework.due_at
        if answer.marked_at is not None:
            answer.marked_at = answer.submitted_at
