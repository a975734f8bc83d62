"""Informatization indicators per school, district and city, with a registry other domains plug into.

A provider contributes *figures*: additive per-school numbers (students, computers, uploads, …),
collected with a few grouped queries. Indicators are ratios of summed figures, so a district's
生机比 is (its students) / (its student computers) — never an average of school ratios.

Later domains add their own without editing this package, e.g. in ``resources/__init__.py``::

    def init_app(app):
        from eduplatform.schools.indicators import Figure, Indicator, IndicatorProvider, register_indicator_provider
        register_indicator_provider(IndicatorProvider(
            name="resources",
            figures=[Figure("resources_uploaded", "上传资源数")],
            indicators=[Indicator("resources_per_teacher", "教师人均上传资源", "count_per",
                                  "resources_uploaded", "teachers", unit="个/人")],
            collect=collect_uploads,   # (select of school ids) -> {school_id: {"resources_uploaded": n}}
        ))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit


@dataclass(frozen=True)
class Figure:
    key: str
    label: str


@dataclass(frozen=True)
class Indicator:
    """``numerator`` / ``denominator`` of summed figures, shown per ``kind``.

    kind: "ratio" (12.5 : 1), "percent" (86.0%), "per" (value × scale per denominator unit),
    "count" (the numerator alone).
    """

    key: str
    label: str
    kind: str
    numerator: str
    denominator: str | None = None
    scale: float = 1.0
    unit: str = ""
    #: "lower" when smaller is better (生机比), else "higher"
    better: str = "higher"
    description: str = ""

    def compute(self, figures: dict[str, float]) -> float | None:
        top = figures.get(self.numerator, 0) or 0
        if self.kind == "count" or self.denominator is None:
            return float(top)
        bottom = figures.get(self.denominator, 0) or 0
        if not bottom:
            return None
        value = top / bottom * self.scale
        return value * 100 if self.kind == "percent" else value

    def format(self, value: float | None) -> str:
        if value is None:
            return "—"
        if self.kind == "ratio":
            return f"{value:.1f} : 1"
        if self.kind == "percent":
            return f"{value:.1f}%"
        if self.kind == "count":
            return f"{value:,.0f}{self.unit}"
        if self.unit.startswith("kbps"):
            return human_bandwidth(value) + self.unit[4:]
        return f"{value:,.1f} {self.unit}".strip()


#: kbps → the largest unit that keeps the figure at one or more (13,333.3 kbps → 13.3 Mbps)
_BANDWIDTH_STEPS = [(1_000_000, "Gbps"), (1_000, "Mbps")]


def human_bandwidth(kbps: float) -> str:
    for size, unit in _BANDWIDTH_STEPS:
        if abs(kbps) >= size:
            return f"{kbps / size:,.1f} {unit}"
    return f"{kbps:,.1f} kbps"


@dataclass(frozen=True)
class IndicatorProvider:
    name: str
    figures: list[Figure]
    indicators: list[Indicator]
    #: (select of school ids) → {school_id: {figure key: number}}; absent schools count as zeros.
    collect: Callable[[sa.Select], dict[int, dict[str, float]]]


_PROVIDERS: dict[str, IndicatorProvider] = {}


def register_indicator_provider(provider: IndicatorProvider) -> None:
    """Add (or replace, by name) a provider; call it from the domain's ``init_app``."""
    _PROVIDERS[provider.name] = provider


def providers() -> list[IndicatorProvider]:
    return list(_PROVIDERS.values())


def all_figures() -> list[Figure]:
    return [f for p in providers() for f in p.figures]


def all_indicators() -> list[Indicator]:
    return [i for p in providers() for i in p.indicators]


# --- the built-in provider: roster and connectivity ------------------------------------------

BROADBAND_TYPES = ("fiber", "leased_line")


def collect_connectivity(school_ids: sa.Select) -> dict[int, dict[str, float]]:
    from eduplatform.schools.models import (
        Equipment,
        EquipmentCategory,
        EquipmentState,
        NetworkAccess,
        SchoolProfile,
        StudentProfile,
        StudentStatus,
        TeacherProfile,
        TeacherStatus,
    )

    out: dict[int, dict[str, float]] = {}

    def put(school_id, key, value):
        out.setdefault(school_id, {})[key] = (out.get(school_id, {}).get(key, 0)) + (value or 0)

    for school_id, count in db.session.execute(
            sa.select(StudentProfile.school_id, sa.func.count())
            .where(StudentProfile.school_id.in_(school_ids), StudentProfile.status == StudentStatus.ENROLLED)
            .group_by(StudentProfile.school_id)):
        put(school_id, "students", count)
    for school_id, count in db.session.execute(
            sa.select(TeacherProfile.school_id, sa.func.count())
            .where(TeacherProfile.school_id.in_(school_ids), TeacherProfile.status == TeacherStatus.ACTIVE)
            .group_by(TeacherProfile.school_id)):
        put(school_id, "teachers", count)
    figure_of = {EquipmentCategory.STUDENT_COMPUTER: "student_computers",
                 EquipmentCategory.TEACHER_COMPUTER: "teacher_computers",
                 EquipmentCategory.MULTIMEDIA_CLASSROOM: "multimedia_classrooms"}
    for school_id, category, quantity in db.session.execute(
            sa.select(Equipment.school_id, Equipment.category, sa.func.sum(Equipment.quantity))
            .where(Equipment.school_id.in_(school_ids), Equipment.state == EquipmentState.IN_USE,
                   Equipment.category.in_(list(figure_of)))
            .group_by(Equipment.school_id, Equipment.category)):
        put(school_id, figure_of[category], quantity)
    for school_id, classrooms in db.session.execute(
            sa.select(SchoolProfile.org_id, SchoolProfile.classroom_count)
            .where(SchoolProfile.org_id.in_(school_ids))):
        put(school_id, "classrooms", classrooms)
    for school_id, access_type, bandwidth in db.session.execute(
            sa.select(NetworkAccess.school_id, NetworkAccess.access_type, NetworkAccess.bandwidth_mbps)
            .where(NetworkAccess.school_id.in_(school_ids))):
        online = access_type != "none" and bandwidth > 0
        put(school_id, "online_schools", 1 if online else 0)
        put(school_id, "broadband_schools", 1 if online and access_type in BROADBAND_TYPES else 0)
        put(school_id, "bandwidth_mbps", bandwidth if online else 0)
    return out


CONNECTIVITY = IndicatorProvider(
    name="schools",
    figures=[
        Figure("schools", "学校数"), Figure("students", "在校学生数"), Figure("teachers", "在职教师数"),
        Figure("student_computers", "学生用计算机（在用）"), Figure("teacher_computers", "教师用计算机（在用）"),
        Figure("classrooms", "普通教室数"), Figure("multimedia_classrooms", "多媒体教室（在用）"),
        Figure("online_schools", "已接入互联网学校"), Figure("broadband_schools", "光纤/专线接入学校"),
        Figure("bandwidth_mbps", "出口带宽合计 (Mbps)"),
    ],
    indicators=[
        Indicator("students_per_computer", "生机比", "ratio", "students", "student_computers", better="lower",
                  description="在校学生数 ÷ 在用学生用计算机台数"),
        Indicator("teachers_per_computer", "师机比", "ratio", "teachers", "teacher_computers", better="lower",
                  description="在职教师数 ÷ 在用教师用计算机台数"),
        Indicator("multimedia_share", "多媒体教室比例", "percent", "multimedia_classrooms", "classrooms",
                  description="在用多媒体教室 ÷ 普通教室数"),
        Indicator("online_share", "学校联网率", "percent", "online_schools", "schools",
                  description="已接入互联网的学校 ÷ 学校数"),
        Indicator("broadband_share", "宽带接入率", "percent", "broadband_schools", "schools",
                  description="光纤或专线接入的学校 ÷ 学校数"),
        Indicator("bandwidth_per_student", "生均带宽", "per", "bandwidth_mbps", "students", scale=1000,
                  unit="kbps/生", description="出口带宽合计 ÷ 在校学生数"),
    ],
    collect=collect_connectivity,
)


def register_builtin_providers() -> None:
    register_indicator_provider(CONNECTIVITY)


# --- reports with drill-down -----------------------------------------------------------------

@dataclass
class ReportRow:
    code: str
    name: str
    type: str
    figures: dict[str, float] = field(default_factory=dict)
    drill: bool = False

    def values(self) -> dict[str, float | None]:
        return {i.key: i.compute(self.figures) for i in all_indicators()}


@dataclass
class IndicatorReport:
    org: OrgUnit
    total: ReportRow
    rows: list[ReportRow]

    def as_dict(self) -> dict:
        def row(r: ReportRow) -> dict:
            return {"code": r.code, "name": r.name, "type": r.type, "drill": r.drill,
                    "figures": r.figures, "indicators": r.values()}
        return {"org": {"code": self.org.code, "name": self.org.name, "type": self.org.type.value},
                "total": row(self.total), "rows": [row(r) for r in self.rows],
                "definitions": [{"key": i.key, "label": i.label, "kind": i.kind, "unit": i.unit,
                                 "better": i.better, "description": i.description} for i in all_indicators()],
                "figure_labels": {f.key: f.label for f in all_figures()}}


def _add(into: dict[str, float], figures: dict[str, float]) -> None:
    for key, value in figures.items():
        into[key] = into.get(key, 0) + value


def indicator_report(org: OrgUnit) -> IndicatorReport:
    """Totals for ``org`` and one row per child: districts (+ schools run by the city) or schools."""
    schools_select = sa.select(OrgUnit.id).where(OrgUnit.type == OrgType.SCHOOL, OrgUnit.is_active.is_(True),
                                                 OrgUnit.path.startswith(org.path))
    schools = db.session.execute(sa.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.parent_id).where(
        OrgUnit.id.in_(schools_select)).order_by(OrgUnit.code)).all()
    per_school: dict[int, dict[str, float]] = {s.id: {"schools": 1} for s in schools}
    for provider in providers():
        for school_id, figures in provider.collect(schools_select).items():
            if school_id in per_school:
                _add(per_school[school_id], figures)
    total = ReportRow(org.code, org.name, org.type.value)
    for figures in per_school.values():
        _add(total.figures, figures)
    rows: list[ReportRow] = []
    if org.type == OrgType.CITY_BUREAU:
        districts = {d.id: ReportRow(d.code, d.name, d.type.value, drill=True) for d in db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.parent_id == org.id, OrgUnit.type == OrgType.DISTRICT_BUREAU)
            .order_by(OrgUnit.code))}
        for school in schools:
            group = districts.get(school.parent_id)
            if group is None:  # run by the city itself: its own row, like a district of one
                group = districts.setdefault(-school.id, ReportRow(school.code, school.name, "school", drill=True))
            _add(group.figures, per_school[school.id])
        rows = list(districts.values())
    elif org.type == OrgType.DISTRICT_BUREAU:
        rows = [ReportRow(s.code, s.name, "school", dict(per_school[s.id]), drill=True) for s in schools]
    return IndicatorReport(org=org, total=total, rows=rows)


def school_indicators(school: OrgUnit) -> tuple[ReportRow, list[tuple[Indicator, float | None]]]:
    """One school's figures and its indicators, for its home page."""
    report = indicator_report(school)
    return report.total, [(i, i.compute(report.total.figures)) for i in all_indicators()]
