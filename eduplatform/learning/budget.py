"""双减 load control: a class's daily budget of 书面作业 minutes and the day's load across subjects.

The budget comes from ``load_budget.yaml`` (the 2021 意见's figures, by 年级) unless the school set its
own figure for the grade (``LoadBudget``). A student's load on a day is the whole-class homework plus
the homework of their own 分层 group; a class's load is the largest any of its students gets (the
whole-class minutes plus the largest group's, per subject). Only published homework counts; a
request waiting for the 班主任 is shown beside it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
import yaml

from eduplatform.core.extensions import db
from eduplatform.learning.models import Homework, HomeworkItem, HomeworkStatus, LoadBudget

BUDGET_FILE = Path(__file__).with_name("load_budget.yaml")


@dataclass(frozen=True)
class GradeRule:
    grade: int
    minutes: int | None  # None: no limit
    written_allowed: bool
    note: str
    source: str
    school_set: bool = False


@functools.cache
@functools.lru_cache(maxsize=1)  # shipped data: read once per process
def _defaults() -> dict:
    data = yaml.safe_load(BUDGET_FILE.read_text(encoding="utf-8"))
    return {"source": data["source"], "grades": {int(k): v for k, v in data["grades"].items()}}


def policy_source() -> str:
    return _defaults()["source"]


def rule_for(school_id: int, grade: int) -> GradeRule:
    """The grade's rule at this school: its own figure if set, else the policy's."""
    own = db.session.scalar(sa.select(LoadBudget).where(LoadBudget.school_id == school_id, LoadBudget.grade == grade))
    return _rule(grade, own)


def _rule(grade: int, own: LoadBudget | None) -> GradeRule:
    spec = _defaults()["grades"].get(grade, {"minutes": None, "note": "政策未规定"})
    written_allowed = spec.get("written_allowed", True)
    if own is not None:
        return GradeRule(grade, own.minutes, written_allowed, f"学校自定：每天书面作业不超过 {own.minutes} 分钟"
                         if own.minutes is not None else "学校自定：不限", _defaults()["source"], school_set=True)
    return GradeRule(grade, spec.get("minutes"), written_allowed, spec.get("note", ""), _defaults()["source"])


@dataclass
class DayLoad:
    """A class's written minutes on one day, per subject, and its budget."""

    day: date
    rule: GradeRule
    #: subject → {"whole": minutes, "levels": {level: minutes}} (published only)
    subjects: dict = field(default_factory=dict)
    #: subject → minutes waiting for the 班主任
    pending: dict = field(default_factory=dict)

    def subject_minutes(self, subject: str) -> int:
        entry = self.subjects.get(subject)
        if entry is None:
            return 0
        return entry["whole"] + max(entry["levels"].values(), default=0)

    @property
    def total(self) -> int:
        return sum(self.subject_minutes(s) for s in self.subjects)

    @property
    def budget(self) -> int | None:
        return self.rule.minutes

    @property
    def over(self) -> bool:
        return self.budget is not None and self.total > self.budget

    def with_homework(self, homework: Homework) -> int:
        """The day's total if this homework were published too."""
        entry = self.subjects.setdefault(homework.subject, {"whole": 0, "levels": {}})
        saved = (entry["whole"], dict(entry["levels"]))
        if homework.level is None:
            entry["whole"] += homework.written_minutes
        else:
            entry["levels"][homework.level] = entry["levels"].get(homework.level, 0) + homework.written_minutes
        total = self.total
        entry["whole"], entry["levels"] = saved
        return total


def day_load(school_class, day: date, *, exclude_id: int | None = None) -> DayLoad:
    """The class's written minutes on ``day`` across subjects."""
    return day_loads([school_class], day, exclude_id=exclude_id)[school_class.id]


def day_loads(classes, day: date, *, exclude_id: int | None = None) -> dict[int, DayLoad]:
    """Each class's load on ``day``: two queries for any number of classes (minutes, school figures)."""
    classes = list(classes)
    if not classes:
        return {}
    rows = db.session.execute(
        sa.select(Homework.class_id, Homework.id, Homework.subject, Homework.level, Homework.status,
                  sa.func.coalesce(sa.func.sum(HomeworkItem.minutes), 0))
        .join(HomeworkItem, sa.and_(HomeworkItem.homework_id == Homework.id, HomeworkItem.written.is_(True)))
        .where(Homework.class_id.in_([c.id for c in classes]), Homework.load_date == day,
               Homework.status.in_([HomeworkStatus.PUBLISHED, HomeworkStatus.PENDING]))
        .group_by(Homework.class_id, Homework.id, Homework.subject, Homework.level, Homework.status)).all()
    own = {(b.school_id, b.grade): b for b in db.session.scalars(sa.select(LoadBudget).where(
        LoadBudget.school_id.in_({c.school_id for c in classes}), LoadBudget.grade.in_({c.grade for c in classes})))}
    loads = {c.id: DayLoad(day, _rule(c.grade, own.get((c.school_id, c.grade)))) for c in classes}
    for class_id, homework_id, subject, level, status, minutes in rows:
        if homework_id == exclude_id:
            continue
        load = loads[class_id]
        if status == HomeworkStatus.PENDING:
            load.pending[subject] = load.pending.get(subject, 0) + int(minutes)
            continue
        entry = load.subjects.setdefault(subject, {"whole": 0, "levels": {}})
        if level is None:
            entry["whole"] += int(minutes)
        else:
            entry["levels"][level] = entry["levels"].get(level, 0) + int(minutes)
    return loads


def week_loads(school, monday: date) -> list[dict]:
    """Per current class of the school: written minutes on each day of the week and the budget."""
    from datetime import timedelta

    from eduplatform.schools.services import current_classes

    days = [monday + timedelta(days=n) for n in range(7)]
    classes = current_classes(school)
    by_day = [day_loads(classes, d) for d in days]
    rows = []
    for school_class in classes:
        loads = [day[school_class.id] for day in by_day]
        rule = loads[0].rule
        rows.append({"school_class": school_class, "rule": rule, "days": loads,
                     "total": sum(x.total for x in loads), "over_days": sum(1 for x in loads if x.over)})
    return rows


def set_school_budget(actor, school, grade: int, minutes: int | None) -> LoadBudget:
    """The school sets its own figure for a grade (None: no limit); audited."""
    from eduplatform.audit.services import record
    from eduplatform.core.errors import ValidationFailed

    if minutes is not None and not 0 <= minutes <= 300:
        raise ValidationFailed("每天书面作业时长须在 0 到 300 分钟之间", fields={"minutes": ["超出范围"]})
    row = db.session.scalar(sa.select(LoadBudget).where(LoadBudget.school_id == school.id, LoadBudget.grade == grade))
    old = row.minutes if row is not None else _defaults()["grades"].get(grade, {}).get("minutes")
    if row is None:
        row = LoadBudget(school_id=school.id, grade=grade)
        db.session.add(row)
    row.minutes, row.updated_by_id = minutes, getattr(actor, "id", None)
    db.session.flush()
    record("learning", "budget.set", f"设置作业时长预算：{grade}年级 每天 {'不限' if minutes is None else f'{minutes} 分钟'}",
           actor=actor, obj=row, data={"grade": grade, "old": old, "new": minutes})
    return row
