"""家校 end to end in headless Chromium: the school admin prints the account slip of 七年级(1)班's demo
student; on a 390 px phone, a parent opens the address on the slip, registers with its code (captcha),
signs in, sees the child's homework and the auto-marked score, and acknowledges the 班主任's notice;
the 班主任 then sees the 回执 counted."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from eduplatform.core.captcha import CaptchaChallenge
from eduplatform.core.extensions import db
from eduplatform.families.seed import NOTICE
from eduplatform.learning.seed import HOMEWORK
from tests.browser.conftest import SCREENSHOTS, login, logout

PASSWORD = "Jiazhang#2026ok"


def _captcha_answer(live_app, page) -> str:
    token = page.get_attribute("input[name=captcha_token]", "value")
    with live_app.app_context():
        answer = db.session.scalar(sa.select(CaptchaChallenge.answer).where(CaptchaChallenge.token == token))
        db.session.remove()
    return answer


def test_school_prints_a_slip_parent_registers_sees_marks_and_acknowledges(page, live_server, live_app):
    base = live_server
    # 1. the school admin prints the slip of the demo student (陈小明) from the school's 家校 page
    login(page, base, "school_admin")
    page.goto(f"{base}/families/school")
    page.locator("#school-classes a", has_text="七年级(1)班").first.click()
    page.check("input[aria-label='为陈小明生成邀请码']")
    page.click("#print-slips")
    expect(page.locator("#slips .slip")).to_have_count(1)
    expect(page.locator(".slip-student")).to_have_text("陈小明")
    code = page.inner_text(".slip-code")
    join_url = page.inner_text(".slip-url")
    assert join_url.endswith("/families/join") and len(code) == 11
    page.goto(f"{base}/")
    logout(page)

    # 2. the parent, on a phone, opens the address on the slip and registers with the code
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(join_url)
    page.fill("#code", "WRONG-CODE1")
    page.fill("#display_name", "陈妈妈")
    page.fill("#username", "chen_mama")
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.fill("#captcha", _captcha_answer(live_app, page))
    page.click("#join-submit")
    expect(page.locator("#form-error")).to_contain_text("邀请码不正确")
    page.fill("#code", code.lower())
    page.select_option("#relation", "母亲")
    page.fill("#display_name", "陈妈妈")
    page.fill("#username", "chen_mama")
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.fill("#captcha", _captcha_answer(live_app, page))
    page.click("#join-submit")
    expect(page.locator(".alert-success")).to_contain_text("已注册并关联陈小明")
    page.fill("#username", "chen_mama")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")

    # 3. the child's page: today's homework with the auto-marked score, and the 班主任's notice
    expect(page.locator("#child-name")).to_have_text("陈小明")
    row = page.locator(".homework-row", has_text=HOMEWORK)
    expect(row).to_contain_text("今日")
    expect(row).to_contain_text("已批改")
    expect(row.locator(".homework-score")).to_be_visible()
    expect(row).to_contain_text("待批改")  # the photo hand-in the teacher has not marked yet
    notice = page.locator("#notices li", has_text=NOTICE)
    notice.locator(".ack-button").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已回执：{NOTICE}")
    expect(page.locator("#notices li", has_text=NOTICE).locator(".receipt-done")).to_contain_text("陈妈妈")
    expect(page.locator("#notices li", has_text=NOTICE).locator(".ack-button")).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "families_child_phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    logout(page)

    # 4. the 班主任 sees the 回执 counted, and who has not acknowledged
    login(page, base, "teacher")
    page.goto(f"{base}/families/classes")
    page.locator("#class-notices a", has_text=NOTICE).click()
    expect(page.locator("#receipt-count strong")).to_have_text("1")
    expect(page.locator("#done")).to_contain_text("陈小明 · 陈妈妈")
    expect(page.locator("#missing")).not_to_contain_text("陈小明")
