"""Class homework end to end in headless Chromium: the 语文 teacher sets 分层 homework for the 提高组
that would push 七年级(1)班 over its 90-minute 双减 budget and is refused, sends it to the 班主任, who
returns it; the teacher cuts an item and asks again, and the 班主任 approves the smaller set from the
工作台's to-do; a student of the 提高组 hands the item in by photo on a 390 px phone; the teacher marks
that item for the whole class in the marking stack."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, logout
from tests.learning.conftest import PNG

YW = "yw_teacher"


@pytest.fixture(scope="module")
def chinese_teacher(live_app):
    """A 语文 teacher of the demo student's class (the demo 张老师 is its 班主任 and 数学 teacher)."""
    from eduplatform.accounts.models import Role
    from eduplatform.accounts.seed import DEMO_PASSWORD
    from eduplatform.accounts.services import find_user
    from eduplatform.core.extensions import db
    from eduplatform.schools import services as school_services
    from eduplatform.schools.models import StudentProfile
    from tests.fixtures.factories import make_user

    with live_app.app_context():
        if find_user(YW) is None:
            student = StudentProfile.for_user(find_user("student"))
            school = student.school
            user = make_user(username=YW, roles=[Role.TEACHER], org=school, password=DEMO_PASSWORD,
                             display_name="李语文")
            profile = school_services.create_teacher(None, school, {"teacher_no": "YW01", "name": "李语文",
                                                                    "subjects": ["语文"]})
            profile.user_id = user.id
            school_services.set_assignments(profile, [{"class_id": student.class_id, "subject": "语文"}])
            db.session.flush()
            from eduplatform.learning import services as learning
            from eduplatform.learning.models import Level

            learning.set_groups(user, student.school_class, "语文", {student.id: Level.ADVANCED})
            db.session.commit()
    return YW


def test_layered_over_budget_returned_cut_approved_photo_hand_in_and_stack_marking(page, live_server, chinese_teacher, tmp_path):
    base = live_server
    # 1. the 语文 teacher sets 80 minutes for the 提高组 on a day that already has 30 minutes of 数学
    login(page, base, chinese_teacher)
    page.goto(f"{base}/learning/")
    page.get_by_role("link", name="布置作业").first.click()
    page.fill("#title", "古诗默写与赏析")
    page.select_option("#level", "advanced")
    page.click("text=保存草稿，下一步添加项目")
    expect(page.locator("#homework-status")).to_have_text("草稿")
    for title, minutes in (("默写《观沧海》（拍照上交）", "70"), ("抄写生字", "10")):
        page.select_option("#kind", "handin")
        page.fill("#item-title", title)
        page.fill("#minutes", minutes)
        page.click("#add-item button")
        expect(page.locator("li", has_text=title)).to_be_visible()
    expect(page.locator("#over-warning")).to_be_visible()
    page.click("#publish")
    expect(page.locator(".alert-danger, .alert")).to_contain_text("超过双减预算 90 分钟")
    page.click("#ask-head")
    expect(page.locator("#homework-status")).to_have_text("待班主任审批")
    homework_url = page.url
    logout(page)

    # 2. the 班主任 returns it; the teacher cuts 抄写生字 and asks again; the 班主任 approves the smaller set
    login(page, base, "teacher")
    page.goto(homework_url)
    page.click("#send-back")
    expect(page.locator(".alert")).to_contain_text("退回须写明意见")
    page.fill("#opinion", "请精简后再报")
    page.click("#send-back")
    expect(page.locator("#homework-status")).to_have_text("草稿")
    logout(page)
    login(page, base, chinese_teacher)
    page.goto(homework_url)
    page.locator("li", has_text="抄写生字").get_by_role("button", name="删除").click()
    expect(page.locator("li", has_text="抄写生字")).to_have_count(0)
    page.click("#ask-head")
    expect(page.locator("#homework-status")).to_have_text("待班主任审批")
    logout(page)
    login(page, base, "teacher")
    page.goto(f"{base}/")
    todo = page.locator("a", has_text="古诗默写与赏析").first
    expect(todo).to_be_visible()
    page.goto(homework_url)
    expect(page.locator("#decide-heading")).to_contain_text("合计 100 分钟")
    page.fill("#opinion", "本周只此一次，同意")
    page.click("#approve")
    expect(page.locator("#homework-status")).to_have_text("已发布")
    expect(page.locator("#approval-opinion")).to_contain_text("本周只此一次")
    logout(page)

    # 3. a student hands the item in by photo on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, base, "student")
    page.goto(f"{base}/learning/today")
    page.get_by_role("link", name="语文 · 古诗默写与赏析").click()
    photo = tmp_path / "默写.png"
    photo.write_bytes(PNG)
    page.locator("input[type=file]").first.set_input_files(str(photo))
    page.get_by_role("button", name="提交").first.click()
    expect(page.locator(".answer-state").first).to_contain_text("待批改")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the hand-in page scrolls sideways on a phone ({width}px)"
    page.set_viewport_size({"width": 1280, "height": 900})  # the top bar's 退出 is folded on a phone
    logout(page)

    # 4. the 语文 teacher marks the item for the whole class
    login(page, base, chinese_teacher)
    page.goto(homework_url)
    page.click("text=批改本项")
    expect(page.locator("#marking-current img")).to_be_visible()
    page.fill("#score", "9")
    page.locator(".quick-comment").first.click()
    page.click("#mark-next")
    expect(page.locator("#marking-stack")).to_contain_text("已批改 9")
