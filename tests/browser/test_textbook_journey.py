"""A teacher finds the courseware for tomorrow's lesson by textbook: 同步资源 (on their own subject),
the volume, the lesson — and uploads to it with the lesson already filled in."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, login
from tests.resources.conftest import make_pptx


def test_from_the_menu_to_a_lessons_courseware(page, live_server, tmp_path):
    login(page, live_server, "teacher")
    page.locator("#mainNav .dropdown-toggle", has_text="远程教育资源").click()
    page.click("text=同步资源（按教材）")
    expect(page.locator("#textbook-defaults")).to_contain_text("任教学科")
    page.locator(".textbook-card", has_text="数学 七年级上册").click()
    page.locator("a[data-node='pep-math-7a:1.5']").click()
    expect(page.locator("#textbook-resources")).to_contain_text("有理数的乘方")
    expect(page.locator("nav[aria-label=位置]")).to_contain_text("第一章 有理数")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "textbook-lesson-1366.png"), full_page=True)
    page.click("#upload-here")
    # The file first; the lesson rides along to the form.
    deck = tmp_path / "有理数的乘方.pptx"
    deck.write_bytes(make_pptx("有理数的乘方|乘方的意义"))
    page.set_input_files("#f-file", str(deck))
    page.wait_for_selector("#upload-form")
    box = page.locator("input[name=textbook_nodes][value='pep-math-7a:1.5']")
    expect(box).to_be_checked()
    expect(page.locator("#f-stage")).to_have_value("junior")
    # 年级 offers the chosen 学段's grades only, and follows when the 学段 changes
    def grades():
        return page.eval_on_selector_all("#f-grade option:not([disabled])", "els => els.map(e => e.textContent)")
    assert grades() == ["— 请选择 —", "七年级", "八年级", "九年级"]
    expect(page.locator("#f-grade")).to_have_value("g7")
    page.select_option("#f-stage", "primary")
    assert grades()[1:] == ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"]
    expect(page.locator("#f-grade")).to_have_value("")  # 七年级 does not belong to 小学
    page.select_option("#f-stage", "junior")
    page.screenshot(path=str(SCREENSHOTS / "textbook-upload-1366.png"), full_page=True)
