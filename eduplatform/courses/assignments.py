"""Assignment lessons: a learner hands in text and/or a file; the teacher grades with feedback (or returns
it for another try). Grading completes the lesson (the rule is "graded")."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.text.richtext import clean_html, one_line
from eduplatform.courses.completion import get_or_create_progress, set_progress
from eduplatform.courses.models import (
    AssignmentSubmission,
    Enrolment,
    Lesson,
    LessonKind,
    ProgressStatus,
    SubmissionStatus,
)

REALM = "courses"
MAX_FILE_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_SCORE = 100


def max_score(lesson: Lesson) -> int:
    return int((lesson.settings or {}).get("max_score") or DEFAULT_MAX_SCORE)


def find_submission(lesson: Lesson, user) -> AssignmentSubmission | None:
    return db.session.scalar(sa.select(AssignmentSubmission).where(AssignmentSubmission.lesson_id == lesson.id,
                                                                   AssignmentSubmission.user_id == user.id))


def get_submission(submission_id: int) -> AssignmentSubmission:
    submission = db.session.get(AssignmentSubmission, submission_id)
    if submission is None:
        raise NotFound("作业不存在")
    return submission


def submit(actor, lesson: Lesson, enrolment: Enrolment, *, text: str, upload=None) -> AssignmentSubmission:
    from eduplatform.core.storage.services import delete_file, store_file

    if lesson.kind != LessonKind.ASSIGNMENT:
        raise Conflict("该课时不是作业", code="not_assignment")
    text = clean_html(text, inline_images=False)  # written in the rich-text editor (or plain)
    if not one_line(text) and "<img" not in text:
        text = ""
    has_file = upload is not None and getattr(upload, "filename", "")
    if not text and not has_file:
        raise ValidationFailed("请填写作业内容或上传文件", fields={"text": ["作业不能为空"]})
    submission = find_submission(lesson, actor)
    if submission is not None and submission.status == SubmissionStatus.GRADED:
        raise Conflict("作业已批改，不能再修改", code="graded")
    stored = None
    if has_file:
        stored = store_file(upload.stream, prefix="courses/submissions", filename=upload.filename,
                            content_type=upload.mimetype, actor=actor, max_size=MAX_FILE_BYTES)
    if submission is None:
        submission = AssignmentSubmission(lesson_id=lesson.id, user_id=actor.id)
        db.session.add(submission)
    elif stored is not None and submission.file is not None:
        delete_file(submission.file, actor=actor)
    submission.text = text
    if stored is not None:
        submission.file_id = stored.id
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = utcnow()
    submission.score = None
    db.session.flush()
    record(REALM, "submission.submitted", f"提交作业：{lesson.title}", actor=actor, obj=submission)
    progress = get_or_create_progress(lesson, actor)
    if progress.status == ProgressStatus.NOT_STARTED:
        set_progress(progress, lesson, enrolment, percent=50, done=False, actor=actor)
    db.session.flush()
    return submission


def grade(actor, submission: AssignmentSubmission, *, score: float | None, feedback: str = "",
          return_for_redo: bool = False) -> AssignmentSubmission:
    from eduplatform.core.notices import notify
    from eduplatform.courses import permissions
    from eduplatform.courses.enrolment import find_enrolment

    lesson = submission.lesson
    if not permissions.can_manage_course(actor, lesson.course):
        raise PermissionDenied("只有课程教师可以批改作业")
    top = max_score(lesson)
    if score is None and not return_for_redo:
        raise ValidationFailed("请填写得分", fields={"score": ["请填写得分"]})
    if score is not None and not 0 <= score <= top:
        raise ValidationFailed(f"得分须在 0 到 {top} 之间", fields={"score": ["得分超出范围"]})
    if submission.status == SubmissionStatus.GRADED and return_for_redo:
        raise Conflict("已批改的作业不能退回", code="graded")
    submission.feedback = (feedback or "").strip()[:5000]
    submission.graded_by_id, submission.graded_at = actor.id, utcnow()
    enrolment = find_enrolment(lesson.course, submission.user)
    if return_for_redo:
        submission.status = SubmissionStatus.RETURNED
        record(REALM, "submission.returned", f"退回作业：{lesson.title}（{submission.user.display_name}）",
               actor=actor, obj=submission, data={"feedback": submission.feedback})
        notify("courses", "returned", users=[submission.user], title=f"作业被退回：{lesson.title}", body=submission.feedback)
        db.session.flush()
        return submission
    old = submission.score
    submission.score = round(float(score), 1)
    submission.status = SubmissionStatus.GRADED
    record(REALM, "submission.graded", f"批改作业：{lesson.title}（{submission.user.display_name}）{score:g} 分",
           actor=actor, obj=submission, data={"old": old, "new": submission.score})
    notify("courses", "completed", users=[submission.user], title=f"作业已批改：{lesson.title}",
           body=f"得分 {submission.score:g}/{top}。{submission.feedback}")
    if enrolment is not None:
        progress = get_or_create_progress(lesson, submission.user)
        set_progress(progress, lesson, enrolment, percent=100, done=True,
                     score=round(100 * submission.score / top, 1), actor=actor)
    db.session.flush()
    return submission


def submissions_of(lesson: Lesson, *, pending_only: bool = False):
    query = sa.select(AssignmentSubmission).where(AssignmentSubmission.lesson_id == lesson.id) \
        .order_by(AssignmentSubmission.submitted_at)
    if pending_only:
        query = query.where(AssignmentSubmission.status == SubmissionStatus.SUBMITTED)
    return db.session.scalars(query).all()
