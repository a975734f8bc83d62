"""Keeping the mastery cache fresh per class, and the heat map read from it.

A page rebuilds a class when one of these holds (checked with four grouped statements for all the
classes it shows, ``stale_classes``):

- it was never computed;
- a graded answer of its students appeared after the computation (``graded.grade_times``: a mark, a
  hand-in, an exam's grading or its results' release) — new grades invalidate by query, no hook in the
  domains that grade is needed;
- its roster changed (another count or another set of ids).

Recency weights also move with the clock when nothing new is graded: ``flask learning
refresh-mastery`` (nightly) rebuilds classes computed more than ``MAX_AGE`` ago, so a page never
pays for a whole grade at once (``bench/bench_mastery.py`` measures that cold cost too).

A rebuild reads the classes' feed in one pass, fits every (student, knowledge point) and replaces
the rows in bulk, inside a savepoint: two requests rebuilding the same class at once leave one set.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.learning import graded
from eduplatform.learning.mastery import model
from eduplatform.learning.mastery.models import MasteryCell, MasteryClassState, MasteryEstimate
from eduplatform.questions.models import KnowledgePoint
from eduplatform.schools.models import StudentProfile, StudentStatus

MAX_AGE = timedelta(hours=12)


def half_life_days() -> float:
    return float(current_app.config.get("LEARNING_MASTERY_HALF_LIFE_DAYS") or model.DEFAULT_HALF_LIFE_DAYS)


def _rosters(class_ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = db.session.execute(
        sa.select(StudentProfile.class_id, sa.func.count(StudentProfile.id), sa.func.sum(StudentProfile.id))
        .where(StudentProfile.class_id.in_(class_ids), StudentProfile.status == StudentStatus.ENROLLED)
        .group_by(StudentProfile.class_id))
    return {class_id: (int(count), int(total or 0)) for class_id, count, total in rows}


def stale_classes(class_ids: Iterable[int], now: datetime | None = None, *, include_old: bool = False) -> list[int]:
    """The classes whose rows new grades or a roster change outdated (``include_old``: also those
    computed more than ``MAX_AGE`` ago)."""
    ids = sorted(set(class_ids))
    if not ids:
        return []
    now = now or utcnow()
    states = {s.class_id: s for s in db.session.scalars(
        sa.select(MasteryClassState).where(MasteryClassState.class_id.in_(ids)))}
    since = min((s.computed_at for s in states.values()), default=None)
    rosters = _rosters(ids)
    times = graded.grade_times(ids, since=since) if len(states) else {}
    stale = []
    for class_id in ids:
        state = states.get(class_id)
        if (state is None or (include_old and state.computed_at < now - MAX_AGE)
                or (class_id in times and times[class_id] >= state.computed_at)
                or rosters.get(class_id, (0, 0)) != (state.students, state.roster_key)):
            stale.append(class_id)
    return stale


def rebuild(class_ids: Iterable[int], now: datetime | None = None) -> int:
    """Recompute the classes' rows from the feed; returns the number of rows written."""
    ids = sorted(set(class_ids))
    if not ids:
        return 0
    now = now or utcnow()
    students = dict(db.session.execute(
        sa.select(StudentProfile.id, StudentProfile.class_id)
        .where(StudentProfile.class_id.in_(ids), StudentProfile.status == StudentStatus.ENROLLED)).all())
    # the ids themselves, not a roster subquery: the planner then reads the answers by student index
    observations = model.observations_by_student(graded.graded_answers(student_ids=list(students))) \
        if students else {}
    rows = []
    for student_id, found in observations.items():
        for point, est in model.estimate(found, now, half_life_days=half_life_days()).items():
            rows.append({"student_id": student_id, "class_id": students[student_id], "knowledge_point_id": point,
                         "theta": est.theta, "probability": est.probability, "evidence": est.evidence,
                         "answers": est.answers, "last_answered_at": est.last_answered_at})
    rosters = _rosters(ids)
    cells: dict[tuple[int, int], list[float]] = {}
    for row in rows:
        cells.setdefault((row["class_id"], row["knowledge_point_id"]), []).append(row["probability"])
    weak_below = model.BANDS[1][0]
    try:
        with db.session.begin_nested():
            db.session.execute(sa.delete(MasteryEstimate).where(sa.or_(
                MasteryEstimate.class_id.in_(ids), MasteryEstimate.student_id.in_(list(students)))))
            db.session.execute(sa.delete(MasteryClassState).where(MasteryClassState.class_id.in_(ids)))
            db.session.execute(sa.delete(MasteryCell).where(MasteryCell.class_id.in_(ids)))
            if rows:
                db.session.execute(sa.insert(MasteryEstimate), rows)
                db.session.execute(sa.insert(MasteryCell), [
                    {"class_id": c, "knowledge_point_id": k, "mean": sum(v) / len(v), "students": len(v),
                     "weak": sum(1 for p in v if p < weak_below)} for (c, k), v in cells.items()])
            db.session.execute(sa.insert(MasteryClassState), [
                {"class_id": c, "computed_at": now, "students": rosters.get(c, (0, 0))[0],
                 "roster_key": rosters.get(c, (0, 0))[1]} for c in ids])
    except IntegrityError:
        # Another request rebuilt the same classes a moment ago: its rows stand.
        return 0
    return len(rows)


def ensure_fresh(class_ids: Iterable[int], now: datetime | None = None) -> int:
    """Rebuild the stale ones among the classes; returns how many were rebuilt."""
    stale = stale_classes(class_ids, now)
    if stale:
        rebuild(stale, now)
    return len(stale)


def heatmap_cells(class_ids: list[int], subject: str | None) -> list[tuple]:
    """(class_id, knowledge point id, mean probability, students, students below 基本掌握), aggregated
    at the rebuild: classes × points rows, not students × points."""
    if not class_ids:
        return []
    query = (sa.select(MasteryCell.class_id, MasteryCell.knowledge_point_id, MasteryCell.mean, MasteryCell.students,
                       MasteryCell.weak).where(MasteryCell.class_id.in_(class_ids)))
    if subject:
        query = query.join(KnowledgePoint, KnowledgePoint.id == MasteryCell.knowledge_point_id).where(
            KnowledgePoint.subject == subject)
    return [tuple(row) for row in db.session.execute(query)]


def subjects_of(class_ids: list[int]) -> list[str]:
    if not class_ids:
        return []
    return list(db.session.scalars(
        sa.select(KnowledgePoint.subject).distinct()
        .join(MasteryCell, MasteryCell.knowledge_point_id == KnowledgePoint.id)
        .where(MasteryCell.class_id.in_(class_ids)).order_by(KnowledgePoint.subject)))


def class_rows(class_id: int, subject: str | None) -> list[MasteryEstimate]:
    query = sa.select(MasteryEstimate).where(MasteryEstimate.class_id == class_id)
    if subject:
        query = query.join(KnowledgePoint, KnowledgePoint.id == MasteryEstimate.knowledge_point_id).where(
            KnowledgePoint.subject == subject)
    return list(db.session.scalars(query))
