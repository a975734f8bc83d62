"""First journeys: the demo teacher logs in and sees the Chinese home page; six wrong passwords lock, silently."""

from __future__ import annotations

from eduplatform.accounts.lockout import FAILURE_MESSAGE
from eduplatform.accounts.seed import DEMO_PASSWORD


def login(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_demo_teacher_logs_in_and_sees_the_chinese_home_page(page, live_server):
    login(page, live_server, "teacher", DEMO_PASSWORD)
    page.wait_for_selector("text=张老师的工作台")
    assert page.locator("#current-org").inner_text() == "东湖区第一初级中学"
    assert page.locator("#current-roles").inner_text() == "教师"
    assert page.title().endswith("教育电子政务与远程教育资源平台")
    # Every asset came from this server: no requests leave for a CDN.
    page.click("text=退出")
    page.wait_for_selector("text=您已安全退出")


def test_six_wrong_passwords_lock_without_saying_so(page, live_server):
    """The lock is real (the right password no longer gets in) but the words are the same as for
    any wrong password, with the hint that repeated failures lock an account for a while."""
    requested_hosts = set()
    page.on("request", lambda req: requested_hosts.add(req.url.split("/")[2]))
    messages = []
    for _ in range(6):
        login(page, live_server, "student2", "Wrong#Pass1")
        messages.append(page.locator("#login-error").inner_text())
    login(page, live_server, "student2", DEMO_PASSWORD)
    messages.append(page.locator("#login-error").inner_text())
    assert set(messages) == {FAILURE_MESSAGE}
    assert "用户名或密码错误" in FAILURE_MESSAGE and "联系安全管理员" in FAILURE_MESSAGE
    login(page, live_server, "nobody-at-all", "Wrong#Pass1")
    assert page.locator("#login-error").inner_text() == FAILURE_MESSAGE
    assert requested_hosts == {live_server.split("/")[2]}
