"""First journeys: the demo teacher logs in and sees the Chinese home page; six wrong passwords lock."""

from __future__ import annotations

from eduplatform.accounts.seed import DEMO_PASSWORD


def login(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_demo_teacher_logs_in_and_sees_the_chinese_home_page(page, live_server):
    login(page, live_server, "teacher", DEMO_PASSWORD)
    page.wait_for_selector("text=欢迎，张老师")
    assert page.locator("#current-org").inner_text() == "东湖区第一初级中学"
    assert page.locator("#current-roles").inner_text() == "教师"
    assert page.title().endswith("教育电子政务与远程教育资源平台")
    # Every asset came from this server: no requests leave for a CDN.
    page.click("text=退出")
    page.wait_for_selector("text=您已安全退出")


def test_six_wrong_passwords_show_the_lock(page, live_server):
    requested_hosts = set()
    page.on("request", lambda req: requested_hosts.add(req.url.split("/")[2]))
    for attempt in range(6):
        login(page, live_server, "student2", "Wrong#Pass1")
        message = page.locator("#login-error").inner_text()
        if attempt < 4:
            assert message == "用户名或密码错误"
    assert "已被锁定" in message and "15 分钟" in message
    login(page, live_server, "student2", DEMO_PASSWORD)
    assert "已被锁定" in page.locator("#login-error").inner_text()
    assert requested_hosts == {live_server.split("/")[2]}
