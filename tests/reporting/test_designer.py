"""The designer's builder and preview: an unsaved expression said in words (or refused in Chinese),
the unsaved draft shown as the school's form, and the school's form free of formula syntax."""

from __future__ import annotations

import copy
import re

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.reporting import designer
from eduplatform.reporting import expressions as ex
from tests.security.visible_codes import raw_codes, visible_text

#: A 生机比 form as a city bureau would write it (学生总数 ÷ 计算机台数), with a table whose total
#: column is computed, a row rule and two cross-field rules.
RATIO_DEFINITION = {
    "sections": [
        {"title": "办学条件", "fields": [
            {"code": "students_total", "label": "学生总数", "type": "integer", "unit": "人", "min": 0},
            {"code": "computer_count", "label": "计算机台数", "type": "integer", "unit": "台", "min": 0},
            {"code": "students_per_computer", "label": "生机比", "type": "decimal", "decimals": 1,
             "formula": "if(computer_count > 0, students_total / computer_count, 0)"},
        ]},
        {"title": "分年级学生", "fields": [
            {"code": "grade_table", "label": "分年级学生数", "type": "table",
             "rows": [{"code": "g1", "label": "一年级"}, {"code": "g2", "label": "二年级"}],
             "columns": [{"code": "boys_count", "label": "男生", "type": "integer", "min": 0},
                         {"code": "girls_count", "label": "女生", "type": "integer", "min": 0},
                         {"code": "row_total", "label": "合计", "type": "integer",
                          "formula": "boys_count + girls_count"}],
             "rules": [{"expression": "row_total <= 1000", "message": "单个年级学生数不超过 1000"}]},
            {"code": "grades_sum", "label": "各年级合计", "type": "integer", "formula": "sum(grade_table.row_total)"},
        ]},
    ],
    "rules": [
        {"expression": "grades_sum <= students_total", "message": "各年级合计不能超过学生总数"},
        {"expression": "computer_count == 0 or students_total > 0", "message": "有计算机的学校须填写学生总数"},
    ],
}


@pytest.fixture
def login(client, auth):
    def as_user(user):
        auth.logout()
        response = auth.login(user)
        assert response.status_code in (302, 303), response.data[:300]
        return client

    return as_user


@pytest.fixture
def ratio_template(make_template):
    return make_template(RATIO_DEFINITION, publish=False, name="生机比统计表")


def _audit_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))


def _describe(client, template, expression, **extra):
    body = {"definition": copy.deepcopy(RATIO_DEFINITION), "expression": expression, **extra}
    return client.post(f"/api/v1/report-templates/{template.id}/describe", json=body)


def test_a_division_formula_is_said_with_the_fields_labels(login, people, ratio_template):
    client = login(people.city_staff)
    response = _describe(client, ratio_template, "students_total / computer_count")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"valid": True, "text": "学生总数 ÷ 计算机台数"}
    response = _describe(client, ratio_template, "if(computer_count > 0, students_total / computer_count, 0)")
    assert response.get_json()["text"] == "学生总数 ÷ 计算机台数（当计算机台数大于 0 时；否则为 0）"
    # a column of a table reads its neighbours bare; a rule is a condition
    response = _describe(client, ratio_template, "boys_count + girls_count", table="grade_table")
    assert response.get_json()["text"] == "男生 ＋ 女生"
    response = _describe(client, ratio_template, "grades_sum <= students_total", purpose="rule")
    assert response.get_json()["text"] == "各年级合计不大于 学生总数"
    # the draft sent is what counts, not the one saved: a field only the unsaved draft has
    unsaved = copy.deepcopy(RATIO_DEFINITION)
    unsaved["sections"][0]["fields"].append({"code": "teachers", "label": "专任教师数", "type": "integer"})
    response = client.post(f"/api/v1/report-templates/{ratio_template.id}/describe",
                           json={"definition": unsaved, "expression": "students_total / teachers"})
    assert response.get_json()["text"] == "学生总数 ÷ 专任教师数"


@pytest.mark.parametrize(("expression", "purpose", "message"), [
    ("students_total / / computer_count", "formula", "此处不应出现 “/”（第 18 个字符处）"),
    ("students_total / computers", "formula", "“computers” 不是本模板的字段代码"),
    ("students_total / computer_count", "rule", "校验规则须是一个条件（如 a <= b），结果为真或假"),
    ("students_total > 3", "formula", "计算公式的结果须为数值，而不是真假值"),
    ("sqrt(students_total)", "formula", "不支持的函数 sqrt()"),
    ("(students_total + 1", "formula", "缺少右括号"),
    ("", "formula", "表达式为空"),
])
def test_an_invalid_expression_is_refused_in_chinese_and_nothing_is_saved(login, people, ratio_template,
                                                                         expression, purpose, message):
    client = login(people.city_staff)
    draft = ratio_template.draft
    before = (copy.deepcopy(draft.definition), draft.updated_at, _audit_count())
    response = _describe(client, ratio_template, expression, purpose=purpose)
    assert response.status_code == 200  # asked while typing, like /check: an answer, not a refusal
    assert response.get_json()["valid"] is False
    error = response.get_json()["error"]
    assert error["code"] == "invalid_expression" and message in error["message"]
    db.session.expire_all()
    assert (ratio_template.draft.definition, ratio_template.draft.updated_at, _audit_count()) == before


def test_describe_refuses_a_draft_whose_shape_is_wrong(login, people, ratio_template):
    client = login(people.city_staff)
    broken = {"sections": [{"title": "甲", "fields": [{"code": "1bad", "label": "坏代码", "type": "integer"}]}]}
    response = client.post(f"/api/v1/report-templates/{ratio_template.id}/describe",
                           json={"definition": broken, "expression": "1 + 1"})
    assert response.get_json()["valid"] is False
    body = response.get_json()["error"]
    assert body["code"] == "invalid_definition" and "代码须以字母开头" in str(body["fields"])


def test_the_preview_is_the_schools_form_of_the_unsaved_draft(login, people, ratio_template):
    client = login(people.city_staff)
    before = (copy.deepcopy(ratio_template.draft.definition), _audit_count())
    unsaved = copy.deepcopy(RATIO_DEFINITION)
    unsaved["sections"][0]["fields"].append({"code": "teachers", "label": "专任教师数", "type": "integer"})
    response = client.post(f"/reporting/templates/{ratio_template.id}/preview", json={"definition": unsaved},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    html = body["html"]
    assert body["problems"] == {} and body["valid"] is True
    assert "专任教师数" in html and 'name="v:teachers"' in html
    assert "自动计算：学生总数 ÷ 计算机台数（当计算机台数大于 0 时；否则为 0）" in html
    assert "自动计算：男生 ＋ 女生" in html and "每行须满足：合计不大于 1000" in html
    assert "各年级合计不大于 学生总数" in html and "各年级合计不能超过学生总数" in html
    assert raw_codes(html) == [] and "if(" not in visible_text(html)
    db.session.expire_all()
    assert (ratio_template.draft.definition, _audit_count()) == before


def test_the_preview_of_a_draft_with_a_broken_formula_shows_the_rest(login, people, ratio_template):
    client = login(people.city_staff)
    unsaved = copy.deepcopy(RATIO_DEFINITION)
    unsaved["sections"][0]["fields"][2]["formula"] = "students_total / computers"
    unsaved["rules"][1]["expression"] = "computer_count >"
    response = client.post(f"/reporting/templates/{ratio_template.id}/preview", json={"definition": unsaved},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is False
    assert set(body["problems"]) == {"sections.0.fields.2.formula", "rules.1.expression"}
    assert "草稿中有 2 处问题" in body["html"]
    assert "生机比" in body["html"] and "自动计算：男生 ＋ 女生" in body["html"]  # the rest still shows
    assert "各年级合计不大于 学生总数" in body["html"]  # the rule that compiles still shows


def test_the_preview_of_a_draft_of_the_wrong_shape_says_why_in_chinese(login, people, ratio_template):
    client = login(people.city_staff)
    broken = {"sections": [{"title": "甲", "fields": [{"code": "1bad", "label": "坏代码", "type": "integer"}]}]}
    response = client.post(f"/reporting/templates/{ratio_template.id}/preview",
                           json={"definition": broken}, headers={"Accept": "application/json"})
    body = response.get_json()
    assert body["valid"] is False and "暂时无法预览：草稿中有 1 处问题" in body["html"]
    assert body["problems"] == {"sections.0.fields.0.code": ["代码须以字母开头，只含字母、数字、下划线（≤40 位）"]}
    # a body that is not a definition at all is a bad request
    response = client.post(f"/reporting/templates/{ratio_template.id}/preview", json={"definition": "x"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.get_json()["error"]["message"]


def test_only_the_templates_editors_may_ask(login, people, ratio_template):
    for user in (people.district_b_staff, people.school_a1_admin):
        client = login(user)
        assert _describe(client, ratio_template, "students_total / computer_count").status_code in (403, 404)
        response = client.post(f"/reporting/templates/{ratio_template.id}/preview",
                               json={"definition": RATIO_DEFINITION}, headers={"Accept": "application/json"})
        assert response.status_code in (403, 404) and "学生总数" not in response.get_data(as_text=True)


def test_the_schools_filling_page_shows_no_formula_syntax(login, people, tree, make_template, issue, sub_of):
    template = make_template(RATIO_DEFINITION, name="生机比统计表")
    task = issue(template.latest_published)
    client = login(people.school_a1_admin)
    page = client.get(f"/reporting/submissions/{sub_of(task, tree.school_a1).id}").get_data(as_text=True)
    text = visible_text(page)
    assert "自动计算：学生总数 ÷ 计算机台数（当计算机台数大于 0 时；否则为 0）" in text
    assert "自动计算：男生 ＋ 女生" in text and "自动计算：分年级学生数各行的合计之和" in text
    assert "每行须满足：合计不大于 1000" in text and "计算机台数等于 0 或 学生总数大于 0" in text
    assert raw_codes(page) == []
    for syntax in ("if(", "sum(", "<=", "==", " or ", "students_total", "row_total"):
        assert syntax not in text, syntax
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text)
    # the table cells are named for screen readers by their row and column
    assert 'aria-label="分年级学生数·一年级·男生"' in page


def test_the_function_menu_offers_exactly_the_parsers_functions():
    assert {item["name"] for item in designer.function_menu()} == set(ex.FUNCTIONS)
    assert all(re.search(r"[\u4e00-\u9fff]", item["label"]) for item in designer.function_menu())


def test_a_column_formula_and_a_row_rule_are_said_in_their_tables_labels():
    from eduplatform.reporting.spec import compile_definition

    spec = compile_definition(RATIO_DEFINITION)
    assert spec.formula_text("grade_table", "row_total") == "男生 ＋ 女生"
    row_rule = next(rule for rule in spec.rules if rule.table == "grade_table")
    assert spec.rule_text(row_rule) == "合计不大于 1000"


def test_the_schools_excel_form_says_the_formula_in_words(tmp_path, make_template, issue, sub_of, tree):
    from openpyxl import load_workbook

    from eduplatform.reporting.services import excel

    template = make_template(RATIO_DEFINITION, name="生机比统计表")
    path = tmp_path / "form.xlsx"
    excel.form_workbook(sub_of(issue(template.latest_published), tree.school_a1), str(path))
    sheet = load_workbook(path).worksheets[1]
    notes = {row[1]: row[4] for row in sheet.iter_rows(values_only=True) if row and row[1]}
    assert notes["生机比"] == "自动计算：学生总数 ÷ 计算机台数（当计算机台数大于 0 时；否则为 0）"
    assert "if(" not in " ".join(str(n) for n in notes.values() if n)


def test_a_draft_with_a_cycle_of_formulas_previews_its_fields():
    cycle = copy.deepcopy(RATIO_DEFINITION)
    cycle["sections"][0]["fields"][0]["formula"] = "students_per_computer + 1"  # 学生总数 ← 生机比 ← 学生总数
    spec, problems = designer.draft_spec(cycle)
    assert any("循环引用" in message for messages in problems.values() for message in messages)
    assert "学生总数" in [f["label"] for f in spec.fields.values()]
