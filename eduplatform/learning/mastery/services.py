"""学情: mastery by knowledge point, homework completion and lateness, course progress; terms.

Class views (the heat map, a class's students) read the per-class cache (``store``); one student's
own page and term report fit that student's answers directly (a few hundred rows: milliseconds), so a
student always sees the latest mark.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from eduplatform.core.db import utcnow
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.core.text.timeutil import to_local
from eduplatform.courses.models import Course, Enrolment, EnrolmentStatus
from eduplatform.learning import graded
from eduplatform.learning.mastery import model, store
from eduplatform.learning.models import GroupMember, Homework, HomeworkAnswer, HomeworkItem, HomeworkStatus
from eduplatform.questions.models import KnowledgePoint
from eduplatform.questions.vocab import subject_label
from eduplatform.schools.models import SchoolClass, SchoolYear, StudentProfile

# -- terms -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """学期: ``2026-1`` is 2026—2027学年第一学期 (1 Sep – 31 Jan), ``2026-2`` the second (1 Feb – 31 Aug)."""

    start_year: int
    half: int

    @property
    def key(self) -> str:
        return f"{self.start_year}-{self.half}"

    @property
    def label(self) -> str:
        return f"{self.start_year}—{self.start_year + 1}学年第{'一' if self.half == 1 else '二'}学期"

    @property
    def first_day(self) -> date:
        return date(self.start_year, 9, 1) if self.half == 1 else date(self.start_year + 1, 2, 1)

    @property
    def end_day(self) -> date:
        """The day after the term."""
        return date(self.start_year + 1, 2, 1) if self.half == 1 else date(self.start_year + 1, 9, 1)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """Naive UTC [start, end) of the term in local time."""
        return _local_midnight_utc(self.first_day), _local_midnight_utc(self.end_day)


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def term_of(day: date) -> Term:
    if day.month >= 9:
        return Term(day.year, 1)
    if day.month == 1:
        return Term(day.year - 1, 1)
    return Term(day.year - 1, 2)


def current_term() -> Term:
    return term_of(to_local(utcnow()).date())


def parse_term(text: str | None) -> Term:
    """'2026-1' → the term; empty → the current one; anything else refused in Chinese."""
    if not text:
        return current_term()
    year, _, half = str(text).partition("-")
    if not (year.isdigit() and len(year) == 4 and half in ("1", "2")):
        raise ValidationFailed("学期格式应为 2026-1（第一学期）或 2026-2（第二学期）", fields={"term": ["格式有误"]})
    return Term(int(year), int(half))


# -- classes -----------------------------------------------------------------------------------


def grade_classes(school, grade: int) -> list[SchoolClass]:
    """The current year's classes of a grade at a school, by number."""
    return list(db.session.scalars(
        sa.select(SchoolClass).join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(SchoolClass.school_id == school.id, SchoolClass.grade == grade, SchoolClass.graduated.is_(False),
               SchoolYear.is_current.is_(True)).order_by(SchoolClass.number)))


def heatmap(classes: list[SchoolClass], subject: str | None) -> dict:
    """Class × knowledge point: mean mastery (percent), students with an estimate, students below 60 %
    (``subject`` None: the first subject with data).

    ``cells`` are ``[x (point index), y (class index), percent, students, weak]`` — ECharts' heat map shape."""
    ids = [c.id for c in classes]
    store.ensure_fresh(ids)
    subjects = store.subjects_of(ids)
    if subject is None and subjects:
        subject = subjects[0]
    raw = store.heatmap_cells(ids, subject)
    points = _points({point for _, point, *_ in raw})
    x_of = {p.id: n for n, p in enumerate(points)}
    y_of = {c.id: n for n, c in enumerate(classes)}
    cells = [[x_of[point], y_of[class_id], round(mean * 100), int(count), int(weak or 0)]
             for class_id, point, mean, count, weak in raw]
    return {"subject": subject, "subject_label": subject_label(subject) if subject else None,
            "classes": [{"id": c.id, "name": c.name} for c in classes],
            "points": [{"id": p.id, "name": p.name, "subject": p.subject} for p in points], "cells": cells,
            "subjects": [{"code": s, "label": subject_label(s)} for s in subjects]}


def _points(ids) -> list[KnowledgePoint]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(KnowledgePoint).where(KnowledgePoint.id.in_(list(ids)))
                                   .order_by(KnowledgePoint.subject, KnowledgePoint.path, KnowledgePoint.position)))


def class_matrix(school_class: SchoolClass, subject: str | None) -> dict:
    """One class: each student's mastery per knowledge point (the drill-down from a heat map row)."""
    store.ensure_fresh([school_class.id])
    rows = store.class_rows(school_class.id, subject)
    points = _points({r.knowledge_point_id for r in rows})
    by_student: dict[int, dict[int, dict]] = defaultdict(dict)
    for r in rows:
        by_student[r.student_id][r.knowledge_point_id] = _cell(r.probability, r.evidence, r.answers)
    students = list(db.session.scalars(sa.select(StudentProfile).where(StudentProfile.id.in_(list(by_student) or [0]))
                                       .order_by(StudentProfile.student_no))) if by_student else []
    return {"points": points, "students": [{"student": s, "cells": by_student[s.id]} for s in students]}


def _cell(probability: float, evidence: float, answers: int) -> dict:
    return {"percent": math.floor(probability * 100 + 1e-9), "band": model.band(probability),
            "few": evidence < model.FEW_EVIDENCE, "answers": answers}


# -- one student -------------------------------------------------------------------------------


def student_mastery(student: StudentProfile, *, since: datetime | None = None, until: datetime | None = None,
                    now: datetime | None = None) -> list[dict]:
    """The student's mastery per knowledge point, weakest first (``until`` also fixes the clock)."""
    now = now or utcnow()
    now = min(now, until) if until is not None else now
    answers = graded.graded_answers(student_ids=[student.id], since=since, until=until)
    found = model.observations_by_student(answers).get(student.id, [])
    estimates = model.estimate(found, now, half_life_days=store.half_life_days())
    points = {p.id: p for p in _points(estimates)}
    rows = [{"point": points[k], "subject": subject_label(points[k].subject), **_cell(e.probability, e.evidence, e.answers), "theta": e.theta,
             "last_answered_at": e.last_answered_at} for k, e in estimates.items() if k in points]
    return sorted(rows, key=lambda r: (r["percent"], r["point"].subject, r["point"].path))


def homework_record(student: StudentProfile, *, since: datetime | None = None,
                    until: datetime | None = None, now: datetime | None = None) -> dict:
    """Published homework items the student had to do (due by now), handed in, on time, late, missing."""
    now = now or utcnow()
    now = min(now, until) if until is not None else now
    empty = {"due": 0, "handed_in": 0, "late": 0, "missing": 0, "completion": None, "on_time": None,
             "subjects": []}
    if student.class_id is None:
        return empty
    levels = dict(db.session.execute(sa.select(GroupMember.subject, GroupMember.level).where(
        GroupMember.class_id == student.class_id, GroupMember.student_id == student.id)).all())
    query = (sa.select(Homework.id, Homework.subject, Homework.level, sa.func.count(HomeworkItem.id))
             .join(HomeworkItem, HomeworkItem.homework_id == Homework.id)
             .where(Homework.class_id == student.class_id, Homework.status == HomeworkStatus.PUBLISHED,
                    Homework.due_at <= now)
             .group_by(Homework.id, Homework.subject, Homework.level))
    if since is not None:
        query = query.where(Homework.due_at >= since)
    homeworks = {hid: (subject, count) for hid, subject, level, count in db.session.execute(query)
                 if level is None or levels.get(subject) == level}
    if not homeworks:
        return empty
    answers = db.session.execute(sa.select(HomeworkAnswer.homework_id, HomeworkAnswer.late).where(
        HomeworkAnswer.student_id == student.id, HomeworkAnswer.homework_id.in_(list(homeworks)))).all()
    per: dict[str, dict] = defaultdict(lambda: {"due": 0, "handed_in": 0, "late": 0})
    for subject, count in homeworks.values():
        per[subject]["due"] += count
    for homework_id, late in answers:
        subject = homeworks[homework_id][0]
        per[subject]["handed_in"] += 1
        per[subject]["late"] += 1 if late else 0
    subjects = [{"subject": s, **v, "missing": max(0, v["due"] - v["handed_in"])} for s, v in sorted(per.items())]
    due, done, late = (sum(s[k] for s in subjects) for k in ("due", "handed_in", "late"))
    return {"due": due, "handed_in": done, "late": late, "missing": max(0, due - done),
            "completion": round(100 * done / due) if due else None,
            "on_time": round(100 * (done - late) / done) if done else None, "subjects": subjects}


def course_progress(student: StudentProfile) -> list[dict]:
    """The student's courses (active enrolments): progress percent, completed or not."""
    if student.user_id is None:
        return []
    rows = db.session.execute(
        sa.select(Course.id, Course.title, Course.subject, Enrolment.progress_percent, Enrolment.completed_at,
                  Enrolment.last_activity_at)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(Enrolment.user_id == student.user_id, Enrolment.status == EnrolmentStatus.ACTIVE,
               Course.deleted_at.is_(None)).order_by(Course.title))
    return [{"course_id": cid, "title": title, "subject": subject, "percent": percent, "completed_at": completed,
             "last_activity_at": last} for cid, title, subject, percent, completed, last in rows]


def band_counts(rows: list[dict]) -> dict[str, int]:
    counts = {label: 0 for _, label in model.BANDS}
    for r in rows:
        counts[r["band"]] += 1
    return counts


def student_summary(student: StudentProfile) -> dict:
    """What a parent's page shows of a child (plain data): mastery bands and the weakest points,
    homework completion and lateness this term, course progress."""
    since, _ = current_term().bounds
    rows = student_mastery(student)
    return {
        "student": {"id": student.id, "name": student.name,
                    "class": student.school_class.name if student.school_class else None},
        "term": current_term().key,
        "mastery": {"points": len(rows), "bands": band_counts(rows),
                    "weakest": [{"knowledge_point": r["point"].name, "subject": r["subject"],
                                 "percent": r["percent"], "band": r["band"]} for r in rows if r["band"] == "待提高"][:5]},
        "homework": {k: v for k, v in homework_record(student, since=since).items() if k != "subjects"},
        "courses": [{"title": c["title"], "percent": c["percent"], "completed": c["completed_at"] is not None}
                    for c in course_progress(student)],
    }


def visible_grade_classes(user, school, grade: int | None) -> tuple[list[int], int | None, list[SchoolClass]]:
    """The grades the user has classes in (current year), the chosen grade, and its visible classes."""
    from eduplatform.learning.mastery import permissions

    query = (sa.select(SchoolClass).join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
             .where(SchoolClass.school_id == school.id, SchoolClass.graduated.is_(False),
                    SchoolYear.is_current.is_(True)).order_by(SchoolClass.grade, SchoolClass.number))
    classes = permissions.visible_classes(user, list(db.session.scalars(query)))
    grades = sorted({c.grade for c in classes})
    if grade not in grades:
        grade = grades[0] if grades else None
    return grades, grade, [c for c in classes if c.grade == grade]
