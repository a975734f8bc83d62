"""Indicator arithmetic against hand-computed figures, drill-down, and the provider registry."""

from __future__ import annotations

import pytest

from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.schools import connectivity, indicators, services
from eduplatform.schools.models import (
    Equipment,
    EquipmentCategory,
    EquipmentState,
    Gender,
    NetworkAccess,
    StudentProfile,
    TeacherProfile,
)


def populate(school, *, students, teachers, student_pcs, teacher_pcs, classrooms, multimedia, access, bandwidth,
             broken_pcs=0):
    """Rows straight into the tables: the arithmetic is what is under test here."""
    year = services.ensure_current_year(None, school)
    grade = 1 if "primary" in school.stages else (7 if "junior" in school.stages else 10)
    school_class = services.create_class(None, school, grade=grade, number=1)
    db.session.add_all([StudentProfile(school_id=school.id, student_no=f"N{i}", name="学生", gender=Gender.MALE,
                                       class_id=school_class.id) for i in range(students)])
    db.session.add_all([TeacherProfile(school_id=school.id, teacher_no=f"T{i}", name="教师")
                        for i in range(teachers)])
    for asset, category, quantity, state in [
            ("A1", EquipmentCategory.STUDENT_COMPUTER, student_pcs, EquipmentState.IN_USE),
            ("A2", EquipmentCategory.TEACHER_COMPUTER, teacher_pcs, EquipmentState.IN_USE),
            ("A3", EquipmentCategory.MULTIMEDIA_CLASSROOM, multimedia, EquipmentState.IN_USE),
            ("A4", EquipmentCategory.STUDENT_COMPUTER, broken_pcs, EquipmentState.SCRAPPED)]:
        if quantity:
            db.session.add(Equipment(school_id=school.id, asset_no=asset, category=category, name="设备",
                                     quantity=quantity, state=state))
    services.update_profile(None, school, {"classroom_count": classrooms})
    if access:
        db.session.add(NetworkAccess(school_id=school.id, access_type=access, bandwidth_mbps=bandwidth))
    db.session.flush()
    assert year


@pytest.fixture
def city(tree):
    populate(tree.school_a1, students=40, teachers=5, student_pcs=8, teacher_pcs=5, classrooms=10, multimedia=6,
             access="fiber", bandwidth=100, broken_pcs=30)
    populate(tree.school_a2, students=60, teachers=5, student_pcs=7, teacher_pcs=2, classrooms=10, multimedia=4,
             access="dsl", bandwidth=20)
    populate(tree.school_b1, students=30, teachers=4, student_pcs=0, teacher_pcs=4, classrooms=5, multimedia=0,
             access=None, bandwidth=0)
    # school_b2 has filled in nothing at all
    db.session.commit()
    return tree


def values(row):
    """The schools portal's own indicators (other domains, e.g. courses, add theirs to the registry)."""
    own = {i.key for i in indicators.CONNECTIVITY.indicators}
    return {k: (round(v, 3) if v is not None else None) for k, v in row.values().items() if k in own}


def test_school_indicators_are_hand_computed(city):
    total, pairs = indicators.school_indicators(city.school_a1)
    assert values(total) == {
        "students_per_computer": 5.0,      # 40 students / 8 in-use student PCs (30 scrapped ignored)
        "teachers_per_computer": 1.0,      # 5 / 5
        "multimedia_share": 60.0,          # 6 / 10 classrooms
        "online_share": 100.0, "broadband_share": 100.0,
        "bandwidth_per_student": 2500.0,   # 100 Mbps × 1000 / 40 = 2500 kbps per student
    }
    assert {i.key: i.format(v) for i, v in pairs}["students_per_computer"] == "5.0 : 1"


def test_district_figures_are_sums_not_averages_of_school_ratios(city):
    report = indicators.indicator_report(city.district_a)
    assert values(report.total) == {
        "students_per_computer": 6.667,    # (40 + 60) / (8 + 7); the average of 5.0 and 8.57 would be 6.79
        "teachers_per_computer": 1.429,    # 10 / 7
        "multimedia_share": 50.0,          # 10 / 20
        "online_share": 100.0,             # both online
        "broadband_share": 50.0,           # fibre yes, DSL is not counted as broadband
        "bandwidth_per_student": 1200.0,   # 120 Mbps / 100 students
    }
    assert [r.name for r in report.rows] == [city.school_a1.name, city.school_a2.name]


def test_city_report_drills_down_to_districts(city):
    report = indicators.indicator_report(city.city)
    assert [r.name for r in report.rows] == ["东湖区教育局", "西山区教育局"]
    west = values(report.rows[1])
    assert west["students_per_computer"] is None     # no student PCs: no ratio rather than infinity
    assert west["online_share"] == 0.0               # 0 of 2 schools online
    assert report.rows[1].figures["schools"] == 2
    total = values(report.total)
    assert total["online_share"] == 50.0             # 2 of 4 schools
    assert total["students_per_computer"] == round(130 / 15, 3)
    assert report.as_dict()["rows"][0]["drill"] is True


def test_a_school_run_by_the_city_is_its_own_row(city, create_org):
    create_org("市直属实验学校", parent=city.city)
    report = indicators.indicator_report(city.city)
    assert [r.name for r in report.rows][-1] == "市直属实验学校"


def test_other_domains_plug_in_figures_and_indicators(city):
    def collect(school_ids):
        return {city.school_a1.id: {"resources_uploaded": 12}, city.school_a2.id: {"resources_uploaded": 3}}

    provider = indicators.IndicatorProvider(
        name="test-resources", figures=[indicators.Figure("resources_uploaded", "上传资源数")],
        indicators=[indicators.Indicator("resources_per_teacher", "教师人均上传资源", "per", "resources_uploaded",
                                         "teachers", unit="个/人")],
        collect=collect)
    indicators.register_indicator_provider(provider)
    try:
        report = indicators.indicator_report(city.district_a)
        assert report.total.figures["resources_uploaded"] == 15
        assert report.total.values()["resources_per_teacher"] == 1.5
        assert "教师人均上传资源" in [d["label"] for d in report.as_dict()["definitions"]]
    finally:
        indicators._PROVIDERS.pop("test-resources")


def test_inactive_schools_are_left_out(city):
    city.school_a2.is_active = False
    db.session.flush()
    assert indicators.indicator_report(city.district_a).total.figures["students"] == 40
    assert city.school_a2.type == OrgType.SCHOOL
    assert connectivity.network_for(city.school_a2) is not None
