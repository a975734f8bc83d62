"""Each question type validates its data and grades responses as a teacher would."""

from __future__ import annotations

import pytest

from eduplatform.questions.types import QUESTION_TYPES, TypeDataError, get_type

pytestmark = pytest.mark.nodb


def test_all_eight_types_are_registered():
    assert set(QUESTION_TYPES) == {"single", "multiple", "true_false", "fill_blank", "numerical", "matching", "essay",
                                  "cloze"}
    assert [t for t, cls in QUESTION_TYPES.items() if not cls.objective] == ["essay"]


def test_single_choice():
    t = get_type("single")
    data = t.clean({"options": ["1", "2", "3"], "answer": "B"})
    assert data["answer"] == 1 and t.answer_text(data) == "B"
    assert t.grade(data, t.clean_response(data, 1)) == 1.0
    assert t.grade(data, t.clean_response(data, "A")) == 0.0
    assert t.grade(data, t.clean_response(data, None)) == 0.0
    with pytest.raises(TypeDataError, match="答案必须是已有选项之一"):
        t.clean({"options": ["1", "2"], "answer": 5})
    with pytest.raises(TypeDataError, match="至少需要 2 个选项"):
        t.clean({"options": ["1"], "answer": 0})
    with pytest.raises(TypeDataError, match="选项不能重复"):
        t.clean({"options": ["1", "1"], "answer": 0})


def test_multiple_choice_partial_credit_only_without_wrong_options():
    t = get_type("multiple")
    data = t.clean({"options": ["a", "b", "c", "d"], "answer": "AC"})
    assert data["answer"] == [0, 2] and t.answer_text(data) == "AC"
    assert t.grade(data, [2, 0]) == 1.0
    assert t.grade(data, [0]) == 0.5
    assert t.grade(data, [0, 1]) == 0.0
    assert t.grade(data, None) == 0.0


def test_true_false_accepts_chinese_words():
    t = get_type("true_false")
    assert t.clean({"answer": "对"}) == {"answer": True}
    assert t.clean({"answer": "×"}) == {"answer": False}
    data = {"answer": False}
    assert t.grade(data, t.clean_response(data, "错")) == 1.0
    assert t.grade(data, t.clean_response(data, True)) == 0.0
    with pytest.raises(TypeDataError):
        t.clean({"answer": "也许"})


def test_fill_blank_alternatives_case_and_full_width():
    t = get_type("fill_blank")
    data = t.clean({"blanks": [["3", "+3"], ["Paris"]]})
    assert t.grade(data, ["+3", "paris"]) == 1.0
    assert t.grade(data, ["３", "London"]) == 0.5  # full-width digit counts
    assert t.grade(data, None) == 0.0
    sensitive = t.clean({"blanks": [["Paris"]], "case_sensitive": True})
    assert t.grade(sensitive, ["paris"]) == 0.0
    with pytest.raises(TypeDataError, match="第 2 空没有答案"):
        t.clean({"blanks": [["a"], [" "]]})


def test_numerical_tolerance():
    t = get_type("numerical")
    data = t.clean({"answer": "3.14", "tolerance": 0.01})
    assert t.grade(data, 3.149) == 1.0
    assert t.grade(data, 3.16) == 0.0
    exact = t.clean({"answer": 0.3})
    assert t.grade(exact, 0.1 + 0.2) == 1.0
    with pytest.raises(TypeDataError, match="请填写一个数字"):
        t.clean_response(data, "三点一四")
    with pytest.raises(TypeDataError, match="允许误差不能为负数"):
        t.clean({"answer": 1, "tolerance": -1})


def test_matching_scores_each_pair():
    t = get_type("matching")
    data = t.clean({"pairs": [["北京", "中国"], ["东京", "日本"], ["巴黎", "法国"]], "distractors": ["英国"]})
    assert sorted(t.choices(data)) == sorted(["中国", "日本", "法国", "英国"])
    assert t.grade(data, ["中国", "日本", "法国"]) == 1.0
    assert t.grade(data, ["中国", "法国", "日本"]) == pytest.approx(1 / 3)
    assert t.clean_response(data, ["中国", "火星"]) == ["中国", "", ""]
    with pytest.raises(TypeDataError, match="左项不能重复"):
        t.clean({"pairs": [["a", "1"], ["a", "2"]]})


def test_essay_goes_to_the_teacher_unless_blank():
    t = get_type("essay")
    data = t.clean({"reference": "要点"})
    assert t.grade(data, "我的答案") is None
    assert t.grade(data, None) == 0.0


def test_unknown_type():
    with pytest.raises(TypeDataError, match="未知题型"):
        get_type("hotspot")
