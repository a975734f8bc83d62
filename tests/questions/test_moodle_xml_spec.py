"""Moodle XML as Moodle's documentation defines it (fixture from the format's own elements)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eduplatform.questions.formats import get_format
from eduplatform.questions.types import get_type

pytestmark = pytest.mark.nodb
FIXTURE = (Path(__file__).parent / "fixtures" / "moodle_docs.xml").read_bytes()


@pytest.fixture(scope="module")
def parsed():
    return get_format("moodle_xml").parse(FIXTURE)


@pytest.fixture(scope="module")
def items(parsed):
    return {item["title"]: item for item in parsed.items}


def grade(item, response):
    qtype = get_type(item["type"])
    return qtype.grade(item["data"], qtype.clean_response(item["data"], response))


def test_embedded_image_kept_as_a_loadable_picture(items):
    stem = items["Flag picture"]["stem"]
    assert '<img src="data:image/png;base64,' in stem and 'alt="flag"' in stem


def test_negative_fraction_and_feedback_kept(items):
    data = items["Flag picture"]["data"]
    assert data["weights"] == [50, 50, -33.33333]
    assert data["feedback"] == ["Yes, A.", "Yes, B.", "No."]
    assert grade(items["Flag picture"], [0, 1]) == 1.0 and grade(items["Flag picture"], [0, 2]) == pytest.approx(0.1666667)


def test_fraction_moodle_refuses_is_refused_naming_the_question(parsed):
    messages = [p.message for p in parsed.problems]
    assert any(m.startswith("“Bad fraction”：第 2 个答案的得分比例 33% 不是 Moodle 允许的值") for m in messages)
    assert "“Drag”：不支持的 Moodle 题型：ddwtos（拖放文字）" in messages


def test_short_answer_credit_wildcard_and_feedback(items):
    item = items["Capital"]
    assert grade(item, "berlin") == 1.0 and grade(item, "Berlinn") == 0.5 and grade(item, "Paris") == 0.0
    assert get_type("fill_blank").feedback(item["data"], ["Berlinn"]) == ["Spelling?"]


def test_numerical_several_answers(items):
    item = items["Pi"]
    assert grade(item, 3.14) == 1.0 and grade(item, 3.12) == 0.5
    assert get_type("numerical").feedback(item["data"], 3.12) == ["Close."]


def test_true_false_feedback(items):
    tf = get_type("true_false")
    assert tf.feedback(items["Rhine"]["data"], True) == ["No, it does not."]


def test_cloze_is_a_question_type_with_weights_and_feedback(items):
    item = items["Cloze"]
    assert item["type"] == "cloze"
    parts = item["data"]["parts"]
    assert [p["kind"] for p in parts] == ["shortanswer", "numerical", "multichoice", "multichoice", "multichoice",
                                          "multiresponse", "shortanswer"]
    assert [p.get("display") for p in parts][2:6] == ["dropdown", "vertical", "horizontal", "vertical"]
    assert parts[1]["weight"] == 2 and parts[6]["case_sensitive"] is True
    assert item["stem"].count("[[") == 7
    full = ["germany", "3.65", 0, 1, 0, [0, 1], "Bär"]
    assert grade(item, full) == 1.0
    # half credit on part 1 (weight 1 of 8 total), a wrong case on the case-sensitive part
    assert grade(item, ["Deutschland", "3.65", 0, 1, 0, [0, 1], "bär"]) == pytest.approx(6.5 / 8)
    assert get_type("cloze").feedback(item["data"], ["Deutschland"]) == ["German name"]


def test_moodle_xml_export_gives_back_what_came_in(items):
    fmt = get_format("moodle_xml")
    again = fmt.parse(fmt.export(list(items.values())))
    assert again.problems == []
    for original, back in zip(items.values(), again.items, strict=True):
        assert (back["type"], back["stem"], back["data"], back["analysis"]) == \
            (original["type"], original["stem"], original["data"], original["analysis"]), original["title"]


def test_what_is_not_stored_is_listed_for_the_preview():
    xml = b"""<quiz><question type="multichoice"><name><text>H</text></name>
      <questiontext format="html"><text>Pick</text></questiontext><single>true</single>
      <correctfeedback format="html"><text>Well done</text></correctfeedback>
      <penalty>0.1</penalty><hint format="html"><text>Think again</text></hint>
      <answer fraction="100"><text>A</text></answer><answer fraction="0"><text>B</text></answer></question></quiz>"""
    item = get_format("moodle_xml").parse(xml).items[0]
    assert item["notes"] == ["多次尝试的提示（hint）未保留", "整体反馈（答对）未保留，逐项反馈与解析已保留",
                             "重答扣分 0.1 未保留（平台的考试只作答一次）"]
