"""The 错题本's services: the book and its filters, 重做 with the one-day rule, 生成练习 and taking it,
the class view of the most-missed questions and knowledge points, and ``summary_for``.

Services take an explicit ``actor`` (and ``now``, so the one-day rule can be tested on a pinned
clock), write the audit entry and flush; the view commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.text.timeutil import to_local
from eduplatform.learning.mistakes.capture import EPSILON, Graded, capture
from eduplatform.learning.mistakes.models import (
    MistakeEntry,
    MistakeEvent,
    MistakeStatus,
    PracticeItem,
    PracticeSet,
    PracticeStatus,
    Source,
)
from eduplatform.questions.models import (
    Exam,
    ExamStatus,
    KnowledgePoint,
    PaperItem,
    Question,
    QuestionVersion,
)
from eduplatform.questions.models.question import question_kp_links
from eduplatform.questions.types import QUESTION_TYPES, TypeDataError, get_type
from eduplatform.questions.vocab import Sharing
from eduplatform.schools.models import (
    SchoolClass,
    StudentProfile,
    StudentStatus,
    TeacherProfile,
    TeachingAssignment,
)

REALM = "mistakes"
#: A correct re-do moves an entry to 已掌握 only this long after its last wrong answer.
MASTERY_GAP = timedelta(days=1)
PRACTICE_SIZES = (5, 10, 15, 20)
MAX_PRACTICE = 30
OBJECTIVE_TYPES = tuple(code for code, t in QUESTION_TYPES.items() if t.objective)


# --- the book ---------------------------------------------------------------------------------

def book_query(user, *, subject: str | None = None, knowledge_point_id: int | None = None,
               status: MistakeStatus | None = None) -> sa.Select:
    """The student's visible entries, 待巩固 first, the most recent wrong answer first."""
    query = sa.select(MistakeEntry).where(MistakeEntry.user_id == user.id, MistakeEntry.revealed.is_(True))
    if subject:
        query = query.where(MistakeEntry.subject == subject)
    if status:
        query = query.where(MistakeEntry.status == status)
    if knowledge_point_id:
        kp = db.session.get(KnowledgePoint, knowledge_point_id)
        path = kp.path if kp is not None else "/none/"
        query = query.where(MistakeEntry.question_id.in_(
            sa.select(question_kp_links.c.question_id).join(
                KnowledgePoint, KnowledgePoint.id == question_kp_links.c.knowledge_point_id)
            .where(KnowledgePoint.path.like(f"{path}%"))))
    return query.options(selectinload(MistakeEntry.question_version),
                         selectinload(MistakeEntry.question).selectinload(Question.knowledge_points)) \
        .order_by(sa.case((MistakeEntry.status == MistakeStatus.PENDING, 0), else_=1),
                  MistakeEntry.last_wrong_at.desc(), MistakeEntry.id.desc())


def filter_options(user) -> dict:
    """The subjects and knowledge points of the student's visible entries (for the filter)."""
    mine = sa.select(MistakeEntry.question_id).where(MistakeEntry.user_id == user.id, MistakeEntry.revealed.is_(True))
    subjects = sorted(db.session.scalars(sa.select(MistakeEntry.subject).distinct().where(
        MistakeEntry.user_id == user.id, MistakeEntry.revealed.is_(True))))
    points = db.session.scalars(sa.select(KnowledgePoint).join(
        question_kp_links, question_kp_links.c.knowledge_point_id == KnowledgePoint.id)
        .where(question_kp_links.c.question_id.in_(mine)).distinct().order_by(KnowledgePoint.subject,
                                                                              KnowledgePoint.path)).all()
    return {"subjects": subjects, "knowledge_points": points}


def counts(user_id: int) -> dict[str, int]:
    rows = dict(db.session.execute(sa.select(MistakeEntry.status, sa.func.count()).where(
        MistakeEntry.user_id == user_id, MistakeEntry.revealed.is_(True)).group_by(MistakeEntry.status)).all())
    pending, mastered = rows.get(MistakeStatus.PENDING, 0), rows.get(MistakeStatus.MASTERED, 0)
    return {"pending": pending, "mastered": mastered, "total": pending + mastered}


def top_knowledge_points(user_ids, *, limit: int = 5, pending_only: bool = True, subjects=None) -> list[dict]:
    """Knowledge points by the number of (distinct) students and entries behind them."""
    query = (sa.select(KnowledgePoint.id, KnowledgePoint.name, KnowledgePoint.subject,
                       sa.func.count(sa.distinct(MistakeEntry.user_id)), sa.func.count(MistakeEntry.id),
                       sa.func.sum(MistakeEntry.wrong_count))
             .join(question_kp_links, question_kp_links.c.question_id == MistakeEntry.question_id)
             .join(KnowledgePoint, KnowledgePoint.id == question_kp_links.c.knowledge_point_id)
             .where(MistakeEntry.user_id.in_(user_ids), MistakeEntry.revealed.is_(True)))
    if pending_only:
        query = query.where(MistakeEntry.status == MistakeStatus.PENDING)
    if subjects is not None:
        query = query.where(MistakeEntry.subject.in_(subjects))
    rows = db.session.execute(query.group_by(KnowledgePoint.id, KnowledgePoint.name, KnowledgePoint.subject)
                              .order_by(sa.func.count(sa.distinct(MistakeEntry.user_id)).desc(),
                                        sa.func.sum(MistakeEntry.wrong_count).desc(), KnowledgePoint.id)
                              .limit(limit)).all()
    return [{"id": r[0], "name": r[1], "subject": r[2], "students": r[3], "entries": r[4], "wrong": int(r[5] or 0)}
            for r in rows]


def summary_for(student) -> dict:
    """The 错题本 in numbers for another page (parents): 待巩固 / 已掌握 and the top knowledge points.

    ``student`` is a ``StudentProfile`` (or the student's ``User``)."""
    user_id = student.user_id if isinstance(student, StudentProfile) else student.id
    if user_id is None:
        return {"pending": 0, "mastered": 0, "total": 0, "top_knowledge_points": []}
    return {**counts(user_id), "top_knowledge_points": top_knowledge_points([user_id], limit=5)}


# --- 重做 ---------------------------------------------------------------------------------------

def _clean(version, response):
    try:
        return get_type(version.type).clean_response(version.data, response)
    except TypeDataError as exc:
        raise ValidationFailed("答案格式不正确：" + "；".join(exc.messages), fields={"response": exc.messages}) from exc


def redo(actor, entry: MistakeEntry, *, response=None, self_check: bool | None = None,
         now: datetime | None = None) -> dict:
    """Re-do one entry. Auto-marked types are checked at once; an essay is judged by the student
    against the reference (``self_check``). Right at least ``MASTERY_GAP`` after the last wrong answer
    → 已掌握; right earlier counts but stays 待巩固; wrong counts as a wrong answer (the day starts again)."""
    if entry.user_id != actor.id or not entry.revealed:
        raise PermissionDenied("只能重做自己错题本里的题")
    now = now or utcnow()
    version = entry.question_version
    qtype = get_type(version.type)
    value = _clean(version, response)
    if qtype.objective:
        if value is None:
            raise ValidationFailed("请先作答再提交", fields={"response": ["请作答"]})
        fraction = qtype.grade(version.data, value) or 0.0
        correct = fraction >= 1 - EPSILON
    else:
        if self_check is None:
            raise ValidationFailed("请对照参考答案，选择“我做对了”或“还没掌握”", fields={"self_check": ["请选择"]})
        fraction, correct = (1.0 if self_check else 0.0), bool(self_check)
    return _redone(actor, entry, value, fraction, correct, now, via="重做")


def _redone(actor, entry: MistakeEntry, value, fraction: float, correct: bool, now: datetime, *, via: str) -> dict:
    entry.redo_count += 1
    entry.last_redo_at = now
    mastered = False
    wait_until = None
    if correct:
        entry.redo_correct_count += 1
        if now - entry.last_wrong_at >= MASTERY_GAP:
            mastered = entry.status == MistakeStatus.PENDING
            entry.status, entry.mastered_at = MistakeStatus.MASTERED, entry.mastered_at or now
        else:
            wait_until = entry.last_wrong_at + MASTERY_GAP
    else:
        was = entry.status
        entry.wrong_count += 1
        entry.last_wrong_at, entry.last_response = now, value
        entry.last_score = round(fraction * entry.max_score, 2)
        entry.last_source, entry.last_source_label = Source.REDO, f"{via}（第 {entry.redo_count} 次）"
        entry.status, entry.mastered_at = MistakeStatus.PENDING, None
        entry.events.append(MistakeEvent(source=Source.REDO, source_ref=f"{entry.id}:{entry.redo_count}",
                                         question_version_id=entry.question_version_id, response=value,
                                         score=entry.last_score, at=now))
        if was == MistakeStatus.MASTERED:
            record(REALM, "mistake.reopened", f"已掌握的错题{via}做错，回到待巩固（第 {entry.question_id} 题）",
                   actor=actor, obj=entry, data={"via": via})
    db.session.flush()
    if mastered:
        record(REALM, "mistake.mastered", f"{via}正确，错题已掌握（第 {entry.question_id} 题）", actor=actor, obj=entry,
               data={"redo_count": entry.redo_count, "last_wrong_at": entry.last_wrong_at.isoformat()})
    else:
        record(REALM, "mistake.redone", f"{via}{'正确' if correct else '错误'}（第 {entry.question_id} 题）",
               actor=actor, obj=entry, data={"correct": correct, "redo_count": entry.redo_count,
                                             "wrong_count": entry.wrong_count, "status": entry.status.value})
    version = entry.question_version
    qtype = get_type(version.type)
    return {"correct": correct, "mastered": entry.status == MistakeStatus.MASTERED, "newly_mastered": mastered,
            "wait_until": wait_until, "answer_text": qtype.answer_text(version.data), "analysis": version.analysis,
            "response_text": qtype.response_text(version.data, value), "status": entry.status}


# --- 生成练习 ----------------------------------------------------------------------------------

def _pool_condition(profile: StudentProfile, now: datetime):
    """Bank questions a student may practise: shared with the student's school (本单位 by the school
    itself, 本区县 / 全市 within its district / city), of the school's 学段, objective, not deleted —
    and in no exam or quiz still running or without released results (its key must not leak)."""
    from eduplatform.questions.permissions import city_of, district_of

    school = profile.school
    scopes = [sa.and_(Question.sharing == Sharing.ORG, Question.org_id == school.id)]
    district, city = district_of(school), city_of(school)
    if district is not None:
        scopes.append(sa.and_(Question.sharing == Sharing.DISTRICT, Question.org_id.in_(district.subtree_ids())))
    if city is not None:
        scopes.append(sa.and_(Question.sharing == Sharing.CITY, Question.org_id.in_(city.subtree_ids())))
    live = (sa.select(QuestionVersion.question_id).join(PaperItem, PaperItem.version_id == QuestionVersion.id)
            .join(Exam, Exam.paper_id == PaperItem.paper_id)
            .where(Exam.status != ExamStatus.CANCELLED,
                   sa.or_(Exam.results_released_at.is_(None), Exam.closes_at > now)))
    stage = Question.stage.is_(None)
    if school.stages:
        stage = sa.or_(stage, Question.stage.in_(school.stages))
    return sa.and_(Question.deleted_at.is_(None), Question.type.in_(OBJECTIVE_TYPES), sa.or_(*scopes), stage,
                   Question.id.not_in(live))


def build_practice(actor, *, size: int = 10, subject: str | None = None, knowledge_point_id: int | None = None,
                   now: datetime | None = None) -> PracticeSet:
    """A practice set of ``size`` questions: 待巩固 entries (auto-marked types) and similar bank
    questions — same knowledge point, same difficulty, that the student may see — without repeats."""
    profile = StudentProfile.for_user(actor)
    if profile is None:
        raise PermissionDenied("只有学生可以生成错题练习")
    if not 1 <= int(size) <= MAX_PRACTICE:
        raise ValidationFailed(f"题目数量须为 1–{MAX_PRACTICE}", fields={"size": ["数量超出范围"]})
    now = now or utcnow()
    entries = [e for e in db.session.scalars(
        book_query(actor, subject=subject, knowledge_point_id=knowledge_point_id, status=MistakeStatus.PENDING)
        .where(MistakeEntry.question_version.has(QuestionVersion.type.in_(OBJECTIVE_TYPES)))
        .order_by(None).order_by(MistakeEntry.wrong_count.desc(), MistakeEntry.last_wrong_at.desc()).limit(size))]
    if not entries:
        raise Conflict("没有可以练习的待巩固错题（可换个学科或知识点）", code="no_mistakes")
    similar = _similar(actor, profile, entries, size, now)
    wrong_quota = max(1, min(len(entries), size - min(len(similar), size // 2)))
    picked_wrong, picked_similar = entries[:wrong_quota], similar[:size - wrong_quota]
    practice = PracticeSet(user_id=actor.id, created_at=now, criteria={
        "size": size, "subject": subject, "knowledge_point_id": knowledge_point_id},
        title=f"错题练习 {to_local(now):%m-%d %H:%M}")
    position = 0
    for entry in picked_wrong:
        position += 1
        practice.items.append(PracticeItem(position=position, question_id=entry.question_id, entry_id=entry.id,
                                           question_version_id=entry.question_version_id,
                                           max_score=entry.question_version.score))
    for version in picked_similar:
        position += 1
        practice.items.append(PracticeItem(position=position, question_id=version.question_id,
                                           question_version_id=version.id, max_score=version.score))
    practice.max_score = round(sum(i.max_score for i in practice.items), 2)
    db.session.add(practice)
    db.session.flush()
    record(REALM, "practice.created", f"生成错题练习：{len(picked_wrong)} 道错题 + {len(picked_similar)} 道同类题",
           actor=actor, obj=practice, data={"entries": [e.id for e in picked_wrong],
                                            "similar": [v.question_id for v in picked_similar], "size": size})
    return practice


def _kp_sets(question_ids) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    if question_ids:
        for qid, kp in db.session.execute(sa.select(question_kp_links.c.question_id,
                                                    question_kp_links.c.knowledge_point_id).where(
                question_kp_links.c.question_id.in_(list(question_ids)))).all():
            found.setdefault(qid, set()).add(kp)
    return found


def _similar(actor, profile, entries, size: int, now: datetime) -> list:
    """Current versions of bank questions sharing a knowledge point and the difficulty of the entries,
    one per entry in turn, never a question already in the student's book."""
    kps = _kp_sets({e.question_id for e in entries})
    wanted = [(e, kps[e.question_id]) for e in entries if kps.get(e.question_id)]
    if not wanted:
        return []
    groups: dict[tuple, set[int]] = {}
    for entry, ids in wanted:
        groups.setdefault((entry.subject, entry.difficulty), set()).update(ids)
    match = sa.or_(*[sa.and_(Question.subject == s, Question.difficulty == d, Question.id.in_(
        sa.select(question_kp_links.c.question_id).where(question_kp_links.c.knowledge_point_id.in_(ids))))
        for (s, d), ids in groups.items()])
    booked = sa.select(MistakeEntry.question_id).where(MistakeEntry.user_id == actor.id)
    rows = db.session.execute(
        sa.select(QuestionVersion, Question.subject, Question.difficulty)
        .join(Question, sa.and_(Question.id == QuestionVersion.question_id, QuestionVersion.number == Question.version))
        .where(match, _pool_condition(profile, now), Question.id.not_in(booked))
        .order_by(Question.usage_count.desc(), Question.id).limit(size * 10)).all()
    found = _kp_sets({r[0].question_id for r in rows})
    picked, seen = [], set()
    while len(picked) < size:
        before = len(picked)
        for entry, ids in wanted:
            for version, subject, difficulty in rows:
                if version.question_id not in seen and (subject, difficulty) == (entry.subject, entry.difficulty) \
                        and found.get(version.question_id, set()) & ids:
                    picked.append(version)
                    seen.add(version.question_id)
                    break
            if len(picked) >= size:
                break
        if len(picked) == before:
            break
    return picked


def practice_items(practice: PracticeSet) -> list[PracticeItem]:
    return list(db.session.scalars(sa.select(PracticeItem).where(PracticeItem.set_id == practice.id)
                                   .options(selectinload(PracticeItem.question_version))
                                   .order_by(PracticeItem.position)))


def submit_practice(actor, practice: PracticeSet, answers: dict, *, now: datetime | None = None) -> PracticeSet:
    """Hand in a practice set: every item marked at once; wrong ones land in the book, right ones on a
    book entry count as its re-do (the one-day rule)."""
    if practice.user_id != actor.id:
        raise PermissionDenied("只能提交自己的练习")
    if practice.status != PracticeStatus.OPEN:
        raise Conflict("这份练习已经交过了", code="already_submitted")
    now = now or utcnow()
    items = practice_items(practice)
    by_id = {i.id: i for i in items}
    errors, values = {}, {}
    for raw_id, response in (answers or {}).items():
        try:
            item = by_id[int(raw_id)]
        except (KeyError, TypeError, ValueError):
            errors[str(raw_id)] = ["练习中没有这道题"]
            continue
        try:
            values[item.id] = get_type(item.question_version.type).clean_response(item.question_version.data, response)
        except TypeDataError as exc:
            errors[str(raw_id)] = exc.messages
    if errors:
        raise ValidationFailed("部分答案格式不正确：" + "；".join(m for ms in errors.values() for m in ms), fields=errors)
    entries = {e.id: e for e in db.session.scalars(sa.select(MistakeEntry).where(
        MistakeEntry.id.in_([i.entry_id for i in items if i.entry_id])))}
    rows, right_on_entries = [], []
    for item in items:
        version = item.question_version
        item.response = values.get(item.id)
        fraction = get_type(version.type).grade(version.data, item.response) or 0.0
        item.score = round(fraction * item.max_score, 2)
        if fraction < 1 - EPSILON:
            rows.append(Graded(user_id=actor.id, version=version, score=item.score, max_score=item.max_score,
                               response=item.response, source=Source.PRACTICE, source_ref=str(item.id),
                               label=f"错题练习：{practice.title}"))
        elif item.entry_id in entries:
            right_on_entries.append((entries[item.entry_id], item))
    practice.status, practice.submitted_at = PracticeStatus.SUBMITTED, now
    practice.score = round(sum(i.score or 0 for i in items), 2)
    db.session.flush()
    record(REALM, "practice.submitted", f"提交错题练习：{practice.title}（{practice.score:g}/{practice.max_score:g} 分）",
           actor=actor, obj=practice, data={"score": practice.score, "wrong": len(rows)})
    capture(rows, actor=actor, now=now)
    for entry, item in right_on_entries:
        _redone(actor, entry, item.response, 1.0, True, now, via="错题练习")
    return practice


def my_practice_sets(user, limit: int = 10) -> list[PracticeSet]:
    return list(db.session.scalars(sa.select(PracticeSet).where(PracticeSet.user_id == user.id)
                                   .order_by(PracticeSet.id.desc()).limit(limit)))


# --- the teacher's class view -----------------------------------------------------------------------

def teacher_classes(user) -> list[SchoolClass]:
    """The classes a teacher teaches or heads (not graduated), by grade and number."""
    teacher = TeacherProfile.for_user(user)
    if teacher is None:
        return []
    taught = sa.select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == teacher.id)
    return list(db.session.scalars(sa.select(SchoolClass).where(
        sa.or_(SchoolClass.id.in_(taught), SchoolClass.head_teacher_id == teacher.id),
        SchoolClass.graduated.is_(False)).order_by(SchoolClass.grade, SchoolClass.number)))


def class_mistakes(school_class: SchoolClass, *, subjects: list[str] | None, limit: int = 20) -> dict:
    """The class's most-missed questions and knowledge points over its 在读 students (``subjects``:
    学科 codes to include, None = all)."""
    members = sa.select(StudentProfile.user_id).where(StudentProfile.class_id == school_class.id,
                                                      StudentProfile.status == StudentStatus.ENROLLED,
                                                      StudentProfile.user_id.is_not(None))
    size = db.session.scalar(sa.select(sa.func.count()).select_from(members.subquery()))
    query = (sa.select(MistakeEntry.question_id, sa.func.count(sa.distinct(MistakeEntry.user_id)),
                       sa.func.sum(MistakeEntry.wrong_count),
                       sa.func.sum(sa.case((MistakeEntry.status == MistakeStatus.PENDING, 1), else_=0)))
             .where(MistakeEntry.user_id.in_(members), MistakeEntry.revealed.is_(True)))
    if subjects is not None:
        query = query.where(MistakeEntry.subject.in_(subjects))
    rows = db.session.execute(query.group_by(MistakeEntry.question_id).order_by(
        sa.func.count(sa.distinct(MistakeEntry.user_id)).desc(), sa.func.sum(MistakeEntry.wrong_count).desc(),
        MistakeEntry.question_id).limit(limit)).all()
    questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(
        Question.id.in_([r[0] for r in rows])).options(selectinload(Question.knowledge_points)))} if rows else {}
    top = [{"question": questions[r[0]], "students": r[1], "wrong": int(r[2] or 0), "pending": int(r[3] or 0),
            "rate": round(100 * r[1] / size) if size else 0} for r in rows if r[0] in questions]
    points = top_knowledge_points(members, limit=15, pending_only=False, subjects=subjects)
    for p in points:
        p["rate"] = round(100 * p["students"] / size) if size else 0
    return {"size": size, "questions": top, "knowledge_points": points}
