"""Demo class homework: 张老师 (数学, 七年级(1)班's 班主任 at 东湖区第一初级中学) publishes today's homework —
a bank question, a photo hand-in and a reading task — and the demo student hands in the question and a
photo; a second, over-budget set waits for the 班主任's approval on 张老师's 工作台. Idempotent (keyed on
the titles)."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from eduplatform.accounts.services import find_user
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.learning import services
from eduplatform.learning.models import Homework, ItemKind
from eduplatform.schools.models import StudentProfile, TeacherProfile

HOMEWORK = "一元一次方程课后作业"
OVER_BUDGET = "一元一次方程综合练习（加练）"
#: a 1×1 PNG (the demo's "photo")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def seed_demo(log):
    from eduplatform.learning.mastery.seed import seed_mastery
    from eduplatform.learning.mistakes.seed import seed_demo as seed_mistakes

    result = _seed_homework(log)
    seed_mistakes(log)  # 错题本
    seed_mastery(log)  # 学情
    return result


def _seed_homework(log):
    teacher, student = find_user("teacher"), find_user("student")
    profile = StudentProfile.for_user(student) if student is not None else None
    if teacher is None or profile is None or profile.school_class is None or TeacherProfile.for_user(teacher) is None:
        return []
    if db.session.scalar(sa.select(Homework.id).where(Homework.title == HOMEWORK)):
        return []
    school_class = profile.school_class
    if "数学" not in {a.subject for a in school_class.assignments if a.teacher.user_id == teacher.id}:
        return []
    from eduplatform.questions.models import Question

    question = db.session.scalar(sa.select(Question).where(Question.created_by_id == teacher.id,
                                                           Question.type == "single", Question.deleted_at.is_(None))
                                 .order_by(Question.id))
    due = utcnow() + timedelta(days=1)
    homework = services.create_homework(teacher, school_class, {
        "subject": "数学", "title": HOMEWORK, "note": "完成后拍照上交练习册。", "level": None,
        "load_date": services.local_today(), "due_at": due})
    if question is not None:
        services.add_item(teacher, homework, {"kind": ItemKind.QUESTION, "minutes": 5, "question_id": question.id})
    photo_item = services.add_item(teacher, homework, {"kind": ItemKind.HANDIN, "minutes": 25,
                                                       "title": "练习册第 12 页（拍照上交）", "max_score": 10})
    services.add_item(teacher, homework, {"kind": ItemKind.READING, "minutes": 10, "title": "阅读课本第 3.2 节"})
    services.publish(teacher, homework)
    if question is not None:
        services.submit_answer(student, homework.items[0], response=question.data.get("answer", 0))
    services.submit_answer(student, photo_item, text="第 12 页已完成", upload=FileStorage(
        stream=io.BytesIO(PNG), filename="练习册第12页.png", content_type="image/png"))
    extra = services.create_homework(teacher, school_class, {
        "subject": "数学", "title": OVER_BUDGET, "note": "", "level": None,
        "load_date": services.local_today(), "due_at": due})
    services.add_item(teacher, extra, {"kind": ItemKind.HANDIN, "minutes": 70, "title": "综合练习卷"})
    services.publish(teacher, extra, ask_head_teacher=True)
    db.session.flush()
    log(f"班级作业：{school_class.name} 今日数学作业已发布，学生已上交；另一份超量作业等待班主任审批")
    return []
