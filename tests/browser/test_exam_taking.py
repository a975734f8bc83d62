"""Taking a timed exam as a student would: a focused page without the site menu, the 答题卡 showing
answered / flagged / open, every change saved, a warning before time runs out, and the hand-in
confirmation naming what is still open. On a phone the 答题卡 folds behind a button."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import login

DEMO_EXAM = "第三章单元测验（在线）"  # the demo's open exam for 东湖区第一初级中学 (45 minutes)


def open_demo_exam(page, live_server):
    page.goto(f"{live_server}/questions/my-exams")
    href = page.locator("#my-exams tr", has_text=DEMO_EXAM).locator("a").first.get_attribute("href")
    exam_id = re.search(r"/exams/(\d+)", href).group(1)
    page.goto(f"{live_server}/questions/exams/{exam_id}/take")
    if page.locator("#start-exam").count():
        page.click("#start-exam")
    page.wait_for_selector("#exam-app")
    return exam_id


def test_the_answer_card_the_focused_layout_saving_and_the_time_warning(page, live_server):
    page.clock.install()
    login(page, live_server, "student")
    open_demo_exam(page, live_server)

    # Focused: the exam bar, no site menu.
    assert page.locator("#mainNav").count() == 0
    expect(page.locator("#exam-bar")).to_contain_text(DEMO_EXAM)
    items = page.locator(".exam-item")
    cells = page.locator(".card-cell")
    assert cells.count() == items.count() == 9
    # the card's states are set by the page's script: wait for it under a loaded machine
    page.wait_for_function("() => [...document.querySelectorAll('.card-cell')].every(c => c.dataset.state)")
    assert {cell.get_attribute("data-state") for cell in cells.all()} == {"open"}

    # Answering the first item marks its cell and is saved without pressing anything.
    first = items.nth(0)
    first_id = first.get_attribute("data-item")
    first.locator("input[type=radio]").first.check()
    expect(page.locator(f".card-cell[data-card='{first_id}']")).to_have_attribute("data-state", "answered")
    page.wait_for_selector("#save-status[data-saved='1']")
    expect(page.locator("#answer-card .answered-count")).to_have_text("1")

    # Typing into a blank is saved too (after a short pause).
    blank = page.locator(".exam-item[data-type=fill_blank]").first
    blank_id = blank.get_attribute("data-item")
    blank.locator("input").first.fill("x=2")
    page.clock.run_for(1000)
    page.wait_for_selector("#save-status[data-saved='1']")

    # A flag is the student's own note: it shows on the card and survives a reload.
    second_id = items.nth(1).get_attribute("data-item")
    items.nth(1).locator(".flag-toggle").click()
    expect(page.locator(f".card-cell[data-card='{second_id}']")).to_have_class(re.compile(r"\bflagged\b"))
    page.reload()
    page.wait_for_selector("#exam-app")
    expect(page.locator(f".card-cell[data-card='{second_id}']")).to_have_class(re.compile(r"\bflagged\b"))
    # …and the answers came back from the server, not from the page.
    expect(page.locator(f".card-cell[data-card='{first_id}']")).to_have_attribute("data-state", "answered")
    expect(page.locator(f".card-cell[data-card='{blank_id}']")).to_have_attribute("data-state", "answered")
    expect(page.locator(f"#item-{first_id} input[type=radio]").first).to_be_checked()

    # The card's number jumps to its question.
    page.locator(f".card-cell[data-card='{second_id}']").click()
    assert page.url.endswith(f"#item-{second_id}")

    # Four minutes before the end: a warning that names what is still open.
    expect(page.locator("#time-warning")).to_be_hidden()
    page.clock.fast_forward("41:00")
    expect(page.locator("#time-warning")).to_be_visible()
    expect(page.locator("#time-warning")).to_contain_text("距离交卷还有")
    expect(page.locator("#time-warning")).to_contain_text("7 题未作答")

    # Handing in asks first and says how many are open; declining keeps the exam going.
    messages = []

    def decline(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.click("#submit-exam")
    assert messages == ["还有 7 题未作答，确定交卷？交卷后不能再修改。"]
    assert "/take" in page.url
    items.nth(2).locator("input[type=radio]").first.check()
    page.wait_for_selector("#save-status[data-saved='1']")  # still saving after the declined hand-in


def test_on_a_phone_the_answer_card_folds_behind_a_button(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server, "student")
        open_demo_exam(page, live_server)
        expect(page.locator("#answer-card")).to_be_hidden()
        page.locator("#exam-bar button", has_text="答题卡").click()
        expect(page.locator("#answer-card")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
    finally:
        context.close()
