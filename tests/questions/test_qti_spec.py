"""IMS QTI 2.1 items as the specification's examples write them (choice.xml: a picture in the body,
the question in the interaction's <prompt>)."""

from __future__ import annotations

import io
import zipfile

import pytest

from eduplatform.questions.formats import get_format

pytestmark = pytest.mark.nodb
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
CHOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="choice" title="Unattended Luggage"
    adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>ChoiceA</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <p>Look at the text in the picture.</p>
    <p><img src="images/sign.png" alt="NEVER LEAVE LUGGAGE UNATTENDED"/></p>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">
      <prompt>What does it say?</prompt>
      <simpleChoice identifier="ChoiceA">You must stay with your luggage at all times.</simpleChoice>
      <simpleChoice identifier="ChoiceB">Do not let someone else look after your luggage.</simpleChoice>
      <simpleChoice identifier="ChoiceC">Remember your luggage when you leave.</simpleChoice>
    </choiceInteraction>
  </itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rp/match_correct"/>
</assessmentItem>"""
PROMPT_ONLY = b"""<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="p" title="p"
    adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>B</value></correctResponse></responseDeclaration>
  <itemBody><choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">
    <prompt>Which is a prime?</prompt><simpleChoice identifier="A">4</simpleChoice>
    <simpleChoice identifier="B">5</simpleChoice></choiceInteraction></itemBody>
</assessmentItem>"""
MANIFEST = b"""<?xml version="1.0"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M">
  <organizations/><resources>
    <resource identifier="R1" type="imsqti_item_xmlv2p1" href="items/choice.xml">
      <file href="items/choice.xml"/><file href="items/images/sign.png"/></resource>
  </resources></manifest>"""


def package(image_at: str = "items/images/sign.png") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("items/choice.xml", CHOICE)
        archive.writestr(image_at, PNG)
    return buffer.getvalue()


def test_prompt_and_picture_are_kept():
    result = get_format("qti").parse(package())
    assert result.problems == []
    item = result.items[0]
    assert "Look at the text in the picture." in item["stem"] and "What does it say?" in item["stem"]
    assert '<img src="data:image/png;base64,' in item["stem"]
    assert item["data"]["answer"] == 0 and len(item["data"]["options"]) == 3


def test_an_item_whose_only_text_is_the_prompt():
    result = get_format("qti").parse(PROMPT_ONLY)
    assert result.problems == []
    assert result.items[0]["stem"] == "Which is a prime?" and result.items[0]["data"]["answer"] == 1


def test_a_picture_missing_from_the_package_is_refused_by_name():
    broken = package(image_at="items/images/gone.png")
    result = get_format("qti").parse(broken)
    assert [p.message for p in result.problems] == ["引用的文件 images/sign.png 不在内容包中（items/choice.xml）"]


def test_traversal_in_a_package_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("../evil.xml", CHOICE)
    from eduplatform.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="跳出解压目录"):
        get_format("qti").parse(buffer.getvalue())


def test_weights_and_feedback_survive_a_qti_round_trip():
    """Weights (negatives too) and per-choice feedback are said with mapping and modalFeedback."""
    from eduplatform.questions.services import clean_question

    qti = get_format("qti")
    values = [
        {"type": "multiple", "stem": "哪些是质数？", "data": {"options": ["2", "3", "4"], "weights": [50, 50, -100],
                                                          "feedback": ["对", "", "4 = 2×2"]}},
        {"type": "true_false", "stem": "地球是平的。", "data": {"answer": False, "feedback": {"true": "不对", "false": "对"}}},
        {"type": "fill_blank", "stem": "Cat: [[1]]", "data": {"blanks": [["cat", "kitten"]], "credits": [[1, 0.5]]}},
    ]
    items = []
    for v in values:
        cleaned = clean_question({**v, "subject": "math", "score": 2, "difficulty": 3})
        items.append({**cleaned, "tags": [], "category": "", "title": ""})
    back = qti.parse(qti.export(items))
    assert back.problems == []
    assert [b["data"] for b in back.items] == [i["data"] for i in items]


def test_formats_name_what_an_export_would_lose():
    cloze = {"type": "cloze", "data": {"parts": []}}
    wildcard = {"type": "fill_blank", "data": {"blanks": [["a*"]], "wildcard": True, "feedback": [["x"]]}}
    assert get_format("gift").losses(cloze) == ["完形填空这种题型"]
    assert get_format("qti").losses(wildcard) == ["逐项反馈", "通配符 *"]
    assert get_format("excel").losses({"type": "single", "data": {"options": ["a", "b"], "weights": [100, -50]}}) == \
        ["逐项得分比例"]
    assert get_format("moodle_xml").losses is None


def test_gift_carries_every_extra_but_not_cloze():
    assert get_format("gift").losses({"type": "single", "data": {"options": ["a", "b"], "weights": [100, -50]}}) == []
