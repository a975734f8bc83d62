"""GIFT as Moodle's documentation defines it: each construct keeps its meaning (fixture written from
the docs' grammar and examples, not from our exporter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eduplatform.questions.formats import get_format
from eduplatform.questions.types import get_type

pytestmark = pytest.mark.nodb
FIXTURE = (Path(__file__).parent / "fixtures" / "moodle_docs.gift").read_bytes()


@pytest.fixture(scope="module")
def items():
    result = get_format("gift").parse(FIXTURE)
    assert result.problems == []
    return {item["title"]: item for item in result.items}


def grade(item, response):
    qtype = get_type(item["type"])
    return qtype.grade(item["data"], qtype.clean_response(item["data"], response))


def test_matching_distractor_is_an_extra_right_hand_option(items):
    item = items["Matching with distractor"]
    assert item["category"] == "Animals"
    assert item["data"]["pairs"] == [["Dog", "Woof"], ["Cat", "Meow"]]
    assert item["data"]["distractors"] == ["Chat"]
    assert "Chat" in get_type("matching").choices(item["data"])


def test_numerical_wrong_answer_feedback_is_not_part_of_the_number(items):
    item = items["Numeric with wrong feedback"]
    assert item["type"] == "numerical" and item["data"]["answer"] == 3 and item["data"]["tolerance"] == 2
    assert grade(item, 4.5) == 1.0 and grade(item, 6) == 0.0
    assert get_type("numerical").feedback(item["data"], 6) == ["Completely wrong"]


def test_numerical_range_and_partial_credit(items):
    assert items["Range"]["data"] == {"answer": 3, "tolerance": 2}
    item = items["Numeric partial"]
    assert grade(item, 1822) == 1.0 and grade(item, 1823) == 0.5 and grade(item, 1830) == 0.0
    assert get_type("numerical").feedback(item["data"], 1823) == ["Close"]


def test_format_markers_are_honoured(items):
    item = items["Formats"]
    assert item["stem"] == "<p>What colour is <strong>the sky</strong>?</p>"
    assert item["data"]["options"] == ["blue", "<b>green</b>", "red"]
    # [plain] feedback is escaped, not taken as markup
    assert item["data"]["feedback"][0] == "right, &lt;it is&gt; blue"


def test_short_answer_credit_per_answer_and_wildcard(items):
    item = items["Short partial"]
    assert item["data"]["credits"] == [[1.0, 0.5, 0.0]]
    assert grade(item, "cat") == 1.0
    assert grade(item, "kitten") == 0.5                 # not 100 %
    assert grade(item, "*") == 0.0 and grade(item, "dog") == 0.0   # the catch-all earns its 0 %
    assert get_type("fill_blank").feedback(item["data"], ["dog"]) == ["Sorry, no."]
    assert get_type("fill_blank").feedback(item["data"], ["Kitten"]) == ["Almost: a young cat."]


def test_escapes(items):
    item = items["Escapes"]
    assert item["stem"] == "Which symbol means { } ~ = # : ?"
    assert item["data"]["options"] == ["~tilde", "=equals"] and item["data"]["answer"] == 0


def test_true_false_feedback_first_for_wrong_then_for_right(items):
    item = items["TF feedback"]
    assert item["data"]["answer"] is False
    tf = get_type("true_false")
    assert tf.feedback(item["data"], True) == ["No one is buried there."]
    assert tf.feedback(item["data"], False) == ["Right, nobody is."]


def test_multiple_answer_weights_kept_negative_included(items):
    item = items["Multiple"]
    assert item["type"] == "multiple"
    assert item["data"]["weights"] == [-100, 50, 50, -100]
    assert item["analysis"] == "Grant and his wife are both there."
    assert grade(item, [1, 2]) == 1.0 and grade(item, [1]) == 0.5 and grade(item, [0, 1]) == 0.0


def test_essay(items):
    assert items["Essay"]["type"] == "essay"


def test_gift_export_gives_back_what_came_in(items):
    gift = get_format("gift")
    again = gift.parse(gift.export(list(items.values())))
    assert again.problems == []
    for original, back in zip(items.values(), again.items, strict=True):
        assert (back["type"], back["stem"], back["data"], back["analysis"]) == \
            (original["type"], original["stem"], original["data"], original["analysis"]), original["title"]
