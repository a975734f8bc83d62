"""Pages speak in labels and names, not codes: the pieces that turn codes into words, and the
crawl's detector itself (so the crawl's check can fail)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from eduplatform.reporting import expressions as ex
from eduplatform.reporting.seed import DEMO_DEFINITION
from eduplatform.reporting.spec import compile_definition
from eduplatform.workflow.conditions import describe
from eduplatform.workflow.definitions import FieldDef
from tests.security.visible_codes import raw_codes

pytestmark = pytest.mark.nodb

LABELS = {("computers",): "计算机台数", ("students_total",): "学生总数", ("grades", "total"): "各年级合计"}


def words(text: str) -> str:
    return ex.describe(ex.parse(text), lambda path: LABELS.get(path, ".".join(path)))


def test_a_yes_no_condition_reads_as_a_sentence():
    fields = {"district_level": FieldDef("district_level", "须经区县审核", "boolean")}
    assert describe({"field": "district_level", "eq": True}, fields) == "须经区县审核为“是”"
    assert describe({"field": "district_level", "ne": False}, fields) == "须经区县审核不为“否”"
    assert describe({"any": [{"field": "district_level", "eq": False}]}, fields) == "（须经区县审核为“否”）"


@pytest.mark.parametrize(("formula", "expected"), [
    ("if(computers > 0, students_total / computers, 0)", "学生总数 ÷ 计算机台数（当计算机台数大于 0 时；否则为 0）"),
    ("(students_total + 1) * 2", "（学生总数 ＋ 1） × 2"),
    ("students_total - (computers - 1)", "学生总数 － （计算机台数 － 1）"),
    ("sum(grades.total)", "各年级合计之和"),
    ("round(students_total / computers, 1)", "学生总数 ÷ 计算机台数（四舍五入到 1 位小数）"),
    ("coalesce(computers, 0) >= 2.50", "计算机台数（未填时取 0）不小于 2.5"),
    ("not empty(computers) and computers != 3", "并非计算机台数未填 且 计算机台数不等于 3"),
    ("students_total % 2", "学生总数 除以 2 的余数"),
])
def test_a_formula_in_words(formula, expected):
    assert words(formula) == expected


def test_the_demo_form_says_what_it_computes_and_shows_labels_for_stored_codes():
    spec = compile_definition(DEMO_DEFINITION)
    computed = next(code for code in spec.fields if spec.is_computed(code) and "computers" in
                    spec.fields[code].get("formula", ""))
    text = spec.formula_text(computed)
    assert "学生用计算机" in text and "÷" in text and "computers" not in text and "if(" not in text
    assert spec.value_text("features", ["smart"]) == "智慧课堂"
    assert spec.value_text("features", ["smart", "maker"]) == "智慧课堂、创客教育"
    assert spec.value_text("features", None) == ""
    assert Decimal("2.50").normalize() == Decimal("2.5")


@pytest.mark.parametrize(("html", "kind"), [
    ("<p>→ 区县审核（须经区县审核 = True）</p>", "Python 值"),
    ("<td>['smart']</td>", "Python 列表"),
    ("<h1>试题 #13</h1>", "裸编号"),
    ("<li>2026-12-03 · city_staff · 拟稿</li>", "代码"),
    ("<div>自动计算：if(computers > 0, students_total / computers, 0)</div>", "代码"),
])
def test_the_crawls_detector_finds_each_kind_of_code(html, kind):
    assert [finding.split(":")[0] for finding in raw_codes(html)][:1] == [kind]


def test_the_detector_leaves_identifiers_shown_on_purpose():
    page = ('<p><code>students_total</code> <span translate="no">city_staff</span> '
            '<span title="账号：city_staff">李科员</span> <a href="#top">返回</a> &#35;号 '
            '<script>var a_b = ["x"];</script><select><option value="a_b">甲</option></select></p>')
    assert raw_codes(page) == []
