"""继续教育学时: a teacher completing a training course earns its hours; records per year and per
five-year cycle; totals per school and district for the bureaus, with an Excel export.

The cycle is five years from ``TRAINING_CYCLE_START_YEAR`` (default 2021: 2021–2025, 2026–2030, …) and its
target ``TRAINING_CYCLE_HOURS`` (default 360 学时, the figure of 教育部《关于大力加强中小学教师培训
工作的意见》(教师〔2011〕1号): "每五年一个周期，参加不少于 360 学时的培训"; local rules differ, so both are
settings — ``EDU_TRAINING_CYCLE_START_YEAR`` / ``EDU_TRAINING_CYCLE_HOURS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app

from eduplatform.accounts.models import Role, User, UserRole
from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.courses.models import CourseAudience, Enrolment, TrainingRecord
from eduplatform.orgs.models import OrgType, OrgUnit

REALM = "courses"
CYCLE_YEARS = 5


def cycle_of(year: int) -> tuple[int, int]:
    """(first, last) year of the five-year cycle ``year`` falls in."""
    start = int(current_app.config.get("TRAINING_CYCLE_START_YEAR", 2021))
    first = start + (year - start) // CYCLE_YEARS * CYCLE_YEARS
    return first, first + CYCLE_YEARS - 1


def cycle_target() -> float:
    return float(current_app.config.get("TRAINING_CYCLE_HOURS", 360))


def award_hours(enrolment: Enrolment) -> float:
    """Called when a course is completed: a teacher on a teacher course with hours earns them (once)."""
    course = enrolment.course
    user = enrolment.user
    hours = float(course.training_hours or 0)
    if not hours or course.audience != CourseAudience.TEACHERS or not user.has_role(Role.TEACHER):
        return 0.0
    exists = db.session.scalar(sa.select(TrainingRecord.id).where(TrainingRecord.user_id == user.id,
                                                                  TrainingRecord.course_id == course.id))
    if exists:
        return 0.0
    today = (enrolment.completed_at or utcnow()).date()
    org = user.scope_root or course.org
    entry = TrainingRecord(user_id=user.id, course_id=course.id, org_id=org.id, title=course.title, hours=hours,
                           earned_on=today, year=today.year)
    db.session.add(entry)
    db.session.flush()
    record(REALM, "training.earned", f"获得继续教育学时：{user.display_name}《{course.title}》{hours:g} 学时",
           actor=user, obj=entry, data={"hours": hours, "course": course.id})
    return hours


def records_of(teacher: User) -> list[TrainingRecord]:
    return list(db.session.scalars(sa.select(TrainingRecord).where(TrainingRecord.user_id == teacher.id)
                                   .order_by(TrainingRecord.earned_on.desc(), TrainingRecord.id.desc())))


@dataclass
class TeacherSummary:
    teacher: User
    year: int
    year_hours: float
    cycle: tuple[int, int]
    cycle_hours: float
    target: float
    by_year: dict[int, float] = field(default_factory=dict)

    @property
    def met(self) -> bool:
        return self.cycle_hours >= self.target


def summary_for(teacher: User, today: date | None = None) -> TeacherSummary:
    today = today or utcnow().date()
    cycle = cycle_of(today.year)
    by_year = dict(db.session.execute(
        sa.select(TrainingRecord.year, sa.func.sum(TrainingRecord.hours))
        .where(TrainingRecord.user_id == teacher.id).group_by(TrainingRecord.year)).all())
    by_year = {int(y): round(float(h or 0), 1) for y, h in by_year.items()}
    cycle_hours = round(sum(h for y, h in by_year.items() if cycle[0] <= y <= cycle[1]), 1)
    return TeacherSummary(teacher, today.year, by_year.get(today.year, 0.0), cycle, cycle_hours, cycle_target(),
                          dict(sorted(by_year.items(), reverse=True)))


# --- reports for schools and bureaus ------------------------------------------------------------

@dataclass
class ReportRow:
    org_id: int | None
    code: str
    name: str
    kind: str  # "district", "school", "teacher"
    teachers: int = 0
    year_hours: float = 0.0
    cycle_hours: float = 0.0
    met: int = 0
    drill: bool = False

    @property
    def average(self) -> float:
        return round(self.cycle_hours / self.teachers, 1) if self.teachers else 0.0

    @property
    def met_share(self) -> float | None:
        return round(100 * self.met / self.teachers, 1) if self.teachers else None


@dataclass
class TrainingReport:
    org: OrgUnit
    year: int
    cycle: tuple[int, int]
    target: float
    total: ReportRow
    rows: list[ReportRow]


def _teacher_hours(org: OrgUnit, year: int, cycle: tuple[int, int]):
    """(user id, name, username, org id, year hours, cycle hours) of every active teacher under ``org``."""
    subtree = org.subtree_ids()
    year_sum = sa.func.sum(sa.case((TrainingRecord.year == year, TrainingRecord.hours), else_=0))
    cycle_sum = sa.func.sum(sa.case((TrainingRecord.year.between(*cycle), TrainingRecord.hours), else_=0))
    hours = (sa.select(TrainingRecord.user_id.label("uid"), year_sum.label("year_hours"),
                       cycle_sum.label("cycle_hours")).group_by(TrainingRecord.user_id).subquery())
    return db.session.execute(
        sa.select(User.id, User.display_name, User.username, User.org_id,
                  sa.func.coalesce(hours.c.year_hours, 0), sa.func.coalesce(hours.c.cycle_hours, 0))
        .join(UserRole, sa.and_(UserRole.user_id == User.id, UserRole.role == Role.TEACHER))
        .outerjoin(hours, hours.c.uid == User.id)
        .where(User.org_id.in_(subtree), User.is_active_account.is_(True))
        .order_by(User.display_name, User.id)).all()


def training_report(org: OrgUnit, today: date | None = None) -> TrainingReport:
    """Totals for ``org`` and a row per district (city), per school (district) or per teacher (school)."""
    today = today or utcnow().date()
    cycle, target = cycle_of(today.year), cycle_target()
    rows_by_teacher = _teacher_hours(org, today.year, cycle)
    units = {u.id: u for u in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.path.startswith(org.path)))}
    total = ReportRow(org.id, org.code, org.name, org.type.value)
    groups: dict[int, ReportRow] = {}

    def group_for(unit: OrgUnit | None) -> ReportRow | None:
        if org.type == OrgType.SCHOOL:
            return None
        # The unit directly below ``org`` on the way down to the teacher's unit.
        path = unit.path_ids if unit is not None else []
        below = path[path.index(org.id) + 1:] if org.id in path else []
        node = units.get(below[0]) if below else None
        if node is None:
            node = org  # teachers of the bureau itself
        if node.type == OrgType.DEPARTMENT:
            node = org
        if node.id not in groups:
            kind = "district" if node.type == OrgType.DISTRICT_BUREAU else node.type.value
            groups[node.id] = ReportRow(node.id, node.code, node.name if node is not org else f"{org.name}（本级）",
                                        kind, drill=node is not org)
        return groups[node.id]

    teacher_rows = []
    for user_id, name, username, org_id, year_hours, cycle_hours in rows_by_teacher:
        year_hours, cycle_hours = round(float(year_hours or 0), 1), round(float(cycle_hours or 0), 1)
        met = 1 if cycle_hours >= target else 0
        for row in filter(None, [total, group_for(units.get(org_id))]):
            row.teachers += 1
            row.year_hours = round(row.year_hours + year_hours, 1)
            row.cycle_hours = round(row.cycle_hours + cycle_hours, 1)
            row.met += met
        teacher_rows.append(ReportRow(user_id, username, name, "teacher", 1, year_hours, cycle_hours, met))
    rows = teacher_rows if org.type == OrgType.SCHOOL else sorted(groups.values(), key=lambda r: r.code)
    return TrainingReport(org, today.year, cycle, target, total, rows)


def report_sheets(report: TrainingReport):
    """Sheets for the Excel export: the summary rows, then every teacher (for bureaus too)."""
    cycle = f"{report.cycle[0]}–{report.cycle[1]}"
    kind_label = {"district": "区县", "school": "学校", "teacher": "教师", "city_bureau": "本级",
                  "district_bureau": "本级"}
    head = ["单位/教师", "代码/用户名", "类别", "教师数", f"{report.year} 年学时", f"{cycle} 周期学时",
            "人均周期学时", f"周期达标人数（≥{report.target:g}）", "达标率 %"]

    def line(r: ReportRow):
        return [r.name, r.code, kind_label.get(r.kind, r.kind), r.teachers, r.year_hours, r.cycle_hours,
                r.average, r.met, r.met_share]

    summary = [line(r) for r in report.rows] + [line(report.total)]
    sheets = [("学时汇总", head, summary)]
    if report.org.type != OrgType.SCHOOL:
        teachers = _teacher_hours(report.org, report.year, report.cycle)
        units = {u.id: u.name for u in db.session.scalars(sa.select(OrgUnit).where(
            OrgUnit.path.startswith(report.org.path)))}
        sheets.append(("教师明细", ["姓名", "用户名", "单位", f"{report.year} 年学时", f"{cycle} 周期学时", "是否达标"],
                       [[n, u, units.get(o, ""), round(float(y or 0), 1), round(float(c or 0), 1),
                         "是" if float(c or 0) >= report.target else "否"] for _, n, u, o, y, c in teachers]))
    return sheets
