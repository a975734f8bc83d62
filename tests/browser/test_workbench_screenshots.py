"""Each demo account's 工作台 in Chromium at 1366 px and 390 px: a screenshot of each in
``tests/browser/screenshots/`` (README names it), and the role's real items on the page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import login, logout

SHOTS = Path(os.environ.get("EDU_WORKBENCH_SCREENSHOTS", Path(__file__).with_name("screenshots")))
WIDTHS = [(1366, 900), (390, 844)]

#: account → texts its workbench must show (from the demo data each seed writes; other journeys
#: share the live server and may add to counts, so counts are not pinned here — tests/home pins them)
EXPECTED = {
    "teacher": ["张老师的工作台", "我的上传（", "一元一次方程的应用（草稿）", "提交审核", "待学校审核", "我的班级",
                "七年级(1)班", "新资源（初中 · 数学）"],
    "teacher2": ["被退回", "《春》朗读指导教学案例", "退回理由："],
    "student": ["在线考试", "第三章单元测验（在线）", "待作答", "我的考试", "已学"],
    "school_admin": ["资源审核（1）", "有理数的乘方", "填报任务"],
    "school_admin3": ["填报任务", "2026年秋季学期学校基本情况统计", "截止"],
    "dh_staff": ["填报进度", " / 应报 3", "勾股定理的逆定理 微课讲义"],
    "city_office": ["今天要办", "发文", "用印", "领导信箱"],  # 即将/今日到期 turns with the Beijing date
    "leader": ["信息化指标", "Mbps/生", "签发", "批办"],
    "auditor": ["审计概况（今日）", "哈希链封存"],
    "sysadmin": ["账户概况", "管理的账户"],
    "secadmin": ["账户概况", "受限的来源地址"],
    "citizen": ["前往门户网站"],
}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_workbench_of_each_demo_role(page, live_server, username):
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, live_server, username)
    page.goto(f"{live_server}/")
    main = page.locator("main").inner_text()
    for text in EXPECTED[username]:
        assert text in main, (username, text)
    assert "无单位" not in page.content()
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"workbench-{username}-{width}.png"), full_page=True)
    # at 390 px the page fits the screen: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.set_viewport_size({"width": 1366, "height": 900})
    logout(page)


def test_the_top_bar_search_finds_across_kinds(page, live_server):
    login(page, live_server, "teacher")
    page.fill("#nav-search input[name=q]", "勾股定理")
    page.press("#nav-search input[name=q]", "Enter")  # the button shows from 1400 px; Enter everywhere
    page.wait_for_selector("#search-summary")
    assert "教学资源（" in page.locator("#search-resource").inner_text()
    assert page.locator("#search-resource a", has_text="勾股定理的证明").count() == 1
    page.screenshot(path=str(SHOTS / "search-teacher-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone the box is one tap away
    page.click("#nav-search-link")
    page.fill("#search-page-q", "勾股定理")
    page.press("#search-page-q", "Enter")
    page.wait_for_selector("#search-resource")
    page.screenshot(path=str(SHOTS / "search-teacher-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    logout(page)


@pytest.mark.parametrize("username, title", [
    ("school_admin", "有理数的乘方"),            # the school's review
    ("dh_staff", "勾股定理的逆定理 微课讲义"),   # the district's review
])
def test_a_review_opens_on_the_thing_in_one_click(page, live_server, username, title):
    """From the 工作台 a reviewer's to-do opens the object itself with the action beside it: one click."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, live_server, username)
    page.goto(f"{live_server}/")
    page.locator("#home-todos .wb-todo-title", has_text=title).first.click()  # click 1
    # the resource itself (its preview) with the review's actions beside it, not the process page
    page.wait_for_selector("#review-actions")
    assert page.locator("#preview").count() == 1 and "/workflow/instances/" not in page.url
    assert title in page.locator("h1").first.inner_text()
    assert page.locator("#todo-nav").count() == 1  # 上一件 / 下一件 through the queue
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"review-{username}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.set_viewport_size({"width": 1366, "height": 900})
    logout(page)
