"""Online exams and quizzes: publish a paper to an audience, attempts, autosave, submission, grading.

Service API for other domains (courses use it for their quizzes)::

    from eduplatform.questions import exams
    quiz = exams.create_quiz(teacher, paper, title="第一单元测验", audience=[(AudienceKind.COURSE, course.id)],
                             time_limit_minutes=20)            # published at once, open for a year by default
    attempt = exams.start_attempt(student, quiz)               # idempotent: the student's latest attempt
    attempt = exams.start_new_attempt(student, quiz)           # quizzes only: a retake once the last is graded
    exams.save_answers(student, attempt, {item_id: response})  # refused after the deadline
    exams.submit_attempt(student, attempt)                     # idempotent; objective items graded now
    exams.attempt_score(attempt)  # {"status", "score", "max_score", "pending_items", "released"}

The caller commits (services only flush). Responses per type: single → option index; multiple →
list of indexes; true_false → bool; fill_blank → list of texts; numerical → number; matching → list of
right-hand texts (one per left item); essay → text. ``AudienceKind.COURSE`` needs the courses domain
to register a resolver (``audience.register_audience_kind``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import visible_to
from eduplatform.questions import audience as audience_mod
from eduplatform.questions import permissions
from eduplatform.questions.models import (
    AttemptStatus,
    AudienceKind,
    Exam,
    ExamAnswer,
    ExamAttempt,
    ExamAudience,
    ExamStatus,
    Paper,
    PaperItem,
)
from eduplatform.questions.types import TypeDataError, get_type

MAX_TIME_LIMIT = 600

#: ``(attempt, answers, actor)`` callables told when answers of an attempt get a score: the objective
#: items at hand-in, a subjective one when a teacher grades it. Higher domains (the 错题本) register in
#: their ``init_app``; a listener only flushes.
_GRADED_LISTENERS: list = []
#: ``(exam, actor)`` callables told when an exam's results are released.
_RELEASE_LISTENERS: list = []


def on_answer_graded(listener):
    """Register a listener for graded answers (also a decorator); registering twice keeps one."""
    if listener not in _GRADED_LISTENERS:
        _GRADED_LISTENERS.append(listener)
    return listener


def on_results_released(listener):
    """Register a listener for released results (also a decorator); registering twice keeps one."""
    if listener not in _RELEASE_LISTENERS:
        _RELEASE_LISTENERS.append(listener)
    return listener


def _tell_graded(attempt, answers, actor) -> None:
    graded = [a for a in answers if a.score is not None]
    if graded:
        for listener in _GRADED_LISTENERS:
            listener(attempt, graded, actor)


def get_exam(exam_id: int) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        raise NotFound("考试不存在")
    return exam


def managed_exams(user) -> sa.Select:
    """The exams ``user`` manages, newest first: a manager's in their scope, a teacher's own."""
    query = sa.select(Exam).order_by(Exam.id.desc())
    if user.has_role(*permissions.MANAGER_ROLES):
        return visible_to(user, query, org_column=Exam.org_id)
    return query.where(Exam.created_by_id == user.id)


def _clean_audience(audience) -> list[tuple[AudienceKind, int]]:
    cleaned = []
    for kind, target_id in audience or []:
        try:
            kind = AudienceKind(kind)
            target_id = int(target_id)
        except (TypeError, ValueError):
            raise ValidationFailed("考试对象格式不正确", fields={"audience": ["格式不正确"]}) from None
        resolver = audience_mod.resolver_for(kind)
        if resolver is None:
            raise ValidationFailed(f"暂不支持按“{kind.value}”指定考试对象（班级、课程功能尚未开通）",
                                   fields={"audience": ["不支持的考试对象"]})
        if resolver.describe(target_id) is None:
            raise ValidationFailed(f"考试对象不存在：{resolver.label} #{target_id}",
                                   fields={"audience": ["对象不存在"]})
        cleaned.append((kind, target_id))
    if not cleaned:
        raise ValidationFailed("请指定考试对象（学生或单位）", fields={"audience": ["请指定考试对象"]})
    return list(dict.fromkeys(cleaned))


def create_exam(actor, paper: Paper, *, title: str, opens_at: datetime, closes_at: datetime,
                time_limit_minutes: int, audience, publish: bool = False, purpose: str = "exam") -> Exam:
    errors = {}
    title = (title or "").strip()
    if not 1 <= len(title) <= 200:
        errors["title"] = ["考试名称须为 1–200 个字符"]
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        errors["closes_at"] = ["结束时间须晚于开始时间"]
    try:
        time_limit_minutes = int(time_limit_minutes)
        if not 1 <= time_limit_minutes <= MAX_TIME_LIMIT:
            raise ValueError
    except (TypeError, ValueError):
        errors["time_limit_minutes"] = [f"限时须为 1–{MAX_TIME_LIMIT} 分钟"]
    if not paper.items:
        errors["paper"] = ["试卷没有题目"]
    if errors:
        raise ValidationFailed("考试设置有误：" + "；".join(m for ms in errors.values() for m in ms), fields=errors)
    cleaned = _clean_audience(audience)
    audience_mod.check_assignable(actor, cleaned)  # each kind says who may assign it
    exam = Exam(paper=paper, title=title, opens_at=opens_at, closes_at=closes_at,
                time_limit_minutes=time_limit_minutes, org_id=actor.scope_root.id, created_by_id=actor.id,
                purpose=purpose, audience=[ExamAudience(kind=k, target_id=t) for k, t in cleaned])
    db.session.add(exam)
    db.session.flush()
    record("questions", "exam.created", f"新建考试：{title}（试卷：{paper.title}）", actor=actor, obj=exam,
           data={"audience": [[k.value, t] for k, t in cleaned]})
    if publish:
        publish_exam(actor, exam)
    return exam


def publish_exam(actor, exam: Exam) -> Exam:
    if exam.status == ExamStatus.PUBLISHED:
        return exam
    if exam.status == ExamStatus.CANCELLED:
        raise Conflict("考试已取消，不能发布")
    exam.status = ExamStatus.PUBLISHED
    record("questions", "exam.published", f"发布考试：{exam.title}", actor=actor, obj=exam)
    db.session.flush()
    return exam


def create_quiz(actor, paper: Paper, *, title: str, audience, time_limit_minutes: int,
                opens_at: datetime | None = None, closes_at: datetime | None = None) -> Exam:
    """A published quiz (for courses): open now, for a year unless a window is given."""
    opens_at = opens_at or utcnow()
    closes_at = closes_at or opens_at + timedelta(days=365)
    return create_exam(actor, paper, title=title, opens_at=opens_at, closes_at=closes_at,
                       time_limit_minutes=time_limit_minutes, audience=audience, publish=True, purpose="quiz")


# --- attempts -----------------------------------------------------------------------------------

def find_attempt(exam: Exam, student) -> ExamAttempt | None:
    """The student's latest attempt (the only one for formal exams)."""
    return db.session.scalar(sa.select(ExamAttempt).where(ExamAttempt.exam_id == exam.id,
                                                          ExamAttempt.student_id == student.id)
                             .order_by(ExamAttempt.attempt_no.desc()).limit(1))


def attempts_for(exam: Exam, student) -> list[ExamAttempt]:
    """The student's own attempts, first to latest (never another student's)."""
    return list(db.session.scalars(sa.select(ExamAttempt).where(ExamAttempt.exam_id == exam.id,
                                                                ExamAttempt.student_id == student.id)
                                   .order_by(ExamAttempt.attempt_no)))


def start_attempt(student, exam: Exam, now: datetime | None = None) -> ExamAttempt:
    """The student's latest attempt, or the first one started now (formal exams: one attempt per student)."""
    now = now or utcnow()
    _check_can_take(student, exam)
    attempt = find_attempt(exam, student)
    if attempt is not None:
        expire_if_due(attempt, now)
        return attempt
    return _insert_attempt(student, exam, 1, now)


def start_new_attempt(student, exam: Exam, now: datetime | None = None) -> ExamAttempt:
    """A retake of a course quiz: attempt N+1 once attempt N is fully graded.

    Idempotent: while the latest attempt is in progress it is returned, so two "start" requests at
    once give one new attempt. How many attempts a learner has is the caller's rule (courses decide
    by the lesson's setting); formal exams (purpose "exam") stay single-attempt here.
    """
    now = now or utcnow()
    _check_can_take(student, exam)
    if exam.purpose != "quiz":
        raise Conflict("正式考试只能作答一次", code="single_attempt")
    latest = find_attempt(exam, student)
    if latest is None:
        return _insert_attempt(student, exam, 1, now)
    expire_if_due(latest, now)
    if latest.status == AttemptStatus.IN_PROGRESS:
        return latest
    if latest.status == AttemptStatus.SUBMITTED:
        raise Conflict("上一次作答还有主观题等待老师评分，评分后才能重新作答", code="grading_pending")
    return _insert_attempt(student, exam, latest.attempt_no + 1, now)


def _check_can_take(student, exam: Exam) -> None:
    from eduplatform.questions.permissions import can_take_exam

    if not can_take_exam(student, exam):
        raise PermissionDenied("您不在这场考试的考试对象中")


def _insert_attempt(student, exam: Exam, attempt_no: int, now: datetime) -> ExamAttempt:
    if now < exam.opens_at:
        raise Conflict("考试尚未开始", code="not_open")
    if now >= exam.closes_at:
        raise Conflict("考试已结束", code="closed")
    deadline = min(now + timedelta(minutes=exam.time_limit_minutes), exam.closes_at)
    attempt = ExamAttempt(exam_id=exam.id, student_id=student.id, attempt_no=attempt_no, started_at=now,
                          deadline_at=deadline)
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # The same student's other request created this very attempt a moment ago: it is the one.
        existing = find_attempt(exam, student)
        if existing is None or existing.attempt_no < attempt_no:
            raise
        return existing
    attempt.exam = exam
    record("questions", "attempt.started",
           f"开始考试：{exam.title}" + (f"（第 {attempt_no} 次作答）" if attempt_no > 1 else ""),
           actor=student, obj=attempt, data={"attempt_no": attempt_no})
    return attempt


def _items(exam: Exam) -> dict[int, PaperItem]:
    return {item.id: item for item in exam.paper.items}


def save_answers(student, attempt: ExamAttempt, answers: dict[Any, Any], now: datetime | None = None) -> int:
    """Autosave: store the given responses; refused (and the attempt submitted) after the deadline."""
    now = now or utcnow()
    if attempt.student_id != student.id:
        raise PermissionDenied("不能修改他人的答卷")
    if expire_if_due(attempt, now):
        raise Conflict("考试时间已到，答案未保存，试卷已自动提交", code="deadline_passed")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("试卷已提交，不能再修改答案", code="already_submitted")
    if is_superseded(attempt):
        raise Conflict("已经开始了新的一次作答，旧答卷不能再修改", code="superseded")
    items = _items(attempt.exam)
    existing = {a.item_id: a for a in attempt.answers}
    errors = {}
    for raw_id, response in (answers or {}).items():
        try:
            item = items[int(raw_id)]
        except (KeyError, TypeError, ValueError):
            errors[str(raw_id)] = ["试卷中没有这道题"]
            continue
        try:
            value = get_type(item.version.type).clean_response(item.version.data, response)
        except TypeDataError as exc:
            errors[str(raw_id)] = exc.messages
            continue
        answer = existing.get(item.id)
        if answer is None:
            answer = ExamAnswer(item_id=item.id, response=value, saved_at=now)
            attempt.answers.append(answer)
            existing[item.id] = answer
        else:
            answer.response, answer.saved_at = value, now
    if errors:
        raise ValidationFailed("部分答案格式不正确：" + "；".join(m for ms in errors.values() for m in ms),
                               fields=errors)
    db.session.flush()
    return len(answers or {})


def is_superseded(attempt: ExamAttempt) -> bool:
    """A newer attempt of the same student exists (answers to this one are refused)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ExamAttempt).where(
        ExamAttempt.exam_id == attempt.exam_id, ExamAttempt.student_id == attempt.student_id,
        ExamAttempt.attempt_no > attempt.attempt_no)) > 0


def expire_if_due(attempt: ExamAttempt, now: datetime | None = None) -> bool:
    """Submit an in-progress attempt whose deadline passed; True when that happened now."""
    now = now or utcnow()
    if attempt.status == AttemptStatus.IN_PROGRESS and now >= attempt.deadline_at:
        _finalise(attempt, submitted_at=attempt.deadline_at, auto=True)
        return True
    return False


def submit_attempt(student, attempt: ExamAttempt, now: datetime | None = None) -> ExamAttempt:
    """Hand in; a second submission changes nothing (idempotent)."""
    now = now or utcnow()
    if attempt.student_id != student.id:
        raise PermissionDenied("不能提交他人的答卷")
    if expire_if_due(attempt, now) or attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt
    _finalise(attempt, submitted_at=now, auto=False)
    return attempt


def _finalise(attempt: ExamAttempt, *, submitted_at: datetime, auto: bool) -> None:
    attempt.submitted_at = submitted_at
    attempt.auto_submitted = auto
    answers = {a.item_id: a for a in attempt.answers}
    for item in attempt.exam.paper.items:
        answer = answers.get(item.id)
        if answer is None:
            answer = ExamAnswer(item_id=item.id, response=None, saved_at=submitted_at)
            attempt.answers.append(answer)
        fraction = get_type(item.version.type).grade(item.version.data, answer.response)
        if fraction is not None:
            answer.score = round(fraction * item.score, 2)
            answer.graded_at = submitted_at
    _update_total(attempt)
    record("questions", "attempt.submitted",
           f"{'到时自动交卷' if auto else '交卷'}：{attempt.exam.title}", actor=attempt.student,
           obj=attempt, data={"auto": auto})
    db.session.flush()
    _tell_graded(attempt, attempt.answers, attempt.student)


def _update_total(attempt: ExamAttempt) -> None:
    pending = [a for a in attempt.answers if a.score is None]
    total = round(sum(a.score or 0 for a in attempt.answers), 2)
    attempt.score = total
    attempt.status = AttemptStatus.SUBMITTED if pending else AttemptStatus.GRADED


def submit_expired_attempts(now: datetime | None = None) -> int:
    now = now or utcnow()
    due = db.session.scalars(sa.select(ExamAttempt).where(ExamAttempt.status == AttemptStatus.IN_PROGRESS,
                                                          ExamAttempt.deadline_at <= now)).all()
    for attempt in due:
        expire_if_due(attempt, now)
    return len(due)


def submit_expired_for_exam(exam: Exam, now: datetime | None = None) -> None:
    now = now or utcnow()
    for attempt in db.session.scalars(sa.select(ExamAttempt).where(
            ExamAttempt.exam_id == exam.id, ExamAttempt.status == AttemptStatus.IN_PROGRESS,
            ExamAttempt.deadline_at <= now)):
        expire_if_due(attempt, now)


# --- grading --------------------------------------------------------------------------------

def grading_queue(exam: Exam) -> list[ExamAnswer]:
    """Answers still waiting for a teacher's score (subjective items of submitted attempts)."""
    submit_expired_for_exam(exam)
    return list(db.session.scalars(
        sa.select(ExamAnswer).join(ExamAttempt).join(PaperItem, ExamAnswer.item_id == PaperItem.id)
        .where(ExamAttempt.exam_id == exam.id, ExamAttempt.status != AttemptStatus.IN_PROGRESS,
               ExamAnswer.score.is_(None))
        .order_by(PaperItem.section_id, PaperItem.position, ExamAttempt.id)))


def grade_answer(actor, answer: ExamAnswer, score, feedback: str = "") -> ExamAnswer:
    attempt = answer.attempt
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise Conflict("学生尚未交卷，不能评分")
    try:
        score = round(float(score), 2)
    except (TypeError, ValueError):
        raise ValidationFailed("得分须为数字", fields={"score": ["得分须为数字"]}) from None
    if not 0 <= score <= answer.item.score:
        raise ValidationFailed(f"得分须在 0 到 {answer.item.score:g} 之间", fields={"score": ["得分超出范围"]})
    old = answer.score
    answer.score, answer.feedback = score, (feedback or "")[:2000]
    answer.graded_by_id, answer.graded_at = actor.id, utcnow()
    _update_total(attempt)
    record("questions", "answer.graded", f"评分：{attempt.exam.title} 第 {answer.item_id} 题 {score:g} 分",
           actor=actor, obj=answer, data={"old": old, "new": score, "attempt": attempt.id})
    db.session.flush()
    _tell_graded(attempt, [answer], actor)
    return answer


#: ``(attempt) -> reason | None``: other domains may keep the key and the analysis from a student for
#: now (a course quiz that can still be retaken would otherwise hand out its answers).
_KEY_WITHHOLDERS: list = []


def register_key_withholder(withholder) -> None:
    if withholder not in _KEY_WITHHOLDERS:
        _KEY_WITHHOLDERS.append(withholder)


def key_withheld(attempt: ExamAttempt) -> str | None:
    """Why the student may not see the key and analysis of this attempt yet (None: they may)."""
    for withholder in _KEY_WITHHOLDERS:
        reason = withholder(attempt)
        if reason:
            return reason
    return None


def release_results(actor, exam: Exam) -> Exam:
    """Let students see their scores, the key and the analysis; every answer must be graded first."""
    pending = len(grading_queue(exam))
    if pending:
        raise Conflict(f"还有 {pending} 道主观题未评分，评完后才能发布成绩", code="grading_pending")
    if exam.results_released_at is None:
        exam.results_released_at = utcnow()
        record("questions", "exam.results_released", f"发布成绩：{exam.title}", actor=actor, obj=exam)
        db.session.flush()
        for listener in _RELEASE_LISTENERS:
            listener(exam, actor)
    return exam


def attempts_of(exam: Exam) -> list[ExamAttempt]:
    """Every attempt of every student (a quiz's retakes included), in the order they started."""
    return list(db.session.scalars(sa.select(ExamAttempt).where(ExamAttempt.exam_id == exam.id)
                                   .order_by(ExamAttempt.id)))


def first_graded_attempts(exam: Exam) -> list[ExamAttempt]:
    """Each student's first fully graded attempt: what item analysis counts (one attempt a person)."""
    first: dict[int, ExamAttempt] = {}
    for attempt in attempts_of(exam):
        if attempt.status == AttemptStatus.GRADED and attempt.student_id not in first:
            first[attempt.student_id] = attempt
    return sorted(first.values(), key=lambda a: a.id)


def attempt_score(attempt: ExamAttempt) -> dict[str, Any]:
    """The summary a course (or a student page) shows; the score only once results are released."""
    released = attempt.exam.results_released
    return {"status": attempt.status.value, "released": released,
            "score": attempt.score if released else None,
            "max_score": attempt.exam.paper.total_score,
            "pending_items": sum(1 for a in attempt.answers if a.score is None)
            if attempt.status != AttemptStatus.IN_PROGRESS else None,
            "submitted_at": attempt.submitted_at, "auto_submitted": attempt.auto_submitted}


def exams_for_student(student):
    return (sa.select(Exam).where(Exam.status == ExamStatus.PUBLISHED, audience_mod.exams_condition(student))
            .order_by(Exam.opens_at.desc()))
