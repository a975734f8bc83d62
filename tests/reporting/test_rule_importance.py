"""A rule's 重要程度 (DHIS2's validation rule importance, 高/中/低): stored in the definition, chosen in
the designer, shown to the school beside a violation, ordering the violations (high first) for the
school and in the reviewers' 校验规则违反情况, in the API's schema and in the audit of template changes.
Every rule still stops a submission, whatever its importance."""

from __future__ import annotations

import copy
import re

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.reporting.models import TemplateVersion
from eduplatform.reporting.services import submissions as submission_services
from tests.reporting.test_designer import RATIO_DEFINITION
from tests.security.visible_codes import raw_codes, visible_text


def _with_importance(high="grades_sum <= students_total", low="row_total <= 1000") -> dict:
    definition = copy.deepcopy(RATIO_DEFINITION)
    for rule in definition["rules"]:
        if rule["expression"] == high:
            rule["importance"] = "high"
    for rule in definition["sections"][1]["fields"][0]["rules"]:
        if rule["expression"] == low:
            rule["importance"] = "low"
    return definition


#: students_total 10 < grades_sum 1 500 (高), a grade of 1 500 (> 1000, 低), computers without students:
#: not violated (students_total > 0); 中 comes from a rule added per test.
VIOLATING = {"students_total": 10, "computer_count": 5,
             "grade_table": {"g1": {"boys_count": 800, "girls_count": 700}, "g2": {"boys_count": 0, "girls_count": 0}}}


def _page(client, auth, user, url) -> str:
    auth.logout()
    auth.login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _entries(kind):
    return list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id)))


def test_importance_is_stored_refused_when_unknown_and_audited(client, api, people, make_template):
    template = make_template(RATIO_DEFINITION, publish=False, name="生机比统计表")
    headers = api(people.city_staff)
    url = f"/api/v1/report-templates/{template.id}/draft"
    before = copy.deepcopy(template.draft.definition)
    audits = len(_entries("template.draft_saved"))

    bad = copy.deepcopy(RATIO_DEFINITION)
    bad["rules"][0]["importance"] = "urgent"
    refused = client.put(url, headers=headers, json={"definition": bad})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"rules.0.importance": ["重要程度须为 高、中 或 低（high / medium / low）"]}
    db.session.expire_all()
    assert template.draft.definition == before and len(_entries("template.draft_saved")) == audits

    saved = client.put(url, headers=headers, json={"definition": _with_importance()})
    assert saved.status_code == 200, saved.get_json()
    db.session.expire_all()
    stored = db.session.get(TemplateVersion, template.draft.id).definition
    assert [r.get("importance") for r in stored["rules"]] == ["high", None]
    assert stored["sections"][1]["fields"][0]["rules"][0]["importance"] == "low"
    entry = _entries("template.draft_saved")[-1]
    assert entry.data["importance"] == [
        {"rule": "各年级合计不能超过学生总数", "table": None, "from": "中", "to": "高"},
        {"rule": "单个年级学生数不超过 1000", "table": "grade_table", "from": "中", "to": "低"}]
    assert "规则重要程度：“各年级合计不能超过学生总数” 中→高，“单个年级学生数不超过 1000” 中→低" in entry.summary
    # saving it again unchanged records no change of importance
    assert client.put(url, headers=headers, json={"definition": _with_importance()}).status_code == 200
    assert "importance" not in _entries("template.draft_saved")[-1].data


def test_the_school_reads_each_violation_with_its_importance_high_first(client, api, auth, people, tree,
                                                                      make_template, issue, sub_of):
    definition = _with_importance()
    definition["rules"].append({"expression": "computer_count <= 4", "message": "计算机台数不超过 4 台"})  # 中
    task = issue(make_template(definition, name="生机比统计表").latest_published)
    submission = sub_of(task, tree.school_a1)
    submission_services.save_values(submission, people.school_a1_admin, copy.deepcopy(VIOLATING))
    db.session.commit()

    headers = api(people.school_a1_admin)
    response = client.post(f"/api/v1/report-tasks/{task.id}/submissions/{submission.id}/submit", headers=headers,
                           json={"version": submission.version})
    assert response.status_code == 422  # a low rule stops the submission as a high one does
    fields = response.get_json()["error"]["fields"]
    assert fields["grades_sum"] == ["各年级合计不能超过学生总数（重要程度：高）"]
    assert fields["computer_count"] == ["计算机台数不超过 4 台（重要程度：中）"]
    assert fields["grade_table.g1.row_total"] == ["单个年级学生数不超过 1000（重要程度：低）"]
    db.session.expire_all()
    assert sub_of(task, tree.school_a1).status.value == "draft"

    # the filling page lists the checks most important first, with the importance in words
    page = _page(client, auth, people.school_a1_admin, f"/reporting/submissions/{submission.id}")
    text = re.sub(r"\s+", " ", visible_text(page))
    checks = text[text.index("上报前将检查"):]
    assert checks.index("重要程度：高 各年级合计") < checks.index("重要程度：中 计算机台数等于 0") \
        < checks.index("重要程度：中 计算机台数不大于 4")
    assert "每行须满足：合计不大于 1000 重要程度：低" in text
    # the saved data's violations above the form, high → medium → low
    panel = text[text.index("未满足校验规则"):text.index("上报前将检查")]
    assert panel.index("重要程度：高 各年级合计：各年级合计不能超过学生总数") \
        < panel.index("重要程度：中 计算机台数：计算机台数不超过 4 台") \
        < panel.index("重要程度：低 分年级学生数·一年级·合计：单个年级学生数不超过 1000")
    assert raw_codes(page) == []


def test_reviewers_see_the_violations_most_important_first(client, auth, people, tree, make_template, issue, sub_of):
    definition = _with_importance()
    definition["rules"].append({"expression": "computer_count <= 4", "message": "计算机台数不超过 4 台"})
    task = issue(make_template(definition, name="生机比统计表").latest_published)
    for school in (tree.school_a1, tree.school_b1):
        submission_services.save_values(sub_of(task, school), people.school_a1_admin, copy.deepcopy(VIOLATING))
    fine = {"students_total": 100, "computer_count": 2,
            "grade_table": {"g1": {"boys_count": 10, "girls_count": 10}, "g2": {"boys_count": 1, "girls_count": 1}}}
    submission_services.save_values(sub_of(task, tree.school_a2), people.school_a1_admin, fine)
    db.session.commit()

    page = _page(client, auth, people.city_staff, f"/reporting/tasks/{task.id}")
    assert 'id="violation-table"' in page
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cells, self.inside = [], None, False

        def handle_starttag(self, tag, attrs):
            if tag == "tr" and dict(attrs).get("data-importance"):
                self.rows.append([dict(attrs)["data-importance"]])
                self.inside = True
            elif tag == "td" and self.inside:
                self.rows[-1].append("")

        def handle_endtag(self, tag):
            if tag == "tr":
                self.inside = False

        def handle_data(self, data):
            if self.inside and len(self.rows[-1]) > 1:
                self.rows[-1][-1] += data.strip()

    parser = Rows()
    parser.feed(page[page.index('id="violation-table"'):])
    rows = parser.rows
    assert [r[0] for r in rows] == ["high", "high", "medium", "medium", "low", "low"]
    assert [r[1] for r in rows] == ["高", "高", "中", "中", "低", "低"]
    schools = {tree.school_a1.name, tree.school_b1.name}
    assert {r[2] for r in rows} == schools and tree.school_a2.name not in page[page.index('id="violation-table"'):]
    assert rows[0][4:7] == ["各年级合计不大于 学生总数", "各年级合计", "各年级合计不能超过学生总数"]
    assert rows[-1][4:7] == ["合计不大于 1000", "分年级学生数·一年级·合计", "单个年级学生数不超过 1000"]
    assert raw_codes(page) == []


def test_a_rule_without_importance_is_medium_and_the_api_schema_names_the_three(app, client):
    from eduplatform.reporting.spec import compile_definition

    spec = compile_definition(copy.deepcopy(RATIO_DEFINITION))
    assert {rule.importance for rule in spec.rules} == {"medium"}
    document = client.get("/api/v1/openapi.json").get_json()
    rule = document["components"]["schemas"]["ReportTemplateRule"]["properties"]["importance"]
    assert rule["enum"] == ["high", "medium", "low"] and rule["default"] == "medium"
    draft = document["components"]["schemas"]["ReportDraftDefinition"]["properties"]["definition"]
    assert draft["allOf"] == [{"$ref": "#/components/schemas/ReportTemplateDefinition"}]
    assert document["components"]["schemas"]["ReportTemplateDefinition"]["properties"]["rules"]["items"] == {
        "$ref": "#/components/schemas/ReportTemplateRule"}


@pytest.mark.parametrize("importance", ["high", "low"])
def test_the_preview_shows_the_importance_chosen_in_the_draft(client, auth, people, make_template, importance):
    template = make_template(RATIO_DEFINITION, publish=False, name="生机比统计表")
    auth.login(people.city_staff)
    definition = copy.deepcopy(RATIO_DEFINITION)
    definition["rules"][1]["importance"] = importance
    html = client.post(f"/reporting/templates/{template.id}/preview", json={"definition": definition}).get_json()["html"]
    label = {"high": "高", "low": "低"}[importance]
    assert f'data-importance="{importance}">重要程度：{label}</span>' in html
