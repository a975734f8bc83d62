"""Statistics checked against figures computed by hand.

Paper: 单选 2 分, 判断 2 分, 简答 6 分 (full score 10). Four students:

    student  单选  判断  简答  total
    s1        2     2     6     10
    s2        2     0     4      6
    s3        0     2     3      5
    s4        0     0     1      1

mean = 22/4 = 5.5; std (population) = sqrt((4.5²+0.5²+0.5²+4.5²)/4) = sqrt(10.25) = 3.2016;
27 % of 4 = 1.08 → groups of 1: upper = s1, lower = s4.
单选 P = 4/4/2 = 0.5, D = (2−0)/2 = 1;  判断 P = 0.5, D = 1;
简答 P = 14/4/6 = 0.5833, D = (6−1)/6 = 0.8333.
Distribution in bands of 1 point: 1 → [1,2), 5 → [5,6), 6 → [6,7), 10 → the top band [9,10].
"""

from __future__ import annotations

import pytest

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.questions import exams
from eduplatform.questions.statistics import distribution, exam_statistics, group_size


def test_group_size_is_27_percent_rounded_at_least_one():
    assert [group_size(n) for n in (0, 1, 2, 4, 10, 20, 100)] == [0, 1, 1, 1, 3, 5, 27]


def test_distribution_bands():
    bands = distribution([0, 9.99, 10, 5], 10)
    assert [b["count"] for b in bands] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bands[0]["label"] == "0–1"


def test_statistics_match_hand_computed_figures(exam_setup, create_user, tree):
    exam, items, teacher = exam_setup["exam"], exam_setup["items"], exam_setup["teacher"]
    plan = [(1, True, 6), (1, False, 4), (0, True, 3), (0, False, 1)]  # single answer, tf answer, essay score
    for n, (single, tf, essay_score) in enumerate(plan, 1):
        student = create_user(f"stat{n}", roles=[Role.STUDENT], org=tree.school_a1)
        attempt = exams.start_attempt(student, exam)
        exams.save_answers(student, attempt, {items["single"].id: single, items["true_false"].id: tf,
                                              items["essay"].id: f"答案 {n}"})
        exams.submit_attempt(student, attempt)
        essay = next(a for a in attempt.answers if a.item_id == items["essay"].id)
        exams.grade_answer(teacher, essay, essay_score)
    db.session.commit()

    stats = exam_statistics(exam)
    assert (stats["graded"], stats["full_score"], stats["group_size"]) == (4, 10, 1)
    assert stats["mean"] == 5.5 and stats["max"] == 10 and stats["min"] == 1
    assert stats["std"] == pytest.approx(3.2016, abs=1e-4)
    counts = [b["count"] for b in stats["distribution"]]
    assert counts == [0, 1, 0, 0, 0, 1, 1, 0, 0, 1]
    by_type = {row["type"]: row for row in stats["items"]}
    assert (by_type["single"]["p"], by_type["single"]["d"]) == (0.5, 1.0)
    assert (by_type["true_false"]["p"], by_type["true_false"]["d"]) == (0.5, 1.0)
    assert by_type["essay"]["p"] == pytest.approx(0.5833, abs=1e-4)
    assert by_type["essay"]["d"] == pytest.approx(0.8333, abs=1e-4)
    assert [row["number"] for row in stats["items"]] == [1, 2, 3]


def test_ungraded_attempts_are_left_out_and_counted(exam_setup, people):
    attempt = exams.start_attempt(people.student_a1, exam_setup["exam"])
    exams.save_answers(people.student_a1, attempt, {exam_setup["items"]["essay"].id: "写了一些"})
    exams.submit_attempt(people.student_a1, attempt)
    stats = exam_statistics(exam_setup["exam"])
    assert (stats["graded"], stats["pending_grading"], stats["mean"]) == (0, 1, None)
    assert all(row["p"] is None for row in stats["items"])
