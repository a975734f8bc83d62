"""A lesson's page for learners (and the course's teachers, previewing): players, SCORM, quiz, assignment, Q&A."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_form
from eduplatform.core.errors import Conflict, NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import (
    access,
    assignments,
    bp,
    completion,
    media,
    permissions,
    qa,
    quizzes,
    scorm_runtime,
)
from eduplatform.courses.models import LessonKind
from eduplatform.courses.retry import begin_write, retry_on_lock
from eduplatform.courses.schemas import AnswerInSchema, QuestionInSchema, SubmissionInSchema
from eduplatform.courses.structure import next_lesson


@bp.get("/lessons/<int:lesson_id>")
@login_required
def lesson_page(lesson_id: int):
    lesson, row = access.learning_or_preview(lesson_id)
    course = lesson.course
    progress = None
    if row is not None:
        if lesson.kind == LessonKind.QUIZ:
            quizzes.sync_progress(lesson, row)
        progress = completion.mark_opened(lesson, row, current_user)
        db.session.commit()
    context = {"lesson": lesson, "course": course, "enrolment": row, "progress": progress,
               "preview": row is None, "next_lesson": next_lesson(course, lesson),
               "rule": completion.rule_text(lesson), "questions": qa.questions_of_lesson(lesson),
               "can_manage": permissions.can_manage_course(current_user, course),
               "all_progress": completion.progress_map(course, current_user) if row is not None else {},
               "beat_seconds": current_app.config.get("COURSES_BEAT_SECONDS", 30)}
    if lesson.kind in (LessonKind.VIDEO, LessonKind.AUDIO, LessonKind.DOCUMENT):
        context["stored"] = media.lesson_file(lesson)
        context["preview_html"] = media.document_preview(lesson)
        context["page_images"], context["page_count"] = media.page_previews(lesson)
    if lesson.kind == LessonKind.SCORM:
        context["scorm"] = scorm_runtime.adapter_config(lesson)
    if lesson.kind == LessonKind.QUIZ and lesson.exam is not None:
        from eduplatform.questions import exams

        state = quizzes.quiz_state(lesson, current_user) if row is not None else None
        attempt = state.latest if state is not None else None
        context["quiz"] = state
        context["attempt"] = attempt
        context["attempt_score"] = exams.attempt_score(attempt) if attempt is not None else None
        context["pass_percent"] = completion.pass_percent(lesson)
        context["max_attempts"] = quizzes.max_attempts(lesson)
    if lesson.kind == LessonKind.ASSIGNMENT:
        context["submission"] = assignments.find_submission(lesson, current_user)
        context["max_score"] = assignments.max_score(lesson)
    return render_template("courses/lesson.html", **context)


@bp.post("/lessons/<int:lesson_id>/quiz/attempts")
@login_required
def quiz_start(lesson_id: int):
    """Start the quiz (first attempt or a retake the lesson allows) and go to the question bank's exam page."""
    def work():
        begin_write()
        lesson, row = access.learning(lesson_id)
        attempt = quizzes.start_attempt(current_user, lesson, row)
        db.session.commit()
        return attempt

    try:
        attempt = retry_on_lock(work)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("courses.lesson_page", lesson_id=lesson_id))
    return redirect(url_for("questions.exam_take", exam_id=attempt.exam_id))


@bp.post("/lessons/<int:lesson_id>/questions")
@login_required
def ask(lesson_id: int):
    lesson, _ = access.learning(lesson_id)
    qa.ask(current_user, lesson, load_form(QuestionInSchema())["body"])
    db.session.commit()
    flash("问题已提交，老师回答后会通知您", "success")
    return redirect(url_for("courses.lesson_page", lesson_id=lesson.id, _anchor="qa"))


@bp.post("/questions/<int:question_id>/answer")
@login_required
def answer(question_id: int):
    question = qa.get_question(question_id)
    access.course_for(question.course_id)
    qa.answer(current_user, question, load_form(AnswerInSchema())["body"])
    db.session.commit()
    flash("回复已发布", "success")
    return redirect(request.form.get("next") or url_for("courses.lesson_page", lesson_id=question.lesson_id,
                                                        _anchor="qa"))


@bp.post("/lessons/<int:lesson_id>/submission")
@login_required
def submit(lesson_id: int):
    lesson, row = access.learning(lesson_id)
    data = load_form(SubmissionInSchema())
    assignments.submit(current_user, lesson, row, text=data["text"], upload=request.files.get("file"))
    db.session.commit()
    flash("作业已提交，等待老师批改", "success")
    return redirect(url_for("courses.lesson_page", lesson_id=lesson.id))


@bp.get("/submissions/<int:submission_id>/file")
@login_required
def submission_file(submission_id: int):
    submission = assignments.get_submission(submission_id)
    course = submission.lesson.course
    require(submission.user_id == current_user.id or permissions.can_manage_course(current_user, course),
            action="submission.file", obj=submission)
    if submission.file is None:
        raise NotFound("没有附件")
    return submission.file.send()
