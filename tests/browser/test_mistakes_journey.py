"""错题本 end to end in headless Chromium on a 390 px phone: the demo student answers a homework's bank
question wrong, finds it in 我的错题本 (with its knowledge point and the wrong answer), re-does it right the
same day (counted, still 待巩固), builds a practice set with one click and takes it; its wrong answers
land in the book too. The 数学 teacher (the class's 班主任) then sees the question in 班级错题."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, login, logout

STEM = "浏览器演示：方程 6x=12 的解是"


@pytest.fixture(scope="module")
def homework_id(live_app):
    """Tomorrow's 数学 homework of the demo class with one new bank question (its answer: B)."""
    from eduplatform.accounts.services import find_user
    from eduplatform.core.db import utcnow
    from eduplatform.core.extensions import db
    from eduplatform.learning import services
    from eduplatform.learning.models import ItemKind
    from eduplatform.questions import knowledge
    from eduplatform.questions import services as question_services
    from eduplatform.schools.models import StudentProfile

    with live_app.app_context():
        teacher = find_user("teacher")
        school_class = StudentProfile.for_user(find_user("student")).school_class
        kp = knowledge.ensure_path(teacher, "math", "代数/方程/一元一次方程")
        question = question_services.create_question(teacher, {
            "type": "single", "stem": STEM, "data": {"options": ["x=3", "x=2", "x=6", "x=12"], "answer": 1},
            "analysis": "两边同除以 6。", "difficulty": 2, "subject": "math", "stage": "junior", "grade": "g7",
            "tags": [], "source": "", "sharing": "org"}, knowledge_points=[kp])
        homework = services.create_homework(teacher, school_class, {
            "subject": "数学", "title": "明天的方程练习", "note": "", "level": None,
            "load_date": services.local_today() + timedelta(days=1), "due_at": utcnow() + timedelta(days=2)})
        services.add_item(teacher, homework, {"kind": ItemKind.QUESTION, "minutes": 5, "question_id": question.id})
        services.publish(teacher, homework)
        db.session.commit()
        return homework.id


def test_a_wrong_homework_answer_lands_in_the_book_and_a_practice_set_is_built_and_taken(page, live_server,
                                                                                          homework_id):
    base = live_server
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, base, "student")
    # 1. the homework's question, answered wrong (A: x=3), is marked at once
    page.goto(f"{base}/learning/homework/{homework_id}/do")
    page.get_by_label("A").first.check()
    page.get_by_role("button", name="提交").first.click()
    expect(page.locator(".alert-success")).to_contain_text("自动批改得 0/")
    # 2. it is in 我的错题本, with its knowledge point and the wrong answer
    page.goto(f"{base}/learning/mistakes/")
    card = page.locator(".mistake", has_text=STEM)
    expect(card).to_have_count(1)
    expect(card.locator(".mistake-status")).to_have_text("待巩固")
    expect(card).to_contain_text("一元一次方程")
    expect(card).to_contain_text("作业：明天的方程练习")
    expect(card.locator(".my-answer")).to_contain_text("A")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the book scrolls sideways on a phone ({width}px)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "mistakes_book_phone.png"), full_page=True)
    # 3. 重做 right at once: counted, but it stays 待巩固 until a day after the wrong answer
    card.get_by_role("link", name="重做").click()
    page.get_by_label("B", exact=True).check()
    page.click("#redo-submit")
    expect(page.locator("#redo-result")).to_contain_text("回答正确")
    expect(page.locator("#redo-result")).to_contain_text("不满一天")
    expect(page.locator("#entry-status")).to_have_text("待巩固")
    # 4. one click builds a practice set of 5 from the book (this subject) and similar bank questions
    page.goto(f"{base}/learning/mistakes/?subject=math")
    page.select_option("#p-size", "5")
    page.click("#build-practice")
    page.screenshot(path=str(SCREENSHOTS / "mistakes_practice_phone.png"), full_page=True)
    expect(page.locator("#practice-state")).to_contain_text("错题")
    state = page.locator("#practice-state").inner_text()
    assert "同类题 0 道" not in state, state
    items = page.locator(".practice-item")
    count = items.count()
    assert 2 <= count <= 5
    for n in range(count):  # choose the first choice everywhere: some right, some wrong
        radios = items.nth(n).locator("input[type=radio]")
        if radios.count():
            radios.first.check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#practice-submit")
    expect(page.locator(".alert-success")).to_contain_text("做错的题已收入错题本")
    expect(page.locator("#practice-score")).to_be_visible()
    wrong = page.locator(".practice-item .item-mark", has_text="错").count()
    assert wrong >= 1
    # 5. the practice set's wrong answers are in the book too
    page.goto(f"{base}/learning/mistakes/")
    expect(page.locator(".mistake", has_text="错题练习：").first).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    logout(page)
    # 6. the 班主任 (数学) sees the question among the class's most-missed ones
    login(page, base, "teacher")
    page.goto(f"{base}/learning/mistakes/classes")
    expect(page.locator("#class-questions")).to_contain_text(STEM)
    expect(page.locator("#class-kps")).to_contain_text("一元一次方程")
