"""The designer's builder in the browser: a computed field and a rule built by clicking (field labels,
÷, ≤), said in words beside the stored text, the school's form previewed as it changes, saved as the
builder showed it; axe-core finds nothing serious or critical on the designer page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.axe import violations as _violations
from tests.browser.conftest import login


def test_build_a_computed_field_and_a_rule_by_clicking(browser, live_server):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True,  # for axe
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document" else None)
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        login(page, live_server, "city_staff")
        page.goto(f"{live_server}/reporting/templates")
        page.fill("#tpl-name", "生机比构建测试")
        page.fill("#tpl-code", "builder-test")
        page.click("text=建立并进入设计器")
        page.wait_for_selector("#sections .card")
        expect(page.locator("#preview")).to_contain_text("还没有字段")

        def add_field(kind, code, label):
            page.select_option("#sections .card select", kind)
            page.click("#sections .card .add-field")
            page.fill("#field-editor [data-prop='code']", code)
            page.fill("#field-editor input >> nth=0", label)

        add_field("integer", "students_total", "学生总数")
        add_field("integer", "computer_count", "计算机台数")
        add_field("decimal", "students_per_computer", "生机比")
        page.click("#sections [data-code='students_per_computer']")

        # the computed field: 学生总数 ÷ 计算机台数, picked by label
        builder = page.locator("#field-editor .formula-builder")
        picker = builder.locator(".pick-field")
        assert picker.locator("option", has_text="学生总数").get_attribute("title") == "代码：students_total"
        assert "students_total" not in picker.inner_text()  # labels shown, codes only in the tooltip
        assert "生机比" not in picker.inner_text()  # not its own input
        picker.select_option(label="学生总数")
        builder.locator(".pick-op[data-op='/']").click()
        picker.select_option(label="计算机台数")
        formula = page.locator("#field-editor [data-prop='formula']")
        expect(formula).to_have_value("students_total / computer_count")
        expect(builder.locator(".expr-words")).to_have_text("学校看到：自动计算：学生总数 ÷ 计算机台数")
        expect(page.locator("#preview")).to_contain_text("自动计算：学生总数 ÷ 计算机台数")

        # a typo typed into the text field: the words say what is wrong, in Chinese
        formula.fill("students_total / / computer_count")
        expect(builder.locator(".expr-words.text-danger")).to_contain_text("此处不应出现 “/”")
        builder.locator("button", has_text="退格").click()  # drops computer_count
        builder.locator("button", has_text="退格").click()  # drops the second /
        picker.select_option(label="计算机台数")
        expect(formula).to_have_value("students_total / computer_count")
        expect(builder.locator(".expr-words")).to_have_text("学校看到：自动计算：学生总数 ÷ 计算机台数")

        # a rule: 计算机台数 ≤ 学生总数
        page.click("#add-rule")
        rule = page.locator("#rules .rule-row").first
        sides = rule.locator(".rule-builder .col-md-5")
        sides.nth(0).locator(".pick-field").select_option(label="计算机台数")
        rule.locator(".rule-op").select_option("<=")
        sides.nth(1).locator(".pick-field").select_option(label="学生总数")
        rule.locator("[aria-label='提示']").fill("计算机台数不能超过学生总数")
        expression = rule.locator(".rule-expression")
        expect(expression).to_have_value("computer_count <= students_total")
        expect(rule.locator(".expr-words")).to_have_text("学校看到：计算机台数不大于 学生总数")
        expect(page.locator("#preview .form-checks")).to_contain_text(
            "计算机台数不大于 学生总数（否则提示：计算机台数不能超过学生总数）")
        # a number on the right side, then ≠: the stored text follows
        sides.nth(1).locator("button", has_text="清空").click()
        sides.nth(1).locator(".pick-number").fill("500")
        sides.nth(1).locator(".pick-number-add").click()
        rule.locator(".rule-op").select_option("!=")
        expect(expression).to_have_value("computer_count != 500")
        expect(rule.locator(".expr-words")).to_have_text("学校看到：计算机台数不等于 500")
        rule.locator(".rule-op").select_option("<=")
        sides.nth(1).locator("button", has_text="清空").click()
        sides.nth(1).locator(".pick-field").select_option(label="学生总数")
        expect(expression).to_have_value("computer_count <= students_total")

        # 重要程度: 中 unless chosen; 高 is shown to the school beside the check
        importance = rule.locator("select[aria-label='重要程度']")
        expect(importance).to_have_value("medium")
        importance.select_option(label="重要程度：高")
        expect(page.locator("#preview .form-checks")).to_contain_text("重要程度：高 计算机台数不大于 学生总数")

        shown_formula = formula.input_value()
        shown_rule = expression.input_value()
        found = _violations(page)
        assert found == [], found

        # a table's row rule, within the table: its column 列一 (the table's first, default column)
        add_field("table", "grade_table", "分年级学生数")
        page.click("#field-editor .add-row-rule")
        row_rule = page.locator("#field-editor .table-rules .rule-row").first
        row_sides = row_rule.locator(".rule-builder .col-md-5")
        row_sides.nth(0).locator(".pick-field").select_option(label="列一")
        row_rule.locator(".rule-op").select_option("<=")
        row_sides.nth(1).locator(".pick-number").fill("1000")
        row_sides.nth(1).locator(".pick-number-add").click()
        row_rule.locator("[aria-label='提示']").fill("每个年级不超过 1000 人")
        expect(row_rule.locator(".rule-expression")).to_have_value("c1 <= 1000")
        expect(row_rule.locator(".expr-words")).to_have_text("学校看到：列一不大于 1000")
        expect(page.locator("#preview")).to_contain_text("每行须满足：列一不大于 1000")

        page.click("#save-draft")
        page.wait_for_selector("#designer-status.alert-success")
        template_id = page.evaluate("JSON.parse(document.getElementById('designer-data').textContent).template_id")
        stored = page.request.get(f"{live_server}/api/v1/report-templates/{template_id}").json()["definition"]
        fields = {f["code"]: f for s in stored["sections"] for f in s["fields"]}
        assert fields["students_per_computer"]["formula"] == shown_formula == "students_total / computer_count"
        assert stored["rules"] == [{"expression": shown_rule, "message": "计算机台数不能超过学生总数",
                                    "importance": "high"}]
        assert fields["grade_table"]["rules"] == [{"expression": "c1 <= 1000", "message": "每个年级不超过 1000 人",
                                                   "importance": "medium"}]

        # reopened, the builder reads the stored rule back into its sides
        page.reload()
        rule = page.locator("#rules .rule-row").first
        expect(rule.locator(".rule-left")).to_have_value("computer_count")
        expect(rule.locator(".rule-right")).to_have_value("students_total")
        expect(rule.locator(".rule-op")).to_have_value("<=")
        expect(rule.locator("select[aria-label='重要程度']")).to_have_value("high")
        expect(page.locator("#preview")).to_contain_text("自动计算：学生总数 ÷ 计算机台数")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert errors == [], f"errors in the page: {errors}"
