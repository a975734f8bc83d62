"""Wrong answers into the 错题本 at the moment they are graded.

Sources (each a listener registered in ``init_app``, none imported by the domain it listens to):
homework answers (``learning.services.on_answer_marked``: auto-marked at hand-in or marked by the
teacher), exam and course-quiz answers (``questions.exams.on_answer_graded``; released results:
``on_results_released``), and the book's own practice sets. Idempotent: one ``MistakeEvent`` per
source answer; a source answer re-marked as right withdraws its event (and the entry, if it was the
only one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.learning.mistakes.models import MistakeEntry, MistakeEvent, MistakeStatus, Source

REALM = "mistakes"
EPSILON = 1e-6


@dataclass
class Graded:
    """One graded answer of a bank question, as a source tells it."""

    user_id: int
    version: object  # QuestionVersion
    score: float
    max_score: float
    response: object
    source: Source
    source_ref: str
    label: str
    revealed: bool = True
    exam_id: int | None = None

    @property
    def wrong(self) -> bool:
        return self.score < self.max_score - EPSILON


def capture(rows: list[Graded], *, actor=None, now: datetime | None = None) -> list[MistakeEntry]:
    """Record the wrong ones (and withdraw events of answers re-marked as right); the entries touched."""
    rows = [r for r in rows if r.version is not None and r.score is not None]
    if not rows:
        return []
    now = now or utcnow()
    events, entries = _existing(rows)
    touched = []
    for row in rows:
        key = (row.user_id, row.version.question_id)
        event = events.get((row.source, row.source_ref))
        entry = entries.get(key)
        if row.wrong:
            if event is not None:  # the same answer again (re-marked, told twice): no new count
                event.response, event.score = row.response, row.score
                if entry is not None and entry.events and entry.events[-1] is event:
                    entry.last_response, entry.last_score = row.response, row.score
                continue
            entry = entries[key] = _add_wrong_once(entry, row, now, actor)
            if entry is not None:
                touched.append(entry)
        elif event is not None and not _withdraw(event, row, actor):
            entries.pop(key, None)
    db.session.flush()
    return touched


def _existing(rows: list[Graded]) -> tuple[dict, dict]:
    """The events of these source answers and the entries of these students' questions (two queries)."""
    events = {(e.source, e.source_ref): e for e in db.session.scalars(sa.select(MistakeEvent).where(
        MistakeEvent.source.in_({r.source for r in rows}),
        MistakeEvent.source_ref.in_({r.source_ref for r in rows})))}
    pairs = {(r.user_id, r.version.question_id) for r in rows}
    entries = {(e.user_id, e.question_id): e for e in db.session.scalars(sa.select(MistakeEntry).where(
        MistakeEntry.user_id.in_({u for u, _ in pairs}), MistakeEntry.question_id.in_({q for _, q in pairs})))}
    return events, entries


def _add_wrong_once(entry: MistakeEntry | None, row: Graded, now: datetime, actor) -> MistakeEntry | None:
    """``_add_wrong`` in a savepoint: when another request recorded this answer (or created this
    student's entry) since we read, the unique keys refuse the insert; read what is there and go on."""
    try:
        with db.session.begin_nested():
            return _add_wrong(entry, row, now, actor)
    except IntegrityError:
        pass
    recorded = db.session.scalar(sa.select(MistakeEvent.id).where(MistakeEvent.source == row.source,
                                                                  MistakeEvent.source_ref == row.source_ref))
    entry = db.session.scalar(sa.select(MistakeEntry).where(MistakeEntry.user_id == row.user_id,
                                                            MistakeEntry.question_id == row.version.question_id))
    if recorded is not None:
        return entry  # the same answer, already counted
    with db.session.begin_nested():
        return _add_wrong(entry, row, now, actor)


def _add_wrong(entry: MistakeEntry | None, row: Graded, now: datetime, actor) -> MistakeEntry:
    version = row.version
    new = entry is None
    if new:
        entry = MistakeEntry(user_id=row.user_id, question_id=version.question_id, first_wrong_at=now,
                             wrong_count=0, revealed=row.revealed, exam_id=row.exam_id,
                             subject=(version.meta or {}).get("subject") or version.question.subject or "")
        db.session.add(entry)
    reopened = entry.status == MistakeStatus.MASTERED
    entry.question_version_id, entry.difficulty = version.id, version.difficulty
    entry.wrong_count += 1
    entry.last_wrong_at, entry.last_response, entry.last_score = now, row.response, row.score
    entry.max_score, entry.last_source, entry.last_source_label = row.max_score, row.source, row.label[:255]
    entry.status, entry.mastered_at = MistakeStatus.PENDING, None
    if not row.revealed and entry.revealed:
        entry.revealed, entry.exam_id = False, row.exam_id  # its latest answer would tell the hidden result
    entry.events.append(MistakeEvent(source=row.source, source_ref=row.source_ref, question_version_id=version.id,
                                     response=row.response, score=row.score, at=now))
    db.session.flush()
    if new:
        kind, summary = "mistake.captured", f"收入错题本：{row.label}（第 {version.question_id} 题）"
    elif reopened:
        kind, summary = "mistake.reopened", f"已掌握的错题又做错，回到待巩固：{row.label}（第 {version.question_id} 题）"
    else:
        kind, summary = "mistake.repeated", f"错题再次做错（第 {entry.wrong_count} 次）：{row.label}"
    record(REALM, kind, summary, actor=actor, obj=entry,
           data={"user": row.user_id, "source": row.source.value, "ref": row.source_ref, "score": row.score,
                 "max_score": row.max_score, "wrong_count": entry.wrong_count, "revealed": entry.revealed})
    return entry


def _withdraw(event: MistakeEvent, row: Graded, actor) -> bool:
    """The source answer was marked again and is right now: its wrong answer no longer counts."""
    entry = event.entry
    entry.events.remove(event)
    entry.wrong_count = max(0, entry.wrong_count - 1)
    db.session.flush()
    if not entry.events:
        record(REALM, "mistake.withdrawn", f"改判为正确，移出错题本：{row.label}（第 {entry.question_id} 题）",
               actor=actor, obj=entry, data={"user": entry.user_id, "source": row.source.value, "ref": row.source_ref})
        db.session.delete(entry)
        db.session.flush()
        return False
    last = entry.events[-1]
    entry.last_wrong_at, entry.last_response, entry.last_score = last.at, last.response, last.score
    record(REALM, "mistake.event_withdrawn", f"改判为正确，错误次数减一：{row.label}", actor=actor, obj=entry,
           data={"user": entry.user_id, "source": row.source.value, "ref": row.source_ref,
                 "wrong_count": entry.wrong_count})
    db.session.flush()
    return True


# --- the sources -----------------------------------------------------------------------------

def from_homework(answer, actor) -> None:
    """``learning.services.on_answer_marked``: a bank question of class homework, marked."""
    item = answer.item
    capture([Graded(user_id=answer.user_id, version=item.question_version, score=answer.score,
                    max_score=item.max_score, response=answer.response, source=Source.HOMEWORK,
                    source_ref=f"{answer.id}:{answer.resubmissions}",
                    label=f"作业：{item.homework.title}")], actor=actor)


def _is_student(user) -> bool:
    from eduplatform.accounts.models import Role

    return user is not None and user.has_role(Role.STUDENT)


def _exam_revealed(attempt) -> bool:
    from eduplatform.questions.exams import key_withheld

    return attempt.exam.results_released and key_withheld(attempt) is None


def from_exam(attempt, answers, actor) -> None:
    """``questions.exams.on_answer_graded``: exam or course-quiz answers graded (students only: course
    quizzes are also taken by teachers in training)."""
    student = attempt.student
    if not _is_student(student):
        return
    exam = attempt.exam
    quiz = exam.purpose == "quiz"
    revealed = _exam_revealed(attempt)
    source = Source.QUIZ if quiz else Source.EXAM
    label = f"{'课程测验' if quiz else '考试'}：{exam.title}"
    capture([Graded(user_id=student.id, version=a.item.version, score=a.score, max_score=a.item.score,
                    response=a.response, source=source, source_ref=str(a.id), label=label, revealed=revealed,
                    exam_id=None if revealed else exam.id) for a in answers], actor=actor)
    if revealed:
        _reveal(exam, [student.id], actor)


def on_released(exam, actor) -> None:
    """``questions.exams.on_results_released``: the hidden entries of its students may show now (unless
    another domain still withholds the key of a student's attempt)."""
    from eduplatform.accounts.models import User
    from eduplatform.questions.exams import find_attempt

    user_ids = set(db.session.scalars(sa.select(MistakeEntry.user_id).where(
        MistakeEntry.exam_id == exam.id, MistakeEntry.revealed.is_(False))))
    ready = []
    for user in db.session.scalars(sa.select(User).where(User.id.in_(user_ids))) if user_ids else []:
        attempt = find_attempt(exam, user)
        if attempt is not None and _exam_revealed(attempt):
            ready.append(user.id)
    _reveal(exam, ready, actor)


def _reveal(exam, user_ids, actor) -> None:
    if not user_ids:
        return
    hidden = list(db.session.scalars(sa.select(MistakeEntry).where(
        MistakeEntry.exam_id == exam.id, MistakeEntry.revealed.is_(False), MistakeEntry.user_id.in_(user_ids))))
    for entry in hidden:
        entry.revealed, entry.exam_id = True, None
    if hidden:
        db.session.flush()
        record(REALM, "mistake.revealed", f"成绩公布，错题进入错题本：{exam.title}（{len(hidden)} 道）", actor=actor,
               obj=exam, data={"entries": [e.id for e in hidden], "users": sorted({e.user_id for e in hidden})})
