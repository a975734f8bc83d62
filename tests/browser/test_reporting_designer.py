"""The template designer in the browser: add fields, see a bad formula refused beside its field, publish."""

from __future__ import annotations

from tests.browser.test_reporting_journey import login


def test_design_a_template_with_a_computed_field_and_publish(page, live_server):
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, "city_staff")
    page.goto(f"{live_server}/reporting/templates")
    page.fill("#tpl-name", "设计器测试表")
    page.fill("#tpl-code", "designer-test")
    page.click("text=建立并进入设计器")
    page.wait_for_selector("#sections .card")

    def add_field(kind, code, label):
        page.select_option("#sections .card select", kind)
        page.click("#sections .card .add-field")
        page.fill("#field-editor [data-prop='code']", code)
        page.fill("#field-editor input >> nth=0", label)

    add_field("integer", "boys", "男生数")
    add_field("integer", "girls", "女生数")
    add_field("integer", "total", "合计")
    page.fill("#field-editor [data-prop='formula']", "boys + girl")  # a typo: no such field
    page.click("#save-draft")
    page.wait_for_selector("#designer-status.alert-danger")
    assert "“girl” 不是本模板的字段代码" in page.locator("#sections").inner_text()

    page.click("#sections [data-code='total']")
    page.fill("#field-editor [data-prop='formula']", "boys + girls")
    page.click("#add-rule")
    page.fill("#rules input >> nth=0", "girls <= total")
    page.fill("#rules input >> nth=1", "女生数不能超过合计")
    page.click("#publish")
    page.wait_for_selector("#designer-status:has-text('已发布 V1')")

    page.goto(f"{live_server}/reporting/templates")
    page.click("text=设计器测试表")
    text = page.locator("main").inner_text()
    assert "V1" in text and "= boys + girls" in text and "girls <= total" in text
