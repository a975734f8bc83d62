"""Completeness, timeliness and aggregation against figures computed by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eduplatform.core.db import utcnow
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.reporting.services import aggregation, completeness, review
from eduplatform.reporting.services import submissions as services


def values(total, female, g1, budget=None, clubs=()):
    return {"school_kind": "public", "principal": "校长", "teachers_total": total, "teachers_female": female,
            "budget": budget, "grades": {"g1": {"boys": g1[0], "girls": g1[1]}, "g2": {"boys": 0, "girls": 0},
                                         "g3": {"boys": 0, "girls": 0}},
            "clubs": [{"name": f"社团{i}", "members": m} for i, m in enumerate(clubs)]}


@pytest.fixture
def filled(task, tree, people, sub_of, school_a2_admin, create_user):
    """a1 approved by both levels; a2 submitted late; b1 returned; b2 untouched."""
    from eduplatform.accounts.models import Role

    b2_admin = create_user("b2admin", roles=[Role.SCHOOL_ADMIN], org=tree.school_b2)
    a1, a2, b1, b2 = (sub_of(task, s) for s in (tree.school_a1, tree.school_a2, tree.school_b1, tree.school_b2))
    services.submit_submission(a1, people.school_a1_admin, raw=values(40, 25, (50, 48), 12.5, clubs=(20, 15)))
    review.approve(a1, people.district_a_staff)
    review.approve(a1, people.city_staff)
    services.submit_submission(b1, people.school_b1_admin, raw=values(30, 20, (30, 28), 8.25, clubs=(10,)))
    review.send_back(b1, people.district_b_staff, "请核对")
    services.save_values(b2, b2_admin, values(99, 1, (1, 1)))  # a draft: never counted
    db.session.commit()
    task.due_at = utcnow() - timedelta(minutes=1)  # a2 hands in after the due date
    services.submit_submission(a2, school_a2_admin, raw=values(60, 45, (70, 65), None, clubs=(30, 30, 5)))
    db.session.commit()
    return {"a1": a1, "a2": a2, "b1": b1, "b2": b2}


def test_completeness_for_the_city(task, tree, filled):
    result = completeness.summary(task, tree.city)
    total = result["total"]
    assert (total["expected"], total["reported"], total["approved"], total["pending_review"]) == (4, 2, 1, 1)
    assert (total["returned"], total["missing"], total["overdue"]) == (1, 1, 1)
    # b1 handed in on time before its return: while returned it is neither reported nor on time.
    assert (total["on_time"], total["late"]) == (1, 1)
    assert total["completeness_rate"] == 0.5 and total["timeliness_rate"] == 0.25
    by_label = {g["label"]: g for g in result["groups"]}
    assert list(by_label) == ["东湖区教育局", "西山区教育局"]
    assert by_label["东湖区教育局"]["reported"] == 2 and by_label["西山区教育局"]["missing"] == 1


def test_completeness_for_a_district_is_per_school(task, tree, filled):
    result = completeness.summary(task, tree.district_b)
    assert result["level"] == "school" and result["total"]["expected"] == 2
    assert {g["label"]: g["returned"] for g in result["groups"]} == {"西山区育才小学": 1, "西山区高级中学": 0}
    rows = completeness.schools(task, tree.city, district=str(tree.district_a.id))
    assert [(r["school_name"], r["status"], r["on_time"]) for r in rows] == [
        ("东湖区实验小学", "approved", True), ("东湖区第一中学", "submitted", False)]
    # A district's drill-down never shows another district's schools.
    assert completeness.schools(task, tree.district_b, district=str(tree.district_a.id)) == []


def test_aggregation_by_district_matches_hand_figures(task, tree, filled):
    result = aggregation.aggregate(task, tree.city, by="district")
    a = str(tree.district_a.id)
    assert [g["key"] for g in result["groups"]] == [a]  # b1 returned, b2 draft: nothing reported in 西山
    teachers = result["values"]["teachers_total"]
    assert teachers[a] == {"n": 2, "sum": 100, "mean": 50, "min": 40, "max": 60}
    assert teachers["_total"]["sum"] == 100
    assert result["values"]["budget"]["_total"] == {"n": 1, "sum": 12.5, "mean": 12.5, "min": 12.5, "max": 12.5}
    # Tables: fixed rows summed row by row; added rows by column.
    assert result["values"]["grades.g1.boys"][a]["sum"] == 120
    assert result["values"]["grades.g1.total"][a]["sum"] == 98 + 135
    assert result["values"]["grades.*.total"][a]["sum"] == 233
    assert result["values"]["clubs.*.members"][a] == {"n": 2, "sum": 100, "mean": 50, "min": 35, "max": 65}
    assert result["values"]["female_ratio"][a]["max"] == 75.0  # computed field: 45/60


def test_aggregation_approved_only_and_by_stage(task, tree, filled):
    approved = aggregation.aggregate(task, tree.city, by="none", include="approved")
    assert approved["schools"] == 1 and approved["values"]["teachers_total"]["all"]["sum"] == 40
    by_stage = aggregation.aggregate(task, tree.city, by="stage")
    assert [(g["label"], g["schools"]) for g in by_stage["groups"]] == [("小学", 1), ("初中", 1)]
    assert by_stage["values"]["teachers_total"]["junior"]["sum"] == 60


def test_a_district_aggregates_only_its_schools(task, tree, filled, people):
    review.approve(filled["a2"], people.district_a_staff)
    services.submit_submission(filled["b1"], people.school_b1_admin)
    db.session.commit()
    mine = aggregation.aggregate(task, tree.district_b, by="none")
    assert mine["schools"] == 1 and mine["values"]["teachers_total"]["all"]["sum"] == 30


def test_aggregation_by_school_type(template, issue, tree, people, sub_of, school_a2_admin):
    from eduplatform.schools.models import SchoolProfile, SchoolType

    db.session.add(SchoolProfile(org_id=tree.school_a1.id, school_type=SchoolType.PRIMARY))
    db.session.commit()
    task = issue(template.latest_published)
    services.submit_submission(sub_of(task, tree.school_a1), people.school_a1_admin, raw=values(40, 25, (50, 48)))
    services.submit_submission(sub_of(task, tree.school_a2), school_a2_admin, raw=values(60, 45, (70, 65)))
    result = aggregation.aggregate(task, tree.city, by="school_type")
    assert [(g["label"], g["schools"]) for g in result["groups"]] == [("小学", 1), ("未填办学类型", 1)]
    assert result["values"]["teachers_total"]["primary"]["sum"] == 40
    assert result["values"]["teachers_total"]["_total"]["sum"] == 100


def test_unsupported_grouping(task, tree):
    with pytest.raises(ValidationFailed):
        aggregation.aggregate(task, tree.city, by="weather")
