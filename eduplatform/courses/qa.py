"""答疑: learners ask per lesson, the course's teachers answer; unanswered questions wait in the teacher's list."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.text.richtext import clean_html, one_line
from eduplatform.courses import permissions
from eduplatform.courses.models import Course, Lesson, LessonAnswer, LessonQuestion

REALM = "courses"


def _rich_body(body: str, field_message: str) -> str:
    """The editor's HTML (or a plain line) as sanitised rich text; refused when nothing is left to read."""
    cleaned = clean_html(body, inline_images=False)
    if not one_line(cleaned) and "<img" not in cleaned:
        raise ValidationFailed(field_message, fields={"body": [field_message]})
    return cleaned


def get_question(question_id: int) -> LessonQuestion:
    question = db.session.get(LessonQuestion, question_id)
    if question is None:
        raise NotFound("问题不存在")
    return question


def ask(actor, lesson: Lesson, body: str) -> LessonQuestion:
    from eduplatform.core.notices import notify

    question = LessonQuestion(course_id=lesson.course_id, lesson_id=lesson.id, asker_id=actor.id,
                              body=_rich_body(body, "请填写问题内容"))
    db.session.add(question)
    db.session.flush()
    record(REALM, "question.asked", f"提问：{lesson.title}", actor=actor, obj=question)
    notify("courses", "task", users=[lesson.course.owner], title=f"学员提问：{lesson.course.title}·{lesson.title}",
           body=one_line(question.body, 200))
    return question


def answer(actor, question: LessonQuestion, body: str) -> LessonAnswer:
    from eduplatform.core.notices import notify

    course = question.lesson.course
    by_teacher = permissions.can_manage_course(actor, course)
    if not by_teacher and actor.id != question.asker_id:
        raise PermissionDenied("只有课程教师或提问者本人可以回复")
    reply = LessonAnswer(question_id=question.id, author_id=actor.id, body=_rich_body(body, "请填写回复内容"),
                         by_teacher=by_teacher)
    db.session.add(reply)
    if by_teacher and question.answered_at is None:
        question.answered_at = utcnow()
    db.session.flush()
    record(REALM, "question.answered" if by_teacher else "question.followed_up",
           f"{'答疑' if by_teacher else '追问'}：{question.lesson.title}", actor=actor, obj=question)
    if by_teacher:
        notify("courses", "completed", users=[question.asker], title=f"老师回答了您的问题：{question.lesson.title}", body=one_line(reply.body, 200))
    else:
        notify("courses", "task", users=[course.owner], title=f"学员追问：{course.title}·{question.lesson.title}", body=one_line(reply.body, 200))
        question.answered_at = None  # a follow-up waits for the teacher again
    db.session.flush()
    return reply


def questions_of_lesson(lesson: Lesson) -> list[LessonQuestion]:
    return list(db.session.scalars(sa.select(LessonQuestion).where(LessonQuestion.lesson_id == lesson.id)
                                   .order_by(LessonQuestion.id.desc())))


def unanswered_query(course: Course | None = None, *, teacher=None):
    """Questions waiting for an answer: one course's, or those of every course ``teacher`` manages."""
    from eduplatform.courses.models import Course as CourseModel

    query = (sa.select(LessonQuestion).join(CourseModel, CourseModel.id == LessonQuestion.course_id)
             .where(LessonQuestion.answered_at.is_(None), CourseModel.deleted_at.is_(None))
             .order_by(LessonQuestion.created_at))
    if course is not None:
        query = query.where(LessonQuestion.course_id == course.id)
    if teacher is not None:
        query = query.where(CourseModel.owner_id == teacher.id)
    return query
