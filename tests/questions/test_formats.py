"""Every question type through every format: export then import gives the same questions; format
details, unsupported items reported by name, and problems with their line or question number."""

from __future__ import annotations

import io
import zipfile

import pytest

from eduplatform.core.errors import ValidationFailed
from eduplatform.questions.formats import FORMATS, get_format
from eduplatform.questions.services import clean_question
from tests.questions.conftest import SAMPLES, sample

pytestmark = pytest.mark.nodb
COMPARED = ("type", "stem", "data", "analysis", "score", "difficulty", "tags", "category")


def canonical_samples() -> list[dict]:
    items = []
    categories = ["代数/方程/一元一次方程", "代数/实数", "", "代数/方程", "几何/圆", "代数/函数", "代数/方程/一元一次方程"]
    for (qtype, _), category in zip(SAMPLES.items(), categories, strict=True):
        cleaned = clean_question(sample(qtype, tags=["期中", "基础"] if qtype != "numerical" else []))
        items.append({**{k: cleaned[k] for k in ("type", "stem", "data", "analysis", "score", "difficulty", "tags")},
                      "category": category, "title": ""})
    # Harder cases: rich text, a one-answer multiple choice, distractors, case-sensitive blanks.
    extra = [
        sample("single", stem="<p>比较大小：<b>a &lt; b</b>，且 x: {1, 2}</p>", data={"options": ["a=b", "~c#d"], "answer": 0}),
        sample("multiple", data={"options": ["甲", "乙", "丙"], "answer": [2]}),
        sample("matching", data={"pairs": [["北京", "中国"], ["东京", "日本"]], "distractors": ["英国"]}),
        sample("fill_blank", stem="Capital of France: [[1]]", data={"blanks": [["Paris"]], "case_sensitive": True}),
        sample("numerical", data={"answer": -2.5, "tolerance": 0}, analysis="多行\n解析"),
    ]
    for values in extra:
        cleaned = clean_question(values)
        items.append({**{k: cleaned[k] for k in ("type", "stem", "data", "analysis", "score", "difficulty", "tags")},
                      "category": "", "title": ""})
    return items


@pytest.mark.parametrize("fmt", ["gift", "moodle_xml", "qti", "excel"])
def test_round_trip_every_type(fmt):
    items = canonical_samples()
    f = get_format(fmt, for_export=True)
    result = f.parse(f.export(items))
    assert result.problems == []
    assert len(result.items) == len(items)
    for original, back in zip(items, result.items, strict=True):
        cleaned = clean_question({**back, "subject": "math", "difficulty": back["difficulty"] or 3})
        back = {**back, **{k: cleaned[k] for k in ("stem", "data", "analysis", "score", "tags")}}
        for key in COMPARED:
            assert back[key] == original[key], (fmt, original["type"], key, back[key], original[key])


def test_every_type_and_format_is_registered():
    assert {code for code, f in FORMATS.items() if f.parse} == {"gift", "moodle_xml", "aiken", "qti", "excel", "cc"}
    assert {code for code, f in FORMATS.items() if f.export} == {"gift", "moodle_xml", "qti", "excel"}


GIFT = """// 七年级数学
$CATEGORY: $course$/top/代数/方程

::Q1:: 方程 2x=4 的解是 {=2 ~1 ~3 ####移项即可}

::T1:: 0 是正数。{F}

Grant is buried in {=Grant's tomb =Grant} tomb.

::N1:: 圆周率约为 {#3.14:0.01}

::N2:: 范围 {#1..3}

::M1:: 连线 {=北京 -> 中国 =东京 -> 日本}

::E1:: 谈谈学习数学的体会。{}

::MC:: 质数有 {~%50%2 ~%50%3 ~%-100%4}

::ESC:: 集合 \\{1\\} 的元素 {=1 ~2}
"""


def test_gift_dialect():
    result = get_format("gift").parse(GIFT.encode())
    assert result.problems == []
    types = [i["type"] for i in result.items]
    assert types == ["single", "true_false", "fill_blank", "numerical", "numerical", "matching", "essay",
                     "multiple", "single"]
    first = result.items[0]
    assert first["category"] == "代数/方程" and first["title"] == "Q1" and first["analysis"] == "移项即可"
    assert first["data"] == {"options": ["2", "1", "3"], "answer": 0}
    assert result.items[2]["stem"] == "Grant is buried in [[1]] tomb."
    assert result.items[2]["data"]["blanks"] == [["Grant's tomb", "Grant"]]
    assert result.items[4]["data"] == {"answer": 2.0, "tolerance": 1.0}
    assert result.items[7]["data"]["answer"] == [0, 1]
    assert result.items[8]["stem"] == "集合 {1} 的元素"
    assert result.items[0]["line"] == 4 and result.items[1]["line"] == 6


def test_gift_problems_carry_line_and_number():
    text = "::A:: 好题 {=1 ~2}\n\n::B:: 没有答案的题\n\n::C:: 选择 {~1 ~2}\n\n::D:: 数值 {#abc}\n"
    result = get_format("gift").parse(text.encode())
    assert [i["title"] for i in result.items] == ["A"]
    assert [(p.line, p.number) for p in result.problems] == [(3, 2), (5, 3), (7, 4)]
    assert "没有找到答案部分" in result.problems[0].message
    assert "没有正确答案" in result.problems[1].message
    assert "不是数字" in result.problems[2].message
    assert str(result.problems[0]) == "第 2 题，第 3 行：没有找到答案部分 {…}（Moodle 的“说明”类文字不是试题，不导入）"


def test_gift_in_gb18030_is_read():
    result = get_format("gift").parse("中文题 {T}".encode("gb18030"))
    assert result.items[0]["stem"] == "中文题"


def test_aiken():
    text = "长方形的对角线\nA. 互相垂直\nB. 相等\nANSWER: B\n\n坏题\nA. 甲\nB. 乙\nANSWER: D\n\n又一题\nA) 一\nB) 二\n"
    result = get_format("aiken").parse(text.encode())
    assert result.items[0]["data"] == {"options": ["互相垂直", "相等"], "answer": 1}
    assert result.items[0]["type"] == "single" and result.items[0]["line"] == 1
    assert [(p.number, p.line) for p in result.problems] == [(2, 9), (3, 11)]
    assert "答案“D”不是已有的选项" in result.problems[0].message
    assert "缺少“ANSWER: 字母”" in result.problems[1].message


def test_moodle_xml_unsupported_types_are_named_not_dropped():
    xml = """<?xml version="1.0"?><quiz>
    <question type="category"><category><text>$course$/top/几何</text></category></question>
    <question type="calculated"><name><text>c</text></name><questiontext format="html"><text>x</text></questiontext></question>
    <question type="truefalse"><name><text>t</text></name><questiontext format="html"><text>对吗</text></questiontext>
      <answer fraction="0"><text>true</text></answer><answer fraction="100"><text>false</text></answer></question>
    <question type="ddwtos"><name><text>d</text></name><questiontext format="html"><text>x</text></questiontext></question>
    </quiz>"""
    result = get_format("moodle_xml").parse(xml.encode())
    assert [i["type"] for i in result.items] == ["true_false"]
    assert result.items[0]["data"] == {"answer": False} and result.items[0]["category"] == "几何"
    messages = [(p.number, p.message) for p in result.problems]
    assert messages == [(1, "“c”：不支持的 Moodle 题型：calculated（计算题）"), (3, "“d”：不支持的 Moodle 题型：ddwtos（拖放文字）")]
    assert result.problems[0].line == 3


def test_moodle_xml_entities_are_not_expanded():
    xml = b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>' \
          b'<question type="essay"><questiontext format="html"><text>&x;</text></questiontext></question></quiz>'
    with pytest.raises(ValidationFailed) as refused:  # refused whole, not parsed with the entity left out
        get_format("moodle_xml").parse(xml)
    assert refused.value.code == "xml_entities_refused" and "外部实体" in refused.value.message


def test_qti_unsupported_interaction_is_reported_by_name():
    item = """<?xml version="1.0"?>
    <assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="o" title="排序" adaptive="false" timeDependent="false">
      <responseDeclaration identifier="RESPONSE" cardinality="ordered" baseType="identifier"/>
      <itemBody><orderInteraction responseIdentifier="RESPONSE"><simpleChoice identifier="A">甲</simpleChoice></orderInteraction></itemBody>
    </assessmentItem>"""
    result = get_format("qti").parse(item.encode())
    assert result.items == []
    assert result.problems[0].message == "不支持的 QTI 交互类型：orderInteraction"


def test_qti_package_rejects_paths_outside_and_bombs():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>'
                         '<resource identifier="r" type="imsqti_item_xmlv2p1" href="../evil.xml"/></resources></manifest>')
    result = get_format("qti").parse(buffer.getvalue())
    assert result.problems[0].message == "清单引用的文件不存在：../evil.xml"


def test_excel_template_parses_and_bad_rows_are_reported():
    from openpyxl import Workbook, load_workbook

    from eduplatform.questions.formats.excel import HEADERS, template

    result = get_format("excel").parse(template())
    assert result.problems == []
    assert [i["type"] for i in result.items] == ["single", "multiple", "true_false", "fill_blank", "numerical",
                                                 "matching", "essay"]
    assert result.items[3]["data"]["blanks"] == [["3", "+3"], ["-3"]]
    assert result.items[5]["data"]["distractors"] == ["圆"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(["单选题", "题干", "甲", "乙"] + [""] * 6 + ["C"])
    sheet.append(["判断题", "题干"] + [""] * 8 + ["也许"])
    sheet.append(["画图题", "题干"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = get_format("excel").parse(buffer.getvalue())
    assert [(p.line, p.number) for p in result.problems] == [(2, 1), (3, 2), (4, 3)]
    assert "答案“C”不在选项 A–B 中" in result.problems[0].message
    assert "未知题型“画图题”" in result.problems[2].message
    assert load_workbook(io.BytesIO(template())).sheetnames == ["试题", "填写说明"]
