"""Completion rules per lesson kind, and how lesson progress adds up to course progress.

Each kind has one rule (a registry over ``Lesson.kind``, like the question types):

- video / audio: watched ≥ ``min_watch_percent`` (default 90 %) of the server-known duration, from the
  union of watched ranges sent by the player's periodic beats (``beats.py``), never from a click;
- document / text: opened (the lesson page was shown to the learner);
- quiz: the learner's best graded attempt scores ≥ ``pass_percent`` (default 60 %) of the full score
  (retakes up to the lesson's ``max_attempts``, see ``quizzes.py``);
- SCORM: every launchable SCO reports completed or passed (1.2 ``passed`` counts as completed);
- assignment: the teacher graded the submission;
- 外部工具 (LTI): the tool's score on the lesson's line item is FullyGraded and ≥ ``pass_percent`` (``lti/ags.py``).

Progress is sticky: a completed lesson stays completed. The course is completed when every required
lesson is; a teacher completing a training course earns its hours (``training.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.courses.models import (
    Course,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonKind,
    LessonProgress,
    ProgressStatus,
)

REALM = "courses"
DEFAULT_WATCH_PERCENT = 90
DEFAULT_PASS_PERCENT = 60
#: 允许作答次数 of a quiz lesson when its settings name none (0 = unlimited)
DEFAULT_MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class CompletionRule:
    label: str
    #: lesson → the rule in words, for learners and teachers
    describe: Callable[[Lesson], str]


def watch_percent(lesson: Lesson) -> int:
    return int((lesson.settings or {}).get("min_watch_percent") or DEFAULT_WATCH_PERCENT)


def max_attempts(lesson: Lesson) -> int:
    """The quiz lesson's 允许作答次数 (0 = unlimited)."""
    value = (lesson.settings or {}).get("max_attempts")
    return int(DEFAULT_MAX_ATTEMPTS if value is None else value)


def pass_percent(lesson: Lesson) -> int:
    value = (lesson.settings or {}).get("pass_percent")
    return int(DEFAULT_PASS_PERCENT if value is None else value)


RULES: dict[LessonKind, CompletionRule] = {
    LessonKind.VIDEO: CompletionRule("观看进度", lambda l: f"观看至少 {watch_percent(l)}%"),
    LessonKind.AUDIO: CompletionRule("收听进度", lambda l: f"收听至少 {watch_percent(l)}%"),
    LessonKind.DOCUMENT: CompletionRule("打开文档", lambda l: "打开文档即完成"),
    LessonKind.TEXT: CompletionRule("阅读", lambda l: "打开阅读即完成"),
    LessonKind.SCORM: CompletionRule("课件状态", lambda l: "课件报告“已完成”或“通过”"),
    LessonKind.QUIZ: CompletionRule("测验成绩", lambda l: f"测验得分不低于满分的 {pass_percent(l)}%"
                                    f"（{_attempts_text(l)}，取最高分）"),
    LessonKind.ASSIGNMENT: CompletionRule("作业批改", lambda l: "作业经教师批改"),
    LessonKind.LTI: CompletionRule("工具成绩", lambda l: f"外部工具回传的成绩不低于满分的 {pass_percent(l)}%"),
}


def _attempts_text(lesson: Lesson) -> str:
    n = max_attempts(lesson)
    return f"允许作答 {n} 次" if n else "不限作答次数"


def rule_text(lesson: Lesson) -> str:
    return RULES[lesson.kind].describe(lesson)


# --- progress rows --------------------------------------------------------------------------

def find_progress(lesson: Lesson, user, *, for_update: bool = False) -> LessonProgress | None:
    query = sa.select(LessonProgress).where(LessonProgress.lesson_id == lesson.id,
                                            LessonProgress.user_id == user.id)
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def get_or_create_progress(lesson: Lesson, user, *, for_update: bool = False) -> LessonProgress:
    progress = find_progress(lesson, user, for_update=for_update)
    if progress is None:
        progress = LessonProgress(lesson_id=lesson.id, user_id=user.id, course_id=lesson.course_id,
                                  status=ProgressStatus.NOT_STARTED, percent=0, watched=[], watched_seconds=0,
                                  position=0, beat_count=0, last_seq=0)
        db.session.add(progress)
        db.session.flush()
    return progress


def set_progress(progress: LessonProgress, lesson: Lesson, enrolment: Enrolment, *, percent: int,
                 done: bool, score: float | None = None, actor=None) -> bool:
    """Apply a rule's verdict; returns True when the lesson became completed just now."""
    now = utcnow()
    if score is not None:
        progress.score = score
    touch(enrolment, now)
    if progress.status == ProgressStatus.COMPLETED:
        return False  # sticky
    progress.percent = max(progress.percent or 0, max(0, min(100, int(percent))))
    if not done:
        progress.status = ProgressStatus.IN_PROGRESS
        return False
    progress.status = ProgressStatus.COMPLETED
    progress.percent = 100
    progress.completed_at = now
    record(REALM, "lesson.completed", f"完成课时：{lesson.title}", actor=actor or progress.user, obj=progress,
           data={"lesson": lesson.id, "course": lesson.course_id})
    db.session.flush()
    update_course_progress(enrolment, actor=actor)
    return True


def touch(enrolment: Enrolment, now) -> None:
    """Remember the learner's latest activity (to the minute: beats every 30 s need not write it each time)."""
    if enrolment.last_activity_at is None or (now - enrolment.last_activity_at).total_seconds() >= 60:
        enrolment.last_activity_at = now


def mark_opened(lesson: Lesson, enrolment: Enrolment, user) -> LessonProgress:
    """The learner opened the lesson page: documents and text complete now; others start."""
    progress = get_or_create_progress(lesson, user)
    if progress.first_opened_at is None:
        progress.first_opened_at = utcnow()
    if lesson.kind in (LessonKind.DOCUMENT, LessonKind.TEXT):
        set_progress(progress, lesson, enrolment, percent=100, done=True, actor=user)
    elif progress.status == ProgressStatus.NOT_STARTED:
        progress.status = ProgressStatus.IN_PROGRESS
        touch(enrolment, utcnow())
    db.session.flush()
    return progress


# --- the course --------------------------------------------------------------------------------

def required_lesson_ids(course_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(Lesson.id).where(Lesson.course_id == course_id,
                                                              Lesson.required.is_(True))))


def update_course_progress(enrolment: Enrolment, *, actor=None) -> Enrolment:
    """Recount the learner's completed required lessons; complete the course when all are done."""
    required = required_lesson_ids(enrolment.course_id)
    done = db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress).where(
        LessonProgress.user_id == enrolment.user_id, LessonProgress.lesson_id.in_(required),
        LessonProgress.status == ProgressStatus.COMPLETED)) if required else 0
    enrolment.progress_percent = int(100 * done / len(required)) if required else 0
    if required and done == len(required) and enrolment.completed_at is None:
        complete_course(enrolment, actor=actor)
    db.session.flush()
    return enrolment


def complete_course(enrolment: Enrolment, *, actor=None) -> None:
    from eduplatform.core.notices import notify
    from eduplatform.courses import training

    course: Course = enrolment.course
    enrolment.completed_at = utcnow()
    enrolment.progress_percent = 100
    record(REALM, "course.completed", f"完成课程：{course.title}", actor=actor or enrolment.user, obj=enrolment,
           data={"course": course.id, "user": enrolment.user_id})
    hours = training.award_hours(enrolment)
    body = f"获得继续教育学时 {hours:g} 学时。" if hours else ""
    notify("courses", "completed", users=[enrolment.user], title=f"课程已完成：{course.title}", body=body)


def recompute_course(course: Course) -> None:
    """After the structure changed (lessons added, removed, made optional): every learner's percent."""
    enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.course_id == course.id,
                                                               Enrolment.status == EnrolmentStatus.ACTIVE))
    required = required_lesson_ids(course.id)
    done_by_user = dict(db.session.execute(
        sa.select(LessonProgress.user_id, sa.func.count()).where(
            LessonProgress.course_id == course.id, LessonProgress.lesson_id.in_(required),
            LessonProgress.status == ProgressStatus.COMPLETED).group_by(LessonProgress.user_id)).all()) \
        if required else {}
    for enrolment in enrolments:
        done = done_by_user.get(enrolment.user_id, 0)
        enrolment.progress_percent = int(100 * done / len(required)) if required else 0
        if required and done == len(required) and enrolment.completed_at is None:
            complete_course(enrolment)
    db.session.flush()


def progress_map(course: Course, user) -> dict[int, LessonProgress]:
    rows = db.session.scalars(sa.select(LessonProgress).where(LessonProgress.course_id == course.id,
                                                             LessonProgress.user_id == user.id))
    return {p.lesson_id: p for p in rows}

